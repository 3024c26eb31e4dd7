package middleware_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	semconv "github.com/Arize-ai/openinference/go/openinference-semantic-conventions"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/sessiontrace/sessiontrace"
	"github.com/sessiontrace/sessiontrace/internal/spantest"
	"github.com/sessiontrace/sessiontrace/middleware"
)

const (
	// A parent span the caller (a browser, an edge proxy, a gateway) never
	// exports, sampled and sampled out.
	parentTrace      = "4bf92f3577b34da6a3ce929d0e0e4736"
	parentSpan       = "00f067aa0ba902b7"
	sampledParent    = "00-" + parentTrace + "-" + parentSpan + "-01"
	sampledOutParent = "00-" + parentTrace + "-" + parentSpan + "-00"
)

// chatTurn is a handler that does what a chat handler does: work in a
// child span, and the turn's input and output.
func chatTurn(tp trace.TracerProvider) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, child := tp.Tracer("test").Start(r.Context(), "llm")
		sessiontrace.SetInput(ctx, "question")
		sessiontrace.SetOutput(ctx, "answer")
		child.End()
		w.WriteHeader(http.StatusOK)
	})
}

// turnOf returns the span that got the turn's output, failing the test
// unless there is exactly one.
func turnOf(t *testing.T, rec *tracetest.SpanRecorder) sdktrace.ReadOnlySpan {
	t.Helper()
	var turns []sdktrace.ReadOnlySpan
	for _, s := range rec.Ended() {
		if spantest.String(s, semconv.OutputValue) != "" {
			turns = append(turns, s)
		}
	}
	if len(turns) != 1 {
		t.Fatalf("%d spans carry output.value among %v, want 1", len(turns), spantest.Names(rec.Ended()))
	}
	return turns[0]
}

func TestTurnIsARootInEveryTopology(t *testing.T) {
	tests := []struct {
		name    string
		header  map[string]string
		opts    []middleware.Option
		newRoot bool // the turn is a new root, not the server span
	}{
		{name: "direct client", header: map[string]string{"X-Session-ID": "s1"}},
		{name: "traceparent of an unexported parent", header: map[string]string{"X-Session-ID": "s1", "Traceparent": sampledParent}, newRoot: true},
		{name: "sampled-out parent", header: map[string]string{"X-Session-ID": "s1", "Traceparent": sampledOutParent}, newRoot: true},
		{name: "malformed traceparent", header: map[string]string{"X-Session-ID": "s1", "Traceparent": "00-zz-yy-01"}},
		{name: "all-zero traceparent", header: map[string]string{"X-Session-ID": "s1", "Traceparent": "00-" + strings.Repeat("0", 32) + "-" + strings.Repeat("0", 16) + "-01"}},
		{name: "session in baggage: the caller's trace is the turn", header: map[string]string{"Traceparent": sampledParent, "Baggage": "session.id=s1,user.id=u1"}},
		{name: "invalid session in baggage", header: map[string]string{"X-Session-ID": "s1", "Traceparent": sampledParent, "Baggage": "session.id=has%20space"}, newRoot: true},
		{name: "oversized baggage", header: map[string]string{"X-Session-ID": "s1", "Traceparent": sampledParent, "Baggage": "session.id=" + strings.Repeat("x", 9000)}, newRoot: true},
		{name: "WithIncomingTrace keeps the server span", header: map[string]string{"X-Session-ID": "s1", "Traceparent": sampledParent}, opts: []middleware.Option{middleware.WithIncomingTrace()}},
	}
	// As phoenix.Register installs them: the middleware reads the parent of
	// a server span that was sampled out through the global propagator.
	withGlobalPropagator(t, propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, tp := tracing(t)
			h := instrument(tp, chatTurn(tp), tt.opts...)
			w := httptest.NewRecorder()
			h.ServeHTTP(w, newRequest(tt.header))
			if w.Code != http.StatusOK {
				t.Fatalf("status %d", w.Code)
			}

			turn := turnOf(t, rec)
			spantest.Want(t, turn, map[string]any{
				semconv.SessionID:             "s1",
				semconv.OpenInferenceSpanKind: "CHAIN",
				semconv.InputValue:            "question",
				semconv.OutputValue:           "answer",
			})
			llm := spantest.Named(t, rec, "llm")
			if llm.Parent().SpanID() != turn.SpanContext().SpanID() {
				t.Errorf("the handler's span is not a child of the turn")
			}
			if spantest.String(llm, semconv.SessionID) != "s1" {
				t.Errorf("the handler's span has no session")
			}

			var server sdktrace.ReadOnlySpan
			for _, s := range rec.Ended() {
				if s.SpanKind() == trace.SpanKindServer {
					server = s
				}
			}
			if !tt.newRoot {
				if server == nil || turn.SpanContext().SpanID() != server.SpanContext().SpanID() {
					t.Fatalf("the turn is %q, want the server span", turn.Name())
				}
				return
			}
			if turn.Parent().IsValid() {
				t.Errorf("the new turn has parent %v, want none", turn.Parent())
			}
			if turn.SpanContext().TraceID().String() == parentTrace {
				t.Errorf("the new turn stayed in the caller's trace")
			}
			if len(turn.Links()) != 1 || turn.Links()[0].SpanContext.SpanID().String() != parentSpan {
				t.Errorf("links = %v, want one to the caller's span", turn.Links())
			}
			if server != nil {
				if _, ok := spantest.Attrs(server)[semconv.SessionID]; ok {
					t.Errorf("the server span in the caller's trace carries session.id")
				}
				if server.SpanContext().TraceID().String() != parentTrace {
					t.Errorf("the server span left the caller's trace")
				}
			}
		})
	}
}

// A sampled-out parent is detected through the global propagator when the
// server span records nothing; the tests above pass because otelhttp and
// the global propagator agree. Without a propagator there is no parent to
// see, and no server span: the turn is then missing, as without the
// middleware.
func TestSampledOutParentNeedsThePropagator(t *testing.T) {
	withGlobalPropagator(t, propagation.NewCompositeTextMapPropagator())

	rec, tp := tracing(t)
	h := instrument(tp, chatTurn(tp))
	h.ServeHTTP(httptest.NewRecorder(), newRequest(map[string]string{"X-Session-ID": "s1", "Traceparent": sampledOutParent}))
	for _, s := range rec.Ended() {
		if spantest.String(s, semconv.OutputValue) != "" {
			t.Errorf("span %q got the turn", s.Name())
		}
	}
}

// Spans of the handler that panics still end, the new turn's root among
// them.
func TestNewRootEndsWhenTheHandlerPanics(t *testing.T) {
	rec, tp := tracing(t)
	h := instrument(tp, http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("boom") }))
	func() {
		defer func() { _ = recover() }()
		h.ServeHTTP(httptest.NewRecorder(), newRequest(map[string]string{"X-Session-ID": "s1", "Traceparent": sampledParent}))
	}()
	var root sdktrace.ReadOnlySpan
	for _, s := range rec.Ended() {
		if !s.Parent().IsValid() {
			root = s
		}
	}
	if root == nil || spantest.String(root, semconv.SessionID) != "s1" {
		t.Fatalf("no ended root carrying the session among %v", spantest.Names(rec.Ended()))
	}
}

// WithoutTurn leaves the turn to the handler (sessiontrace.StartTurn): the
// middleware starts no root of its own, and stamps the server span.
func TestWithoutTurnStartsNoRoot(t *testing.T) {
	rec, tp := tracing(t)
	h := instrument(tp, http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}), middleware.WithoutTurn())
	h.ServeHTTP(httptest.NewRecorder(), newRequest(map[string]string{"X-Session-ID": "s1", "Traceparent": sampledParent}))
	server := spantest.Only(t, rec)
	if spantest.String(server, semconv.SessionID) != "s1" {
		t.Errorf("server span session.id = %q, want s1", spantest.String(server, semconv.SessionID))
	}
}

// withGlobalPropagator installs p as the global propagator for the test.
func withGlobalPropagator(t *testing.T, p propagation.TextMapPropagator) {
	saved := otel.GetTextMapPropagator()
	otel.SetTextMapPropagator(p)
	t.Cleanup(func() { otel.SetTextMapPropagator(saved) })
}

// Service A calls service B, both behind the middleware, the session passed
// on in baggage: one user turn stays one trace, rooted at A's turn.
func TestChainedServicesStayOneTrace(t *testing.T) {
	withGlobalPropagator(t, propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}))
	rec, tp := tracing(t)
	b := httptest.NewServer(instrument(tp, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(sessiontrace.SessionID(r.Context())))
	})))
	defer b.Close()
	client := &http.Client{Transport: otelhttp.NewTransport(http.DefaultTransport, otelhttp.WithTracerProvider(tp))}
	a := instrument(tp, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, _ := http.NewRequestWithContext(r.Context(), http.MethodPost, b.URL, nil)
		resp, err := client.Do(req)
		if err != nil {
			t.Error(err)
			return
		}
		defer resp.Body.Close()
		got, _ := io.ReadAll(resp.Body)
		sessiontrace.SetInput(r.Context(), "question")
		sessiontrace.SetOutput(r.Context(), "B saw "+string(got))
	}), middleware.WithBaggagePropagation())

	a.ServeHTTP(httptest.NewRecorder(), newRequest(map[string]string{"X-Session-ID": "s1", "X-User-ID": "u1"}))
	b.Close() // waits for B's handler and its server span

	spans := rec.Ended()
	if len(spans) != 3 { // A's server span, A's client span, B's server span
		t.Fatalf("got spans %v, want 3", spantest.Names(spans))
	}
	turn := turnOf(t, rec)
	spantest.Want(t, turn, map[string]any{semconv.OutputValue: "B saw s1", semconv.SessionID: "s1"})
	for _, s := range spans {
		if s.SpanContext().TraceID() != turn.SpanContext().TraceID() {
			t.Errorf("span %q is in another trace", s.Name())
		}
		if s.SpanContext().SpanID() != turn.SpanContext().SpanID() && !s.Parent().IsValid() {
			t.Errorf("span %q is a second root", s.Name())
		}
		spantest.Want(t, s, map[string]any{semconv.SessionID: "s1", semconv.UserID: "u1"})
	}
}

// Apply and Finish, as the Gin and Echo adapters call them: Finish ends the
// new root Apply started, after the handler's spans; a second Finish, and a
// Finish for a request that needed no new root, end nothing more.
func TestFinishEndsTheRootApplyStarted(t *testing.T) {
	tests := []struct {
		name      string
		header    map[string]string
		wantSpans int
	}{
		{"traceparent: a new root", map[string]string{"X-Session-ID": "s1", "Traceparent": sampledParent}, 3},
		{"no parent: the server span is the turn", map[string]string{"X-Session-ID": "s1"}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, tp := tracing(t)
			e := middleware.NewExtractor()
			handler := chatTurn(tp)
			h := otelhttp.NewHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				r = e.Apply(w, r)
				defer e.Finish(r)
				defer e.Finish(r)
				handler.ServeHTTP(w, r)
			}), "chat", otelhttp.WithTracerProvider(tp), otelhttp.WithPropagators(propagation.TraceContext{}))
			h.ServeHTTP(httptest.NewRecorder(), newRequest(tt.header))

			if got := rec.Ended(); len(got) != tt.wantSpans {
				t.Fatalf("ended spans %v, want %d", spantest.Names(got), tt.wantSpans)
			}
			turn := turnOf(t, rec)
			if turn.Parent().IsValid() {
				t.Errorf("the turn has parent %v, want none", turn.Parent())
			}
			if llm := spantest.Named(t, rec, "llm"); turn.EndTime().Before(llm.EndTime()) {
				t.Errorf("the turn ended before the handler's span")
			}
		})
	}
}
