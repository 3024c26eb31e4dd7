package openai_test

import (
	"context"
	"errors"
	"fmt"
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
//	go test -run '^$' -bench 'ChatCompletion|CreateResponse' -benchtime 2000x ./llm/openai/
//
// The machine that runs them is often shared: compare the sides of each
// run, and take the median of those ratios over several runs.
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

// sides names the clients a benchmark compares, in the order they run:
// go-openai's own, NewClientWithConfig's and Wrap's (see benchClients).
var sides = [...]string{"bare", "wire", "wrapped"}

// benchCalls runs one sub-benchmark per side: calls[i] is the call of
// sides[i].
func benchCalls(b *testing.B, calls ...func() error) {
	for i, call := range calls {
		b.Run(sides[i], func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := call(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

type recvCloser[E any] interface {
	Recv() (E, error)
	Close() error
}

// readAll returns what reads a stream that was opened (or failed to open)
// to io.EOF and closes it; fewer than min items is an error.
func readAll[E any](min int) func(recvCloser[E], error) error {
	return func(s recvCloser[E], err error) error {
		if err != nil {
			return err
		}
		defer s.Close()
		n := 0
		for ; ; n++ {
			if _, err := s.Recv(); errors.Is(err, io.EOF) {
				break
			} else if err != nil {
				return err
			}
		}
		if n < min {
			return fmt.Errorf("%d items, want at least %d", n, min)
		}
		return nil
	}
}

func BenchmarkChatCompletion(b *testing.B) {
	srv := openaitest.NewServer(openaitest.WithoutRecording())
	b.Cleanup(srv.Close)
	req := openai.ChatCompletionRequest{Model: "gpt-4o-mini", Messages: conversation(), Temperature: 0.2}
	ctx := sessiontrace.WithUser(sessiontrace.WithSession(context.Background(), "sess-bench"), "user-bench")
	bare, wire, wrapped := benchClients(b, srv)
	benchCalls(b,
		func() error { _, err := bare.CreateChatCompletion(ctx, req); return err },
		func() error { _, err := wire.CreateChatCompletion(ctx, req); return err },
		func() error { _, err := wrapped.CreateChatCompletion(ctx, req); return err })
}

// lisbon starts a server whose every answer is the same text streamed in n
// pieces.
func lisbon(n int) *openaitest.Server {
	answer := strings.TrimSpace(strings.Repeat("Lisbon is lovely in spring. ", n/5))
	return openaitest.NewServer(openaitest.WithoutRecording(), openaitest.WithResponder(func(openaitest.Request) openaitest.Reply {
		return openaitest.Reply{Content: answer, Chunks: n}
	}))
}

func BenchmarkChatCompletionStream(b *testing.B) {
	const chunks = 500
	srv := lisbon(chunks)
	b.Cleanup(srv.Close)
	req := openai.ChatCompletionRequest{
		Model:         "gpt-4o-mini",
		Messages:      conversation(),
		StreamOptions: &openai.StreamOptions{IncludeUsage: true},
	}
	ctx := sessiontrace.WithUser(sessiontrace.WithSession(context.Background(), "sess-bench"), "user-bench")
	bare, wire, wrapped := benchClients(b, srv)
	read := readAll[openai.ChatCompletionStreamResponse](chunks)
	benchCalls(b,
		func() error { return read(bare.CreateChatCompletionStream(ctx, req)) },
		func() error { return read(wire.CreateChatCompletionStream(ctx, req)) },
		func() error { return read(wrapped.CreateChatCompletionStream(ctx, req)) })
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
	benchCalls(b,
		func() error { _, err := bare.CreateResponse(ctx, req); return err },
		func() error { _, err := wire.CreateResponse(ctx, req); return err },
		func() error { _, err := wrapped.CreateResponse(ctx, req); return err })
}

// BenchmarkCreateResponseStream reads a stream of 500 text deltas (509
// events with the lifecycle and item events around them).
func BenchmarkCreateResponseStream(b *testing.B) {
	const deltas = 500
	srv := lisbon(deltas)
	b.Cleanup(srv.Close)
	req := openai.CreateResponseRequest{Model: "gpt-4.1-mini", Input: conversationItems()}
	ctx := sessiontrace.WithUser(sessiontrace.WithSession(context.Background(), "sess-bench"), "user-bench")
	bare, wire, wrapped := benchClients(b, srv)
	read := readAll[openai.ResponseStreamEvent](deltas)
	benchCalls(b,
		func() error { return read(bare.CreateResponseStream(ctx, req)) },
		func() error { return read(wire.CreateResponseStream(ctx, req)) },
		func() error { return read(wrapped.CreateResponseStream(ctx, req)) })
}
