//lint:file-ignore SA1019 go-openai still sends Functions and MaxTokens; the span records what was sent.

package openai

import (
	"context"

	semconv "github.com/Arize-ai/openinference/go/openinference-semantic-conventions"
	"github.com/sashabaranov/go-openai"

	"github.com/sessiontrace/sessiontrace"
	"github.com/sessiontrace/sessiontrace/internal/oiattr"
	"github.com/sessiontrace/sessiontrace/internal/openaiwire"
)

// CreateChatCompletion calls the wrapped client's CreateChatCompletion
// inside a span named ChatCompletion (kind LLM) and returns its response
// and error unchanged. The request's user names the user when the context
// does not. On success the turn bound in ctx, if any, gets the last user
// message and the answer (see WithoutTurnCapture). Under
// sessiontrace.WithSuppression the call passes straight through.
func (c *Client) CreateChatCompletion(ctx context.Context, req openai.ChatCompletionRequest) (openai.ChatCompletionResponse, error) {
	if sessiontrace.IsSuppressed(ctx) {
		return c.Client.CreateChatCompletion(ctx, req)
	}
	ctx = withRequestIDs(ctx, "", openaiwire.ID(req.User))
	ctx, span := c.start(ctx, spanChat, c.llmStart)
	if !span.IsRecording() {
		// Sampled out: no attribute is worth working out.
		resp, err := c.Client.CreateChatCompletion(ctx, req)
		span.End()
		if err == nil && c.turnOf(ctx) != nil {
			c.captureTurn(ctx, toMessages(req.Messages), answerMessages(&resp))
		}
		return resp, err
	}
	sendCtx, x := c.record(ctx, false)
	resp, err := c.Client.CreateChatCompletion(sendCtx, req)
	call := c.chatCall(ctx, &req, x, false)
	if err == nil {
		c.chatAnswer(&call, x, &resp)
	}
	c.end(span, &call, err)
	if err == nil {
		c.captureTurn(ctx, call.InputMessages, call.OutputMessages)
	}
	return resp, err
}

// chatCall describes the request side of a chat call, streamed or not.
func (c *Client) chatCall(ctx context.Context, req *openai.ChatCompletionRequest, x *exchange, stream bool) oiattr.Call {
	call := c.newCall(semconv.SpanKindLLM)
	call.RequestModel = req.Model
	call.Input = c.requestBody(x, oiattr.BodyMessages, func() string {
		sent := *req
		sent.Stream = stream // go-openai sets it for a stream
		return encodeJSON(&sent)
	})
	call.InputBody, call.OutputBody = oiattr.BodyMessages, oiattr.BodyMessages
	call.InvocationParameters = chatParams(req, stream)
	call.InputMessages = toMessages(req.Messages)
	call.Tools = toolSchemas(req.Tools)
	call.Operation = oiattr.OperationChat
	call.Session = sessiontrace.SessionID(ctx)
	call.Temperature = temperature(req.Temperature)
	call.MaxTokens = max(req.MaxCompletionTokens, req.MaxTokens)
	return call
}

// chatAnswer adds the answer of a chat call to call.
func (c *Client) chatAnswer(call *oiattr.Call, x *exchange, resp *openai.ChatCompletionResponse) {
	call.ResponseModel = resp.Model
	call.ResponseID = resp.ID
	call.Output = c.responseBody(x, oiattr.BodyMessages, resp)
	call.OutputMessages = answerMessages(resp)
	call.FinishReasons = make([]string, len(resp.Choices))
	for i := range resp.Choices {
		call.FinishReasons[i] = finishReason(resp.Choices[i].FinishReason)
	}
	call.Usage = toUsage(&resp.Usage)
}

// chatParams is llm.invocation_parameters: the request without messages,
// tools and functions, as JSON. The fields of the outer struct hide those
// of the request, and being empty they are left out.
func chatParams(req *openai.ChatCompletionRequest, stream bool) string {
	p := *req
	p.Stream = p.Stream || stream
	return encodeJSON(struct {
		*openai.ChatCompletionRequest
		Messages  []struct{} `json:"messages,omitempty"`
		Tools     []struct{} `json:"tools,omitempty"`
		Functions []struct{} `json:"functions,omitempty"`
	}{ChatCompletionRequest: &p})
}

// toolSchemas encodes each tool definition as go-openai sends it.
func toolSchemas(tools []openai.Tool) []string {
	var out []string
	for i := range tools {
		if s := encodeJSON(tools[i]); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// finishReason is the reason as the API sends it; "null" means none.
func finishReason(r openai.FinishReason) string {
	if r == openai.FinishReasonNull {
		return ""
	}
	return string(r)
}

func temperature(t float32) *float64 {
	if t == 0 {
		return nil // go-openai omits a zero temperature: the API default applies
	}
	f := float64(t)
	return &f
}

// toUsage converts go-openai's usage; the details are pointers and may be
// nil. A response without any count is taken as one that reported none.
func toUsage(u *openai.Usage) oiattr.Usage {
	if u == nil {
		return oiattr.Usage{}
	}
	r := oiattr.Usage{
		Prompt:     u.PromptTokens,
		Completion: u.CompletionTokens,
		Total:      u.TotalTokens,
	}
	r.Known = r.Prompt != 0 || r.Completion != 0 || r.Total != 0 ||
		u.PromptTokensDetails != nil || u.CompletionTokensDetails != nil
	if d := u.PromptTokensDetails; d != nil {
		r.CacheRead, r.PromptAudio = d.CachedTokens, d.AudioTokens
	}
	if d := u.CompletionTokensDetails; d != nil {
		r.CompletionReasoning, r.CompletionAudio = d.ReasoningTokens, d.AudioTokens
	}
	return r
}

// answerMessages converts the message of each choice.
func answerMessages(resp *openai.ChatCompletionResponse) []oiattr.Message {
	out := make([]oiattr.Message, len(resp.Choices))
	for i := range resp.Choices {
		out[i] = toMessage(&resp.Choices[i].Message)
	}
	return out
}

// toMessages converts a conversation into the neutral model.
func toMessages(in []openai.ChatCompletionMessage) []oiattr.Message {
	out := make([]oiattr.Message, len(in))
	for i := range in {
		out[i] = toMessage(&in[i])
	}
	return out
}

// toMessage converts one message. A refusal stands in for empty content;
// the legacy function_call becomes a tool call without an ID.
func toMessage(m *openai.ChatCompletionMessage) oiattr.Message {
	o := oiattr.Message{
		Role:       m.Role,
		Content:    m.Content,
		Name:       m.Name,
		ToolCallID: m.ToolCallID,
	}
	if o.Content == "" && len(m.MultiContent) == 0 {
		o.Content = m.Refusal
	}
	for _, p := range m.MultiContent {
		switch p.Type {
		case openai.ChatMessagePartTypeText:
			o.Parts = append(o.Parts, oiattr.Part{Type: oiattr.PartText, Text: p.Text})
		case openai.ChatMessagePartTypeImageURL:
			if p.ImageURL != nil && p.ImageURL.URL != "" {
				o.Parts = append(o.Parts, oiattr.Part{Type: oiattr.PartImage, ImageURL: p.ImageURL.URL})
			}
		}
	}
	for _, tc := range m.ToolCalls {
		o.ToolCalls = append(o.ToolCalls, oiattr.ToolCall{ID: tc.ID, Name: tc.Function.Name, Arguments: tc.Function.Arguments})
	}
	if f := m.FunctionCall; f != nil {
		o.ToolCalls = append(o.ToolCalls, oiattr.ToolCall{Name: f.Name, Arguments: f.Arguments})
	}
	return o
}
