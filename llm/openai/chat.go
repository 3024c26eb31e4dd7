//lint:file-ignore SA1019 go-openai still sends Functions and MaxTokens; the span records what was sent.

package openai

import (
	"context"
	"encoding/json"
	"sync"

	"github.com/sashabaranov/go-openai"
	"go.opentelemetry.io/otel/attribute"

	"github.com/sessiontrace/sessiontrace"
	"github.com/sessiontrace/sessiontrace/internal/oiattr"
)

// CreateChatCompletion calls the wrapped client's CreateChatCompletion
// inside a span named ChatCompletion (kind LLM) and returns its response
// and error unchanged. On success the turn bound in ctx, if any, gets the
// last user message and the answer (see WithoutTurnCapture). Under
// sessiontrace.WithSuppression the call passes straight through.
func (c *Client) CreateChatCompletion(ctx context.Context, req openai.ChatCompletionRequest) (openai.ChatCompletionResponse, error) {
	if sessiontrace.IsSuppressed(ctx) {
		return c.Client.CreateChatCompletion(ctx, req)
	}
	ctx, span := c.start(ctx, spanChat, c.llmStart)
	if !span.IsRecording() {
		// Sampled out: no attribute is worth working out.
		resp, err := c.Client.CreateChatCompletion(ctx, req)
		span.End()
		if t := c.turnOf(ctx); t != nil && err == nil {
			c.capture(t, lastUserText(req.Messages), answerText(&resp))
		}
		return resp, err
	}
	cr := c.newChatRequest(&req, false)
	resp, err := c.Client.CreateChatCompletion(ctx, req)
	if err != nil {
		fail(span, cr.failed(c.cfg.trace), err)
		cr.release()
		return resp, err
	}
	attrs, answer := c.chatResponseAttrs(ctx, &cr, &resp)
	succeed(span, attrs)
	cr.release()
	c.captureTurn(ctx, cr.userText, answer)
	return resp, nil
}

// chatRequest is the request side of a chat span, worked out before the
// call.
type chatRequest struct {
	req      *openai.ChatCompletionRequest
	attrs    []attribute.KeyValue // input.value and parameters, with room for the rest
	msgs     []oiattr.Message
	tools    []string
	userText string // the last user message, for the turn
}

func (c *Client) newChatRequest(req *openai.ChatCompletionRequest, stream bool) chatRequest {
	tc := c.cfg.trace
	msgs := toMessages(req.Messages)
	showBody := !tc.HidesInputBody(oiattr.BodyMessages)
	showTools := !tc.HideInputs && !tc.HideLLMTools

	var tools []string
	if len(req.Tools) > 0 && (showBody || showTools) {
		tools = make([]string, 0, len(req.Tools))
		for i := range req.Tools {
			if b, err := json.Marshal(req.Tools[i]); err == nil {
				tools = append(tools, string(b))
			}
		}
	}
	var params, body string
	if showBody || !tc.HideLLMInvocationParameters {
		if p, enc, at, err := chatParams(req, stream); err == nil {
			params = p
			if showBody {
				body = chatBody(req, enc, at, tools, tc)
			}
		}
	}
	attrs := newAttrs(chatAttrCount(msgs, len(tools), tc))
	attrs = oiattr.InputBody(attrs, body, oiattr.BodyMessages, tc)
	attrs = oiattr.InvocationParameters(attrs, params, tc)
	return chatRequest{req: req, attrs: attrs, msgs: msgs, tools: tools, userText: oiattr.LastUserText(msgs)}
}

// release gives the converted messages back to the pool once the
// attributes have been set; the strings they share live on in the span.
func (r *chatRequest) release() {
	freeMessages(r.msgs)
	r.msgs = nil
}

// appendInputs appends the tools and the input messages. They go last: when
// a long conversation reaches the SDK's attribute count limit (128 unless
// OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT says otherwise), the last attributes are
// dropped, and the input messages are the ones input.value repeats.
func (r *chatRequest) appendInputs(attrs []attribute.KeyValue, tc oiattr.TraceConfig) []attribute.KeyValue {
	attrs = oiattr.Tools(attrs, r.tools, tc)
	return oiattr.InputMessages(attrs, r.msgs, tc)
}

// failed returns the attributes of a call that failed before any answer.
func (r *chatRequest) failed(tc oiattr.TraceConfig) []attribute.KeyValue {
	return r.appendInputs(oiattr.Model(r.attrs, "", "", r.req.Model), tc)
}

// chatAttrCount is how many attributes a chat span of these messages
// records, at most, for a single-choice answer: enough to size the slice
// once.
func chatAttrCount(msgs []oiattr.Message, tools int, tc oiattr.TraceConfig) int {
	n := 24 + tools // input, parameters, model, output, finish reason, tokens, output message
	if tc.EnableGenAISemconv {
		n += 11
	}
	for i := range msgs {
		m := &msgs[i]
		n += 2 + 2*len(m.Parts) + 3*len(m.ToolCalls)
		if m.Name != "" {
			n++
		}
		if m.ToolCallID != "" {
			n++
		}
	}
	return n
}

// chatResponseAttrs returns all the attributes of a chat span that got
// resp, and the answer's text.
func (c *Client) chatResponseAttrs(ctx context.Context, cr *chatRequest, resp *openai.ChatCompletionResponse) ([]attribute.KeyValue, string) {
	tc := c.cfg.trace
	req := cr.req
	attrs := oiattr.Model(cr.attrs, "", "", modelName(resp.Model, req.Model))
	var body string
	if !tc.HidesOutputBody(oiattr.BodyMessages) {
		body = chatResponseBody(resp, tc)
	}
	attrs = oiattr.OutputBody(attrs, body, oiattr.BodyMessages, tc)

	var answer string
	if len(resp.Choices) > 0 {
		out := make([]oiattr.Message, len(resp.Choices))
		for i := range resp.Choices {
			out[i] = toMessage(&resp.Choices[i].Message)
		}
		attrs = oiattr.OutputMessages(attrs, out, tc)
		attrs = oiattr.FinishReason(attrs, finishReason(resp.Choices[0].FinishReason))
		answer = out[0].Text()
	}
	u := toUsage(&resp.Usage)
	attrs = oiattr.TokenCounts(attrs, u)
	if tc.EnableGenAISemconv {
		reasons := make([]string, 0, len(resp.Choices))
		for i := range resp.Choices {
			if r := finishReason(resp.Choices[i].FinishReason); r != "" {
				reasons = append(reasons, r)
			}
		}
		attrs = oiattr.GenAIAttributes(attrs, oiattr.GenAI{
			Operation:      oiattr.OperationChat,
			Provider:       c.cfg.provider,
			RequestModel:   req.Model,
			ResponseModel:  resp.Model,
			ResponseID:     resp.ID,
			FinishReasons:  reasons,
			ConversationID: sessiontrace.SessionID(ctx),
			Usage:          u,
			Temperature:    temperature(req.Temperature),
			MaxTokens:      max(req.MaxCompletionTokens, req.MaxTokens),
		}, tc)
	}
	return cr.appendInputs(attrs, tc), answer
}

// maskResponse returns resp, or under HideOutputText a copy whose message
// text is redacted, for output.value.
func maskResponse(resp *openai.ChatCompletionResponse, tc oiattr.TraceConfig) *openai.ChatCompletionResponse {
	if !tc.HideOutputText {
		return resp
	}
	r := *resp
	r.Choices = make([]openai.ChatCompletionChoice, len(resp.Choices))
	for i, ch := range resp.Choices {
		m := &ch.Message
		m.Content = tc.OutputText(m.Content)
		m.Refusal = tc.OutputText(m.Refusal)
		m.ReasoningContent = tc.OutputText(m.ReasoningContent)
		if len(m.MultiContent) > 0 {
			parts := make([]openai.ChatMessagePart, len(m.MultiContent))
			for k, p := range m.MultiContent {
				p.Text = tc.OutputText(p.Text)
				parts[k] = p
			}
			m.MultiContent = parts
		}
		r.Choices[i] = ch
	}
	return &r
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

// toMessages converts a conversation into the neutral model. The parts and
// tool calls of all messages share two backing arrays.
func toMessages(in []openai.ChatCompletionMessage) []oiattr.Message {
	if len(in) == 0 {
		return nil
	}
	nParts, nCalls := 0, 0
	for i := range in {
		nParts += len(in[i].MultiContent)
		nCalls += len(in[i].ToolCalls)
		if in[i].FunctionCall != nil {
			nCalls++
		}
	}
	var parts []oiattr.Part
	var calls []oiattr.ToolCall
	if nParts > 0 {
		parts = make([]oiattr.Part, 0, nParts)
	}
	if nCalls > 0 {
		calls = make([]oiattr.ToolCall, 0, nCalls)
	}
	out := newMessages(len(in))
	for i := range in {
		out[i], parts, calls = convertMessage(&in[i], parts, calls)
	}
	return out
}

// msgPool recycles the converted conversations of ended spans.
var msgPool sync.Pool // of *[]oiattr.Message

func newMessages(n int) []oiattr.Message {
	if p, ok := msgPool.Get().(*[]oiattr.Message); ok && cap(*p) >= n {
		return (*p)[:n]
	}
	return make([]oiattr.Message, n)
}

func freeMessages(msgs []oiattr.Message) {
	if msgs == nil || cap(msgs) > 1024 {
		return
	}
	clear(msgs)
	msgs = msgs[:0]
	msgPool.Put(&msgs)
}

// lastUserText is the text of the last user message, converting only that
// message (oiattr.LastUserText on the whole conversation gives the same).
func lastUserText(msgs []openai.ChatCompletionMessage) string {
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].Role == openai.ChatMessageRoleUser {
			return toMessage(&msgs[i]).Text()
		}
	}
	return ""
}

// answerText is the text of the first choice.
func answerText(resp *openai.ChatCompletionResponse) string {
	if len(resp.Choices) == 0 {
		return ""
	}
	return toMessage(&resp.Choices[0].Message).Text()
}

// toMessage converts one message.
func toMessage(m *openai.ChatCompletionMessage) oiattr.Message {
	out, _, _ := convertMessage(m, nil, nil)
	return out
}

// convertMessage converts m, appending its parts and tool calls to the
// given backing arrays. A refusal stands in for empty content; the legacy
// function_call becomes a tool call without an ID.
func convertMessage(m *openai.ChatCompletionMessage, parts []oiattr.Part, calls []oiattr.ToolCall) (oiattr.Message, []oiattr.Part, []oiattr.ToolCall) {
	o := oiattr.Message{
		Role:       m.Role,
		Content:    m.Content,
		Name:       m.Name,
		ToolCallID: m.ToolCallID,
	}
	if o.Content == "" && len(m.MultiContent) == 0 {
		o.Content = m.Refusal
	}
	if len(m.MultiContent) > 0 {
		start := len(parts)
		for i := range m.MultiContent {
			p := &m.MultiContent[i]
			switch p.Type {
			case openai.ChatMessagePartTypeText:
				parts = append(parts, oiattr.Part{Type: oiattr.PartText, Text: p.Text})
			case openai.ChatMessagePartTypeImageURL:
				if p.ImageURL != nil && p.ImageURL.URL != "" {
					parts = append(parts, oiattr.Part{Type: oiattr.PartImage, ImageURL: p.ImageURL.URL})
				}
			}
		}
		o.Parts = parts[start:len(parts):len(parts)]
	}
	if len(m.ToolCalls) > 0 || m.FunctionCall != nil {
		start := len(calls)
		for i := range m.ToolCalls {
			tc := &m.ToolCalls[i]
			calls = append(calls, oiattr.ToolCall{ID: tc.ID, Name: tc.Function.Name, Arguments: tc.Function.Arguments})
		}
		if f := m.FunctionCall; f != nil {
			calls = append(calls, oiattr.ToolCall{Name: f.Name, Arguments: f.Arguments})
		}
		o.ToolCalls = calls[start:len(calls):len(calls)]
	}
	return o, parts, calls
}
