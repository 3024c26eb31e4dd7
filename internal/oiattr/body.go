package oiattr

import (
	semconv "github.com/Arize-ai/openinference/go/openinference-semantic-conventions"
	"go.opentelemetry.io/otel/attribute"
)

// Body says what content a raw JSON request or response body carries besides
// parameters. A wrapper that records the raw body as input.value or
// output.value passes it to InputBody / OutputBody, so that a flag hiding
// that content also hides the body: masked content must not leak through
// the raw JSON.
type Body uint8

// The contents a Body can carry; combine them with |.
const (
	// BodyMessages: chat messages. HideInputMessages / HideOutputMessages
	// hide the whole body. The text and images inside are the encoder's to
	// mask, with InputText, OutputText and InputImageURL, so that under
	// HideInputText or HideOutputText the parameters and the shape of the
	// conversation stay visible (as in MessagesJSON).
	BodyMessages Body = 1 << iota
	// BodyPrompts: legacy completion prompts (HidePrompts).
	BodyPrompts
	// BodyChoices: legacy completion choices (HideChoices).
	BodyChoices
	// BodyEmbeddingText: text to embed (HideEmbeddingsText).
	BodyEmbeddingText
	// BodyEmbeddingVectors: embedding vectors (HideEmbeddingVectors).
	BodyEmbeddingVectors
)

// HidesInputBody reports whether a request body carrying b is redacted as
// input.value: under HideInputs, or when a flag hides content it carries.
// A wrapper can skip encoding a body that will not be recorded.
func (c TraceConfig) HidesInputBody(b Body) bool {
	return c.HideInputs ||
		b&BodyMessages != 0 && c.HideInputMessages ||
		b&BodyPrompts != 0 && c.HidePrompts ||
		b&BodyEmbeddingText != 0 && c.HideEmbeddingsText
}

// HidesOutputBody is HidesInputBody for a response body and output.value:
// HideOutputs, or HideOutputMessages with messages, HideChoices with
// choices, HideEmbeddingVectors with vectors.
func (c TraceConfig) HidesOutputBody(b Body) bool {
	return c.HideOutputs ||
		b&BodyMessages != 0 && c.HideOutputMessages ||
		b&BodyChoices != 0 && c.HideChoices ||
		b&BodyEmbeddingVectors != 0 && c.HideEmbeddingVectors
}

// InputBody appends input.value = body with input.mime_type
// application/json. When HidesInputBody(b) the value is RedactedValue and
// the mime type is dropped, as under HideInputs. An empty body appends
// nothing unless it is to be redacted.
func InputBody(attrs []attribute.KeyValue, body string, b Body, c TraceConfig) []attribute.KeyValue {
	if c.HidesInputBody(b) {
		return append(attrs, attribute.String(semconv.InputValue, RedactedValue))
	}
	if body == "" {
		return attrs
	}
	return Input(attrs, body, semconv.MimeTypeJSON, c)
}

// OutputBody is InputBody for output.value.
func OutputBody(attrs []attribute.KeyValue, body string, b Body, c TraceConfig) []attribute.KeyValue {
	if c.HidesOutputBody(b) {
		return append(attrs, attribute.String(semconv.OutputValue, RedactedValue))
	}
	if body == "" {
		return attrs
	}
	return Output(attrs, body, semconv.MimeTypeJSON, c)
}

// InputText returns the text of an input message as a raw request body may
// record it: RedactedValue under HideInputText (the rule InputMessages
// applies to message.content and message_content.text), s otherwise. An
// empty s stays empty.
func (c TraceConfig) InputText(s string) string {
	return mask(s, c.HideInputText && s != "")
}

// OutputText is InputText for output messages (HideOutputText).
func (c TraceConfig) OutputText(s string) string {
	return mask(s, c.HideOutputText && s != "")
}

// InputImageURL returns the image URL of an input message as a raw request
// body may record it: RedactedValue under HideInputImages or for a
// data:image base64 URL longer than Base64ImageMaxLength (the rule
// InputMessages applies), the URL itself otherwise.
func (c TraceConfig) InputImageURL(url string) string {
	if c.HideInputImages {
		return RedactedValue
	}
	return imageURL(url, c.imageMax())
}

// EmbeddingInvocationParameters appends embedding.invocation_parameters (a
// JSON object). HideLLMInvocationParameters drops it; an empty string is
// skipped.
func EmbeddingInvocationParameters(attrs []attribute.KeyValue, params string, c TraceConfig) []attribute.KeyValue {
	if c.HideLLMInvocationParameters || params == "" {
		return attrs
	}
	return append(attrs, attribute.String(semconv.EmbeddingInvocationParameters, params))
}

// FinishReason appends llm.finish_reason when reason is not empty. It is
// never masked.
func FinishReason(attrs []attribute.KeyValue, reason string) []attribute.KeyValue {
	if reason == "" {
		return attrs
	}
	return append(attrs, attribute.String(semconv.LLMFinishReason, reason))
}
