package echosession_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/sessiontrace/sessiontrace"
	"github.com/sessiontrace/sessiontrace/echosession"
)

func ExampleMiddleware() {
	e := echo.New()
	e.Use(echosession.Middleware())
	e.POST("/chat", func(c echo.Context) error {
		ctx := c.Request().Context() // pass it on: LLM calls made with it join the session
		return c.String(http.StatusOK, "session "+sessiontrace.SessionID(ctx)+", user "+echosession.UserID(c))
	})
	// In production: http.ListenAndServe(addr, otelhttp.NewHandler(e, "chat"))

	req := httptest.NewRequest(http.MethodPost, "/chat", nil)
	req.Header.Set("X-Session-ID", "conv-42")
	req.Header.Set("X-User-ID", "alice")
	w := httptest.NewRecorder()
	e.ServeHTTP(w, req)
	fmt.Println(w.Body.String())
	// Output: session conv-42, user alice
}

func ExampleMiddlewareWithConfig() {
	e := echo.New()
	e.Use(echosession.MiddlewareWithConfig(echosession.Config{
		Skipper: func(c echo.Context) bool { return strings.HasPrefix(c.Request().URL.Path, "/static/") },
	}))
	e.GET("/*", func(c echo.Context) error {
		fmt.Printf("%s: %q\n", c.Request().URL.Path, echosession.SessionID(c))
		return nil
	})

	for _, path := range []string{"/chat", "/static/app.js"} {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.Header.Set("X-Session-ID", "conv-42")
		e.ServeHTTP(httptest.NewRecorder(), req)
	}
	// Output:
	// /chat: "conv-42"
	// /static/app.js: ""
}
