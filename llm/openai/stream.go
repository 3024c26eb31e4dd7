package openai

import (
	"context"
	"errors"
	"io"
	"net/http"
	"sync"

	"github.com/sashabaranov/go-openai"
	"go.opentelemetry.io/otel/trace"

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

// source is a go-openai stream of chunks of type T: every one has these
// methods.
type source[T any] interface {
	Recv() (T, error)
	Close() error
	Header() http.Header
	GetRateLimitHeaders() openai.RateLimitHeaders
}

// answer is what one kind of stream (chat, legacy completion, ...) does
// with its chunks: it folds each into the answer so far and describes the
// call for the span when the stream ends.
type answer[T any] interface {
	// add folds chunk into the answer and reports whether it carried
	// content, for the first-token event. The chunk is passed by value: a
	// pointer given to an interface method would make every chunk escape
	// to the heap.
	add(chunk T) bool
	// complete reports whether every choice has finished (only the usage
	// chunk and [DONE] may still be coming).
	complete() bool
	// call describes the call: the request, and with answered the answer
	// assembled so far.
	call(answered bool) *oiattr.Call
}

// failer is an answer whose stream can fail in-band, in an event rather
// than in an error of Recv (the Responses API's error and response.failed
// events): failure returns that failure, or nil. The stream then ends with
// it as if Recv had returned it, while the caller goes on reading events.
type failer interface {
	failure() error
}

// stream is what every traced stream shares, and the methods the exported
// stream types have through it: it passes the chunks of src through, folds
// them into its answer, and ends the span exactly once, at io.EOF, at an
// error, or at Close. mu guards everything, because Close may be called
// from another goroutine to stop a Recv that blocks.
type stream[T any, S source[T]] struct {
	src    S
	client *Client
	answer answer[T]
	ctx    context.Context
	span   trace.Span // nil when sampled out
	turn   bool       // a successful end fills the turn bound in ctx

	mu     sync.Mutex
	ended  bool // or nothing to record: chunks only pass through
	first  bool // the first-token event was added
	chunks int
}

// recv is Recv of the exported stream types, which spell out T for their
// documentation.
func (s *stream[T, S]) recv() (T, error) {
	chunk, err := s.src.Recv()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ended {
		return chunk, err
	}
	switch {
	case err == nil:
		s.chunks++
		if s.answer.add(chunk) && !s.first && s.span != nil {
			s.first = true
			s.span.AddEvent(eventFirstToken)
		}
	case errors.Is(err, io.EOF):
		s.end(nil, false)
	default:
		s.end(err, false)
	}
	return chunk, err
}

// Close closes the response body. A stream closed before io.EOF still ends
// its span with what arrived: status OK with a "Stream Closed Early" event
// unless every choice had finished, or status ERROR when the context was
// cancelled. Closing twice is fine.
func (s *stream[T, S]) Close() error {
	s.mu.Lock()
	if !s.ended {
		if err := s.ctx.Err(); err != nil {
			s.end(err, false)
		} else {
			s.end(nil, !s.answer.complete())
		}
	}
	s.mu.Unlock()
	return s.src.Close()
}

// Header returns the HTTP response headers of the stream.
func (s *stream[T, S]) Header() http.Header { return s.src.Header() }

// GetRateLimitHeaders returns the x-ratelimit-* headers of the stream.
func (s *stream[T, S]) GetRateLimitHeaders() openai.RateLimitHeaders {
	return s.src.GetRateLimitHeaders()
}

// end ends the stream with err (nil for a success, unless the answer
// failed in-band); mu is held. A failed stream keeps what arrived before
// the error.
func (s *stream[T, S]) end(err error, early bool) {
	s.ended = true
	if f, ok := s.answer.(failer); ok && err == nil {
		if failed := f.failure(); failed != nil {
			err, early = failed, false
		}
	}
	call := s.answer.call(err == nil || s.chunks > 0)
	if s.span != nil {
		if early {
			s.span.AddEvent(eventClosedEarly)
		}
		s.client.end(s.span, call, err)
	}
	if s.turn && err == nil && !early {
		s.client.captureTurn(s.ctx, call.InputMessages, call.OutputMessages)
	}
}
