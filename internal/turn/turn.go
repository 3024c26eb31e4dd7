// Package turn holds the state of the span that stands for one exchange with
// the user. The root package exposes it as BindTurn / SetInput / SetOutput;
// the LLM wrappers reach it through Capture, so that they can fill the turn's
// input and output without a public hook. Callers pass attributes already
// masked (internal/oiattr decides what may be recorded).
package turn

import (
	"context"
	"sync"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
)

type ctxKey struct{}

// State is the turn bound to a context. It is safe for concurrent use: the
// goroutines of one request may all report to the same turn.
type State struct {
	span trace.Span

	mu             sync.Mutex
	hasInput       bool // an input has been written, explicitly or captured
	explicitInput  bool
	explicitOutput bool
}

// Bind returns a context carrying a new turn for span.
func Bind(ctx context.Context, span trace.Span) context.Context {
	return context.WithValue(ctx, ctxKey{}, &State{span: span})
}

// FromContext returns the turn bound to ctx, or nil.
func FromContext(ctx context.Context) *State {
	s, _ := ctx.Value(ctxKey{}).(*State)
	return s
}

// Span returns the turn's span.
func (s *State) Span() trace.Span { return s.span }

// SetInput writes the turn's input explicitly: it replaces any captured input
// and is never replaced by a captured one.
func (s *State) SetInput(attrs []attribute.KeyValue) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hasInput, s.explicitInput = true, true
	s.span.SetAttributes(attrs...)
}

// SetOutput writes the turn's output explicitly, for good.
func (s *State) SetOutput(attrs []attribute.KeyValue) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.explicitOutput = true
	s.span.SetAttributes(attrs...)
}

// Capture records what an LLM call saw and said. input is kept only when the
// turn has none yet (the first call of a turn carries the user's message);
// output replaces the previous captured output (the latest answer is the
// reply). Explicit values always win. Empty slices are ignored; a nil State
// (no turn bound) ignores everything.
func (s *State) Capture(input, output []attribute.KeyValue) {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(input) > 0 && !s.hasInput {
		s.hasInput = true
		s.span.SetAttributes(input...)
	}
	if len(output) > 0 && !s.explicitOutput {
		s.span.SetAttributes(output...)
	}
}
