package middleware_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/sessiontrace/sessiontrace"
	"github.com/sessiontrace/sessiontrace/middleware"
)

func ExampleHandler() {
	chat := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context() // pass it on: LLM calls made with it join the session
		fmt.Fprintf(w, "session %s, user %s", sessiontrace.SessionID(ctx), sessiontrace.UserID(ctx))
	})
	h := middleware.Handler(chat) // in production: otelhttp.NewHandler(middleware.Handler(chat), "chat")

	r := httptest.NewRequest(http.MethodPost, "/chat", nil)
	r.Header.Set("X-Session-ID", "conv-42")
	r.Header.Set("X-User-ID", "alice")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	fmt.Println(w.Body.String())
	// Output: session conv-42, user alice
}

// The server span that otelhttp starts becomes the turn: it carries the
// session, the user and the span kind, and SetOutput writes its
// output.value, which Phoenix shows in the session's chat view.
func ExampleHandler_otelhttp() {
	spans := tracetest.NewSpanRecorder() // in production: an OTLP exporter
	tp := sdktrace.NewTracerProvider(
		sdktrace.WithSpanProcessor(sessiontrace.NewSpanProcessor()),
		sdktrace.WithSpanProcessor(spans),
	)
	defer func() { _ = tp.Shutdown(context.Background()) }()

	chat := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sessiontrace.SetOutput(r.Context(), "Hello, Alice!")
	})
	h := otelhttp.NewHandler(middleware.Handler(chat), "chat", otelhttp.WithTracerProvider(tp))

	r := httptest.NewRequest(http.MethodPost, "/chat", nil)
	r.Header.Set("X-Session-ID", "conv-42")
	r.Header.Set("X-User-ID", "alice")
	h.ServeHTTP(httptest.NewRecorder(), r)

	for _, kv := range spans.Ended()[0].Attributes() {
		switch kv.Key {
		case "session.id", "user.id", "openinference.span.kind", "output.value":
			fmt.Printf("%s = %s\n", kv.Key, kv.Value.String())
		}
	}
	// Output:
	// openinference.span.kind = CHAIN
	// session.id = conv-42
	// user.id = alice
	// output.value = Hello, Alice!
}

// Sources are tried in order; the first valid value wins. Any
// func(*http.Request) string is a source, for instance one that reads the
// user your authentication middleware verified instead of trusting a
// header the client sends.
func ExampleSessionFrom() {
	type authUser struct{}
	h := middleware.Handler(
		http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			fmt.Println(sessiontrace.SessionID(r.Context()), sessiontrace.UserID(r.Context()))
		}),
		middleware.SessionFrom(middleware.Header("X-Conversation-ID"), middleware.Query("conversation")),
		middleware.UserFrom(func(r *http.Request) string {
			user, _ := r.Context().Value(authUser{}).(string)
			return user
		}),
	)

	r := httptest.NewRequest(http.MethodGet, "/chat?conversation=c-7", nil)
	r.Header.Set("X-User-ID", "mallory") // not a source any more
	r = r.WithContext(context.WithValue(r.Context(), authUser{}, "alice"))
	h.ServeHTTP(httptest.NewRecorder(), r)
	// Output: c-7 alice
}

// A browser that sends no session gets one in a cookie, and keeps it while
// it keeps talking.
func ExampleWithSessionCookie() {
	h := middleware.Handler(http.NotFoundHandler(), middleware.WithSessionCookie(middleware.SessionCookie{Secure: true}))

	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/chat", nil))
	c := w.Result().Cookies()[0]
	fmt.Println(c.Name, len(c.Value), c.HttpOnly, c.Secure, c.SameSite == http.SameSiteLaxMode, c.MaxAge)

	// The next request carries the cookie: same session, expiry moved on.
	r := httptest.NewRequest(http.MethodGet, "/chat", nil)
	r.AddCookie(c)
	w = httptest.NewRecorder()
	h.ServeHTTP(w, r)
	fmt.Println(w.Result().Cookies()[0].Value == c.Value)
	// Output:
	// oi_session_id 36 true true true 1800
	// true
}

// NewExtractor puts the middleware into a framework without an adapter:
// call Apply before the handler and pass on the request it returns.
func ExampleExtractor_Apply() {
	e := middleware.NewExtractor(middleware.WithSpanKind("AGENT"))
	serve := func(w http.ResponseWriter, r *http.Request) {
		r = e.Apply(w, r)
		fmt.Println(sessiontrace.SessionID(r.Context()))
	}
	r := httptest.NewRequest(http.MethodGet, "/agent", nil)
	r.Header.Set("X-Session-ID", "conv-9")
	serve(httptest.NewRecorder(), r)
	// Output: conv-9
}
