package oiattr

// RedactedValue replaces a value that masking hides but whose presence is
// still worth recording.
const RedactedValue = "__REDACTED__"

// DefaultBase64ImageMaxLength is the longest data:image base64 URL recorded
// as is; a longer one is redacted.
const DefaultBase64ImageMaxLength = 32000

// Config mirrors sessiontrace.TraceConfig field for field, so that the root
// package converts one into the other with a plain conversion. The zero value
// records everything.
type Config struct {
	HideInputs                  bool
	HideOutputs                 bool
	HideInputMessages           bool
	HideOutputMessages          bool
	HideInputImages             bool
	HideInputText               bool
	HideOutputText              bool
	HideEmbeddingVectors        bool
	HideEmbeddingsText          bool
	HideLLMInvocationParameters bool
	HideLLMTools                bool
	HidePrompts                 bool
	HideChoices                 bool
	EnableGenAISemconv          bool
	Base64ImageMaxLength        int
}

func (c Config) imageMax() int {
	if c.Base64ImageMaxLength <= 0 {
		return DefaultBase64ImageMaxLength
	}
	return c.Base64ImageMaxLength
}
