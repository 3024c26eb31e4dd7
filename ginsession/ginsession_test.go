package ginsession_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	semconv "github.com/Arize-ai/openinference/go/openinference-semantic-conventions"
	"github.com/gin-gonic/gin"
	"go.opentelemetry.io/contrib/instrumentation/github.com/gin-gonic/gin/otelgin"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/goleak"

	"github.com/sessiontrace/sessiontrace"
	"github.com/sessiontrace/sessiontrace/ginsession"
	"github.com/sessiontrace/sessiontrace/internal/spantest"
	"github.com/sessiontrace/sessiontrace/middleware"
)

func TestMain(m *testing.M) {
	gin.SetMode(gin.TestMode)
	goleak.VerifyTestMain(m)
}

func tracing(t *testing.T) (*tracetest.SpanRecorder, *sdktrace.TracerProvider) {
	t.Helper()
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(
		sdktrace.WithSpanProcessor(sessiontrace.NewSpanProcessor()),
		sdktrace.WithSpanProcessor(rec),
	)
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	return rec, tp
}

// router is a Gin engine with otelgin outside the adapter, as documented.
func router(tp trace.TracerProvider, opts ...middleware.Option) *gin.Engine {
	r := gin.New()
	r.Use(otelgin.Middleware("chat", otelgin.WithTracerProvider(tp)), ginsession.Middleware(opts...))
	return r
}

func serverSpan(t *testing.T, rec *tracetest.SpanRecorder) sdktrace.ReadOnlySpan {
	t.Helper()
	for _, s := range rec.Ended() {
		if s.SpanKind() == trace.SpanKindServer {
			return s
		}
	}
	t.Fatalf("no server span")
	return nil
}

func request(header map[string]string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/chat", nil)
	for k, v := range header {
		r.Header.Set(k, v)
	}
	return r
}

// downstream stands for an LLM client or a database called with a context.
func downstream(ctx context.Context) string { return sessiontrace.SessionID(ctx) }

func TestServerSpanCarriesSessionAndTurn(t *testing.T) {
	rec, tp := tracing(t)
	r := router(tp)
	var seen, getterSession, getterUser string
	r.POST("/chat", func(c *gin.Context) {
		ctx := c.Request.Context()
		seen = downstream(ctx)
		getterSession, getterUser = ginsession.SessionID(c), ginsession.UserID(c)
		ctx, child := tp.Tracer("test").Start(ctx, "llm")
		sessiontrace.SetOutput(ctx, "Hello!")
		child.End()
		c.String(http.StatusOK, "ok")
	})
	w := httptest.NewRecorder()
	r.ServeHTTP(w, request(map[string]string{"X-Session-ID": "conv-1", "X-User-ID": "alice"}))

	if w.Code != http.StatusOK {
		t.Fatalf("status %d", w.Code)
	}
	if seen != "conv-1" || getterSession != "conv-1" || getterUser != "alice" {
		t.Errorf("downstream saw %q, getters %q/%q", seen, getterSession, getterUser)
	}
	a := serverSpan(t, rec)
	for k, want := range map[string]string{
		semconv.SessionID:             "conv-1",
		semconv.UserID:                "alice",
		semconv.OpenInferenceSpanKind: "CHAIN",
		semconv.OutputValue:           "Hello!",
	} {
		if spantest.String(a, k) != want {
			t.Errorf("server span %s = %q, want %q", k, spantest.String(a, k), want)
		}
	}
	for _, s := range rec.Ended() {
		if s.Name() == "llm" && spantest.Attrs(s)[semconv.SessionID].AsString() != "conv-1" {
			t.Errorf("child span session.id = %q", spantest.Attrs(s)[semconv.SessionID].AsString())
		}
	}
}

// A handler that passes c itself as the context sees the session only with
// ContextWithFallback on; c.Request.Context() always works.
func TestContextWithFallback(t *testing.T) {
	for _, fallback := range []bool{false, true} {
		_, tp := tracing(t)
		r := router(tp)
		r.ContextWithFallback = fallback
		var viaC, viaRequest string
		r.GET("/chat", func(c *gin.Context) {
			viaC, viaRequest = downstream(c), downstream(c.Request.Context())
		})
		req := httptest.NewRequest(http.MethodGet, "/chat", nil)
		req.Header.Set("X-Session-ID", "conv-2")
		r.ServeHTTP(httptest.NewRecorder(), req)

		if viaRequest != "conv-2" {
			t.Errorf("fallback=%v: c.Request.Context() saw %q", fallback, viaRequest)
		}
		want := ""
		if fallback {
			want = "conv-2"
		}
		if viaC != want {
			t.Errorf("fallback=%v: c saw %q, want %q", fallback, viaC, want)
		}
	}
}

func TestOptionsPassThrough(t *testing.T) {
	_, tp := tracing(t)
	r := router(tp,
		middleware.SessionFrom(middleware.Header("X-Conversation")),
		middleware.WithSessionCookie(middleware.SessionCookie{Name: "conv"}),
		middleware.WithFilter(func(r *http.Request) bool { return r.URL.Path != "/healthz" }),
		nil,
	)
	var got string
	r.POST("/chat", func(c *gin.Context) { got = ginsession.SessionID(c) })
	r.GET("/healthz", func(c *gin.Context) { got = ginsession.SessionID(c) })

	w := httptest.NewRecorder()
	r.ServeHTTP(w, request(map[string]string{"X-Session-ID": "ignored"}))
	cookies := w.Result().Cookies()
	if len(cookies) != 1 || cookies[0].Name != "conv" || cookies[0].Value != got || got == "" {
		t.Errorf("minted session %q, cookies %v", got, cookies)
	}

	w = httptest.NewRecorder()
	r.ServeHTTP(w, request(map[string]string{"X-Conversation": "c1"}))
	if got != "c1" || w.Header().Get("Set-Cookie") != "" {
		t.Errorf("session %q, Set-Cookie %q; want c1 and no cookie", got, w.Header().Get("Set-Cookie"))
	}

	w = httptest.NewRecorder()
	r.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/healthz", nil))
	if got != "" || w.Header().Get("Set-Cookie") != "" {
		t.Errorf("filtered request: session %q, Set-Cookie %q", got, w.Header().Get("Set-Cookie"))
	}
}

func TestInvalidIDsAreAbsent(t *testing.T) {
	rec, tp := tracing(t)
	r := router(tp)
	var got string
	r.POST("/chat", func(c *gin.Context) { got = ginsession.SessionID(c) })
	r.ServeHTTP(httptest.NewRecorder(), request(map[string]string{"X-Session-ID": "has space", "X-User-ID": "ünïcode"}))
	if got != "" {
		t.Errorf("session %q, want none", got)
	}
	a := serverSpan(t, rec)
	if _, ok := spantest.Attrs(a)[semconv.SessionID]; ok {
		t.Errorf("server span has session.id %q", spantest.String(a, semconv.SessionID))
	}
	if _, ok := spantest.Attrs(a)[semconv.UserID]; ok {
		t.Errorf("server span has user.id %q", spantest.String(a, semconv.UserID))
	}
}

func TestPanicReachesCallerAndSpanEnds(t *testing.T) {
	rec, tp := tracing(t)
	r := router(tp) // gin.New: no Recovery, the panic goes up
	boom := errors.New("boom")
	r.POST("/chat", func(*gin.Context) { panic(boom) })
	func() {
		defer func() {
			if p := recover(); p != boom {
				t.Errorf("recovered %v, want the handler's panic", p)
			}
		}()
		r.ServeHTTP(httptest.NewRecorder(), request(map[string]string{"X-Session-ID": "s1"}))
	}()
	if a := serverSpan(t, rec); spantest.String(a, semconv.SessionID) != "s1" {
		t.Errorf("server span session.id = %q", spantest.String(a, semconv.SessionID))
	}
}

func TestGettersNilSafe(t *testing.T) {
	if ginsession.SessionID(nil) != "" || ginsession.UserID(&gin.Context{}) != "" {
		t.Errorf("getters must return \"\" without a request")
	}
}
