package sessiontracetest_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	semconv "github.com/Arize-ai/openinference/go/openinference-semantic-conventions"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/sessiontrace/sessiontrace"
	"github.com/sessiontrace/sessiontrace/middleware"
	"github.com/sessiontrace/sessiontrace/sessiontracetest"
)

// A handler test: two turns of one conversation go through otelhttp and
// sessiontrace's middleware, and Check proves that Phoenix would show them
// as one complete session.
func Example() {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(
		sdktrace.WithSpanProcessor(sessiontrace.NewSpanProcessor()),
		sdktrace.WithSpanProcessor(rec),
	)
	defer func() { _ = tp.Shutdown(context.Background()) }()

	mux := http.NewServeMux()
	mux.HandleFunc("POST /chat", func(w http.ResponseWriter, r *http.Request) {
		question, _ := io.ReadAll(r.Body)
		sessiontrace.SetInput(r.Context(), string(question))
		// The model call: a wrapped client (llm/openai) records this span.
		_, llm := tp.Tracer("example").Start(r.Context(), "ChatCompletion", trace.WithAttributes(
			attribute.String(semconv.OpenInferenceSpanKind, semconv.SpanKindLLM),
			attribute.Int(semconv.LLMTokenCountPrompt, 12),
			attribute.Int(semconv.LLMTokenCountCompletion, 5)))
		llm.End()
		reply := "You asked: " + string(question)
		sessiontrace.SetOutput(r.Context(), reply)
		fmt.Fprint(w, reply)
	})
	h := otelhttp.NewHandler(middleware.Handler(mux), "chat", otelhttp.WithTracerProvider(tp))

	for _, question := range []string{"Where should I stay in Lisbon?", "How do I get to Sintra?"} {
		r := httptest.NewRequest(http.MethodPost, "/chat", strings.NewReader(question))
		r.Header.Set("X-Session-ID", "trip-42")
		r.Header.Set("X-User-ID", "alice")
		h.ServeHTTP(httptest.NewRecorder(), r)
	}

	if err := sessiontracetest.Check(rec.Ended()); err != nil {
		fmt.Println(err) // in a test: t.Fatal(err)
	}
	for _, s := range sessiontracetest.Sessions(rec.Ended()) {
		fmt.Printf("session %s, user %s: %d traces, %d prompt + %d completion tokens\n",
			s.ID, s.UserID, s.Traces, s.PromptTokens, s.CompletionTokens)
		for _, turn := range s.Turns {
			fmt.Printf("  %s → %s\n", turn.Input, turn.Output)
		}
	}
	// Output:
	// session trip-42, user alice: 2 traces, 24 prompt + 10 completion tokens
	//   Where should I stay in Lisbon? → You asked: Where should I stay in Lisbon?
	//   How do I get to Sintra? → You asked: How do I get to Sintra?
}

// A turn whose server span continues a caller's traceparent is no root, so
// Phoenix shows it without input or output: Check says so, naming the
// session and the trace.
func ExampleCheck() {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(
		sdktrace.WithSpanProcessor(sessiontrace.NewSpanProcessor()),
		sdktrace.WithSpanProcessor(rec),
	)
	defer func() { _ = tp.Shutdown(context.Background()) }()

	caller := trace.NewSpanContext(trace.SpanContextConfig{
		TraceID:    trace.TraceID{0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6, 0xa3, 0xce, 0x92, 0x9d, 0x0e, 0x0e, 0x47, 0x36},
		SpanID:     trace.SpanID{0x00, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, 0xb7},
		TraceFlags: trace.FlagsSampled,
		Remote:     true,
	})
	ctx := trace.ContextWithRemoteSpanContext(context.Background(), caller)
	ctx = sessiontrace.WithSession(ctx, "trip-42")
	_, span := tp.Tracer("example").Start(ctx, "POST /chat")
	span.End()

	fmt.Println(sessiontracetest.Check(rec.Ended()))
	// Output:
	// session "trip-42", trace 4bf92f3577b34da6a3ce929d0e0e4736: no root span (its only span has a parent, and a span that continues a remote traceparent is no root): Phoenix shows this turn without input or output, and the session no first input and no last output
}
