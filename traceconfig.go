package sessiontrace

import (
	"os"
	"strconv"
	"strings"

	"github.com/sessiontrace/sessiontrace/internal/oiattr"
)

// RedactedValue replaces a value that masking hides.
const RedactedValue = oiattr.RedactedValue

// TraceConfig says which sensitive attributes the wrappers and turns record:
// each Hide flag drops or redacts one family of attributes (input.value,
// output.value, the input and output messages, their text, images, embedding
// vectors and text, invocation parameters, tool definitions, legacy prompts
// and choices), EnableGenAISemconv adds the OpenTelemetry GenAI attributes,
// and Base64ImageMaxLength bounds inline images. The zero value records
// everything (with Base64ImageMaxLength taken as 32000). Code beats
// environment: build one by hand, or start from TraceConfigFromEnv and change
// fields. Session, user, metadata, tags, prompt templates, token counts and
// model names are never masked.
//
// It is the one configuration type of every package of this module; the
// wrappers' attribute code (internal/oiattr) uses it as is.
type TraceConfig = oiattr.TraceConfig

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
