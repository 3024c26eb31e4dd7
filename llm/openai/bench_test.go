package openai_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/sashabaranov/go-openai"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/sessiontrace/sessiontrace"
	oiopenai "github.com/sessiontrace/sessiontrace/llm/openai"
	"github.com/sessiontrace/sessiontrace/llm/openai/openaitest"
)

// The benchmarks compare go-openai's own client ("bare") with the traced
// ones: "wire", made by NewClientWithConfig, which records the bodies as
// they went over the wire, and "wrapped", made by Wrap, which encodes
// go-openai's types. All run against openaitest on loopback, with a real
// SDK TracerProvider that samples every span. Run them side by side:
//
//	go test -run '^$' -bench 'ChatCompletion' -benchtime 2000x ./llm/openai/
//
// BenchmarkChatSpanWork (span_bench_test.go) measures the wrapper's own
// work without the network.

// discard is an exporter that drops spans: the SDK still builds the
// read-only snapshot of each span (attribute de-duplication included), so
// the attribute work is measured, but nothing is kept.
type discard struct{}

func (discard) ExportSpans(context.Context, []sdktrace.ReadOnlySpan) error { return nil }
func (discard) Shutdown(context.Context) error                             { return nil }

func benchProvider(b *testing.B) *sdktrace.TracerProvider {
	tp := sdktrace.NewTracerProvider(
		sdktrace.WithSampler(sdktrace.AlwaysSample()),
		sdktrace.WithSpanProcessor(sessiontrace.NewSpanProcessor()),
		sdktrace.WithSyncer(discard{}),
	)
	b.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	return tp
}

// benchClients returns go-openai's client of srv and the two traced ones.
func benchClients(b *testing.B, srv *openaitest.Server) (bare *openai.Client, wire, wrapped *oiopenai.Client) {
	opts := []oiopenai.Option{oiopenai.WithTracerProvider(benchProvider(b)),
		oiopenai.WithTraceConfig(sessiontrace.DefaultTraceConfig())}
	return srv.Client(), oiopenai.NewClientWithConfig(srv.ClientConfig(), opts...), oiopenai.Wrap(srv.Client(), opts...)
}

// conversation is a 20-message chat: a system prompt and nine and a half
// exchanges of a few sentences each.
func conversation() []openai.ChatCompletionMessage {
	msgs := []openai.ChatCompletionMessage{{
		Role:    openai.ChatMessageRoleSystem,
		Content: "You are a helpful travel assistant. Answer briefly, name concrete places, and ask one follow-up question when the request is vague.",
	}}
	for i := 1; len(msgs) < 20; i++ {
		msgs = append(msgs, openai.ChatCompletionMessage{
			Role:    openai.ChatMessageRoleUser,
			Content: "I am planning a trip to Lisbon in the spring with two friends. What neighbourhoods should we stay in, and is three days enough to see the city?",
		})
		if len(msgs) < 20 {
			msgs = append(msgs, openai.ChatCompletionMessage{
				Role:    openai.ChatMessageRoleAssistant,
				Content: "Alfama and Baixa are central and walkable; Príncipe Real is quieter. Three days covers the centre, Belém and a day trip to Sintra. Do you prefer nightlife or calm evenings?",
			})
		}
	}
	return msgs
}

func BenchmarkChatCompletion(b *testing.B) {
	srv := openaitest.NewServer(openaitest.WithoutRecording())
	b.Cleanup(srv.Close)
	req := openai.ChatCompletionRequest{Model: "gpt-4o-mini", Messages: conversation(), Temperature: 0.2}
	ctx := sessiontrace.WithUser(sessiontrace.WithSession(context.Background(), "sess-bench"), "user-bench")
	bare, wire, wrapped := benchClients(b, srv)

	run := func(b *testing.B, call func() (openai.ChatCompletionResponse, error)) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := call(); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Run("bare", func(b *testing.B) {
		run(b, func() (openai.ChatCompletionResponse, error) { return bare.CreateChatCompletion(ctx, req) })
	})
	b.Run("wire", func(b *testing.B) {
		run(b, func() (openai.ChatCompletionResponse, error) { return wire.CreateChatCompletion(ctx, req) })
	})
	b.Run("wrapped", func(b *testing.B) {
		run(b, func() (openai.ChatCompletionResponse, error) { return wrapped.CreateChatCompletion(ctx, req) })
	})
}

func BenchmarkChatCompletionStream(b *testing.B) {
	const chunks = 500
	answer := strings.TrimSpace(strings.Repeat("Lisbon is lovely in spring. ", chunks/5))
	srv := openaitest.NewServer(openaitest.WithoutRecording(), openaitest.WithResponder(func(openaitest.Request) openaitest.Reply {
		return openaitest.Reply{Content: answer, Chunks: chunks}
	}))
	b.Cleanup(srv.Close)
	req := openai.ChatCompletionRequest{
		Model:         "gpt-4o-mini",
		Messages:      conversation(),
		StreamOptions: &openai.StreamOptions{IncludeUsage: true},
	}
	ctx := sessiontrace.WithUser(sessiontrace.WithSession(context.Background(), "sess-bench"), "user-bench")
	bare, wire, wrapped := benchClients(b, srv)

	type stream interface {
		Recv() (openai.ChatCompletionStreamResponse, error)
		Close() error
	}
	run := func(b *testing.B, open func() (stream, error)) {
		b.ReportAllocs()
		for b.Loop() {
			s, err := open()
			if err != nil {
				b.Fatal(err)
			}
			n := 0
			for {
				_, err := s.Recv()
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					b.Fatal(err)
				}
				n++
			}
			s.Close()
			if n < chunks {
				b.Fatalf("%d chunks", n)
			}
		}
	}
	b.Run("bare", func(b *testing.B) {
		run(b, func() (stream, error) { return bare.CreateChatCompletionStream(ctx, req) })
	})
	b.Run("wire", func(b *testing.B) {
		run(b, func() (stream, error) { return wire.CreateChatCompletionStream(ctx, req) })
	})
	b.Run("wrapped", func(b *testing.B) {
		run(b, func() (stream, error) { return wrapped.CreateChatCompletionStream(ctx, req) })
	})
}

// conversationItems is conversation() as the input of a Responses request:
// 20 message items.
func conversationItems() []any {
	msgs := conversation()
	items := make([]any, len(msgs))
	for i, m := range msgs {
		items[i] = openai.ResponseInputMessage{Type: "message", Role: m.Role, Content: m.Content}
	}
	return items
}

func BenchmarkCreateResponse(b *testing.B) {
	srv := openaitest.NewServer(openaitest.WithoutRecording())
	b.Cleanup(srv.Close)
	temperature := float32(0.2)
	req := openai.CreateResponseRequest{Model: "gpt-4.1-mini", Input: conversationItems(), Temperature: &temperature}
	ctx := sessiontrace.WithUser(sessiontrace.WithSession(context.Background(), "sess-bench"), "user-bench")
	bare, wire, wrapped := benchClients(b, srv)

	run := func(b *testing.B, call func() (openai.CreateResponseResponse, error)) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := call(); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Run("bare", func(b *testing.B) {
		run(b, func() (openai.CreateResponseResponse, error) { return bare.CreateResponse(ctx, req) })
	})
	b.Run("wire", func(b *testing.B) {
		run(b, func() (openai.CreateResponseResponse, error) { return wire.CreateResponse(ctx, req) })
	})
	b.Run("wrapped", func(b *testing.B) {
		run(b, func() (openai.CreateResponseResponse, error) { return wrapped.CreateResponse(ctx, req) })
	})
}

// BenchmarkCreateResponseStream reads a stream of 500 text deltas (509
// events with the lifecycle and item events around them).
func BenchmarkCreateResponseStream(b *testing.B) {
	const deltas = 500
	answer := strings.TrimSpace(strings.Repeat("Lisbon is lovely in spring. ", deltas/5))
	srv := openaitest.NewServer(openaitest.WithoutRecording(), openaitest.WithResponder(func(openaitest.Request) openaitest.Reply {
		return openaitest.Reply{Content: answer, Chunks: deltas}
	}))
	b.Cleanup(srv.Close)
	req := openai.CreateResponseRequest{Model: "gpt-4.1-mini", Input: conversationItems()}
	ctx := sessiontrace.WithUser(sessiontrace.WithSession(context.Background(), "sess-bench"), "user-bench")
	bare, wire, wrapped := benchClients(b, srv)

	type stream interface {
		Recv() (openai.ResponseStreamEvent, error)
		Close() error
	}
	run := func(b *testing.B, open func() (stream, error)) {
		b.ReportAllocs()
		for b.Loop() {
			s, err := open()
			if err != nil {
				b.Fatal(err)
			}
			n := 0
			for {
				_, err := s.Recv()
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					b.Fatal(err)
				}
				n++
			}
			s.Close()
			if n < deltas {
				b.Fatalf("%d events", n)
			}
		}
	}
	b.Run("bare", func(b *testing.B) {
		run(b, func() (stream, error) { return bare.CreateResponseStream(ctx, req) })
	})
	b.Run("wire", func(b *testing.B) {
		run(b, func() (stream, error) { return wire.CreateResponseStream(ctx, req) })
	})
	b.Run("wrapped", func(b *testing.B) {
		run(b, func() (stream, error) { return wrapped.CreateResponseStream(ctx, req) })
	})
}
