package openai

import (
	"context"

	semconv "github.com/Arize-ai/openinference/go/openinference-semantic-conventions"
	"github.com/sashabaranov/go-openai"

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
	sendCtx, x := c.record(ctx, false)
	resp, err := c.Client.CreateCompletion(sendCtx, req)
	call := c.completionCall(ctx, &req, x, false)
	if err == nil {
		c.completionAnswer(&call, x, &resp)
	}
	c.end(span, &call, err)
	return resp, err
}

// completionCall describes the request side of a legacy completion,
// streamed or not.
func (c *Client) completionCall(ctx context.Context, req *openai.CompletionRequest, x *exchange, stream bool) oiattr.Call {
	sent := *req
	sent.Stream = sent.Stream || stream // go-openai sets it for a stream
	call := c.newCall(semconv.SpanKindLLM)
	call.RequestModel = req.Model
	call.Input = c.requestBody(x, oiattr.BodyPrompts, func() string { return encodeJSON(&sent) })
	call.InputBody, call.OutputBody = oiattr.BodyPrompts, oiattr.BodyChoices
	params := sent
	params.Prompt = nil
	call.InvocationParameters = encodeJSON(&params)
	call.Prompts = promptTexts(req.Prompt)
	call.Operation = oiattr.OperationTextCompletion
	call.Session = sessiontrace.SessionID(ctx)
	call.Temperature = temperature(req.Temperature)
	call.MaxTokens = req.MaxTokens
	return call
}

// completionAnswer adds the answer of a legacy completion to call.
func (c *Client) completionAnswer(call *oiattr.Call, x *exchange, resp *openai.CompletionResponse) {
	call.ResponseModel = resp.Model
	call.ResponseID = resp.ID
	call.Output = c.responseBody(x, oiattr.BodyChoices, resp)
	call.Choices = make([]string, len(resp.Choices))
	call.FinishReasons = make([]string, len(resp.Choices))
	for i, ch := range resp.Choices {
		call.Choices[i], call.FinishReasons[i] = ch.Text, ch.FinishReason
	}
	call.Usage = toUsage(resp.Usage)
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
