package oiattr

import "go.opentelemetry.io/otel/attribute"

// GenAI is what an LLM span says in the OpenTelemetry GenAI conventions.
type GenAI struct {
	Operation      string // OperationChat, ...
	Provider       string
	RequestModel   string
	ResponseModel  string
	ResponseID     string
	FinishReasons  []string
	ConversationID string // the session
	Usage          Usage
	Temperature    *float64
	MaxTokens      int
}

// GenAIAttributes appends the gen_ai.* equivalents when
// Config.EnableGenAISemconv is set, and nothing otherwise.
func GenAIAttributes(attrs []attribute.KeyValue, g GenAI, c TraceConfig) []attribute.KeyValue {
	if !c.EnableGenAISemconv {
		return attrs
	}
	for _, kv := range [...]struct{ k, v string }{
		{GenAIOperationName, g.Operation},
		{GenAIProviderName, g.Provider},
		{GenAIRequestModel, g.RequestModel},
		{GenAIResponseModel, g.ResponseModel},
		{GenAIResponseID, g.ResponseID},
		{GenAIConversationID, g.ConversationID},
	} {
		if kv.v != "" {
			attrs = append(attrs, attribute.String(kv.k, kv.v))
		}
	}
	if len(g.FinishReasons) > 0 {
		attrs = append(attrs, attribute.StringSlice(GenAIResponseFinish, g.FinishReasons))
	}
	if g.Usage.Known {
		attrs = append(attrs,
			attribute.Int(GenAIUsageInputTokens, g.Usage.Prompt),
			attribute.Int(GenAIUsageOutputTokens, g.Usage.Completion))
	}
	if g.Temperature != nil {
		attrs = append(attrs, attribute.Float64(GenAIRequestTemperature, *g.Temperature))
	}
	if g.MaxTokens > 0 {
		attrs = append(attrs, attribute.Int(GenAIRequestMaxTokens, g.MaxTokens))
	}
	return attrs
}
