package middleware

import (
	"net/http"
	"strings"
	"time"

	semconv "github.com/Arize-ai/openinference/go/openinference-semantic-conventions"
	"go.opentelemetry.io/otel/attribute"

	"github.com/sessiontrace/sessiontrace/internal/oiattr"
)

// ScopeName is the instrumentation scope of the turn spans the middleware
// starts (see Extractor.Apply): its import path.
const ScopeName = "github.com/sessiontrace/sessiontrace/middleware"

const (
	defaultMaxIDLength = oiattr.MaxIDLength
	defaultCookieName  = "oi_session_id"
	defaultIdleTimeout = 30 * time.Minute
)

// Option configures Handler, New, NewExtractor and the Gin and Echo
// adapters. A nil Option is ignored.
type Option interface {
	apply(*config)
}

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

type config struct {
	session, user []Source
	maxLen        int
	valid         func(string) bool
	cookie        *cookieConfig
	filters       []func(*http.Request) bool
	kind          attribute.KeyValue
	noTurn        bool
	incomingTrace bool
	propagate     bool
}

func newConfig(opts []Option) config {
	c := config{
		session: []Source{Header("X-Session-ID"), Cookie(defaultCookieName), Baggage(semconv.SessionID)},
		user:    []Source{Header("X-User-ID"), Baggage(semconv.UserID)},
		maxLen:  defaultMaxIDLength,
		valid:   oiattr.PrintableID, // printable ASCII without spaces
		kind:    attribute.String(semconv.OpenInferenceSpanKind, semconv.SpanKindChain),
	}
	for _, o := range opts {
		if o != nil {
			o.apply(&c)
		}
	}
	if c.cookie != nil {
		// A returning browser keeps its session: the cookie is the last
		// session source, after the configured ones. Clip first so that the
		// caller's slice (SessionFrom keeps it) is never appended to.
		c.session = append(c.session[:len(c.session):len(c.session)], Cookie(c.cookie.name))
	}
	return c
}

// validID reports whether v may be stored: non-empty, at most maxLen bytes,
// then accepted by the validator. The length comes first so that a
// caller's validator never sees an oversized value.
func (c *config) validID(v string) bool {
	return v != "" && len(v) <= c.maxLen && c.valid(v)
}

// first returns the first valid value the sources yield, or "".
func (c *config) first(r *http.Request, sources []Source) string {
	for _, s := range sources {
		if v := s(r); c.validID(v) {
			return v
		}
	}
	return ""
}

func nonNil(sources []Source) []Source {
	kept := make([]Source, 0, len(sources))
	for _, s := range sources {
		if s != nil {
			kept = append(kept, s)
		}
	}
	return kept
}

// SessionFrom replaces the default session sources (the X-Session-ID
// header, the oi_session_id cookie and the session.id baggage member) with
// sources, tried in order; the first valid value wins. Nil sources are
// skipped; with none left, no session is read from requests (one is still
// minted with WithSessionCookie, whose cookie is always read).
func SessionFrom(sources ...Source) Option {
	kept := nonNil(sources)
	return optionFunc(func(c *config) { c.session = kept })
}

// UserFrom replaces the default user sources (the X-User-ID header and the
// user.id baggage member) with sources, tried in order; the first valid
// value wins. Nil sources are skipped; with none left, no user ID is read,
// which suits applications that set it from their own authentication with
// sessiontrace.WithUser.
func UserFrom(sources ...Source) Option {
	kept := nonNil(sources)
	return optionFunc(func(c *config) { c.user = kept })
}

// WithMaxIDLength sets the longest session or user ID accepted, in bytes
// (default 128). A longer value is treated as absent. n <= 0 keeps the
// default.
func WithMaxIDLength(n int) Option {
	return optionFunc(func(c *config) {
		if n > 0 {
			c.maxLen = n
		}
	})
}

// WithValidator replaces the default character check (printable ASCII
// without spaces, 0x21 to 0x7E) for session and user IDs. valid is called
// only with non-empty values within the length limit, which still applies
// first; a value it rejects is treated as absent. It must be safe for
// concurrent use. A nil valid keeps the default check.
func WithValidator(valid func(string) bool) Option {
	return optionFunc(func(c *config) {
		if valid != nil {
			c.valid = valid
		}
	})
}

// WithFilter makes requests for which f returns false pass through
// untouched: nothing is read, stored, stamped or written. Several filters
// must all return true. A nil f is ignored. The polarity is otelhttp's
// (otelhttp.WithFilter: true = handle); Echo users may prefer
// echosession.Config.Skipper, which follows Echo's (true = skip).
func WithFilter(f func(*http.Request) bool) Option {
	return optionFunc(func(c *config) {
		if f != nil {
			c.filters = append(c.filters[:len(c.filters):len(c.filters)], f)
		}
	})
}

// WithSpanKind sets the openinference.span.kind written on the server span
// (default "CHAIN"; use the semconv.SpanKind* constants, "AGENT" suits an
// agent endpoint). The kind is upper-cased, as backends compare it
// exactly; an empty kind keeps the default.
func WithSpanKind(kind string) Option {
	return optionFunc(func(c *config) {
		if kind != "" {
			c.kind = attribute.String(semconv.OpenInferenceSpanKind, strings.ToUpper(kind))
		}
	})
}

// WithoutTurn stops binding the server span as the turn
// (sessiontrace.BindTurn), for handlers that start their own turn. The span
// still gets session.id, user.id and openinference.span.kind.
func WithoutTurn() Option {
	return optionFunc(func(c *config) { c.noTurn = true })
}

// WithIncomingTrace keeps the server span as the turn even when it has a
// parent, as for a request that arrived with a traceparent: the turn then
// stays inside the caller's trace instead of becoming a new root linked to
// it. Phoenix reads a session's turns from trace roots only, so use this
// only for backends that read non-root spans, or behind a caller that
// exports its own spans and is the turn itself.
func WithIncomingTrace() Option {
	return optionFunc(func(c *config) { c.incomingTrace = true })
}

// WithBaggagePropagation also puts the session ID and user ID into the
// context's W3C baggage (members session.id and user.id, replacing any
// incoming ones), so that an outgoing request made with that context
// through a client with a baggage propagator, such as otelhttp's
// Transport, carries them to the next service. Baggage goes to every
// service called, third parties included; without this option the
// middleware adds nothing to baggage.
func WithBaggagePropagation() Option {
	return optionFunc(func(c *config) { c.propagate = true })
}

// SessionCookie configures WithSessionCookie. Its zero value works: an
// HttpOnly cookie named oi_session_id, Path "/", SameSite Lax, expiring
// after 30 minutes without a request.
type SessionCookie struct {
	// Name is the cookie's name, default "oi_session_id". A name that is
	// not a valid cookie name (an HTTP token) is replaced by the default.
	Name string
	// Path is the cookie's Path attribute, default "/". A path with a ';'
	// or a byte outside printable ASCII is replaced by the default.
	Path string
	// Domain is the cookie's Domain attribute, default none (host only).
	// A domain that is not a valid cookie domain is dropped.
	Domain string
	// IdleTimeout is how long a session lives without a request: the
	// cookie's Max-Age and Expires, moved forward by every request that
	// carries the cookie. Default (and for zero or less) 30 minutes;
	// values are rounded up to whole seconds.
	IdleTimeout time.Duration
	// Secure sets the Secure attribute: browsers then send the cookie over
	// HTTPS (and to localhost) only.
	Secure bool
	// SameSite is the SameSite attribute, Lax when zero. SameSiteNoneMode
	// also sets Secure, since browsers reject SameSite=None cookies without
	// it; SameSiteDefaultMode writes no SameSite attribute.
	SameSite http.SameSite
}

// cookieConfig is a SessionCookie checked once, with its defaults filled
// in: the template of every Set-Cookie the middleware writes.
type cookieConfig struct {
	cookie http.Cookie // Value and Expires are set per response
	idle   time.Duration
	name   string
}

// WithSessionCookie mints a session for requests that arrive without a
// valid one: a random UUID (version 4), stored in the request context and
// sent in a Set-Cookie header with the attributes of sc. The cookie's name
// is read as a session source after the configured ones, so a returning
// browser keeps its session, and each request whose session came from the
// cookie gets it again with a fresh expiry. An invalid cookie value is
// replaced by a new ID, never echoed. Out-of-range fields of sc fall back
// to their defaults (see SessionCookie).
func WithSessionCookie(sc SessionCookie) Option {
	cc := newCookieConfig(sc)
	return optionFunc(func(c *config) { c.cookie = cc })
}

func newCookieConfig(sc SessionCookie) *cookieConfig {
	if sc.Name == "" || (&http.Cookie{Name: sc.Name, Value: "v"}).Valid() != nil {
		sc.Name = defaultCookieName
	}
	if sc.Path == "" || (&http.Cookie{Name: "n", Value: "v", Path: sc.Path}).Valid() != nil {
		sc.Path = "/"
	}
	if sc.Domain != "" && (&http.Cookie{Name: "n", Value: "v", Domain: sc.Domain}).Valid() != nil {
		sc.Domain = ""
	}
	if sc.IdleTimeout <= 0 {
		sc.IdleTimeout = defaultIdleTimeout
	}
	if sc.SameSite == 0 {
		sc.SameSite = http.SameSiteLaxMode
	}
	if sc.SameSite == http.SameSiteNoneMode {
		sc.Secure = true
	}
	maxAge := int((sc.IdleTimeout + time.Second - 1) / time.Second)
	return &cookieConfig{
		cookie: http.Cookie{
			Name:     sc.Name,
			Path:     sc.Path,
			Domain:   sc.Domain,
			MaxAge:   maxAge,
			HttpOnly: true,
			Secure:   sc.Secure,
			SameSite: sc.SameSite,
		},
		idle: time.Duration(maxAge) * time.Second,
		name: sc.Name,
	}
}

// writeCookie adds the Set-Cookie header for value, which is a minted UUID
// or a value read back from the cookie itself, so net/http accepts it.
// Expires repeats Max-Age for clients that only know Expires.
func (cc *cookieConfig) writeCookie(w http.ResponseWriter, value string, now time.Time) {
	c := cc.cookie
	c.Value = value
	c.Expires = now.Add(cc.idle)
	http.SetCookie(w, &c)
}
