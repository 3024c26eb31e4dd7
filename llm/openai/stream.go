package openai

import (
	"context"
	"errors"
	"io"
	"net/http"
	"sync"

	"github.com/sashabaranov/go-openai"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/sessiontrace/sessiontrace"
	"github.com/sessiontrace/sessiontrace/internal/oiattr"
)

// Event names on stream spans.
const (
	// eventFirstToken marks the first chunk that carries content (or a tool
	// call, a refusal, reasoning), as the OpenInference instrumentors do.
	eventFirstToken = "First Token Stream Event"
	// eventClosedEarly marks a stream the caller closed before it ended.
	eventClosedEarly = "Stream Closed Early"
)

// CreateChatCompletionStream calls the wrapped client's
// CreateChatCompletionStream inside a span named ChatCompletion (kind LLM)
// and returns a stream that records what passes through it. The span ends
// when the stream does: at io.EOF, at an error, or at Close. If the call
// itself fails, the span ends at once and the error is returned unchanged
// with a nil stream. Under sessiontrace.WithSuppression no span is made.
//
// Always Close the stream, as with go-openai: a stream neither read to the
// end nor closed leaves its span open.
func (c *Client) CreateChatCompletionStream(ctx context.Context, req openai.ChatCompletionRequest) (*ChatCompletionStream, error) {
	if sessiontrace.IsSuppressed(ctx) {
		s, err := c.Client.CreateChatCompletionStream(ctx, req)
		if err != nil {
			return nil, err
		}
		return &ChatCompletionStream{stream: s, state: streamState{ended: true}}, nil
	}
	ctx, span := c.start(ctx, spanChat, c.llmStart)
	cs := &ChatCompletionStream{client: c, req: req, recording: span.IsRecording()}
	if !cs.recording {
		// Sampled out: only the turn, if any, needs the answer.
		span.End()
		s, err := c.Client.CreateChatCompletionStream(ctx, req)
		if err != nil {
			return nil, err
		}
		cs.stream = s
		cs.state = streamState{ctx: ctx, span: span, ended: c.turnOf(ctx) == nil}
		return cs, nil
	}
	cs.cr = c.newChatRequest(&cs.req, true)
	s, err := c.Client.CreateChatCompletionStream(ctx, req)
	if err != nil {
		fail(span, cs.cr.failed(c.cfg.trace), err)
		cs.cr.release()
		return nil, err
	}
	cs.stream = s
	cs.state = streamState{ctx: ctx, span: span}
	return cs, nil
}

// CreateCompletionStream is CreateChatCompletionStream for the legacy
// completions endpoint; its span is named Completion.
func (c *Client) CreateCompletionStream(ctx context.Context, req openai.CompletionRequest) (*CompletionStream, error) {
	if sessiontrace.IsSuppressed(ctx) {
		s, err := c.Client.CreateCompletionStream(ctx, req)
		if err != nil {
			return nil, err
		}
		return &CompletionStream{stream: s, state: streamState{ended: true}}, nil
	}
	ctx, span := c.start(ctx, spanCompletion, c.llmStart)
	if !span.IsRecording() {
		span.End()
		s, err := c.Client.CreateCompletionStream(ctx, req)
		if err != nil {
			return nil, err
		}
		return &CompletionStream{stream: s, state: streamState{ended: true}}, nil
	}
	attrs := c.completionRequestAttrs(&req, true)
	s, err := c.Client.CreateCompletionStream(ctx, req)
	if err != nil {
		fail(span, oiattr.Model(attrs, "", "", req.Model), err)
		return nil, err
	}
	return &CompletionStream{
		stream: s,
		client: c,
		req:    req,
		state:  streamState{ctx: ctx, span: span, attrs: attrs},
	}, nil
}

// streamState is what both stream types share: the span, and whether it
// has ended. mu guards everything, because Close may be called from
// another goroutine to stop a Recv that blocks.
type streamState struct {
	mu     sync.Mutex
	ctx    context.Context
	span   trace.Span
	attrs  []attribute.KeyValue // the request side
	ended  bool
	first  bool // the first-token event was added
	chunks int
}

// firstToken adds the first-token event once.
func (s *streamState) firstToken() {
	if !s.first {
		s.first = true
		s.span.AddEvent(eventFirstToken)
	}
}

// closeEarly is called by Close with mu held: the stream ends here. A
// cancelled context is an error; a caller that just stops reading is not,
// and complete tells whether every answer had already finished (only the
// usage chunk and [DONE] were still to come).
func (s *streamState) closeEarly(complete bool, succeed func(early bool), fail func(error)) {
	if s.ended {
		return
	}
	if err := s.ctx.Err(); err != nil {
		fail(err)
		return
	}
	succeed(!complete)
}

// ChatCompletionStream is the stream CreateChatCompletionStream returns. It
// has the methods of go-openai's ChatCompletionStream and returns the same
// chunks and errors; meanwhile it joins the content and tool-call fragments
// of each choice and ends the span with the assembled answer. It is as safe
// for concurrent use as go-openai's stream (one reader), and Close may be
// called from another goroutine.
type ChatCompletionStream struct {
	stream    *openai.ChatCompletionStream
	client    *Client
	req       openai.ChatCompletionRequest
	cr        chatRequest // refers to req
	recording bool        // false: the span was sampled out and has ended
	state     streamState
	acc       chatAccumulator
}

// Recv returns the next chunk, exactly as go-openai's Recv does: io.EOF
// after the last one. A chunk with usage may have no choices.
func (s *ChatCompletionStream) Recv() (openai.ChatCompletionStreamResponse, error) {
	resp, err := s.stream.Recv()
	st := &s.state
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.ended {
		return resp, err
	}
	switch {
	case err == nil:
		st.chunks++
		if s.acc.add(&resp) {
			st.firstToken()
		}
	case errors.Is(err, io.EOF):
		s.end(false)
	default:
		s.fail(err)
	}
	return resp, err
}

// Close closes the response body. A stream closed before io.EOF still ends
// its span with what arrived: status OK with a "Stream Closed Early" event
// unless every choice had finished, or status ERROR when the context was
// cancelled.
func (s *ChatCompletionStream) Close() error {
	st := &s.state
	st.mu.Lock()
	st.closeEarly(s.acc.complete(), s.end, s.fail)
	st.mu.Unlock()
	return s.stream.Close()
}

// Header returns the HTTP response headers of the stream.
func (s *ChatCompletionStream) Header() http.Header { return s.stream.Header() }

// GetRateLimitHeaders returns the x-ratelimit-* headers of the stream.
func (s *ChatCompletionStream) GetRateLimitHeaders() openai.RateLimitHeaders {
	return s.stream.GetRateLimitHeaders()
}

// end ends the span as a success with the assembled answer; mu is held.
func (s *ChatCompletionStream) end(early bool) {
	st := &s.state
	st.ended = true
	resp := s.acc.response()
	if !s.recording {
		if !early {
			s.client.captureTurn(st.ctx, lastUserText(s.req.Messages), answerText(&resp))
		}
		return
	}
	attrs, answer := s.client.chatResponseAttrs(st.ctx, &s.cr, &resp)
	userText := s.cr.userText
	s.cr.release()
	s.cr = chatRequest{} // let the request's attributes go with the span
	if early {
		st.span.AddEvent(eventClosedEarly)
	}
	succeed(st.span, attrs)
	if !early {
		s.client.captureTurn(st.ctx, userText, answer)
	}
}

// fail ends the span with err, keeping what arrived; mu is held.
func (s *ChatCompletionStream) fail(err error) {
	st := &s.state
	st.ended = true
	if !s.recording {
		return
	}
	var attrs []attribute.KeyValue
	if st.chunks > 0 {
		resp := s.acc.response()
		attrs, _ = s.client.chatResponseAttrs(st.ctx, &s.cr, &resp)
	} else {
		attrs = s.cr.failed(s.client.cfg.trace)
	}
	s.cr.release()
	s.cr = chatRequest{}
	fail(st.span, attrs, err)
}

// chatAccumulator joins the chunks of a chat stream into one response.
type chatAccumulator struct {
	id, model, fingerprint string
	created                int64
	choices                []streamChoice
	usage                  *openai.Usage
}

type streamChoice struct {
	index                    int
	role                     string
	content, refusal, reason []byte
	calls                    []streamCall
	fnName, fnArgs           []byte // the legacy function_call
	hasFunction              bool
	finish                   openai.FinishReason
}

type streamCall struct {
	index    int
	id, name string
	typ      openai.ToolType
	args     []byte
}

// add takes in one chunk and reports whether it carried content.
func (a *chatAccumulator) add(r *openai.ChatCompletionStreamResponse) bool {
	if a.id == "" {
		a.id, a.created = r.ID, r.Created
	}
	if r.Model != "" {
		a.model = r.Model
	}
	if r.SystemFingerprint != "" {
		a.fingerprint = r.SystemFingerprint
	}
	if r.Usage != nil {
		a.usage = r.Usage
	}
	content := false
	for i := range r.Choices {
		ch := &r.Choices[i]
		c := a.choice(ch.Index)
		d := &ch.Delta
		if d.Role != "" {
			c.role = d.Role
		}
		if d.Content != "" || d.Refusal != "" || d.ReasoningContent != "" || len(d.ToolCalls) > 0 || d.FunctionCall != nil {
			content = true
		}
		c.content = append(c.content, d.Content...)
		c.refusal = append(c.refusal, d.Refusal...)
		c.reason = append(c.reason, d.ReasoningContent...)
		for k := range d.ToolCalls {
			tc := &d.ToolCalls[k]
			idx := k
			if tc.Index != nil {
				idx = *tc.Index
			}
			call := c.call(idx)
			if tc.ID != "" {
				call.id = tc.ID
			}
			if tc.Type != "" {
				call.typ = tc.Type
			}
			if tc.Function.Name != "" {
				call.name = tc.Function.Name
			}
			call.args = append(call.args, tc.Function.Arguments...)
		}
		if f := d.FunctionCall; f != nil {
			c.hasFunction = true
			c.fnName = append(c.fnName, f.Name...)
			c.fnArgs = append(c.fnArgs, f.Arguments...)
		}
		if ch.FinishReason != "" && ch.FinishReason != openai.FinishReasonNull {
			c.finish = ch.FinishReason
		}
	}
	return content
}

func (a *chatAccumulator) choice(index int) *streamChoice {
	for i := range a.choices {
		if a.choices[i].index == index {
			return &a.choices[i]
		}
	}
	a.choices = append(a.choices, streamChoice{index: index})
	return &a.choices[len(a.choices)-1]
}

func (c *streamChoice) call(index int) *streamCall {
	for i := range c.calls {
		if c.calls[i].index == index {
			return &c.calls[i]
		}
	}
	c.calls = append(c.calls, streamCall{index: index})
	return &c.calls[len(c.calls)-1]
}

// complete reports whether every choice has finished.
func (a *chatAccumulator) complete() bool {
	for i := range a.choices {
		if a.choices[i].finish == "" {
			return false
		}
	}
	return len(a.choices) > 0
}

// response assembles what arrived into the shape of a response that was
// not streamed.
func (a *chatAccumulator) response() openai.ChatCompletionResponse {
	r := openai.ChatCompletionResponse{
		ID:                a.id,
		Object:            "chat.completion",
		Created:           a.created,
		Model:             a.model,
		SystemFingerprint: a.fingerprint,
		Choices:           make([]openai.ChatCompletionChoice, len(a.choices)),
	}
	if a.usage != nil {
		r.Usage = *a.usage
	}
	for i := range a.choices {
		c := &a.choices[i]
		m := openai.ChatCompletionMessage{
			Role:             c.role,
			Content:          string(c.content),
			Refusal:          string(c.refusal),
			ReasoningContent: string(c.reason),
		}
		if m.Role == "" {
			m.Role = openai.ChatMessageRoleAssistant
		}
		if len(c.calls) > 0 {
			m.ToolCalls = make([]openai.ToolCall, len(c.calls))
			for k := range c.calls {
				call := &c.calls[k]
				typ := call.typ
				if typ == "" {
					typ = openai.ToolTypeFunction
				}
				m.ToolCalls[k] = openai.ToolCall{
					ID:       call.id,
					Type:     typ,
					Function: openai.FunctionCall{Name: call.name, Arguments: string(call.args)},
				}
			}
		}
		if c.hasFunction {
			m.FunctionCall = &openai.FunctionCall{Name: string(c.fnName), Arguments: string(c.fnArgs)}
		}
		r.Choices[i] = openai.ChatCompletionChoice{Index: c.index, Message: m, FinishReason: c.finish}
	}
	return r
}

// CompletionStream is the stream CreateCompletionStream returns, with the
// methods of go-openai's CompletionStream. It joins the text of each choice
// and ends the span like ChatCompletionStream.
type CompletionStream struct {
	stream *openai.CompletionStream
	client *Client
	req    openai.CompletionRequest
	state  streamState
	acc    completionAccumulator
}

// Recv returns the next chunk, exactly as go-openai's Recv does: io.EOF
// after the last one.
func (s *CompletionStream) Recv() (openai.CompletionResponse, error) {
	resp, err := s.stream.Recv()
	st := &s.state
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.ended {
		return resp, err
	}
	switch {
	case err == nil:
		st.chunks++
		if s.acc.add(&resp) {
			st.firstToken()
		}
	case errors.Is(err, io.EOF):
		s.end(false)
	default:
		s.fail(err)
	}
	return resp, err
}

// Close closes the response body and, like ChatCompletionStream.Close,
// ends the span if the stream had not ended.
func (s *CompletionStream) Close() error {
	st := &s.state
	st.mu.Lock()
	st.closeEarly(s.acc.complete(), s.end, s.fail)
	st.mu.Unlock()
	return s.stream.Close()
}

// Header returns the HTTP response headers of the stream.
func (s *CompletionStream) Header() http.Header { return s.stream.Header() }

// GetRateLimitHeaders returns the x-ratelimit-* headers of the stream.
func (s *CompletionStream) GetRateLimitHeaders() openai.RateLimitHeaders {
	return s.stream.GetRateLimitHeaders()
}

func (s *CompletionStream) end(early bool) {
	st := &s.state
	st.ended = true
	resp := s.acc.response()
	attrs := s.client.completionResponseAttrs(st.ctx, st.attrs, &s.req, &resp)
	st.attrs = nil
	if early {
		st.span.AddEvent(eventClosedEarly)
	}
	succeed(st.span, attrs)
}

func (s *CompletionStream) fail(err error) {
	st := &s.state
	st.ended = true
	attrs := st.attrs
	if st.chunks > 0 {
		resp := s.acc.response()
		attrs = s.client.completionResponseAttrs(st.ctx, attrs, &s.req, &resp)
	} else {
		attrs = oiattr.Model(attrs, "", "", s.req.Model)
	}
	st.attrs = nil
	fail(st.span, attrs, err)
}

// completionAccumulator joins the chunks of a legacy completion stream.
type completionAccumulator struct {
	id, model string
	created   int64
	choices   []completionChoice
	usage     *openai.Usage
}

type completionChoice struct {
	index  int
	text   []byte
	finish string
}

func (a *completionAccumulator) add(r *openai.CompletionResponse) bool {
	if a.id == "" {
		a.id, a.created = r.ID, r.Created
	}
	if r.Model != "" {
		a.model = r.Model
	}
	if r.Usage != nil {
		a.usage = r.Usage
	}
	content := false
	for i := range r.Choices {
		ch := &r.Choices[i]
		var c *completionChoice
		for k := range a.choices {
			if a.choices[k].index == ch.Index {
				c = &a.choices[k]
				break
			}
		}
		if c == nil {
			a.choices = append(a.choices, completionChoice{index: ch.Index})
			c = &a.choices[len(a.choices)-1]
		}
		if ch.Text != "" {
			content = true
			c.text = append(c.text, ch.Text...)
		}
		if ch.FinishReason != "" && ch.FinishReason != string(openai.FinishReasonNull) {
			c.finish = ch.FinishReason
		}
	}
	return content
}

func (a *completionAccumulator) complete() bool {
	for i := range a.choices {
		if a.choices[i].finish == "" {
			return false
		}
	}
	return len(a.choices) > 0
}

func (a *completionAccumulator) response() openai.CompletionResponse {
	r := openai.CompletionResponse{
		ID:      a.id,
		Object:  "text_completion",
		Created: a.created,
		Model:   a.model,
		Choices: make([]openai.CompletionChoice, len(a.choices)),
		Usage:   a.usage,
	}
	for i := range a.choices {
		c := &a.choices[i]
		r.Choices[i] = openai.CompletionChoice{Index: c.index, Text: string(c.text), FinishReason: c.finish}
	}
	return r
}
