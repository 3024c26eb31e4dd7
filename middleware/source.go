package middleware

import (
	"net/http"
	"net/textproto"
	"strings"

	"go.opentelemetry.io/otel/baggage"
)

// Source reads one candidate ID from a request and returns "" when the
// request has none. Its result is only a candidate: the middleware checks
// it (length, then characters) before using it, so a Source need not
// validate. Any func(*http.Request) string works, for instance one that
// reads what an authentication middleware put into the request context. A
// Source must be safe for concurrent use, must not consume the body, and
// should not allocate much: it runs on every request.
type Source func(*http.Request) string

func absent(*http.Request) string { return "" }

// Header reads the first value of the request header name (case does not
// matter, as with http.Header.Get). An empty name reads nothing.
func Header(name string) Source {
	if name == "" {
		return absent
	}
	key := textproto.CanonicalMIMEHeaderKey(name)
	return func(r *http.Request) string {
		if v := r.Header[key]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
}

// Cookie reads the value of the cookie called name, as r.Cookie(name)
// returns it (the first well-formed one; quotes stripped). Only this cookie
// is looked at, never the others the request carries. A malformed Cookie
// header yields "", never an error. A name that is not a valid cookie name
// reads nothing.
func Cookie(name string) Source {
	if name == "" || (&http.Cookie{Name: name, Value: "v"}).Valid() != nil {
		return absent
	}
	return func(r *http.Request) string { return cookieValue(r, name) }
}

// cookieValue is the value of the request's cookie name, or "".
func cookieValue(r *http.Request, name string) string {
	c, err := r.Cookie(name)
	if err != nil {
		return ""
	}
	return c.Value
}

// Query reads the first value of the URL query parameter name, as
// r.URL.Query().Get(name) does. A malformed query yields "" or the first
// well-formed value, never an error. An empty name reads nothing.
//
// Query strings end up in access logs and browser history; prefer a header
// or a cookie for session IDs when you control the client.
func Query(name string) Source {
	if name == "" {
		return absent
	}
	return func(r *http.Request) string {
		if r.URL == nil {
			return ""
		}
		return r.URL.Query().Get(name)
	}
}

// Baggage reads the value of the W3C baggage member key: from the baggage
// in the request context (otelhttp puts it there when a baggage propagator
// is configured), otherwise from the request's own baggage headers. A
// malformed baggage header yields "" (or the members that could be parsed,
// as the OpenTelemetry propagator keeps them), never an error. An empty key
// reads nothing.
func Baggage(key string) Source {
	if key == "" {
		return absent
	}
	return func(r *http.Request) string { return baggageValue(r, key) }
}

// baggageValue is the value of the baggage member key of r: from its
// context, else from its own baggage headers.
func baggageValue(r *http.Request, key string) string {
	if v := baggage.FromContext(r.Context()).Member(key).Value(); v != "" {
		return v
	}
	for _, h := range r.Header["Baggage"] {
		// Keys are never escaped, so a header that does not contain the
		// key cannot hold the member: skip the parse and its allocations.
		if !strings.Contains(h, key) {
			continue
		}
		b, _ := baggage.Parse(h)
		if v := b.Member(key).Value(); v != "" {
			return v
		}
	}
	return ""
}
