package oiattr

// RedactedValue replaces a value that masking hides but whose presence is
// still worth recording.
const RedactedValue = "__REDACTED__"

// DefaultBase64ImageMaxLength is the longest data:image base64 URL recorded
// as is; a longer one is redacted.
const DefaultBase64ImageMaxLength = 32000

// TraceConfig says which sensitive attributes the wrappers and turns record.
// The root package exports it as sessiontrace.TraceConfig, its only name
// for users. The zero value records everything.
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

func (c TraceConfig) imageMax() int {
	if c.Base64ImageMaxLength <= 0 {
		return DefaultBase64ImageMaxLength
	}
	return c.Base64ImageMaxLength
}
