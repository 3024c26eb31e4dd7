// Package middleware puts the session ID and user ID of an HTTP request into
// its context, so that every span of the request's trace carries session.id
// and user.id and the request shows up as one turn of a conversation in
// Arize Phoenix, Arize AX or any other OpenTelemetry backend.
//
// Wrap a handler with Handler (or New, for routers that take
// func(http.Handler) http.Handler), and put otelhttp outside it so that the
// server span already exists when the middleware runs:
//
//	h := otelhttp.NewHandler(middleware.Handler(mux), "chat")
//
// Per request the middleware reads the session ID and the user ID from
// their sources, in order, and keeps the first valid value of each. By
// default the session comes from the X-Session-ID header, the oi_session_id
// cookie and the session.id member of W3C baggage; the user from the
// X-User-ID header and the user.id member of baggage. SessionFrom and
// UserFrom replace these lists with Header, Cookie, Query, Baggage or any
// func(*http.Request) string. No other cookie is ever read unless you name
// it: an application's login cookie must never end up in a trace.
//
// A value is valid when it is at most 128 bytes long (WithMaxIDLength) and
// made of printable ASCII without spaces, 0x21 to 0x7E (WithValidator
// replaces that check, never the length limit). An invalid value is treated
// as absent: it is never stored, echoed in a response or cookie, or logged,
// and the next source is tried. A malformed cookie, query or baggage header
// never fails a request.
//
// The valid values go into the request context through
// sessiontrace.WithSession and sessiontrace.WithUser, where the span
// processor of the sessiontrace package stamps them on every span started
// below. The middleware also sets session.id, user.id and
// openinference.span.kind (CHAIN unless WithSpanKind says otherwise) on the
// server span already in the context and binds that span as the turn, so
// that sessiontrace.SetInput / SetOutput and the LLM wrappers write the
// turn's input.value and output.value on it (WithoutTurn stops the binding).
// Phoenix shows a turn only when its span is a trace root: for public chat
// endpoints, start a new root with otelhttp.WithPublicEndpointFn.
//
// WithSessionCookie gives browsers a session of their own: a request that
// arrives without a valid session gets a new random UUID in an HttpOnly
// cookie whose expiry slides forward on every request that carries it, so
// a conversation left idle for longer than IdleTimeout starts a new session.
//
// Session and user IDs sent by clients are untrusted input: anyone can send
// any X-User-ID. Use them to group traces, not to authorise anything, and
// take the user from your authentication (UserFrom with a function that
// reads what your auth middleware stored) when it matters who the user is.
// The middleware adds nothing to baggage unless asked: with
// WithBaggagePropagation it puts the IDs into the context's baggage, which
// an OpenTelemetry baggage propagator then sends with every outgoing
// request, to third parties too.
//
// The Gin and Echo adapters (packages ginsession and echosession) call the
// same Extractor.Apply and add nothing of their own.
package middleware
