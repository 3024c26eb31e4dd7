// Command gin is a chat server on Gin with sessiontrace: otelgin makes the
// server span, ginsession puts the session and user on it and binds it as
// the turn, and the wrapped go-openai client fills the turn's input and
// output.
//
//	go run ./examples/gin                # listens on 127.0.0.1:8080
//	curl -s localhost:8080/chat -H 'X-Session-ID: s-1' -H 'X-User-ID: alice' -d '{"message":"hi"}'
//
// Offline by default (an embedded fake model); OPENAI_API_KEY uses the real
// API, PHOENIX_COLLECTOR_ENDPOINT (or OTEL_EXPORTER_OTLP_ENDPOINT) exports the
// spans. ADDR changes the listen address.
package main

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
	"go.opentelemetry.io/contrib/instrumentation/github.com/gin-gonic/gin/otelgin"
	"go.opentelemetry.io/otel/trace"

	"github.com/sessiontrace/sessiontrace/ginsession"
	"github.com/sessiontrace/sessiontrace/internal/chatbot"
)

func main() {
	gin.SetMode(gin.ReleaseMode)
	chatbot.Main("sessiontrace-gin", func(env *chatbot.Env) (http.Handler, error) {
		return newRouter(chatbot.New(env.Wrapped(), env.Model), env.TracerProvider), nil
	})
}

// newRouter registers otelgin first, so the server span exists when
// ginsession runs. Every request starts a new trace (otelgin's equivalent of
// otelhttp.WithPublicEndpointFn), so each turn is a root span in Phoenix
// even when a client sends a traceparent.
func newRouter(bot *chatbot.Bot, tp trace.TracerProvider) http.Handler {
	r := gin.New()
	r.Use(gin.Recovery(),
		otelgin.Middleware("chat", otelgin.WithTracerProvider(tp), otelgin.WithSpanStartOptions(trace.WithNewRoot())),
		ginsession.Middleware())
	r.POST("/chat", func(c *gin.Context) {
		var req chatbot.Request
		if err := c.ShouldBindJSON(&req); err != nil || strings.TrimSpace(req.Message) == "" {
			c.String(http.StatusBadRequest, `send {"message": "..."}`)
			return
		}
		// c.Request.Context() carries the session; c itself would not,
		// unless the engine's ContextWithFallback were on.
		reply, err := bot.Reply(c.Request.Context(), req.Message)
		if err != nil {
			c.String(http.StatusBadGateway, "the model is unavailable")
			return
		}
		c.JSON(http.StatusOK, chatbot.Response{Reply: reply, SessionID: ginsession.SessionID(c)})
	})
	return r
}
