package middleware_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/Arize-ai/openinference/go/openinference-instrumentation"
	semconv "github.com/Arize-ai/openinference/go/openinference-semantic-conventions"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/sessiontrace/sessiontrace"
	"github.com/sessiontrace/sessiontrace/internal/alternate"
	"github.com/sessiontrace/sessiontrace/middleware"
)

// discardWriter is a ResponseWriter that costs nothing, so that the
// benchmarks measure the handlers and not the recorder.
type discardWriter struct{ h http.Header }

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *discardWriter) WriteHeader(int)             {}

var bare = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
	w.WriteHeader(http.StatusNoContent)
})

func benchRequests() map[string]*http.Request {
	present := httptest.NewRequest(http.MethodPost, "/chat", nil)
	present.Header.Set("X-Session-ID", "3f2b8c1e-9d4a-4e7b-8a51-0c6d2e9f7b13")
	present.Header.Set("X-User-ID", "user-42")
	absent := httptest.NewRequest(http.MethodPost, "/chat", nil)
	return map[string]*http.Request{"present": present, "absent": absent}
}

func benchServe(b *testing.B, h http.Handler, r *http.Request) {
	b.Helper()
	w := &discardWriter{h: make(http.Header)}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		h.ServeHTTP(w, r)
		clear(w.h)
	}
}

// benchTracerProvider records every span and exports none, so the cost is
// that of instrumentation, not of an exporter.
func benchTracerProvider(b *testing.B) *sdktrace.TracerProvider {
	tp := sdktrace.NewTracerProvider(
		sdktrace.WithSampler(sdktrace.AlwaysSample()),
		sdktrace.WithSpanProcessor(sessiontrace.NewSpanProcessor()),
	)
	b.Cleanup(func() { _ = tp.Shutdown(b.Context()) })
	return tp
}

func BenchmarkBare(b *testing.B) {
	benchServe(b, bare, benchRequests()["present"])
}

func BenchmarkMiddleware(b *testing.B) {
	h := middleware.Handler(bare)
	for _, name := range []string{"present", "absent"} {
		b.Run(name, func(b *testing.B) { benchServe(b, h, benchRequests()[name]) })
	}
}

func BenchmarkOtelhttp(b *testing.B) {
	h := otelhttp.NewHandler(bare, "chat", otelhttp.WithTracerProvider(benchTracerProvider(b)))
	benchServe(b, h, benchRequests()["present"])
}

func BenchmarkOtelhttpMiddleware(b *testing.B) {
	h := otelhttp.NewHandler(middleware.Handler(bare), "chat", otelhttp.WithTracerProvider(benchTracerProvider(b)))
	for _, name := range []string{"present", "absent"} {
		b.Run(name, func(b *testing.B) { benchServe(b, h, benchRequests()[name]) })
	}
}

// BenchmarkSessionCookie measures a browser's request: the session comes
// from the cookie and the cookie is sent again with a fresh expiry.
func BenchmarkSessionCookie(b *testing.B) {
	h := middleware.Handler(bare, middleware.WithSessionCookie(middleware.SessionCookie{}))
	r := httptest.NewRequest(http.MethodPost, "/chat", nil)
	r.Header.Set("Cookie", "theme=dark; oi_session_id=3f2b8c1e-9d4a-4e7b-8a51-0c6d2e9f7b13; lang=en")
	benchServe(b, h, r)
}

// BenchmarkOtelhttpTraceparent and BenchmarkOtelhttpMiddlewareTraceparent
// measure a request that arrives with a traceparent (from a browser, an edge
// proxy or a gateway): the middleware then starts the turn as a new root,
// one span more than otelhttp's own. Compare the two.
func BenchmarkOtelhttpTraceparent(b *testing.B) {
	h := otelhttp.NewHandler(bare, "chat", otelhttp.WithTracerProvider(benchTracerProvider(b)), w3c)
	benchServe(b, h, tracedRequest())
}

func BenchmarkOtelhttpMiddlewareTraceparent(b *testing.B) {
	h := otelhttp.NewHandler(middleware.Handler(bare), "chat", otelhttp.WithTracerProvider(benchTracerProvider(b)), w3c)
	benchServe(b, h, tracedRequest())
}

var w3c = otelhttp.WithPropagators(propagation.TraceContext{})

func tracedRequest() *http.Request {
	r := benchRequests()["present"]
	r.Header.Set("Traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
	return r
}

// BenchmarkOtelhttpFloor measures, in the same harness, the least that
// the middleware's documented behaviour lets it add to an otelhttp request,
// as plain code without the middleware's options, sources and checks. Read its
// rows against BenchmarkOtelhttp and BenchmarkOtelhttpTraceparent, beside
// the middleware's own:
//
//   - ids: what a request with a session and a user must do when the
//     server span is the turn: read the two headers, set the turn's
//     attributes on the server span, give the official OpenInference
//     instrumentors the IDs through their own setters, and carry the IDs
//     and the turn in one context value of our own.
//   - turn-span: the one SDK span more that a request with a traceparent
//     must make (the turn, a new root linked to the server span, with its
//     three attributes), and nothing else.
func BenchmarkOtelhttpFloor(b *testing.B) {
	tp := benchTracerProvider(b)
	type turnState struct {
		session, user string
		span          trace.Span
	}
	type stateKey struct{}
	ids := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		session, user := r.Header.Get("X-Session-ID"), r.Header.Get("X-User-ID")
		ctx := r.Context()
		span := trace.SpanFromContext(ctx)
		span.SetAttributes(
			attribute.String(semconv.OpenInferenceSpanKind, semconv.SpanKindChain),
			attribute.String(semconv.SessionID, session),
			attribute.String(semconv.UserID, user))
		ctx = instrumentation.WithSession(ctx, session)
		ctx = instrumentation.WithUser(ctx, user)
		ctx = context.WithValue(ctx, stateKey{}, &turnState{session: session, user: user, span: span})
		bare.ServeHTTP(w, r.WithContext(ctx))
	})
	turnSpan := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		server := trace.SpanFromContext(r.Context())
		_, span := tp.Tracer(middleware.ScopeName).Start(r.Context(), "POST", trace.WithNewRoot(),
			trace.WithLinks(trace.Link{SpanContext: server.SpanContext()}),
			trace.WithAttributes(
				attribute.String(semconv.OpenInferenceSpanKind, semconv.SpanKindChain),
				attribute.String(semconv.SessionID, r.Header.Get("X-Session-ID")),
				attribute.String(semconv.UserID, r.Header.Get("X-User-ID"))))
		bare.ServeHTTP(w, r)
		span.End()
	})
	b.Run("ids", func(b *testing.B) {
		benchServe(b, otelhttp.NewHandler(ids, "chat", otelhttp.WithTracerProvider(tp)), benchRequests()["present"])
	})
	b.Run("turn-span", func(b *testing.B) {
		benchServe(b, otelhttp.NewHandler(turnSpan, "chat", otelhttp.WithTracerProvider(tp), w3c), tracedRequest())
	})
}

// BenchmarkLoopbackRatio is what a server sees: the same handler behind
// otelhttp alone and behind otelhttp and the middleware, each served by
// net/http on a loopback connection, with the SDK's batch span processor
// exporting to nowhere, as phoenix.Register batches. It alternates the two
// servers in rounds of 300 requests and reports the median over 30 rounds
// of the with-middleware time over the otelhttp-alone time (b.N is
// ignored: run it with -benchtime 1x):
//
//	go test -run '^$' -bench LoopbackRatio -benchtime 1x -count 3 ./middleware
//
// "ids" sends a session and a user, "traceparent" the same with a
// traceparent, so that the turn is a new root span. The in-process
// benchmarks above measure the middleware against otelhttp's own work
// only; here both are measured against a whole request.
func BenchmarkLoopbackRatio(b *testing.B) {
	tp := sdktrace.NewTracerProvider(
		sdktrace.WithSpanProcessor(sessiontrace.NewSpanProcessor()),
		sdktrace.WithBatcher(dropExporter{}),
	)
	b.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	chat := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"reply":"Alfama and Baixa are central and walkable; Príncipe Real is quieter."}`)
	})
	serve := func(h http.Handler) string {
		srv := httptest.NewServer(otelhttp.NewHandler(h, "chat", otelhttp.WithTracerProvider(tp), w3c))
		b.Cleanup(srv.Close)
		return srv.URL + "/chat"
	}
	urls := [2]string{serve(chat), serve(middleware.Handler(chat))}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 2}}
	b.Cleanup(client.CloseIdleConnections)
	for _, bc := range []struct{ name, traceparent string }{
		{"ids", ""},
		{"traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			post := func(url string) {
				req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(`{"message":"Is three days enough to see Lisbon?"}`))
				if err != nil {
					b.Fatal(err)
				}
				req.Header.Set("X-Session-ID", "3f2b8c1e-9d4a-4e7b-8a51-0c6d2e9f7b13")
				req.Header.Set("X-User-ID", "user-42")
				if bc.traceparent != "" {
					req.Header.Set("Traceparent", bc.traceparent)
				}
				resp, err := client.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				_ = resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					b.Fatalf("status %d", resp.StatusCode)
				}
			}
			alternate.Rounds(b, 30, 300, func() { post(urls[0]) }, func() { post(urls[1]) }, "otelhttp-µs/req", "middleware-µs/req")
		})
	}
}

// dropExporter drops the spans the batch span processor hands it.
type dropExporter struct{}

func (dropExporter) ExportSpans(context.Context, []sdktrace.ReadOnlySpan) error { return nil }
func (dropExporter) Shutdown(context.Context) error                             { return nil }
