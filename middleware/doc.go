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
// below. The middleware also finds the turn, the span that stands for this
// exchange with the user, sets session.id, user.id and
// openinference.span.kind (CHAIN unless WithSpanKind says otherwise) on it,
// and binds it, so that sessiontrace.SetInput / SetOutput and the LLM
// wrappers write the turn's input.value and output.value on it (WithoutTurn
// leaves the turn to the handler).
//
// Phoenix reads a session's turns from trace roots only, so the turn is a
// root in every deployment. When the server span is itself a root (a
// direct client), it is the turn. When it has a parent, because the request
// came with a traceparent from a browser, an edge proxy or an API gateway,
// the middleware starts the turn as a new root span linked to that parent,
// and leaves the server span in the caller's trace without a session, so
// that the caller's trace never enters the session. The exception is a
// session that came in W3C baggage: a caller with sessiontrace sent it and
// its trace already is the turn, so the request stays in that trace (one
// user turn, one trace, across services). WithIncomingTrace keeps the server
// span as the turn in every case. A turn started here is ended by
// Extractor.Finish once the handler has run.
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
// same Extractor.Apply and Finish and add nothing of their own.
package middleware
