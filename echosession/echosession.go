package echosession

import (
	"github.com/labstack/echo/v4"

	"github.com/sessiontrace/sessiontrace"
	"github.com/sessiontrace/sessiontrace/middleware"
)

// Config configures MiddlewareWithConfig, in the style of Echo's own
// middleware configs. Its zero value behaves like Middleware().
type Config struct {
	// Skipper returns true for requests the middleware must leave alone,
	// like Echo's middleware.Skipper (Echo's skippers assign to it as they
	// are). Nil skips nothing. It follows Echo's convention, true = skip;
	// middleware.WithFilter, among the Options, follows net/http's and
	// otelhttp's, true = handle. Both may be used together.
	Skipper func(c echo.Context) bool

	// Options configure the extraction, as for middleware.Handler; nil
	// options are ignored.
	Options []middleware.Option
}

// Middleware returns an Echo middleware that runs middleware.Extractor.Apply,
// configured by opts, on each request, stores the request it returns with
// c.SetRequest, calls the next handler and then
// middleware.Extractor.Finish. Invalid IDs are treated as absent, never as errors:
// the middleware never returns an error of its own.
func Middleware(opts ...middleware.Option) echo.MiddlewareFunc {
	return MiddlewareWithConfig(Config{Options: opts})
}

// MiddlewareWithConfig is Middleware with a Skipper.
func MiddlewareWithConfig(config Config) echo.MiddlewareFunc {
	e := middleware.NewExtractor(config.Options...)
	skip := config.Skipper
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if skip != nil && skip(c) {
				return next(c)
			}
			r := e.Apply(c.Response(), c.Request())
			c.SetRequest(r)
			defer e.Finish(r)
			return next(c)
		}
	}
}

// SessionID returns the session ID the middleware stored for the request
// of c, or "" when there is none (or c or its request is nil).
func SessionID(c echo.Context) string {
	if c == nil || c.Request() == nil {
		return ""
	}
	return sessiontrace.SessionID(c.Request().Context())
}

// UserID returns the user ID the middleware stored for the request of c,
// or "" when there is none (or c or its request is nil).
func UserID(c echo.Context) string {
	if c == nil || c.Request() == nil {
		return ""
	}
	return sessiontrace.UserID(c.Request().Context())
}
