package middleware

import (
	"net/http"
	"net/textproto"
	"net/url"
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

// Cookie reads the value of the first well-formed cookie called name, as
// r.Cookie(name) does, but without allocating. Only this cookie is looked
// at, never the others the request carries. A malformed Cookie header
// yields "", never an error. A name that is not a valid cookie name reads
// nothing.
func Cookie(name string) Source {
	if name == "" || (&http.Cookie{Name: name, Value: "v"}).Valid() != nil {
		return absent
	}
	return func(r *http.Request) string { return cookieValue(r.Header, name) }
}

// net/http's default limit; a request with more cookies has none for it.
const maxCookies = 3000

// cookieValue mirrors net/http's readCookies filtered by name (Go 1.26),
// without building the cookies: same splitting, trimming, quote stripping
// and byte checks, first match wins, a malformed value is skipped. The
// fuzz test compares the two.
func cookieValue(h http.Header, name string) string {
	lines := h["Cookie"]
	if len(lines) == 0 {
		return ""
	}
	n := 0
	for _, line := range lines {
		n += strings.Count(line, ";") + 1
	}
	if n > maxCookies {
		return ""
	}
	for _, line := range lines {
		for line != "" {
			var part string
			part, line, _ = strings.Cut(line, ";")
			k, v, _ := strings.Cut(textproto.TrimString(part), "=")
			if textproto.TrimString(k) != name {
				continue
			}
			if len(v) > 1 && v[0] == '"' && v[len(v)-1] == '"' {
				v = v[1 : len(v)-1]
			}
			if validCookieValue(v) {
				return v
			}
		}
	}
	return ""
}

// validCookieValue is net/http's check on cookie value bytes: printable
// ASCII, space and comma included, except '"', ';' and '\'.
func validCookieValue(v string) bool {
	for i := 0; i < len(v); i++ {
		b := v[i]
		if b < 0x20 || b >= 0x7f || b == '"' || b == ';' || b == '\\' {
			return false
		}
	}
	return true
}

// Query reads the first value of the URL query parameter name, as
// r.URL.Query().Get(name) does, but without parsing the whole query. A
// malformed query yields "" or the first well-formed value, never an
// error. An empty name reads nothing.
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
		return queryValue(r.URL.RawQuery, name)
	}
}

// net/url's default limit; a longer query has no parameters for it.
const maxQueryParams = 10000

// queryValue mirrors net/url's parseQuery for one key (Go 1.26): pairs
// split on '&', a pair with ';' or a bad escape is skipped, key and value
// are query-unescaped, first match wins.
func queryValue(q, name string) string {
	if strings.Count(q, "&")+1 > maxQueryParams {
		return ""
	}
	for q != "" {
		var pair string
		pair, q, _ = strings.Cut(q, "&")
		if pair == "" || strings.Contains(pair, ";") {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		if strings.ContainsAny(k, "%+") {
			// Only an escaped key needs unescaping, which allocates.
			if uk, err := url.QueryUnescape(k); err != nil || uk != name {
				continue
			}
		} else if k != name {
			continue
		}
		if v, err := url.QueryUnescape(v); err == nil {
			return v
		}
	}
	return ""
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
	return func(r *http.Request) string {
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
}
