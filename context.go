package sessiontrace

import (
	"context"
	"maps"

	instrumentation "github.com/Arize-ai/openinference/go/openinference-instrumentation"
	semconv "github.com/Arize-ai/openinference/go/openinference-semantic-conventions"
	"go.opentelemetry.io/otel/attribute"

	"github.com/sessiontrace/sessiontrace/internal/oiattr"
)

// PromptTemplate describes the template a prompt was rendered from. It is
// recorded as llm.prompt_template.template, .version and .variables (JSON).
type PromptTemplate struct {
	Template  string
	Version   string
	Variables map[string]any
}

// Attributes is everything the context can carry for spans, set at once by
// WithAttributes and read back by FromContext.
type Attributes struct {
	SessionID      string
	UserID         string
	Metadata       map[string]any
	Tags           []string
	PromptTemplate *PromptTemplate
}

type stateKey struct{}

// stateCtx is a context carrying a state. It is context.WithValue folded
// with its value into one allocation: the context of every request is
// derived here, so allocations count.
type stateCtx struct {
	context.Context
	s   state
	own uint8 // the fields this node set; see official.go
}

func (c *stateCtx) Value(key any) any {
	if key == (stateKey{}) {
		return &c.s
	}
	if v, ok := c.officialValue(key); ok {
		return v
	}
	return c.Context.Value(key)
}

// state is immutable once stored in a context: every setter copies it. attrs
// is what ContextAttributes returns, computed once when the state is made so
// that starting a span costs no encoding; it points into inline when that is
// large enough, which it is unless a prompt template is set.
type state struct {
	sessionID, userID string
	metadata          map[string]any
	metadataJSON      string
	tags              []string
	template          *PromptTemplate
	variablesJSON     string
	attrs             []attribute.KeyValue
	inline            [4]attribute.KeyValue
}

func stateFrom(ctx context.Context) *state {
	s, _ := ctx.Value(stateKey{}).(*state)
	return s
}

// derive returns a context whose state is a copy of ctx's changed by set,
// which sets the fields named by own.
func derive(ctx context.Context, own uint8, set func(*state)) context.Context {
	c := &stateCtx{own: own}
	if old := stateFrom(ctx); old != nil {
		c.s = *old
	}
	set(&c.s)
	c.Context = setOfficial(ctx, &c.s, own)
	c.s.attrs = c.s.attributes(c.s.inline[:0])
	return c
}

func (s *state) attributes(attrs []attribute.KeyValue) []attribute.KeyValue {
	if s.template != nil {
		attrs = make([]attribute.KeyValue, 0, len(s.inline)+3)
	}
	if s.sessionID != "" {
		attrs = append(attrs, attribute.String(semconv.SessionID, s.sessionID))
	}
	if s.userID != "" {
		attrs = append(attrs, attribute.String(semconv.UserID, s.userID))
	}
	if s.metadataJSON != "" {
		attrs = append(attrs, attribute.String(semconv.Metadata, s.metadataJSON))
	}
	if len(s.tags) > 0 {
		attrs = append(attrs, attribute.StringSlice(semconv.TagTags, s.tags))
	}
	if t := s.template; t != nil {
		if t.Template != "" {
			attrs = append(attrs, attribute.String(semconv.LLMPromptTemplate, t.Template))
		}
		if t.Version != "" {
			attrs = append(attrs, attribute.String(semconv.LLMPromptTemplateVersion, t.Version))
		}
		if s.variablesJSON != "" {
			attrs = append(attrs, attribute.String(semconv.LLMPromptTemplateVariables, s.variablesJSON))
		}
	}
	return attrs[:len(attrs):len(attrs)]
}

// WithSession returns a context whose spans carry session.id = sessionID.
// An empty sessionID returns ctx unchanged. It also sets the official
// OpenInference Go context key, so Arize's own Go instrumentors see it.
func WithSession(ctx context.Context, sessionID string) context.Context {
	if sessionID == "" {
		return ctx
	}
	return derive(ctx, ownSession, func(s *state) { s.sessionID = sessionID })
}

// WithUser returns a context whose spans carry user.id = userID. An empty
// userID returns ctx unchanged.
func WithUser(ctx context.Context, userID string) context.Context {
	if userID == "" {
		return ctx
	}
	return derive(ctx, ownUser, func(s *state) { s.userID = userID })
}

// WithMetadata returns a context whose spans carry metadata, the map encoded
// as a JSON object. The map is copied; later changes to it are not recorded.
// It replaces any metadata set further out (maps are not merged). A nil or
// empty map returns ctx unchanged; values that cannot be encoded as JSON are
// recorded as their %v text.
func WithMetadata(ctx context.Context, metadata map[string]any) context.Context {
	if len(metadata) == 0 {
		return ctx
	}
	m := maps.Clone(metadata)
	js := oiattr.JSON(m)
	return derive(ctx, ownMetadata, func(s *state) { s.metadata, s.metadataJSON = m, js })
}

// WithTags returns a context whose spans carry tag.tags, a string-slice
// attribute. Empty tags are skipped; with none left ctx is returned
// unchanged. The tags replace any set further out.
func WithTags(ctx context.Context, tags ...string) context.Context {
	kept := nonEmpty(tags)
	if kept == nil {
		return ctx
	}
	return derive(ctx, ownTags, func(s *state) { s.tags = kept })
}

// WithPromptTemplate returns a context whose spans carry the template, its
// version and its variables (a JSON object). The variables map is copied. A
// template with no field set returns ctx unchanged.
func WithPromptTemplate(ctx context.Context, t PromptTemplate) context.Context {
	if t.Template == "" && t.Version == "" && len(t.Variables) == 0 {
		return ctx
	}
	tmpl, js := copyTemplate(t)
	return derive(ctx, 0, func(s *state) { s.template, s.variablesJSON = tmpl, js })
}

// copyTemplate copies t's variables and encodes them.
func copyTemplate(t PromptTemplate) (*PromptTemplate, string) {
	t.Variables = maps.Clone(t.Variables)
	var js string
	if len(t.Variables) > 0 {
		js = oiattr.JSON(t.Variables)
	}
	return &t, js
}

// nonEmpty returns a copy of tags without empty strings, or nil.
func nonEmpty(tags []string) []string {
	n := 0
	for _, t := range tags {
		if t != "" {
			n++
		}
	}
	if n == 0 {
		return nil
	}
	kept := make([]string, 0, n)
	for _, t := range tags {
		if t != "" {
			kept = append(kept, t)
		}
	}
	return kept
}

// WithAttributes sets every non-empty field of a at once, with the same
// rules as the single setters, deriving the context once.
func WithAttributes(ctx context.Context, a Attributes) context.Context {
	var md map[string]any
	var mdJSON string
	if len(a.Metadata) > 0 {
		md = maps.Clone(a.Metadata)
		mdJSON = oiattr.JSON(md)
	}
	tags := nonEmpty(a.Tags)
	var tmpl *PromptTemplate
	var varsJSON string
	if t := a.PromptTemplate; t != nil && (t.Template != "" || t.Version != "" || len(t.Variables) > 0) {
		tmpl, varsJSON = copyTemplate(*t)
	}
	if a.SessionID == "" && a.UserID == "" && md == nil && tags == nil && tmpl == nil {
		return ctx
	}
	var own uint8
	for _, f := range [...]struct {
		set bool
		bit uint8
	}{{a.SessionID != "", ownSession}, {a.UserID != "", ownUser}, {md != nil, ownMetadata}, {tags != nil, ownTags}} {
		if f.set {
			own |= f.bit
		}
	}
	return derive(ctx, own, func(s *state) {
		if a.SessionID != "" {
			s.sessionID = a.SessionID
		}
		if a.UserID != "" {
			s.userID = a.UserID
		}
		if md != nil {
			s.metadata, s.metadataJSON = md, mdJSON
		}
		if tags != nil {
			s.tags = tags
		}
		if tmpl != nil {
			s.template, s.variablesJSON = tmpl, varsJSON
		}
	})
}

// SessionID returns the session set on ctx, or "".
func SessionID(ctx context.Context) string {
	if s := stateFrom(ctx); s != nil {
		return s.sessionID
	}
	return ""
}

// UserID returns the user set on ctx, or "".
func UserID(ctx context.Context) string {
	if s := stateFrom(ctx); s != nil {
		return s.userID
	}
	return ""
}

// FromContext returns everything set on ctx. The maps and slices are fresh
// copies the caller may change.
func FromContext(ctx context.Context) Attributes {
	s := stateFrom(ctx)
	if s == nil {
		return Attributes{}
	}
	a := Attributes{
		SessionID: s.sessionID,
		UserID:    s.userID,
		Metadata:  maps.Clone(s.metadata),
		Tags:      append([]string(nil), s.tags...),
	}
	if s.template != nil {
		t := *s.template
		t.Variables = maps.Clone(t.Variables)
		a.PromptTemplate = &t
	}
	return a
}

// ContextAttributes returns the span attributes the context carries
// (session.id, user.id, metadata, tag.tags, llm.prompt_template.*), as a
// span started in ctx gets them from the span processor. It returns nil when
// there are none; the slice is the caller's.
func ContextAttributes(ctx context.Context) []attribute.KeyValue {
	s := stateFrom(ctx)
	if s == nil || len(s.attrs) == 0 {
		return nil
	}
	return append([]attribute.KeyValue(nil), s.attrs...)
}

// contextAttributes is ContextAttributes without the copy, for callers in
// this package that only pass the slice on to SetAttributes.
func contextAttributes(ctx context.Context) []attribute.KeyValue {
	if s := stateFrom(ctx); s != nil {
		return s.attrs
	}
	return nil
}

// WithSuppression returns a context under which the sessiontrace wrappers,
// and Arize's own Go instrumentors, make no spans. Use it for evaluator or
// grader calls that must not appear in the product's traces.
func WithSuppression(ctx context.Context) context.Context {
	return instrumentation.WithSuppression(ctx)
}

// IsSuppressed reports whether ctx was marked by WithSuppression (ours or
// the official OpenInference package's).
func IsSuppressed(ctx context.Context) bool {
	return instrumentation.IsSuppressed(ctx)
}
