package ginsession_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/gin-gonic/gin"

	"github.com/sessiontrace/sessiontrace"
	"github.com/sessiontrace/sessiontrace/ginsession"
)

func ExampleMiddleware() {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	// In production: r.Use(otelgin.Middleware("chat"), ginsession.Middleware())
	r.Use(ginsession.Middleware())
	r.POST("/chat", func(c *gin.Context) {
		ctx := c.Request.Context() // pass this on, not c (see ContextWithFallback)
		c.String(http.StatusOK, "session %s, user %s", sessiontrace.SessionID(ctx), ginsession.UserID(c))
	})

	req := httptest.NewRequest(http.MethodPost, "/chat", nil)
	req.Header.Set("X-Session-ID", "conv-42")
	req.Header.Set("X-User-ID", "alice")
	w := httptest.NewRecorder()
	r.ServeHTTP(w, req)
	fmt.Println(w.Body.String())
	// Output: session conv-42, user alice
}

// With ContextWithFallback on, *gin.Context forwards request-context
// values, so code that receives c as its context.Context sees the session.
func ExampleMiddleware_contextWithFallback() {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.ContextWithFallback = true
	r.Use(ginsession.Middleware())
	r.GET("/chat", func(c *gin.Context) {
		fmt.Println(sessiontrace.SessionID(c))
	})

	req := httptest.NewRequest(http.MethodGet, "/chat", nil)
	req.Header.Set("X-Session-ID", "conv-42")
	r.ServeHTTP(httptest.NewRecorder(), req)
	// Output: conv-42
}
