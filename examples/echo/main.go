// Command echo is a chat server on Echo with sessiontrace: otelhttp around
// the Echo instance makes the server span, echosession puts the session and
// user on it and binds it as the turn, and the wrapped go-openai client fills
// the turn's input and output.
//
//	go run ./examples/echo               # listens on 127.0.0.1:8080
//	curl -s localhost:8080/chat -H 'X-Session-ID: s-1' -H 'X-User-ID: alice' -d '{"message":"hi"}'
//
// Offline by default (an embedded fake model); OPENAI_API_KEY uses the real
// API, PHOENIX_COLLECTOR_ENDPOINT (or OTEL_EXPORTER_OTLP_ENDPOINT) exports the
// spans. ADDR changes the listen address.
package main

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/trace"

	"github.com/sessiontrace/sessiontrace/echosession"
	"github.com/sessiontrace/sessiontrace/internal/chatbot"
)

func main() {
	chatbot.Main("sessiontrace-echo", func(env *chatbot.Env) (http.Handler, error) {
		return newHandler(chatbot.New(env.Wrapped(), env.Model), env.TracerProvider), nil
	})
}

// newHandler wraps the whole Echo instance in otelhttp, so the server span
// exists when echosession runs. Health checks are skipped: they are no turn.
func newHandler(bot *chatbot.Bot, tp trace.TracerProvider) http.Handler {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.Use(echosession.MiddlewareWithConfig(echosession.Config{
		Skipper: func(c echo.Context) bool { return c.Path() == "/healthz" },
	}))
	e.GET("/healthz", func(c echo.Context) error { return c.NoContent(http.StatusNoContent) })
	e.POST("/chat", func(c echo.Context) error {
		var req chatbot.Request // JSON whatever the Content-Type says, as curl -d sends a form type
		if err := json.NewDecoder(http.MaxBytesReader(c.Response(), c.Request().Body, 64<<10)).Decode(&req); err != nil || strings.TrimSpace(req.Message) == "" {
			return c.String(http.StatusBadRequest, `send {"message": "..."}`)
		}
		reply, err := bot.Reply(c.Request().Context(), req.Message)
		if err != nil {
			return c.String(http.StatusBadGateway, "the model is unavailable")
		}
		return c.JSON(http.StatusOK, chatbot.Response{Reply: reply, SessionID: echosession.SessionID(c)})
	})
	return otelhttp.NewHandler(e, "chat",
		otelhttp.WithTracerProvider(tp),
		otelhttp.WithPublicEndpointFn(func(*http.Request) bool { return true }))
}
