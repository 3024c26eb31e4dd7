// Package sessionview rebuilds what Phoenix's Sessions view shows from
// exported spans: each session with its user, trace count, token totals and
// turns (root input → output). It also checks the properties the whole
// project exists for: every span of a trace carries the trace's session and
// user, and every trace's root is a complete turn. The quickstart prints it;
// the load and end-to-end checks assert on it.
package sessionview

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	semconv "github.com/Arize-ai/openinference/go/openinference-semantic-conventions"
	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// Session is one conversation.
type Session struct {
	ID               string
	User             string
	Traces           int
	PromptTokens     int64
	CompletionTokens int64
	Turns            []Turn // in start order
}

// Turn is the root span of one trace.
type Turn struct {
	TraceID trace.TraceID
	Start   time.Time
	Input   string
	Output  string
}

// View is every session found, sorted by the start of its first turn.
type View struct {
	Sessions []Session
	Spans    int
}

// Problem is a violation of the session properties, naming the trace.
type Problem struct {
	TraceID trace.TraceID
	Reason  string
}

func (p Problem) String() string { return p.TraceID.String() + ": " + p.Reason }

type spanInfo struct {
	root                 bool
	session, user, kind  string
	input, output        string
	prompt, completion   int64
	start                time.Time
	hasPrompt, hasOutput bool
}

func read(s sdktrace.ReadOnlySpan) spanInfo {
	i := spanInfo{root: !s.Parent().IsValid(), start: s.StartTime()} // as Phoenix: a span with a remote parent is no root
	for _, kv := range s.Attributes() {
		switch kv.Key {
		case semconv.SessionID:
			i.session = kv.Value.AsString()
		case semconv.UserID:
			i.user = kv.Value.AsString()
		case semconv.OpenInferenceSpanKind:
			i.kind = kv.Value.AsString()
		case semconv.InputValue:
			i.input = kv.Value.AsString()
		case semconv.OutputValue:
			i.output, i.hasOutput = kv.Value.AsString(), true
		case semconv.LLMTokenCountPrompt:
			i.prompt, i.hasPrompt = intValue(kv), true
		case semconv.LLMTokenCountCompletion:
			i.completion = intValue(kv)
		}
	}
	return i
}

func intValue(kv attribute.KeyValue) int64 {
	if kv.Value.Type() == attribute.INT64 {
		return kv.Value.AsInt64()
	}
	return 0
}

// Build groups spans by trace and session. A trace belongs to the session on
// its root span. Problems lists every trace whose spans disagree about the
// session or user, whose root lacks a session, user, span kind, input or
// output, or that has no root at all, and every LLM span without token
// counts.
func Build(spans []sdktrace.ReadOnlySpan) (View, []Problem) {
	type traceInfo struct {
		root  int // index in spans, -1 while none is seen
		spans []spanInfo
	}
	traces := map[trace.TraceID]*traceInfo{}
	var order []trace.TraceID
	for _, s := range spans {
		id := s.SpanContext().TraceID()
		t := traces[id]
		if t == nil {
			t = &traceInfo{root: -1}
			traces[id] = t
			order = append(order, id)
		}
		info := read(s)
		t.spans = append(t.spans, info)
		if info.root {
			t.root = len(t.spans) - 1
		}
	}

	var problems []Problem
	bad := func(id trace.TraceID, format string, args ...any) {
		problems = append(problems, Problem{id, fmt.Sprintf(format, args...)})
	}
	sessions := map[string]*Session{}
	for _, id := range order {
		t := traces[id]
		if t.root < 0 {
			bad(id, "no root span among %d spans", len(t.spans))
			continue
		}
		r := t.spans[t.root]
		switch {
		case r.session == "":
			bad(id, "root span has no session.id")
			continue
		case r.user == "":
			bad(id, "root span of session %q has no user.id", r.session)
		case r.kind == "":
			bad(id, "root span of session %q has no openinference.span.kind", r.session)
		}
		if r.input == "" || !r.hasOutput || r.output == "" {
			bad(id, "root span of session %q lacks input.value or output.value", r.session)
		}
		sess := sessions[r.session]
		if sess == nil {
			sess = &Session{ID: r.session, User: r.user}
			sessions[r.session] = sess
		}
		sess.Traces++
		sess.Turns = append(sess.Turns, Turn{TraceID: id, Start: r.start, Input: r.input, Output: r.output})
		for _, s := range t.spans {
			if s.session != "" && s.session != r.session {
				bad(id, "a span carries session %q inside a trace of session %q", s.session, r.session)
			}
			if s.user != "" && r.user != "" && s.user != r.user {
				bad(id, "a span carries user %q inside a trace of user %q", s.user, r.user)
			}
			if s.kind == semconv.SpanKindLLM {
				if !s.hasPrompt {
					bad(id, "an LLM span has no token counts")
				}
				sess.PromptTokens += s.prompt
				sess.CompletionTokens += s.completion
			}
		}
	}

	v := View{Spans: len(spans)}
	for _, s := range sessions {
		sort.Slice(s.Turns, func(i, j int) bool { return s.Turns[i].Start.Before(s.Turns[j].Start) })
		v.Sessions = append(v.Sessions, *s)
	}
	sort.Slice(v.Sessions, func(i, j int) bool {
		a, b := v.Sessions[i], v.Sessions[j]
		if !a.Turns[0].Start.Equal(b.Turns[0].Start) {
			return a.Turns[0].Start.Before(b.Turns[0].Start)
		}
		return a.ID < b.ID
	})
	return v, problems
}

// Session returns the session with the given ID, or false.
func (v View) Session(id string) (Session, bool) {
	for _, s := range v.Sessions {
		if s.ID == id {
			return s, true
		}
	}
	return Session{}, false
}

// Print writes the view as a person reads it.
func (v View) Print(w io.Writer) {
	for _, s := range v.Sessions {
		fmt.Fprintf(w, "session %s  user %s  %d traces  %d tokens (%d prompt + %d completion)\n",
			s.ID, s.User, s.Traces, s.PromptTokens+s.CompletionTokens, s.PromptTokens, s.CompletionTokens)
		for i, t := range s.Turns {
			fmt.Fprintf(w, "  %d. %s\n     → %s\n", i+1, oneLine(t.Input), oneLine(t.Output))
		}
	}
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 100 {
		s = s[:97] + "..."
	}
	return s
}
