// Package echosession is the Echo v4 adapter of the sessiontrace
// middleware: it puts the session ID and user ID of each request into the
// request context, stamps them on the server span and binds that span as
// the turn, exactly as package middleware does for net/http (same options,
// same defaults, same validation; see its documentation).
//
// Trace the server by wrapping the whole Echo instance with otelhttp, so
// that the server span exists when the adapter runs:
//
//	e := echo.New()
//	e.Use(echosession.Middleware())
//	http.ListenAndServe(":8080", otelhttp.NewHandler(e, "chat"))
//
// Handlers pass c.Request().Context() to downstream code (LLM clients,
// databases); SessionID and UserID read the IDs back from it.
package echosession
