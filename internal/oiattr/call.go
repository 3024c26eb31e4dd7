package oiattr

import (
	semconv "github.com/Arize-ai/openinference/go/openinference-semantic-conventions"
	"go.opentelemetry.io/otel/attribute"
)

// Call describes one LLM or embedding call in terms of no client library:
// what a wrapper knows once the call is over (or has failed). A wrapper
// fills it from its library's types and asks it for the span's attributes
// once, with Attributes; every masking rule of a TraceConfig is applied
// there and nowhere else. Fields left at their zero value record nothing.
type Call struct {
	// Kind is the OpenInference span kind: semconv.SpanKindLLM or
	// semconv.SpanKindEmbedding. It decides between llm.model_name and
	// embedding.model_name, and llm.invocation_parameters and
	// embedding.invocation_parameters.
	Kind             string
	System, Provider string // llm.system, llm.provider

	// RequestModel is the model the request named, ResponseModel the one
	// that answered; the span's model name is ResponseModel when known.
	RequestModel, ResponseModel string

	// Input and Output are the request and response bodies (JSON), recorded
	// as input.value and output.value. InputBody and OutputBody say what
	// they carry, so that a flag that hides that content hides it in the
	// body too (see Body).
	Input, Output         string
	InputBody, OutputBody Body

	// InvocationParameters is the request without its messages, prompts,
	// input and tools, as a JSON object.
	InvocationParameters string

	InputMessages  []Message
	OutputMessages []Message
	Tools          []string // one JSON definition per tool
	Usage          Usage
	// FinishReasons has one entry per choice, in order, "" where the
	// choice gave none; the first is llm.finish_reason.
	FinishReasons []string

	// Prompts and Choices are the texts of a legacy completion.
	Prompts, Choices []string

	// EmbeddingTexts has the text of each input of an embedding call (""
	// for token input), EmbeddingVectors the vector returned for each
	// (none when the call failed).
	EmbeddingTexts   []string
	EmbeddingVectors [][]float32

	// StatusCode is the HTTP status of a failed call, when it had one.
	StatusCode int

	// What only the OpenTelemetry GenAI attributes record (with
	// TraceConfig.EnableGenAISemconv).
	Operation   string   // OperationChat, ...
	ResponseID  string   // the response's id
	Session     string   // the session, as gen_ai.conversation.id
	Temperature *float64 // nil: the request did not set one
	MaxTokens   int
}

// StartAttributes returns the attributes a span of c starts with: the span
// kind, llm.system and llm.provider (the empty ones are left out). They are
// known before the call and cannot be masked; Attributes does not repeat
// them.
func (c *Call) StartAttributes() []attribute.KeyValue {
	attrs := []attribute.KeyValue{attribute.String(semconv.OpenInferenceSpanKind, c.Kind)}
	if c.System != "" {
		attrs = append(attrs, attribute.String(semconv.LLMSystem, c.System))
	}
	if c.Provider != "" {
		attrs = append(attrs, attribute.String(semconv.LLMProvider, c.Provider))
	}
	return attrs
}

// Attributes returns the span attributes of c under tc, everything but the
// StartAttributes, with every rule of the masking table applied (see
// TraceConfig): bodies redacted, or re-encoded with their text and images
// masked; messages, tools, prompts and choices dropped or redacted; token
// counts, model names and finish reasons never masked.
//
// The order is fixed: the bodies, the invocation parameters, the model and
// the answer first, then the token counts and the GenAI attributes, and last
// the embeddings, the tool definitions, the legacy prompts and the input
// messages. The OpenTelemetry SDK keeps the first attributes a span gets
// (128 unless OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT says otherwise) and drops the
// rest, so a long conversation loses input messages, which input.value
// repeats, and never the answer or the token counts.
func (c *Call) Attributes(tc TraceConfig) []attribute.KeyValue {
	var attrs []attribute.KeyValue
	attrs = inputBody(attrs, c.Input, c.InputBody, tc)
	paramsKey, modelKey := semconv.LLMInvocationParameters, semconv.LLMModelName
	if c.Kind == semconv.SpanKindEmbedding {
		paramsKey, modelKey = semconv.EmbeddingInvocationParameters, semconv.EmbeddingModelName
	}
	if c.InvocationParameters != "" && !tc.HideLLMInvocationParameters {
		attrs = append(attrs, attribute.String(paramsKey, c.InvocationParameters))
	}
	if model := c.model(); model != "" {
		attrs = append(attrs, attribute.String(modelKey, model))
	}
	attrs = outputBody(attrs, c.Output, c.OutputBody, tc)
	attrs = outputMessages(attrs, c.OutputMessages, tc)
	attrs = choices(attrs, c.Choices, tc)
	if len(c.FinishReasons) > 0 && c.FinishReasons[0] != "" {
		attrs = append(attrs, attribute.String(semconv.LLMFinishReason, c.FinishReasons[0]))
	}
	attrs = tokenCounts(attrs, c.Usage)
	if c.StatusCode > 0 {
		attrs = append(attrs, attribute.Int(HTTPResponseStatusCode, c.StatusCode))
	}
	if tc.EnableGenAISemconv {
		attrs = GenAIAttributes(attrs, c.genAI(), tc)
	}
	attrs = embeddings(attrs, c.EmbeddingTexts, c.EmbeddingVectors, tc)
	attrs = tools(attrs, c.Tools, tc)
	attrs = prompts(attrs, c.Prompts, tc)
	return inputMessages(attrs, c.InputMessages, tc)
}

func (c *Call) model() string {
	if c.ResponseModel != "" {
		return c.ResponseModel
	}
	return c.RequestModel
}

func (c *Call) genAI() GenAI {
	var reasons []string
	for _, r := range c.FinishReasons {
		if r != "" {
			reasons = append(reasons, r)
		}
	}
	return GenAI{
		Operation:      c.Operation,
		Provider:       c.Provider,
		RequestModel:   c.RequestModel,
		ResponseModel:  c.ResponseModel,
		ResponseID:     c.ResponseID,
		FinishReasons:  reasons,
		ConversationID: c.Session,
		Usage:          c.Usage,
		Temperature:    c.Temperature,
		MaxTokens:      c.MaxTokens,
	}
}
