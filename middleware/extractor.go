package middleware

import (
	"context"
	"net/http"
	"time"

	semconv "github.com/Arize-ai/openinference/go/openinference-semantic-conventions"
	"github.com/google/uuid"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/baggage"
	"go.opentelemetry.io/otel/propagation"
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
// (sessiontrace.WithAttributes), finds or starts the turn, mints or
// refreshes the session cookie on w, and adds the IDs to baggage when
// configured.
//
// The turn is the span in the context (the server span) when it is a trace
// root: Apply sets session.id, user.id and openinference.span.kind on it and
// binds it (sessiontrace.BindTurn). When that span has a parent (the
// request came with a traceparent), Apply starts the turn as a new root
// span linked to the parent, stamps and binds that one instead, and leaves
// the server span without a session, unless the session itself came in W3C
// baggage (the caller's trace is then the turn) or WithIncomingTrace is
// set. A span that records nothing is neither stamped nor bound.
//
// Call Apply before the response is written, and Finish with the request
// it returned once the handler has run (Handler and the Gin and Echo
// adapters do). A nil w mints no session cookie; a nil r, or a nil
// Extractor, returns r unchanged.
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
	changed := false
	span := trace.SpanFromContext(ctx)
	if parent := c.newRootParent(r, span, session); parent.IsValid() {
		// Started before the IDs are in the context, which it then carries:
		// the span processor would only stamp them a second time.
		ctx, span = c.startTurn(ctx, r, span, parent, session, user)
		changed = true
	} else if span.IsRecording() {
		c.stamp(span, session, user)
	}
	if session != "" || user != "" {
		ctx = sessiontrace.WithAttributes(ctx, sessiontrace.Attributes{SessionID: session, UserID: user})
		changed = true
	}
	// A span that records nothing takes no attributes, and binding it as
	// the turn would only divert SetInput / SetOutput away from a span that
	// does record.
	if span.IsRecording() {
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

// Finish ends what Apply started for r, the request Apply returned: the
// turn's root span, when Apply had to start one. Call it once the handler
// has run, in a defer so that a panicking handler still ends the span. For
// a request without such a span it does nothing; calling it twice is
// harmless.
func (e *Extractor) Finish(r *http.Request) {
	if r == nil {
		return
	}
	if span, ok := r.Context().Value(turnSpanKey{}).(trace.Span); ok {
		span.End()
	}
}

// turnSpanKey is the context key of the root span Apply started, for
// Finish.
type turnSpanKey struct{}

// parented is what the OpenTelemetry SDK's spans tell of their parent.
type parented interface{ Parent() trace.SpanContext }

// newRootParent returns the parent the turn must be linked to as a new
// root, or an invalid span context when the turn is the server span. The
// turn must be a new root when the server span has a parent, remote or not:
// Phoenix reads a turn only from a trace root. It must not under WithoutTurn
// (the handler starts its own turn), under WithIncomingTrace, or when the
// session came in the request's W3C baggage: a caller with sessiontrace sent
// it, and its trace is the user's turn.
func (c *config) newRootParent(r *http.Request, server trace.Span, session string) trace.SpanContext {
	if c.noTurn || c.incomingTrace {
		return trace.SpanContext{}
	}
	var parent trace.SpanContext
	switch p, ok := server.(parented); {
	case server.IsRecording() && ok:
		parent = p.Parent()
	case !server.IsRecording() && server.SpanContext().IsValid():
		// A server span that records nothing but exists was sampled out,
		// most likely with its parent: the turn still needs a root of its
		// own.
		parent = trace.SpanContextFromContext(otel.GetTextMapPropagator().Extract(context.Background(), propagation.HeaderCarrier(r.Header)))
	}
	// Baggage is read only for a request with a parent: most have none.
	if !parent.IsValid() || session != "" && c.sessionInBaggage(r, session) {
		return trace.SpanContext{}
	}
	return parent
}

// sessionInBaggage reports whether the request's W3C baggage (its context,
// or its own header) carries session as its session.id member.
func (c *config) sessionInBaggage(r *http.Request, session string) bool {
	return baggageValue(r, semconv.SessionID) == session
}

// startTurn starts the turn's root span, linked to parent, with the server
// span's provider and name and the turn's attributes, and returns the
// context that carries it as the current span.
func (c *config) startTurn(ctx context.Context, r *http.Request, server trace.Span, parent trace.SpanContext, session, user string) (context.Context, trace.Span) {
	name := r.Method
	if n, ok := server.(interface{ Name() string }); ok && n.Name() != "" {
		name = n.Name()
	}
	// Of span kind internal, the default: the server span is the server.
	ctx, span := server.TracerProvider().Tracer(ScopeName).Start(ctx, name,
		trace.WithNewRoot(),
		trace.WithLinks(trace.Link{SpanContext: parent}),
		trace.WithAttributes(c.turnAttributes(session, user)...),
	)
	return context.WithValue(ctx, turnSpanKey{}, span), span
}

// stamp sets the turn's attributes on the server span.
func (c *config) stamp(span trace.Span, session, user string) {
	span.SetAttributes(c.turnAttributes(session, user)...)
}

// turnAttributes are the span kind and the IDs the turn carries.
func (c *config) turnAttributes(session, user string) []attribute.KeyValue {
	attrs := make([]attribute.KeyValue, 1, 3)
	attrs[0] = c.kind
	if session != "" {
		attrs = append(attrs, attribute.String(semconv.SessionID, session))
	}
	if user != "" {
		attrs = append(attrs, attribute.String(semconv.UserID, user))
	}
	return attrs
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
