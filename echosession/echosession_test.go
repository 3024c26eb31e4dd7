package echosession_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	semconv "github.com/Arize-ai/openinference/go/openinference-semantic-conventions"
	"github.com/labstack/echo/v4"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/goleak"

	"github.com/sessiontrace/sessiontrace"
	"github.com/sessiontrace/sessiontrace/echosession"
	"github.com/sessiontrace/sessiontrace/internal/spantest"
	"github.com/sessiontrace/sessiontrace/middleware"
)

func TestMain(m *testing.M) {
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

// server is an Echo instance using mw, traced by otelhttp around the whole
// server as documented.
func server(tp trace.TracerProvider, mw echo.MiddlewareFunc, routes func(*echo.Echo)) http.Handler {
	e := echo.New()
	e.Use(mw)
	routes(e)
	return otelhttp.NewHandler(e, "chat", otelhttp.WithTracerProvider(tp))
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

func request(target string, header map[string]string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, target, nil)
	for k, v := range header {
		r.Header.Set(k, v)
	}
	return r
}

func TestServerSpanCarriesSessionAndTurn(t *testing.T) {
	rec, tp := tracing(t)
	var downstream, getterSession, getterUser string
	h := server(tp, echosession.Middleware(), func(e *echo.Echo) {
		e.POST("/chat", func(c echo.Context) error {
			ctx := c.Request().Context()
			downstream = sessiontrace.SessionID(ctx)
			getterSession, getterUser = echosession.SessionID(c), echosession.UserID(c)
			ctx, child := tp.Tracer("test").Start(ctx, "llm")
			sessiontrace.SetOutput(ctx, "Hello!")
			child.End()
			return c.String(http.StatusOK, "ok")
		})
	})
	w := httptest.NewRecorder()
	h.ServeHTTP(w, request("/chat", map[string]string{"X-Session-ID": "conv-1", "X-User-ID": "alice"}))

	if w.Code != http.StatusOK {
		t.Fatalf("status %d", w.Code)
	}
	if downstream != "conv-1" || getterSession != "conv-1" || getterUser != "alice" {
		t.Errorf("downstream saw %q, getters %q/%q", downstream, getterSession, getterUser)
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
		if s.Name() != "llm" {
			continue
		}
		for _, kv := range s.Attributes() {
			if kv.Key == semconv.SessionID && kv.Value.AsString() != "conv-1" {
				t.Errorf("child span session.id = %q", kv.Value.AsString())
			}
		}
	}
}

func TestSkipper(t *testing.T) {
	rec, tp := tracing(t)
	var got string
	h := server(tp, echosession.MiddlewareWithConfig(echosession.Config{
		Skipper: func(c echo.Context) bool { return strings.HasPrefix(c.Request().URL.Path, "/static/") },
		Options: []middleware.Option{middleware.WithSessionCookie(middleware.SessionCookie{})},
	}), func(e *echo.Echo) {
		e.POST("/*", func(c echo.Context) error { got = echosession.SessionID(c); return nil })
	})

	w := httptest.NewRecorder()
	h.ServeHTTP(w, request("/static/app.js", map[string]string{"X-Session-ID": "s1"}))
	if got != "" || w.Header().Get("Set-Cookie") != "" {
		t.Errorf("skipped request: session %q, Set-Cookie %q", got, w.Header().Get("Set-Cookie"))
	}
	if a := serverSpan(t, rec); spantest.String(a, semconv.OpenInferenceSpanKind) != "" {
		t.Errorf("skipped request stamped the server span: %v", a)
	}

	w = httptest.NewRecorder()
	h.ServeHTTP(w, request("/chat", nil))
	cookies := w.Result().Cookies()
	if got == "" || len(cookies) != 1 || cookies[0].Value != got {
		t.Errorf("minted session %q, cookies %v", got, cookies)
	}
}

func TestZeroConfigAndOptions(t *testing.T) {
	_, tp := tracing(t)
	var got [2]string
	h := server(tp, echosession.MiddlewareWithConfig(echosession.Config{}), func(e *echo.Echo) {
		e.POST("/chat", func(c echo.Context) error {
			got = [2]string{echosession.SessionID(c), echosession.UserID(c)}
			return nil
		})
	})
	h.ServeHTTP(httptest.NewRecorder(), request("/chat", map[string]string{"Baggage": "session.id=b1,user.id=u1"}))
	if got != [2]string{"b1", "u1"} {
		t.Errorf("got %v, want the baggage IDs", got)
	}

	h = server(tp, echosession.Middleware(middleware.SessionFrom(middleware.Query("conversation")), nil), func(e *echo.Echo) {
		e.POST("/chat", func(c echo.Context) error { got[0] = echosession.SessionID(c); return nil })
	})
	h.ServeHTTP(httptest.NewRecorder(), request("/chat?conversation=q1", map[string]string{"X-Session-ID": "ignored"}))
	if got[0] != "q1" {
		t.Errorf("session %q, want q1", got[0])
	}
}

func TestInvalidIDsAreAbsent(t *testing.T) {
	rec, tp := tracing(t)
	var got string
	h := server(tp, echosession.Middleware(), func(e *echo.Echo) {
		e.POST("/chat", func(c echo.Context) error { got = echosession.SessionID(c); return nil })
	})
	h.ServeHTTP(httptest.NewRecorder(), request("/chat", map[string]string{"X-Session-ID": strings.Repeat("x", 129)}))
	if got != "" {
		t.Errorf("session %q, want none", got)
	}
	if a := serverSpan(t, rec); spantest.String(a, semconv.SessionID) != "" {
		t.Errorf("server span session.id %q", spantest.String(a, semconv.SessionID))
	}
}

func TestPanicReachesCallerAndSpanEnds(t *testing.T) {
	rec, tp := tracing(t)
	boom := errors.New("boom")
	h := server(tp, echosession.Middleware(), func(e *echo.Echo) {
		e.POST("/chat", func(echo.Context) error { panic(boom) })
	})
	func() {
		defer func() {
			if p := recover(); p != boom {
				t.Errorf("recovered %v, want the handler's panic", p)
			}
		}()
		h.ServeHTTP(httptest.NewRecorder(), request("/chat", map[string]string{"X-Session-ID": "s1"}))
	}()
	if a := serverSpan(t, rec); spantest.String(a, semconv.SessionID) != "s1" {
		t.Errorf("server span session.id = %q", spantest.String(a, semconv.SessionID))
	}
}

func TestGettersNilSafe(t *testing.T) {
	e := echo.New()
	if echosession.SessionID(nil) != "" || echosession.UserID(e.NewContext(nil, nil)) != "" {
		t.Errorf("getters must return \"\" without a request")
	}
}
