// Command nethttp is a chat server on net/http with sessiontrace: otelhttp
// makes the server span, sessiontrace's middleware puts the session and user
// on it and binds it as the turn, and the wrapped go-openai client fills the
// turn's input and output.
//
//	go run ./examples/nethttp            # listens on 127.0.0.1:8080
//	curl -s localhost:8080/chat -H 'X-Session-ID: s-1' -H 'X-User-ID: alice' -d '{"message":"hi"}'
//	curl -sN localhost:8080/chat/stream -H 'X-Session-ID: s-1' -d '{"message":"and now?"}'
//
// Offline by default (an embedded fake model); OPENAI_API_KEY uses the real
// API, PHOENIX_COLLECTOR_ENDPOINT (or OTEL_EXPORTER_OTLP_ENDPOINT) exports the
// spans. ADDR changes the listen address.
package main

import (
	"net/http"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/trace"

	"github.com/sessiontrace/sessiontrace/internal/chatbot"
	"github.com/sessiontrace/sessiontrace/middleware"
)

func main() {
	chatbot.Main("sessiontrace-nethttp", func(env *chatbot.Env) (http.Handler, error) {
		return newHandler(chatbot.New(env.Wrapped(), env.Model), env.TracerProvider), nil
	})
}

// newHandler is the whole integration: otelhttp outside, the middleware
// inside. A browser without a session gets one in a cookie; API clients send
// X-Session-ID and X-User-ID. Every request starts a new trace, so each turn
// is a root span in Phoenix.
func newHandler(bot *chatbot.Bot, tp trace.TracerProvider) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("POST /chat", bot)
	mux.HandleFunc("POST /chat/stream", bot.ServeStream)
	return otelhttp.NewHandler(
		middleware.Handler(mux, middleware.WithSessionCookie(middleware.SessionCookie{})),
		"chat",
		otelhttp.WithTracerProvider(tp),
		otelhttp.WithPublicEndpointFn(func(*http.Request) bool { return true }),
	)
}
