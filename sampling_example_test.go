package sessiontrace_test

import (
	"context"
	"fmt"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/sessiontrace/sessiontrace"
)

// The rule is the same everywhere: a session kept at 10% by one service is
// kept by every other, and kept at any higher ratio too.
func ExampleKeepSession() {
	for _, id := range []string{"chat-2", "chat-6", "abc"} {
		fmt.Println(id, sessiontrace.KeepSession(id, 0.1), sessiontrace.KeepSession(id, 0.5))
	}
	// Output:
	// chat-2 true true
	// chat-6 false true
	// abc false false
}

// Put the sampler in front of the exporting processor: every span of a
// kept conversation is exported, no span of a dropped one, and spans
// without a session as before. In a server, wrap
// sdktrace.NewBatchSpanProcessor(exporter) the same way (or use
// phoenix.WithSessionSampling).
func ExampleNewSessionSampler() {
	exporter := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(
		sdktrace.WithSpanProcessor(sessiontrace.NewSpanProcessor()),
		sdktrace.WithSpanProcessor(sessiontrace.NewSessionSampler(0.1, sdktrace.NewSimpleSpanProcessor(exporter))),
	)
	defer tp.Shutdown(context.Background())

	for _, session := range []string{"chat-2", "chat-6", ""} {
		ctx := sessiontrace.WithSession(context.Background(), session)
		ctx, turn := sessiontrace.StartTurn(ctx, "turn", sessiontrace.WithTracerProvider(tp))
		_, llm := tp.Tracer("llm").Start(ctx, "ChatCompletion")
		llm.End()
		turn.End()
	}

	for _, s := range exporter.GetSpans() {
		session := "(no session)"
		for _, kv := range s.Attributes {
			if kv.Key == "session.id" {
				session = kv.Value.AsString()
			}
		}
		fmt.Println(s.Name, session)
	}
	// Output:
	// ChatCompletion chat-2
	// turn chat-2
	// ChatCompletion (no session)
	// turn (no session)
}
