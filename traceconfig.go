package sessiontrace

import (
	"os"
	"strconv"
	"strings"

	"github.com/sessiontrace/sessiontrace/internal/oiattr"
)

// RedactedValue replaces a value that masking hides.
const RedactedValue = oiattr.RedactedValue

// TraceConfig says which sensitive attributes the wrappers and turns record.
// The zero value records everything (with Base64ImageMaxLength taken as
// 32000). Code beats environment: build one by hand, or start from
// TraceConfigFromEnv and change fields.
type TraceConfig struct {
	// HideInputs redacts input.value, drops input.mime_type, and drops the
	// input messages, legacy prompts and tool definitions.
	HideInputs bool
	// HideOutputs redacts output.value, drops output.mime_type, and drops the
	// output messages and legacy choices.
	HideOutputs bool
	// HideInputMessages drops llm.input_messages.*.
	HideInputMessages bool
	// HideOutputMessages drops llm.output_messages.*.
	HideOutputMessages bool
	// HideInputImages drops the image parts of input messages.
	HideInputImages bool
	// HideInputText redacts the text of input messages (message.content and
	// message_content.text) and of a turn's input.
	HideInputText bool
	// HideOutputText redacts the text of output messages and of a turn's
	// output.
	HideOutputText bool
	// HideEmbeddingVectors redacts embedding vectors.
	HideEmbeddingVectors bool
	// HideEmbeddingsText redacts the text that was embedded.
	HideEmbeddingsText bool
	// HideLLMInvocationParameters drops llm.invocation_parameters.
	HideLLMInvocationParameters bool
	// HideLLMTools drops llm.tools.*.
	HideLLMTools bool
	// HidePrompts redacts legacy completion prompts (llm.prompts.*).
	HidePrompts bool
	// HideChoices redacts legacy completion choices (llm.choices.*).
	HideChoices bool
	// EnableGenAISemconv also records the OpenTelemetry GenAI attributes
	// (gen_ai.conversation.id, gen_ai.usage.*, ...).
	EnableGenAISemconv bool
	// Base64ImageMaxLength is the longest data:image base64 URL recorded as
	// is; longer ones are redacted. Zero or less means 32000.
	Base64ImageMaxLength int
}

// DefaultTraceConfig records everything, with Base64ImageMaxLength 32000.
func DefaultTraceConfig() TraceConfig {
	return TraceConfig{Base64ImageMaxLength: oiattr.DefaultBase64ImageMaxLength}
}

// TraceConfigFromEnv reads the OPENINFERENCE_* variables over the defaults.
// Booleans take what strconv.ParseBool accepts ("1", "true", "TRUE", ...);
// an unset or unparsable variable keeps the default, as does a
// non-positive or unparsable OPENINFERENCE_BASE64_IMAGE_MAX_LENGTH.
func TraceConfigFromEnv() TraceConfig {
	c := DefaultTraceConfig()
	for _, v := range []struct {
		name string
		dst  *bool
	}{
		{"OPENINFERENCE_HIDE_INPUTS", &c.HideInputs},
		{"OPENINFERENCE_HIDE_OUTPUTS", &c.HideOutputs},
		{"OPENINFERENCE_HIDE_INPUT_MESSAGES", &c.HideInputMessages},
		{"OPENINFERENCE_HIDE_OUTPUT_MESSAGES", &c.HideOutputMessages},
		{"OPENINFERENCE_HIDE_INPUT_IMAGES", &c.HideInputImages},
		{"OPENINFERENCE_HIDE_INPUT_TEXT", &c.HideInputText},
		{"OPENINFERENCE_HIDE_OUTPUT_TEXT", &c.HideOutputText},
		{"OPENINFERENCE_HIDE_EMBEDDING_VECTORS", &c.HideEmbeddingVectors},
		{"OPENINFERENCE_HIDE_EMBEDDINGS_VECTORS", &c.HideEmbeddingVectors},
		{"OPENINFERENCE_HIDE_EMBEDDINGS_TEXT", &c.HideEmbeddingsText},
		{"OPENINFERENCE_HIDE_LLM_INVOCATION_PARAMETERS", &c.HideLLMInvocationParameters},
		{"OPENINFERENCE_HIDE_LLM_TOOLS", &c.HideLLMTools},
		{"OPENINFERENCE_HIDE_PROMPTS", &c.HidePrompts},
		{"OPENINFERENCE_HIDE_CHOICES", &c.HideChoices},
		{"OPENINFERENCE_ENABLE_GENAI_SEMCONV", &c.EnableGenAISemconv},
	} {
		if b, err := strconv.ParseBool(strings.TrimSpace(os.Getenv(v.name))); err == nil {
			// Two names feed HideEmbeddingVectors: either set true hides.
			*v.dst = *v.dst || b
		}
	}
	if n, err := strconv.Atoi(strings.TrimSpace(os.Getenv("OPENINFERENCE_BASE64_IMAGE_MAX_LENGTH"))); err == nil && n > 0 {
		c.Base64ImageMaxLength = n
	}
	return c
}
