package ginsession

import (
	"github.com/gin-gonic/gin"

	"github.com/sessiontrace/sessiontrace"
	"github.com/sessiontrace/sessiontrace/middleware"
)

// Middleware returns a Gin handler that runs middleware.Extractor.Apply,
// configured by opts, on each request, stores the request it returns in
// c.Request, runs the rest of the chain (c.Next) and then
// middleware.Extractor.Finish. Options are those of package middleware; nil
// options are ignored, and invalid IDs are treated as absent, never as
// errors.
func Middleware(opts ...middleware.Option) gin.HandlerFunc {
	e := middleware.NewExtractor(opts...)
	return func(c *gin.Context) {
		r := e.Apply(c.Writer, c.Request)
		c.Request = r
		defer e.Finish(r)
		c.Next()
	}
}

// SessionID returns the session ID the middleware stored for the request
// of c, or "" when there is none (or c or its request is nil).
func SessionID(c *gin.Context) string {
	if c == nil || c.Request == nil {
		return ""
	}
	return sessiontrace.SessionID(c.Request.Context())
}

// UserID returns the user ID the middleware stored for the request of c,
// or "" when there is none (or c or its request is nil).
func UserID(c *gin.Context) string {
	if c == nil || c.Request == nil {
		return ""
	}
	return sessiontrace.UserID(c.Request.Context())
}
