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

// stateKey is the context key of the state; only this package sets it.
type stateKey struct{}

// state is what the context carries for spans. It is immutable once stored
// in a context: every setter stores a changed copy. attrs is what
// ContextAttributes returns, built when the state is made, so that starting
// a span costs no encoding.
type state struct {
	sessionID, userID string
	metadata          map[string]any
	metadataJSON      string
	tags              []string
	template          *PromptTemplate
	variablesJSON     string
	attrs             []attribute.KeyValue
}

func stateFrom(ctx context.Context) *state {
	s, _ := ctx.Value(stateKey{}).(*state)
	return s
}

// derive returns ctx with a copy of its state changed by set.
func derive(ctx context.Context, set func(*state)) context.Context {
	s := new(state)
	if old := stateFrom(ctx); old != nil {
		*s = *old
	}
	set(s)
	s.attrs = s.attributes()
	return context.WithValue(ctx, stateKey{}, s)
}

func (s *state) attributes() []attribute.KeyValue {
	n := 0
	for _, set := range [...]bool{s.sessionID != "", s.userID != "", s.metadataJSON != "", len(s.tags) > 0} {
		if set {
			n++
		}
	}
	if s.template != nil {
		n += 3
	}
	attrs := make([]attribute.KeyValue, 0, n)
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
	return attrs
}

// WithSession returns a context whose spans carry session.id = sessionID.
// An empty sessionID returns ctx unchanged. It also sets the session of the
// official OpenInference Go package (instrumentation.WithSession), so that
// Arize's own Go instrumentors running in this context stamp it too.
func WithSession(ctx context.Context, sessionID string) context.Context {
	if sessionID == "" {
		return ctx
	}
	ctx = instrumentation.WithSession(ctx, sessionID)
	return derive(ctx, func(s *state) { s.sessionID = sessionID })
}

// WithUser returns a context whose spans carry user.id = userID. An empty
// userID returns ctx unchanged. Like WithSession, it sets the official
// package's user too.
func WithUser(ctx context.Context, userID string) context.Context {
	if userID == "" {
		return ctx
	}
	ctx = instrumentation.WithUser(ctx, userID)
	return derive(ctx, func(s *state) { s.userID = userID })
}

// WithMetadata returns a context whose spans carry metadata, the map encoded
// as a JSON object. The map is copied; later changes to it are not recorded.
// It replaces any metadata set further out (maps are not merged). A nil or
// empty map returns ctx unchanged; values that cannot be encoded as JSON are
// recorded as their %v text. The official package's metadata is set to the
// same JSON.
func WithMetadata(ctx context.Context, metadata map[string]any) context.Context {
	if len(metadata) == 0 {
		return ctx
	}
	m := maps.Clone(metadata)
	js := oiattr.JSON(m)
	ctx = instrumentation.WithMetadata(ctx, js)
	return derive(ctx, func(s *state) { s.metadata, s.metadataJSON = m, js })
}

// WithTags returns a context whose spans carry tag.tags, a string-slice
// attribute. Empty tags are skipped; with none left ctx is returned
// unchanged. The tags replace any set further out, here and in the official
// package.
func WithTags(ctx context.Context, tags ...string) context.Context {
	kept := nonEmpty(tags)
	if kept == nil {
		return ctx
	}
	ctx = instrumentation.WithTags(ctx, kept...)
	return derive(ctx, func(s *state) { s.tags = kept })
}

// WithPromptTemplate returns a context whose spans carry the template, its
// version and its variables (a JSON object). The variables map is copied. A
// template with no field set returns ctx unchanged. (The official package
// has no prompt template.)
func WithPromptTemplate(ctx context.Context, t PromptTemplate) context.Context {
	if t.Template == "" && t.Version == "" && len(t.Variables) == 0 {
		return ctx
	}
	tmpl, js := copyTemplate(t)
	return derive(ctx, func(s *state) { s.template, s.variablesJSON = tmpl, js })
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
	var kept []string
	for _, t := range tags {
		if t != "" {
			kept = append(kept, t)
		}
	}
	return kept
}

// WithAttributes sets every non-empty field of a at once, with the same
// rules as the single setters (the official package's values included),
// deriving the context once.
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
	// The official setters skip empty values themselves.
	ctx = instrumentation.WithSession(ctx, a.SessionID)
	ctx = instrumentation.WithUser(ctx, a.UserID)
	ctx = instrumentation.WithMetadata(ctx, mdJSON)
	ctx = instrumentation.WithTags(ctx, tags...)
	return derive(ctx, func(s *state) {
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
// this package that only pass the slice on to SetAttributes (which copies).
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
