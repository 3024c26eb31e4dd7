package langchaingo_test

import (
	"context"
	"errors"
	"sync"

	"github.com/tmc/langchaingo/llms"
	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

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
