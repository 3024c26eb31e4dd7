package oiattr

import (
	semconv "github.com/Arize-ai/openinference/go/openinference-semantic-conventions"
	"go.opentelemetry.io/otel/attribute"
)

// Body says what content a request or response body carries besides
// parameters, so that a flag hiding that content also hides it in
// input.value or output.value: masked content must not leak through the
// body.
type Body uint8

// The contents a Body can carry; combine them with |.
const (
	// BodyMessages: chat messages ("messages" of a request, or of
	// langchaingo's message list) and chat answers ("choices" of a
	// response), or the Responses API's instructions, input and output
	// items (see mask.go). HideInputMessages / HideOutputMessages redact
	// the whole body. HideInputText, HideInputImages, Base64ImageMaxLength
	// and HideOutputText mask the text and images inside it and keep the
	// rest, so the parameters and the shape of the conversation stay
	// visible.
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
// a whole in input.value: under HideInputs, or when a flag hides content
// it carries. A wrapper can skip encoding a body that will not be recorded.
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

// inputBody appends input.value = body with input.mime_type
// application/json. When HidesInputBody(b) the value is RedactedValue and
// the mime type is dropped, as under HideInputs; a messages body is masked
// inside (see maskMessages). An empty body appends nothing unless it is to
// be redacted.
func inputBody(attrs []attribute.KeyValue, body string, b Body, c TraceConfig) []attribute.KeyValue {
	if c.HidesInputBody(b) {
		return append(attrs, attribute.String(semconv.InputValue, RedactedValue))
	}
	if body == "" {
		return attrs
	}
	if b&BodyMessages != 0 {
		body = c.inputRules().apply(body)
	}
	if body == RedactedValue {
		return append(attrs, attribute.String(semconv.InputValue, RedactedValue))
	}
	return Input(attrs, body, semconv.MimeTypeJSON, c)
}

// outputBody is inputBody for output.value.
func outputBody(attrs []attribute.KeyValue, body string, b Body, c TraceConfig) []attribute.KeyValue {
	if c.HidesOutputBody(b) {
		return append(attrs, attribute.String(semconv.OutputValue, RedactedValue))
	}
	if body == "" {
		return attrs
	}
	if b&BodyMessages != 0 {
		body = c.outputRules().apply(body)
	}
	if body == RedactedValue {
		return append(attrs, attribute.String(semconv.OutputValue, RedactedValue))
	}
	return Output(attrs, body, semconv.MimeTypeJSON, c)
}
