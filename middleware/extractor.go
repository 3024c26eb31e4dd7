package middleware

import (
	"context"
	"net/http"
	"time"

	semconv "github.com/Arize-ai/openinference/go/openinference-semantic-conventions"
	"github.com/google/uuid"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/baggage"
	"go.opentelemetry.io/otel/trace"

	"github.com/sessiontrace/sessiontrace"
)

// Extractor is the per-request work of the middleware, configured once
// and reused by Handler, New and the Gin and Echo adapters. It is safe for
// concurrent use.
type Extractor struct {
	cfg config
}

// NewExtractor returns an Extractor configured by opts (nil options are
// ignored). Use it to put the middleware into a framework that has no
// adapter here.
func NewExtractor(opts ...Option) *Extractor {
	return &Extractor{cfg: newConfig(opts)}
}

// Apply does the middleware's work for one request and returns the request
// to pass on: r itself when nothing was added to its context, else a
// shallow copy with a derived context (r is never modified). It reads the
// session and user IDs, stores the valid ones in the context
// (sessiontrace.WithAttributes: WithSession and WithUser in one step), sets
// session.id, user.id and openinference.span.kind on the recording span in
// the context (the server span) and binds it as the turn, mints or
// refreshes the session cookie on w, and adds the IDs to baggage when
// configured. A span that records nothing is neither stamped nor bound.
// Call Apply before the response is written. A nil w mints no session
// cookie; a nil r, or a nil Extractor, returns r unchanged.
func (e *Extractor) Apply(w http.ResponseWriter, r *http.Request) *http.Request {
	if e == nil || r == nil {
		return r
	}
	c := &e.cfg
	for _, f := range c.filters {
		if !f(r) {
			return r
		}
	}

	session := c.first(r, c.session)
	user := c.first(r, c.user)
	if c.cookie != nil && w != nil {
		switch {
		case session == "":
			session = uuid.NewString()
			c.cookie.writeCookie(w, session, time.Now())
		case cookieValue(r, c.cookie.name) == session:
			// Slide the expiry of a session the browser keeps using.
			c.cookie.writeCookie(w, session, time.Now())
		}
	}

	ctx := r.Context()
	span := trace.SpanFromContext(ctx)
	changed := false
	if session != "" || user != "" {
		ctx = sessiontrace.WithAttributes(ctx, sessiontrace.Attributes{SessionID: session, UserID: user})
		changed = true
	}
	// A span that records nothing takes no attributes, and binding it as
	// the turn would only divert SetInput / SetOutput away from a span that
	// does record.
	if span.IsRecording() {
		c.stamp(span, session, user)
		if !c.noTurn {
			ctx = sessiontrace.BindTurn(ctx, span)
			changed = true
		}
	}
	if c.propagate {
		if bctx, ok := withBaggage(ctx, session, user); ok {
			ctx, changed = bctx, true
		}
	}
	if !changed {
		return r
	}
	return r.WithContext(ctx)
}

// stamp sets the span kind and the IDs in a single SetAttributes call.
func (c *config) stamp(span trace.Span, session, user string) {
	attrs := make([]attribute.KeyValue, 1, 3)
	attrs[0] = c.kind
	if session != "" {
		attrs = append(attrs, attribute.String(semconv.SessionID, session))
	}
	if user != "" {
		attrs = append(attrs, attribute.String(semconv.UserID, user))
	}
	span.SetAttributes(attrs...)
}

// withBaggage adds the IDs as session.id and user.id members to the
// context's baggage. It reports false when the baggage already said so.
func withBaggage(ctx context.Context, session, user string) (context.Context, bool) {
	bag := baggage.FromContext(ctx)
	changed := false
	for _, m := range [...]struct{ key, value string }{{semconv.SessionID, session}, {semconv.UserID, user}} {
		if m.value == "" || bag.Member(m.key).Value() == m.value {
			continue
		}
		// Raw: the value is stored as is and percent-encoded on injection.
		member, err := baggage.NewMemberRaw(m.key, m.value)
		if err != nil {
			continue
		}
		if b, err := bag.SetMember(member); err == nil {
			bag, changed = b, true
		}
	}
	if !changed {
		return ctx, false
	}
	return baggage.ContextWithBaggage(ctx, bag), true
}
