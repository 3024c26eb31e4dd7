package middleware_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/goleak"

	"github.com/sessiontrace/sessiontrace"
	"github.com/sessiontrace/sessiontrace/middleware"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// tracing is an SDK tracer provider with the sessiontrace span processor
// and a recorder of ended spans, shut down with the test.
func tracing(t testing.TB) (*tracetest.SpanRecorder, *sdktrace.TracerProvider) {
	t.Helper()
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(
		sdktrace.WithSpanProcessor(sessiontrace.NewSpanProcessor()),
		sdktrace.WithSpanProcessor(rec),
	)
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	return rec, tp
}

// instrument puts otelhttp outside the middleware, as the package
// documentation says to, with W3C trace context and baggage propagation.
func instrument(tp trace.TracerProvider, h http.Handler, opts ...middleware.Option) http.Handler {
	return otelhttp.NewHandler(middleware.Handler(h, opts...), "chat",
		otelhttp.WithTracerProvider(tp),
		otelhttp.WithPropagators(propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{})),
	)
}

func serverSpan(t *testing.T, rec *tracetest.SpanRecorder) sdktrace.ReadOnlySpan {
	t.Helper()
	var found sdktrace.ReadOnlySpan
	for _, s := range rec.Ended() {
		if s.SpanKind() == trace.SpanKindServer {
			if found != nil {
				t.Fatalf("more than one server span")
			}
			found = s
		}
	}
	if found == nil {
		t.Fatalf("no server span among %d ended spans", len(rec.Ended()))
	}
	return found
}

// ids is what a handler saw in its request context.
type ids struct{ session, user string }

// capture is a handler that records the IDs of its request context.
func capture(got *ids) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		*got = ids{sessiontrace.SessionID(r.Context()), sessiontrace.UserID(r.Context())}
		w.WriteHeader(http.StatusNoContent)
	})
}

func newRequest(header map[string]string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/chat", nil)
	for k, v := range header {
		r.Header.Add(k, v)
	}
	return r
}
