package middleware_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	semconv "github.com/Arize-ai/openinference/go/openinference-semantic-conventions"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/sessiontrace/sessiontrace"
	"github.com/sessiontrace/sessiontrace/middleware"
)

// validID is the default rule: 1 to 128 bytes of printable ASCII without
// spaces.
func validID(v string) bool {
	if v == "" || len(v) > 128 {
		return false
	}
	for i := 0; i < len(v); i++ {
		if v[i] < 0x21 || v[i] > 0x7e {
			return false
		}
	}
	return true
}

// FuzzExtract feeds arbitrary headers, cookies, baggage and query strings
// to the extraction. It must never panic; whatever it stores, stamps or
// writes back must pass validation; and the Cookie and Query sources must
// read what net/http and net/url would.
func FuzzExtract(f *testing.F) {
	f.Add("conv-1", "alice", "oi_session_id=abc; theme=dark", "session.id=s1,user.id=u1", "q=1&session=x")
	f.Add("", "", `oi_session_id="quoted"`, "user.id=u%20v;prop", "session=%zz&session=ok")
	f.Add("a b", "\r\n", "oi_session_id=a\x01b; oi_session_id=next", "session.id", ";session=x&session=y")
	f.Add("", "é", "=;;; oi_session_id =  spaced", ",,,session.id=%2F", "se%73sion=escaped")
	f.Add("\x00", "", "oi_session_id=\"\"", "session.id=\xff", "session=a+b")

	tp := sdktrace.NewTracerProvider()
	defer func() { _ = tp.Shutdown(f.Context()) }()
	tracer := tp.Tracer("fuzz")
	extractors := []*middleware.Extractor{
		middleware.NewExtractor(),
		middleware.NewExtractor(
			middleware.SessionFrom(middleware.Header("X-Session-ID"), middleware.Query("session"), middleware.Baggage("session.id")),
			middleware.WithSessionCookie(middleware.SessionCookie{}),
			middleware.WithBaggagePropagation(),
		),
	}

	f.Fuzz(func(t *testing.T, session, user, cookie, bag, query string) {
		r := httptest.NewRequest(http.MethodGet, "/chat", nil)
		r.URL.RawQuery = query
		r.Header["X-Session-Id"] = []string{session}
		r.Header["X-User-Id"] = []string{user}
		r.Header["Cookie"] = []string{cookie}
		r.Header["Baggage"] = []string{bag}

		want := ""
		if c, err := r.Cookie("oi_session_id"); err == nil {
			want = c.Value
		}
		if got := middleware.Cookie("oi_session_id")(r); got != want {
			t.Errorf("Cookie source = %q, net/http = %q", got, want)
		}
		if got, want := middleware.Query("session")(r), r.URL.Query().Get("session"); got != want {
			t.Errorf("Query source = %q, net/url = %q", got, want)
		}

		for _, e := range extractors {
			ctx, span := tracer.Start(r.Context(), "server")
			w := httptest.NewRecorder()
			out := e.Apply(w, r.WithContext(ctx))
			span.End()

			s, u := sessiontrace.SessionID(out.Context()), sessiontrace.UserID(out.Context())
			if s != "" && !validID(s) || u != "" && !validID(u) {
				t.Fatalf("stored session %q, user %q", s, u)
			}
			for _, kv := range span.(sdktrace.ReadOnlySpan).Attributes() {
				switch string(kv.Key) {
				case semconv.SessionID:
					if kv.Value.AsString() != s {
						t.Fatalf("span session.id %q, context %q", kv.Value.AsString(), s)
					}
				case semconv.UserID:
					if kv.Value.AsString() != u {
						t.Fatalf("span user.id %q, context %q", kv.Value.AsString(), u)
					}
				}
			}
			lines := w.Header()["Set-Cookie"]
			if len(lines) > 1 {
				t.Fatalf("Set-Cookie %q", lines)
			}
			for _, line := range lines {
				for i := 0; i < len(line); i++ {
					if line[i] < 0x20 || line[i] > 0x7e {
						t.Fatalf("Set-Cookie %q has byte %#x", line, line[i])
					}
				}
				c, err := http.ParseSetCookie(line)
				if err != nil || c.Value != s || !validID(c.Value) {
					t.Fatalf("Set-Cookie %q (%v), session %q", line, err, s)
				}
			}
		}
	})
}
