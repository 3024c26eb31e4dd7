// Package ginsession is the Gin adapter of the sessiontrace middleware: it
// puts the session ID and user ID of each request into the request
// context, stamps them on the server span and binds that span as the turn,
// exactly as package middleware does for net/http (same options, same
// defaults, same validation; see its documentation).
//
// Register it after otelgin, so that the server span exists when it runs:
//
//	r := gin.New()
//	r.Use(otelgin.Middleware("chat"), ginsession.Middleware())
//
// The values live in c.Request.Context(). Pass that context to downstream
// code (LLM clients, databases): a *gin.Context used as a context.Context
// does not see request-context values unless the engine's
// ContextWithFallback is true. With it on, passing c itself works too.
package ginsession
