package openai

import (
	"context"

	"github.com/sashabaranov/go-openai"

	"github.com/sessiontrace/sessiontrace"
	"github.com/sessiontrace/sessiontrace/internal/oiattr"
	"github.com/sessiontrace/sessiontrace/internal/openaiwire"
)

// CreateChatCompletionStream calls the wrapped client's
// CreateChatCompletionStream inside a span named ChatCompletion (kind LLM)
// and returns a stream that records what passes through it. The span ends
// when the stream does: at io.EOF, at an error, or at Close. If the call
// itself fails, the span ends at once and the error is returned unchanged
// with a nil stream. The request's user names the user when the context
// does not. Under sessiontrace.WithSuppression no span is made.
//
// Always Close the stream, as with go-openai: a stream neither read to the
// end nor closed leaves its span open.
func (c *Client) CreateChatCompletionStream(ctx context.Context, req openai.ChatCompletionRequest) (*ChatCompletionStream, error) {
	if sessiontrace.IsSuppressed(ctx) {
		src, err := c.Client.CreateChatCompletionStream(ctx, req)
		if err != nil {
			return nil, err
		}
		return &ChatCompletionStream{stream: stream[openai.ChatCompletionStreamResponse, *openai.ChatCompletionStream]{src: src, ended: true}}, nil
	}
	ctx = withRequestIDs(ctx, "", openaiwire.ID(req.User))
	ctx, span := c.start(ctx, spanChat, c.llmStart)
	a := &chatStreamAnswer{client: c, ctx: ctx, req: req, recording: span.IsRecording()}
	sendCtx, x := ctx, (*exchange)(nil)
	if a.recording {
		sendCtx, x = c.record(ctx, true)
		a.x = x
	} else {
		// Sampled out: only the turn, if any, needs the answer.
		span.End()
		span = nil
	}
	src, err := c.Client.CreateChatCompletionStream(sendCtx, req)
	if err != nil {
		if span != nil {
			c.end(span, a.call(false), err)
		}
		return nil, err
	}
	return &ChatCompletionStream{stream: stream[openai.ChatCompletionStreamResponse, *openai.ChatCompletionStream]{
		src: src, client: c, answer: a, ctx: ctx, span: span,
		turn:  true,
		ended: span == nil && c.turnOf(ctx) == nil,
	}}, nil
}

// ChatCompletionStream is the stream CreateChatCompletionStream returns. It
// has the methods of go-openai's ChatCompletionStream and returns the same
// chunks and errors; meanwhile it joins the content and tool-call fragments
// of each choice and ends the span with the assembled answer. It is as safe
// for concurrent use as go-openai's stream (one reader), and Close may be
// called from another goroutine.
type ChatCompletionStream struct {
	stream[openai.ChatCompletionStreamResponse, *openai.ChatCompletionStream]
}

// Recv returns the next chunk, exactly as go-openai's Recv does: io.EOF
// after the last one. A chunk with usage may have no choices.
func (s *ChatCompletionStream) Recv() (openai.ChatCompletionStreamResponse, error) {
	return s.recv()
}

// chatStreamAnswer joins the chunks of a chat stream into the response a
// call that was not streamed would have had.
type chatStreamAnswer struct {
	client    *Client
	ctx       context.Context
	req       openai.ChatCompletionRequest
	x         *exchange
	recording bool // false: only the turn needs the answer

	chunks      openaiwire.Chunks
	fingerprint string
	usage       *openai.Usage
}

func (a *chatStreamAnswer) call(answered bool) *oiattr.Call {
	var call oiattr.Call
	if a.recording {
		call = a.client.chatCall(a.ctx, &a.req, a.x, true)
	} else {
		call.InputMessages = toMessages(a.req.Messages) // for the turn
	}
	if answered {
		resp := a.response()
		if a.recording {
			a.client.chatAnswer(&call, nil, &resp) // output.value: the assembled answer
		} else {
			call.OutputMessages = answerMessages(&resp)
		}
	}
	return &call
}

func (a *chatStreamAnswer) add(r openai.ChatCompletionStreamResponse) bool {
	a.chunks.Head(r.ID, r.Created, r.Model)
	if r.SystemFingerprint != "" {
		a.fingerprint = r.SystemFingerprint
	}
	if r.Usage != nil {
		a.usage = r.Usage
	}
	content := false
	for i := range r.Choices {
		ch := &r.Choices[i]
		c := a.chunks.Choice(ch.Index)
		d := &ch.Delta
		if c.Delta(d.Role, d.Content, d.Refusal, d.ReasoningContent) || len(d.ToolCalls) > 0 || d.FunctionCall != nil {
			content = true
		}
		for k := range d.ToolCalls {
			tc := &d.ToolCalls[k]
			c.ToolCall(k, tc.Index, tc.ID, string(tc.Type), tc.Function.Name, tc.Function.Arguments)
		}
		if f := d.FunctionCall; f != nil {
			c.FunctionCall(f.Name, f.Arguments)
		}
		c.SetFinish(string(ch.FinishReason))
	}
	return content
}

func (a *chatStreamAnswer) complete() bool { return a.chunks.Complete() }

// response assembles what arrived into the shape of a response that was
// not streamed.
func (a *chatStreamAnswer) response() openai.ChatCompletionResponse {
	r := openai.ChatCompletionResponse{
		ID:                a.chunks.ID,
		Object:            "chat.completion",
		Created:           a.chunks.Created,
		Model:             a.chunks.Model,
		SystemFingerprint: a.fingerprint,
		Choices:           make([]openai.ChatCompletionChoice, len(a.chunks.Choices)),
	}
	if a.usage != nil {
		r.Usage = *a.usage
	}
	for i := range a.chunks.Choices {
		c := &a.chunks.Choices[i]
		m := openai.ChatCompletionMessage{
			Role:             c.Role,
			Content:          string(c.Content),
			Refusal:          string(c.Refusal),
			ReasoningContent: string(c.Reasoning),
		}
		if m.Role == "" {
			m.Role = openai.ChatMessageRoleAssistant
		}
		for k := range c.Calls {
			call := &c.Calls[k]
			typ := openai.ToolType(call.Type)
			if typ == "" {
				typ = openai.ToolTypeFunction
			}
			m.ToolCalls = append(m.ToolCalls, openai.ToolCall{
				ID:       call.ID,
				Type:     typ,
				Function: openai.FunctionCall{Name: call.Name, Arguments: string(call.Args)},
			})
		}
		if c.HasFunction {
			m.FunctionCall = &openai.FunctionCall{Name: string(c.FunctionName), Arguments: string(c.FunctionArgs)}
		}
		r.Choices[i] = openai.ChatCompletionChoice{Index: c.Index, Message: m, FinishReason: openai.FinishReason(c.Finish)}
	}
	return r
}
