package openai

import (
	"context"

	"github.com/sashabaranov/go-openai"

	"github.com/sessiontrace/sessiontrace"
	"github.com/sessiontrace/sessiontrace/internal/oiattr"
	"github.com/sessiontrace/sessiontrace/internal/openaiwire"
)

// CreateResponseStream calls the wrapped client's CreateResponseStream
// inside a span named Response (kind LLM) and returns a stream that records
// the events passing through it. The span ends when the stream does: at
// io.EOF (go-openai's stream ends when the server closes it, after
// response.completed), at an error, or at Close. An "error" or
// response.failed event gives the span status ERROR with the API's message,
// while the stream goes on returning events. If the call itself fails, the
// span ends at once and the error is returned unchanged with a nil stream.
// Sessions, users, the turn and suppression are as for CreateResponse.
//
// Always Close the stream, as with go-openai: a stream neither read to the
// end nor closed leaves its span open.
func (c *Client) CreateResponseStream(ctx context.Context, req openai.CreateResponseRequest) (*ResponseStream, error) {
	if sessiontrace.IsSuppressed(ctx) {
		src, err := c.Client.CreateResponseStream(ctx, req)
		if err != nil {
			return nil, err
		}
		return &ResponseStream{stream: stream[openai.ResponseStreamEvent, *openai.ResponseStream]{src: src, ended: true}}, nil
	}
	ctx = withResponseIDs(ctx, &req)
	ctx, span := c.start(ctx, spanResponse, c.llmStart)
	if !span.IsRecording() {
		// Sampled out: only the turn, if any, needs the answer.
		span.End()
		span = nil
	}
	sendCtx, x := c.record(ctx, true)
	a := &responseStreamAnswer{client: c, ctx: ctx, req: req, x: x}
	src, err := c.Client.CreateResponseStream(sendCtx, req)
	if err != nil {
		if span != nil {
			c.end(span, a.call(false), err)
		}
		return nil, err
	}
	return &ResponseStream{stream: stream[openai.ResponseStreamEvent, *openai.ResponseStream]{
		src: src, client: c, answer: a, ctx: ctx, span: span,
		turn:  true,
		ended: span == nil && c.turnOf(ctx) == nil,
	}}, nil
}

// ResponseStream is the stream CreateResponseStream returns. It has the
// methods of go-openai's ResponseStream and returns the same events and
// errors; meanwhile it gathers the answer, the tool calls and the usage
// (from response.completed, or from the deltas when that never comes) and
// ends the span with them. It is as safe for concurrent use as go-openai's
// stream (one reader), and Close may be called from another goroutine.
type ResponseStream struct {
	stream[openai.ResponseStreamEvent, *openai.ResponseStream]
}

// Recv returns the next event exactly as go-openai's Recv does, events of
// types go-openai or this package do not know included; io.EOF once the
// server has ended the stream.
func (s *ResponseStream) Recv() (openai.ResponseStreamEvent, error) {
	return s.recv()
}

// responseStreamAnswer folds the events of a Responses stream, from the
// JSON each arrived as.
type responseStreamAnswer struct {
	client *Client
	ctx    context.Context
	req    openai.CreateResponseRequest
	x      *exchange
	events openaiwire.ResponsesStream
}

func (a *responseStreamAnswer) add(e openai.ResponseStreamEvent) bool {
	return a.events.Add(string(e.Type), e.OutputIndex, e.Delta, e.Raw)
}

func (a *responseStreamAnswer) complete() bool { return a.events.Done() }

func (a *responseStreamAnswer) failure() error { return failureError(a.events.Failure()) }

func (a *responseStreamAnswer) call(answered bool) *oiattr.Call {
	call := a.client.responseCall(a.ctx, &a.req, a.x, true)
	if answered {
		a.events.Answer(&call)
	}
	return &call
}
