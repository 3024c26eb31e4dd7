package sessiontracetest

import (
	"bytes"
	"cmp"
	"slices"
	"strings"
	"time"

	semconv "github.com/Arize-ai/openinference/go/openinference-semantic-conventions"
	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/sessiontrace/sessiontrace/internal/oiattr"
)

// Session is one conversation as Phoenix's Sessions view shows it.
type Session struct {
	ID     string // session.id, trimmed (or gen_ai.conversation.id)
	UserID string // the first user.id by span start; "" when no span has one
	Traces int    // traces bound to the session, with or without a root

	// FirstInput and LastOutput are the input.value of the root of the
	// earliest trace and the output.value of the root of the latest one:
	// "" where Phoenix shows nothing.
	FirstInput, LastOutput string

	// PromptTokens and CompletionTokens are summed over the session's spans
	// of kind LLM.
	PromptTokens, CompletionTokens int64

	Turns []Turn // one per trace, by trace start
}

// Turn is one trace of a session, as Phoenix's Turns tab shows it.
type Turn struct {
	TraceID trace.TraceID
	// Input and Output are the input.value and output.value of the trace's
	// root span: "" when the trace has no root or the root no such value.
	Input, Output string
}

// Sessions returns the sessions Phoenix would show for spans, sorted by the
// start of their first trace (ties broken by that trace's ID). Traces that
// carry no session are left out; no spans, or none with a session, give an
// empty result. See the package documentation for the rules.
func Sessions(spans []sdktrace.ReadOnlySpan) []Session {
	sessions := build(spans)
	out := make([]Session, len(sessions))
	for i, s := range sessions {
		out[i] = s.Session
	}
	return out
}

// span is what the rules read of one span.
type span struct {
	name  string
	id    trace.SpanID
	start time.Time
	root  bool

	session       string // trimmed; gen_ai.conversation.id when there is no session.id
	user          string
	hasUser       bool
	llm           bool
	input, output string

	prompt, completion       int64
	hasPrompt, hasCompletion bool
}

// read takes the values in their string form (Value.String), as Phoenix
// reads them as text from its JSON copy of the attributes: a session.id of
// 42 binds session "42".
func read(s sdktrace.ReadOnlySpan) span {
	sp := span{
		name:  s.Name(),
		id:    s.SpanContext().SpanID(),
		start: s.StartTime(),
		root:  !s.Parent().IsValid(), // a remote parent is a parent too
	}
	var conversation string
	for _, kv := range s.Attributes() {
		switch kv.Key {
		case semconv.SessionID:
			sp.session = strings.TrimSpace(kv.Value.String())
		case oiattr.GenAIConversationID:
			conversation = strings.TrimSpace(kv.Value.String())
		case semconv.UserID:
			sp.user, sp.hasUser = kv.Value.String(), true
		case semconv.OpenInferenceSpanKind:
			sp.llm = kv.Value.String() == semconv.SpanKindLLM
		case semconv.InputValue:
			sp.input = kv.Value.String()
		case semconv.OutputValue:
			sp.output = kv.Value.String()
		case semconv.LLMTokenCountPrompt:
			sp.prompt, sp.hasPrompt = count(kv.Value)
		case semconv.LLMTokenCountCompletion:
			sp.completion, sp.hasCompletion = count(kv.Value)
		}
	}
	if sp.session == "" {
		sp.session = conversation
	}
	return sp
}

// count reads a token count, which must be an integer attribute.
func count(v attribute.Value) (int64, bool) {
	if v.Type() != attribute.INT64 {
		return 0, false
	}
	return v.AsInt64(), true
}

func compareSpans(a, b *span) int {
	return cmp.Or(a.start.Compare(b.start), bytes.Compare(a.id[:], b.id[:]))
}

// traceSpans is one trace and the session it is bound to.
type traceSpans struct {
	id      trace.TraceID
	spans   []span // by start, then span ID
	session string // of the first span that carries one; "" for none
	root    *span  // the earliest span without a parent; nil for none
}

// group reads spans into traces sorted by their start (earliest span), ties
// broken by trace ID. A span seen twice counts once.
func group(spans []sdktrace.ReadOnlySpan) []*traceSpans {
	type spanKey struct {
		trace trace.TraceID
		span  trace.SpanID
	}
	seen := make(map[spanKey]bool, len(spans))
	byID := map[trace.TraceID]*traceSpans{}
	var traces []*traceSpans
	for _, s := range spans {
		sc := s.SpanContext()
		k := spanKey{sc.TraceID(), sc.SpanID()}
		if seen[k] {
			continue
		}
		if sc.SpanID().IsValid() { // stubs made without IDs are all kept
			seen[k] = true
		}
		t := byID[sc.TraceID()]
		if t == nil {
			t = &traceSpans{id: sc.TraceID()}
			byID[t.id] = t
			traces = append(traces, t)
		}
		t.spans = append(t.spans, read(s))
	}
	for _, t := range traces {
		slices.SortFunc(t.spans, func(a, b span) int { return compareSpans(&a, &b) })
		for i := range t.spans {
			sp := &t.spans[i]
			if t.session == "" {
				t.session = sp.session
			}
			if t.root == nil && sp.root {
				t.root = sp
			}
		}
	}
	slices.SortFunc(traces, func(a, b *traceSpans) int {
		return cmp.Or(a.spans[0].start.Compare(b.spans[0].start), bytes.Compare(a.id[:], b.id[:]))
	})
	return traces
}

// session is a Session with the traces it was computed from.
type session struct {
	Session
	traces []*traceSpans // by start
	user   *span         // the earliest span with a user.id
}

// build computes the sessions of spans, in the order Sessions documents.
func build(spans []sdktrace.ReadOnlySpan) []*session {
	var sessions []*session
	byID := map[string]*session{}
	for _, t := range group(spans) {
		if t.session == "" {
			continue
		}
		s := byID[t.session]
		if s == nil {
			s = &session{Session: Session{ID: t.session}}
			byID[t.session] = s
			sessions = append(sessions, s)
		}
		s.traces = append(s.traces, t)
		s.Traces++
		turn := Turn{TraceID: t.id}
		if t.root != nil {
			turn.Input, turn.Output = t.root.input, t.root.output
		}
		s.Turns = append(s.Turns, turn)
		for i := range t.spans {
			sp := &t.spans[i]
			if sp.hasUser && (s.user == nil || compareSpans(sp, s.user) < 0) {
				s.user = sp
			}
			if sp.llm {
				s.PromptTokens += sp.prompt
				s.CompletionTokens += sp.completion
			}
		}
	}
	for _, s := range sessions {
		s.FirstInput = s.Turns[0].Input
		s.LastOutput = s.Turns[len(s.Turns)-1].Output
		if s.user != nil {
			s.UserID = s.user.user
		}
	}
	return sessions
}
