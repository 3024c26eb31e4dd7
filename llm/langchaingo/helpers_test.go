package langchaingo_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/tmc/langchaingo/llms"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/sessiontrace/sessiontrace"
)

// recorder returns a tracer provider that keeps finished spans in memory.
// With processor set it also registers sessiontrace's span processor.
func recorder(t testing.TB, processor bool) (*sdktrace.TracerProvider, *tracetest.SpanRecorder) {
	t.Helper()
	sr := tracetest.NewSpanRecorder()
	opts := []sdktrace.TracerProviderOption{sdktrace.WithSpanProcessor(sr)}
	if processor {
		opts = append(opts, sdktrace.WithSpanProcessor(sessiontrace.NewSpanProcessor()))
	}
	tp := sdktrace.NewTracerProvider(opts...)
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	return tp, sr
}

// attrs returns a span's attributes by key.
func attrs(s sdktrace.ReadOnlySpan) map[string]attribute.Value {
	m := make(map[string]attribute.Value, len(s.Attributes()))
	for _, kv := range s.Attributes() {
		m[string(kv.Key)] = kv.Value
	}
	return m
}

// only returns the one ended span, failing the test otherwise.
func only(t *testing.T, sr *tracetest.SpanRecorder) sdktrace.ReadOnlySpan {
	t.Helper()
	spans := sr.Ended()
	if len(spans) != 1 {
		names := make([]string, len(spans))
		for i, s := range spans {
			names[i] = s.Name()
		}
		t.Fatalf("got %d spans %v, want 1", len(spans), names)
	}
	return spans[0]
}

// wantAttrs checks string, int and bool attributes; a nil want means the
// key must be absent.
func wantAttrs(t *testing.T, s sdktrace.ReadOnlySpan, want map[string]any) {
	t.Helper()
	got := attrs(s)
	for k, w := range want {
		v, ok := got[k]
		if w == nil {
			if ok {
				t.Errorf("%s: %s = %q, want it absent", s.Name(), k, v.String())
			}
			continue
		}
		if !ok {
			t.Errorf("%s: %s missing, want %v", s.Name(), k, w)
			continue
		}
		var match bool
		switch w := w.(type) {
		case string:
			match = v.Type() == attribute.STRING && v.AsString() == w
		case int:
			match = v.Type() == attribute.INT64 && v.AsInt64() == int64(w)
		case bool:
			match = v.Type() == attribute.BOOL && v.AsBool() == w
		case float64:
			match = v.Type() == attribute.FLOAT64 && v.AsFloat64() == w
		default:
			t.Fatalf("wantAttrs: unsupported type %T", w)
		}
		if !match {
			t.Errorf("%s: %s = %s, want %v", s.Name(), k, v.String(), w)
		}
	}
}

// fakeModel is a hand-written llms.Model: it answers from a script (the
// last reply repeats), streams its content in words when asked, and records
// the options it was called with.
type fakeModel struct {
	mu      sync.Mutex
	replies []*llms.ContentResponse
	err     error
	panics  any
	calls   []llms.CallOptions
	ctxs    []context.Context
}

func (f *fakeModel) GenerateContent(ctx context.Context, _ []llms.MessageContent, options ...llms.CallOption) (*llms.ContentResponse, error) {
	var o llms.CallOptions
	for _, opt := range options {
		opt(&o)
	}
	f.mu.Lock()
	f.calls = append(f.calls, o)
	f.ctxs = append(f.ctxs, ctx)
	var resp *llms.ContentResponse
	if len(f.replies) > 0 {
		resp = f.replies[0]
		if len(f.replies) > 1 {
			f.replies = f.replies[1:]
		}
	}
	f.mu.Unlock()
	if f.panics != nil {
		panic(f.panics)
	}
	if f.err != nil {
		return nil, f.err
	}
	if o.StreamingFunc != nil && resp != nil && len(resp.Choices) > 0 {
		for _, chunk := range []string{"", resp.Choices[0].Content} {
			if err := o.StreamingFunc(ctx, []byte(chunk)); err != nil {
				return nil, err
			}
		}
	}
	return resp, nil
}

func (f *fakeModel) Call(ctx context.Context, prompt string, options ...llms.CallOption) (string, error) {
	return llms.GenerateFromSinglePrompt(ctx, f, prompt, options...)
}

func (f *fakeModel) lastCall() llms.CallOptions {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[len(f.calls)-1]
}

// textReply is a response with one text choice.
func textReply(text string, info map[string]any) *llms.ContentResponse {
	return &llms.ContentResponse{Choices: []*llms.ContentChoice{{Content: text, StopReason: "stop", GenerationInfo: info}}}
}

var errBoom = errors.New("boom")

func human(text string) []llms.MessageContent {
	return []llms.MessageContent{llms.TextParts(llms.ChatMessageTypeHuman, text)}
}

// setGlobal installs tp as the global tracer provider and returns a function
// that puts the previous one back.
func setGlobal(tp *sdktrace.TracerProvider) func() {
	prev := otel.GetTracerProvider()
	otel.SetTracerProvider(tp)
	return func() { otel.SetTracerProvider(prev) }
}
