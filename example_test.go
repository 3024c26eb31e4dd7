package sessiontrace_test

import (
	"context"
	"fmt"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/sessiontrace/sessiontrace"
)

// Everything started under the context carries the session and user,
// including spans of libraries that know nothing about sessiontrace.
func ExampleWithSession() {
	ctx := sessiontrace.WithSession(context.Background(), "conversation-7")
	ctx = sessiontrace.WithUser(ctx, "alice")

	fmt.Println(sessiontrace.SessionID(ctx), sessiontrace.UserID(ctx))
	for _, kv := range sessiontrace.ContextAttributes(ctx) {
		fmt.Printf("%s=%s\n", kv.Key, kv.Value.String())
	}
	// Output:
	// conversation-7 alice
	// session.id=conversation-7
	// user.id=alice
}

// Register the processor beside your exporter; every span started in a
// context that carries a session then carries it too.
func ExampleNewSpanProcessor() {
	exporter := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(
		sdktrace.WithSpanProcessor(sessiontrace.NewSpanProcessor()),
		sdktrace.WithSyncer(exporter),
	)
	defer tp.Shutdown(context.Background())

	ctx := sessiontrace.WithSession(context.Background(), "conversation-7")
	_, span := tp.Tracer("db").Start(ctx, "SELECT orders")
	span.End()

	for _, s := range exporter.GetSpans() {
		for _, kv := range s.Attributes {
			fmt.Printf("%s: %s=%s\n", s.Name, kv.Key, kv.Value.String())
		}
	}
	// Output:
	// SELECT orders: session.id=conversation-7
}

// A queue worker or CLI has no HTTP server span: StartTurn makes the span
// Phoenix shows as one turn of the conversation.
func ExampleStartTurn() {
	exporter := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exporter))
	defer tp.Shutdown(context.Background())

	ctx := sessiontrace.WithSession(context.Background(), "ticket-1182")
	ctx, span := sessiontrace.StartTurn(ctx, "handle message", sessiontrace.WithTracerProvider(tp))
	sessiontrace.SetInput(ctx, "Where is my order?")
	// ... call the model through a wrapped client with ctx ...
	sessiontrace.SetOutput(ctx, "It ships tomorrow.")
	span.End()

	for _, kv := range exporter.GetSpans()[0].Attributes {
		fmt.Printf("%s=%s\n", kv.Key, kv.Value.String())
	}
	// Output:
	// openinference.span.kind=CHAIN
	// session.id=ticket-1182
	// input.value=Where is my order?
	// input.mime_type=text/plain
	// output.value=It ships tomorrow.
	// output.mime_type=text/plain
}
