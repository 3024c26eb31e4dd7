package langchaingo_test

import (
	"context"
	"testing"

	"github.com/tmc/langchaingo/llms"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/sessiontrace/sessiontrace"
	"github.com/sessiontrace/sessiontrace/llm/langchaingo"
)

// instantModel answers at once with a fixed response, so that the benchmark
// measures the wrapper alone.
type instantModel struct{ resp *llms.ContentResponse }

func (m instantModel) GenerateContent(context.Context, []llms.MessageContent, ...llms.CallOption) (*llms.ContentResponse, error) {
	return m.resp, nil
}

func (m instantModel) Call(ctx context.Context, prompt string, options ...llms.CallOption) (string, error) {
	return llms.GenerateFromSinglePrompt(ctx, m, prompt, options...)
}

// BenchmarkGenerateContent compares the bare model with the wrapped one; the
// spans are recorded by a sampled SDK provider without an exporter, so the
// cost shown is building the attributes and the span, not exporting it.
func BenchmarkGenerateContent(b *testing.B) {
	model := instantModel{resp: textReply("The capital of France is Paris.", map[string]any{
		"PromptTokens": 24, "CompletionTokens": 8, "TotalTokens": 32,
	})}
	msgs := []llms.MessageContent{
		llms.TextParts(llms.ChatMessageTypeSystem, "You are a helpful assistant."),
		llms.TextParts(llms.ChatMessageTypeHuman, "What is the capital of France?"),
	}
	ctx := sessiontrace.WithSession(context.Background(), "bench-session")
	opts := []llms.CallOption{llms.WithTemperature(0.2), llms.WithMaxTokens(64)}
	tp := sdktrace.NewTracerProvider()
	b.Cleanup(func() { _ = tp.Shutdown(context.Background()) })

	run := func(b *testing.B, m llms.Model, opts ...llms.CallOption) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := m.GenerateContent(ctx, msgs, opts...); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Run("bare", func(b *testing.B) { run(b, model, opts...) })
	b.Run("wrapped", func(b *testing.B) {
		run(b, langchaingo.WrapModel(model, langchaingo.WithTracerProvider(tp)), opts...)
	})
	b.Run("wrapped/metadata", func(b *testing.B) {
		run(b, langchaingo.WrapModel(model, langchaingo.WithTracerProvider(tp)),
			append(opts, llms.WithMetadata(map[string]any{"thread_id": "t-1", "user_id": "u-1"}))...)
	})
	b.Run("wrapped/suppressed", func(b *testing.B) {
		m := langchaingo.WrapModel(model, langchaingo.WithTracerProvider(tp))
		sctx := sessiontrace.WithSuppression(ctx)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := m.GenerateContent(sctx, msgs, opts...); err != nil {
				b.Fatal(err)
			}
		}
	})
}
