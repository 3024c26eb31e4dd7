package middleware_test

import (
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	semconv "github.com/Arize-ai/openinference/go/openinference-semantic-conventions"

	"github.com/sessiontrace/sessiontrace/internal/spantest"
	"github.com/sessiontrace/sessiontrace/middleware"
)

var uuidV4 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// setCookie returns the single Set-Cookie line of w, parsed, and raw.
func setCookie(t *testing.T, w *httptest.ResponseRecorder) (*http.Cookie, string) {
	t.Helper()
	lines := w.Header()["Set-Cookie"]
	if len(lines) != 1 {
		t.Fatalf("Set-Cookie = %q, want one line", lines)
	}
	c, err := http.ParseSetCookie(lines[0])
	if err != nil {
		t.Fatalf("Set-Cookie %q: %v", lines[0], err)
	}
	return c, lines[0]
}

func checkExpiry(t *testing.T, c *http.Cookie, idle time.Duration) {
	t.Helper()
	if c.MaxAge != int(idle/time.Second) {
		t.Errorf("Max-Age = %d, want %d", c.MaxAge, int(idle/time.Second))
	}
	if d := time.Until(c.Expires) - idle; d < -2*time.Second || d > 2*time.Second {
		t.Errorf("Expires = %v, want about now + %v", c.Expires, idle)
	}
}

func TestSessionCookieMinted(t *testing.T) {
	tests := []struct {
		name string
		sc   middleware.SessionCookie
		want http.Cookie // Name, Path, Domain, Secure, SameSite; HttpOnly always
		idle time.Duration
		raw  []string // substrings of the raw header
	}{
		{
			name: "zero value",
			want: http.Cookie{Name: "oi_session_id", Path: "/", SameSite: http.SameSiteLaxMode},
			idle: 30 * time.Minute,
			raw:  []string{"HttpOnly", "SameSite=Lax", "Path=/"},
		},
		{
			name: "configured",
			sc: middleware.SessionCookie{Name: "conv", Path: "/chat", Domain: "example.com",
				IdleTimeout: 10 * time.Minute, Secure: true, SameSite: http.SameSiteStrictMode},
			want: http.Cookie{Name: "conv", Path: "/chat", Domain: "example.com", Secure: true, SameSite: http.SameSiteStrictMode},
			idle: 10 * time.Minute,
			raw:  []string{"HttpOnly", "Secure", "SameSite=Strict", "Domain=example.com"},
		},
		{
			name: "SameSite None implies Secure",
			sc:   middleware.SessionCookie{SameSite: http.SameSiteNoneMode},
			want: http.Cookie{Name: "oi_session_id", Path: "/", Secure: true, SameSite: http.SameSiteNoneMode},
			idle: 30 * time.Minute,
			raw:  []string{"SameSite=None", "Secure"},
		},
		{
			name: "SameSite default mode writes none",
			sc:   middleware.SessionCookie{SameSite: http.SameSiteDefaultMode},
			want: http.Cookie{Name: "oi_session_id", Path: "/"},
			idle: 30 * time.Minute,
		},
		{
			name: "bad fields fall back",
			sc:   middleware.SessionCookie{Name: "bad name", Path: "/a;b", Domain: "bad domain!", IdleTimeout: -time.Second},
			want: http.Cookie{Name: "oi_session_id", Path: "/", SameSite: http.SameSiteLaxMode},
			idle: 30 * time.Minute,
		},
		{
			name: "idle rounded up to seconds",
			sc:   middleware.SessionCookie{IdleTimeout: 1500 * time.Millisecond},
			want: http.Cookie{Name: "oi_session_id", Path: "/", SameSite: http.SameSiteLaxMode},
			idle: 2 * time.Second,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, tp := tracing(t)
			var got ids
			w := httptest.NewRecorder()
			instrument(tp, capture(&got), middleware.WithSessionCookie(tt.sc)).ServeHTTP(w, newRequest(nil))

			c, raw := setCookie(t, w)
			if !uuidV4.MatchString(c.Value) {
				t.Errorf("minted value %q is not a UUID v4", c.Value)
			}
			if got.session != c.Value {
				t.Errorf("context session = %q, cookie = %q", got.session, c.Value)
			}
			if s := spantest.Attrs(serverSpan(t, rec))[semconv.SessionID].AsString(); s != c.Value {
				t.Errorf("server span session.id = %q, cookie = %q", s, c.Value)
			}
			if c.Name != tt.want.Name || c.Path != tt.want.Path || c.Domain != tt.want.Domain ||
				c.Secure != tt.want.Secure || c.SameSite != tt.want.SameSite || !c.HttpOnly {
				t.Errorf("cookie = %q, want %+v with HttpOnly", raw, tt.want)
			}
			checkExpiry(t, c, tt.idle)
			for _, s := range tt.raw {
				if !strings.Contains(raw, s) {
					t.Errorf("cookie %q lacks %q", raw, s)
				}
			}
		})
	}
}

func TestSessionCookieSlides(t *testing.T) {
	const id = "3f2b8c1e-9d4a-4e7b-8a51-0c6d2e9f7b13"
	idle := 5 * time.Minute
	tests := []struct {
		name      string
		opts      []middleware.Option
		header    map[string]string
		session   string // "" = freshly minted
		setCookie bool
	}{
		{"returning browser", nil, map[string]string{"Cookie": "theme=dark; oi_session_id=" + id}, id, true},
		{"quoted", nil, map[string]string{"Cookie": `oi_session_id="` + id + `"`}, id, true},
		{"invalid value replaced", nil, map[string]string{"Cookie": "oi_session_id=a\x01b"}, "", true},
		{"too long replaced", nil, map[string]string{"Cookie": "oi_session_id=" + strings.Repeat("x", 200)}, "", true},
		{"header wins, no cookie", nil, map[string]string{"X-Session-ID": "api-1"}, "api-1", false},
		{"header and other cookie", nil, map[string]string{"X-Session-ID": "api-1", "Cookie": "oi_session_id=" + id}, "api-1", false},
		{
			"custom name is a source",
			[]middleware.Option{middleware.SessionFrom(middleware.Header("X-Conv"))},
			map[string]string{"Cookie": "sid=" + id}, id, true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name := "oi_session_id"
			if strings.HasPrefix(tt.name, "custom") {
				name = "sid"
			}
			opts := append(tt.opts, middleware.WithSessionCookie(middleware.SessionCookie{Name: name, IdleTimeout: idle}))
			var got ids
			w := httptest.NewRecorder()
			middleware.Handler(capture(&got), opts...).ServeHTTP(w, newRequest(tt.header))

			if !tt.setCookie {
				if v := w.Header().Get("Set-Cookie"); v != "" {
					t.Fatalf("Set-Cookie = %q, want none", v)
				}
				if got.session != tt.session {
					t.Errorf("session = %q, want %q", got.session, tt.session)
				}
				return
			}
			c, raw := setCookie(t, w)
			want := tt.session
			if want == "" {
				if !uuidV4.MatchString(c.Value) {
					t.Fatalf("cookie %q: want a fresh UUID, never the invalid value", raw)
				}
				want = c.Value
			}
			if c.Name != name || c.Value != want || got.session != want {
				t.Errorf("cookie %q, session %q; want %s=%s", raw, got.session, name, want)
			}
			checkExpiry(t, c, idle)
		})
	}
}

// TestSessionCookieBrowser talks to a real server with cookie jars: one
// browser keeps its session across requests, two browsers get two.
func TestSessionCookieBrowser(t *testing.T) {
	var got ids
	srv := httptest.NewServer(middleware.Handler(capture(&got), middleware.WithSessionCookie(middleware.SessionCookie{})))
	defer srv.Close()

	session := func(c *http.Client) string {
		t.Helper()
		resp, err := c.Get(srv.URL + "/chat")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return got.session
	}
	browser := func() *http.Client {
		jar, _ := cookiejar.New(nil)
		return &http.Client{Jar: jar}
	}
	a, b := browser(), browser()
	a1, a2, b1 := session(a), session(a), session(b)
	if a1 == "" || a1 != a2 {
		t.Errorf("browser A: sessions %q then %q, want one session", a1, a2)
	}
	if b1 == "" || b1 == a1 {
		t.Errorf("browser B: session %q, want its own (A has %q)", b1, a1)
	}
	a.CloseIdleConnections()
	b.CloseIdleConnections()
}

func TestMintedIDsAreUnique(t *testing.T) {
	e := middleware.NewExtractor(middleware.WithSessionCookie(middleware.SessionCookie{}))
	seen := make(map[string]bool)
	for range 1000 {
		w := httptest.NewRecorder()
		e.Apply(w, newRequest(nil))
		c, _ := setCookie(t, w)
		if seen[c.Value] || !uuidV4.MatchString(c.Value) {
			t.Fatalf("minted %q: duplicate or not a UUID v4", c.Value)
		}
		seen[c.Value] = true
	}
}
