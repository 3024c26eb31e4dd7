package openai

import (
	"context"

	"github.com/sashabaranov/go-openai"

	"github.com/sessiontrace/sessiontrace"
	"github.com/sessiontrace/sessiontrace/internal/oiattr"
	"github.com/sessiontrace/sessiontrace/internal/openaiwire"
)

// CreateCompletionStream is CreateChatCompletionStream for the legacy
// completions endpoint; its span is named Completion.
func (c *Client) CreateCompletionStream(ctx context.Context, req openai.CompletionRequest) (*CompletionStream, error) {
	if sessiontrace.IsSuppressed(ctx) {
		return c.passCompletionStream(ctx, req)
	}
	ctx, s := c.start(ctx, spanCompletion, c.llmStart)
	if !s.IsRecording() {
		s.End()
		return c.passCompletionStream(ctx, req)
	}
	sendCtx, x := c.record(ctx, true)
	a := &completionStreamAnswer{client: c, ctx: ctx, req: req, x: x}
	src, err := c.Client.CreateCompletionStream(sendCtx, req)
	if err != nil {
		c.end(s, a.call(false), err)
		return nil, err
	}
	return &CompletionStream{stream: stream[openai.CompletionResponse, *openai.CompletionStream]{
		src: src, client: c, answer: a, ctx: ctx, span: s,
	}}, nil
}

// passCompletionStream returns go-openai's stream, recording nothing.
func (c *Client) passCompletionStream(ctx context.Context, req openai.CompletionRequest) (*CompletionStream, error) {
	src, err := c.Client.CreateCompletionStream(ctx, req)
	if err != nil {
		return nil, err
	}
	return &CompletionStream{stream: stream[openai.CompletionResponse, *openai.CompletionStream]{src: src, ended: true}}, nil
}

// CompletionStream is the stream CreateCompletionStream returns, with the
// methods of go-openai's CompletionStream. It joins the text of each choice
// and ends the span like ChatCompletionStream.
type CompletionStream struct {
	stream[openai.CompletionResponse, *openai.CompletionStream]
}

// Recv returns the next chunk, exactly as go-openai's Recv does: io.EOF
// after the last one.
func (s *CompletionStream) Recv() (openai.CompletionResponse, error) { return s.recv() }

// completionStreamAnswer joins the chunks of a legacy completion stream.
type completionStreamAnswer struct {
	client *Client
	ctx    context.Context
	req    openai.CompletionRequest
	x      *exchange

	chunks openaiwire.Chunks
	usage  *openai.Usage
}

func (a *completionStreamAnswer) call(answered bool) *oiattr.Call {
	call := a.client.completionCall(a.ctx, &a.req, a.x, true)
	if answered {
		resp := a.response()
		a.client.completionAnswer(&call, nil, &resp) // output.value: the assembled answer
	}
	return &call
}

func (a *completionStreamAnswer) add(r openai.CompletionResponse) bool {
	a.chunks.Head(r.ID, r.Created, r.Model)
	if r.Usage != nil {
		a.usage = r.Usage
	}
	content := false
	for i := range r.Choices {
		ch := &r.Choices[i]
		c := a.chunks.Choice(ch.Index)
		if c.Delta("", ch.Text, "", "") {
			content = true
		}
		c.SetFinish(ch.FinishReason)
	}
	return content
}

func (a *completionStreamAnswer) complete() bool { return a.chunks.Complete() }

func (a *completionStreamAnswer) response() openai.CompletionResponse {
	r := openai.CompletionResponse{
		ID:      a.chunks.ID,
		Object:  "text_completion",
		Created: a.chunks.Created,
		Model:   a.chunks.Model,
		Choices: make([]openai.CompletionChoice, len(a.chunks.Choices)),
		Usage:   a.usage,
	}
	for i := range a.chunks.Choices {
		c := &a.chunks.Choices[i]
		r.Choices[i] = openai.CompletionChoice{Index: c.Index, Text: string(c.Content), FinishReason: c.Finish}
	}
	return r
}
