package openai

import (
	"context"
	"encoding/json"

	"github.com/sashabaranov/go-openai"
	"go.opentelemetry.io/otel/attribute"

	"github.com/sessiontrace/sessiontrace"
	"github.com/sessiontrace/sessiontrace/internal/oiattr"
)

// CreateCompletion calls the wrapped client's CreateCompletion (the legacy
// text completions endpoint) inside a span named Completion (kind LLM)
// that records the prompts as llm.prompts and the choices as llm.choices,
// and returns its response and error unchanged. Under
// sessiontrace.WithSuppression the call passes straight through.
func (c *Client) CreateCompletion(ctx context.Context, req openai.CompletionRequest) (openai.CompletionResponse, error) {
	if sessiontrace.IsSuppressed(ctx) {
		return c.Client.CreateCompletion(ctx, req)
	}
	ctx, span := c.start(ctx, spanCompletion, c.llmStart)
	if !span.IsRecording() {
		defer span.End()
		return c.Client.CreateCompletion(ctx, req)
	}
	attrs := c.completionRequestAttrs(&req, false)
	resp, err := c.Client.CreateCompletion(ctx, req)
	if err != nil {
		fail(span, oiattr.Model(attrs, "", "", req.Model), err)
		return resp, err
	}
	succeed(span, c.completionResponseAttrs(ctx, attrs, &req, &resp))
	return resp, nil
}

func (c *Client) completionRequestAttrs(req *openai.CompletionRequest, stream bool) []attribute.KeyValue {
	tc := c.cfg.trace
	r := *req
	if stream {
		r.Stream = true
	}
	var body, params string
	if !tc.HidesInputBody(oiattr.BodyPrompts) {
		if b, err := json.Marshal(&r); err == nil {
			body = string(b)
		}
	}
	if !tc.HideLLMInvocationParameters {
		r.Prompt = nil
		if b, err := json.Marshal(&r); err == nil {
			params = string(b)
		}
	}
	prompts := promptTexts(req.Prompt)
	attrs := newAttrs(24 + len(prompts) + 2*max(req.N, 1))
	attrs = oiattr.InputBody(attrs, body, oiattr.BodyPrompts, tc)
	attrs = oiattr.InvocationParameters(attrs, params, tc)
	return oiattr.Prompts(attrs, prompts, tc)
}

// promptTexts returns the prompts of a legacy completion request: a string
// or a list of strings (what go-openai accepts).
func promptTexts(p any) []string {
	switch p := p.(type) {
	case string:
		return []string{p}
	case []string:
		return p
	case []any:
		out := make([]string, 0, len(p))
		for _, v := range p {
			if s, ok := v.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

func (c *Client) completionResponseAttrs(ctx context.Context, attrs []attribute.KeyValue, req *openai.CompletionRequest, resp *openai.CompletionResponse) []attribute.KeyValue {
	tc := c.cfg.trace
	attrs = oiattr.Model(attrs, "", "", modelName(resp.Model, req.Model))
	if !tc.HidesOutputBody(oiattr.BodyChoices) {
		if b, err := json.Marshal(resp); err == nil {
			attrs = oiattr.OutputBody(attrs, string(b), oiattr.BodyChoices, tc)
		}
	} else {
		attrs = oiattr.OutputBody(attrs, "", oiattr.BodyChoices, tc)
	}
	texts := make([]string, len(resp.Choices))
	reasons := make([]string, 0, len(resp.Choices))
	for i := range resp.Choices {
		texts[i] = resp.Choices[i].Text
		if r := resp.Choices[i].FinishReason; r != "" {
			reasons = append(reasons, r)
		}
	}
	attrs = oiattr.Choices(attrs, texts, tc)
	if len(resp.Choices) > 0 {
		attrs = oiattr.FinishReason(attrs, resp.Choices[0].FinishReason)
	}
	u := toUsage(resp.Usage)
	attrs = oiattr.TokenCounts(attrs, u)
	return oiattr.GenAIAttributes(attrs, oiattr.GenAI{
		Operation:      oiattr.OperationTextCompletion,
		Provider:       c.cfg.provider,
		RequestModel:   req.Model,
		ResponseModel:  resp.Model,
		ResponseID:     resp.ID,
		FinishReasons:  reasons,
		ConversationID: sessiontrace.SessionID(ctx),
		Usage:          u,
		Temperature:    temperature(req.Temperature),
		MaxTokens:      req.MaxTokens,
	}, tc)
}
