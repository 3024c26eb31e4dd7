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
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/trace"

	"github.com/sessiontrace/sessiontrace/internal/chatbot"
	"github.com/sessiontrace/sessiontrace/middleware"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, envOr("ADDR", "127.0.0.1:8080")); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, addr string) error {
	env, err := chatbot.Setup(ctx, "sessiontrace-nethttp", os.Stdout)
	if err != nil {
		return err
	}
	defer env.Close() // flushes the last spans

	srv := &http.Server{
		Addr:              addr,
		Handler:           newHandler(chatbot.New(env.Wrapped(), env.Model), env.TracerProvider),
		ReadHeaderTimeout: 5 * time.Second,
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	fmt.Printf("chat server on http://%s/chat, model %s via %s\n", addr, env.Model, env.Backend)

	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
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

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
