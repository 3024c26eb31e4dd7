package main

import (
	"errors"
	"fmt"
	"sort"

	semconv "github.com/Arize-ai/openinference/go/openinference-semantic-conventions"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/sessiontrace/sessiontrace/sessiontracetest"
)

// verifyOptions says what a run's traces must look like.
type verifyOptions struct {
	// Sessiontrace: each trace is the otelhttp server span (the root, the
	// turn) and one LLM span under it, both carrying the request's session
	// and user. Otherwise (the baseline) each trace is the server span alone.
	Sessiontrace bool
	// InputsVisible: roots carry the request's message in input.value, so
	// each trace can be matched to the very request that made it. Under
	// masking only the per-session counts can be compared.
	InputsVisible bool
}

// verdict is the outcome of checking one run's exported spans against the
// requests its clients sent.
type verdict struct {
	Requests     int // sent
	OK           int // answered 200 with their own reply
	Traces       int // distinct trace IDs exported
	Spans        int
	Lost         int // OK requests with no complete trace
	Extra        int // traces that match no OK request
	Contaminated int // traces whose session data is wrong
	Sessions     int // distinct sessions among exported roots
	Problems     []string
	problemCount int
}

func (v *verdict) problem(format string, args ...any) {
	v.problemCount++
	if len(v.Problems) < 20 {
		v.Problems = append(v.Problems, fmt.Sprintf(format, args...))
	}
}

// verify checks the exported spans of a run: zero lost spans (every
// successful request has exactly its trace, complete) and zero
// cross-session contamination (sessiontracetest.Check, each root's
// session and user are the ones the client sent with that request, and no
// span carries text from another session's conversation).
func verify(spans []Span, sent []sentRequest, opt verifyOptions) verdict {
	v := verdict{Requests: len(sent), Spans: len(spans)}
	byN := map[int]*sentRequest{}
	type pair struct{ session, user string }
	want := map[pair]int{}
	for i := range sent {
		r := &sent[i]
		if r.ok() {
			v.OK++
			byN[r.N] = r
			want[pair{r.Session, r.User}]++
		}
	}

	traces := map[trace.TraceID][]*Span{}
	var order []trace.TraceID
	for i := range spans {
		s := &spans[i]
		if _, ok := traces[s.TraceID]; !ok {
			order = append(order, s.TraceID)
		}
		traces[s.TraceID] = append(traces[s.TraceID], s)
	}
	v.Traces = len(traces)

	got := map[pair]int{}
	seen := map[int]trace.TraceID{}
	bad := map[trace.TraceID]bool{}
	incomplete := 0
	var complete []trace.TraceID // the session checks look at these; the others count as lost
	for _, id := range order {
		ts := traces[id]
		var root, llm *Span
		roots, llms := 0, 0
		for _, s := range ts {
			if s.IsRoot() {
				root = s
				roots++
			}
			if s.IsLLM() {
				llm = s
				llms++
			}
		}
		wantSpans := 1
		if opt.Sessiontrace {
			wantSpans = 2
		}
		switch {
		case roots != 1:
			v.problem("trace %s: %d root spans among %d", id, roots, len(ts))
			incomplete++
			continue
		case root.Kind != trace.SpanKindServer:
			v.problem("trace %s: the root is a %s span %q, not the server span", id, root.Kind, root.Name)
			incomplete++
			continue
		case opt.Sessiontrace && (llms != 1 || llm.Parent != root.SpanID):
			v.problem("trace %s: %d LLM spans, want one under the server span", id, llms)
			incomplete++
			continue
		case len(ts) != wantSpans:
			v.problem("trace %s: %d spans, want %d", id, len(ts), wantSpans)
			incomplete++
			continue
		}
		complete = append(complete, id)
		if !opt.Sessiontrace {
			continue
		}

		session, user := root.Str(semconv.SessionID), root.Str(semconv.UserID)
		got[pair{session, user}]++
		for _, key := range []string{semconv.SessionID, semconv.UserID, semconv.OpenInferenceSpanKind} {
			if root.Str(key) == "" {
				v.problem("trace %s: the root has no %s", id, key)
				bad[id] = true
			}
		}
		for _, s := range ts {
			for _, m := range s.Markers {
				if m.Session != s.Str(semconv.SessionID) {
					v.problem("trace %s: %s of session %q carries text of session %q (request %d)", id, s.describe(), s.Str(semconv.SessionID), m.Session, m.N)
					bad[id] = true
				}
			}
		}
		if !opt.InputsVisible {
			continue
		}
		// The root's input is the request's message and its output the
		// model's echo of it: both carry exactly that request's marker.
		if len(root.Markers) != 1 {
			v.problem("trace %s: the root carries %d request markers, want 1", id, len(root.Markers))
			bad[id] = true
			continue
		}
		m := root.Markers[0]
		r := byN[m.N]
		switch {
		case r == nil:
			v.problem("trace %s: request %d made a trace but did not succeed", id, m.N)
			v.Extra++
			continue
		case r.Session != session || r.User != user:
			v.problem("trace %s: request %d was sent as session %q user %q, its root says %q %q", id, m.N, r.Session, r.User, session, user)
			bad[id] = true
		}
		if other, dup := seen[m.N]; dup {
			v.problem("request %d has two traces: %s and %s", m.N, other, id)
			v.Extra++
		}
		seen[m.N] = id
	}

	if opt.Sessiontrace {
		for _, p := range sessionProblems(complete, traces) {
			v.problem("%s", p)
			bad[p.TraceID] = true
		}
		for k, n := range got {
			if want[k] != n {
				v.problem("session %q user %q: %d traces exported, %d requests succeeded", k.session, k.user, n, want[k])
			}
			if k.session != "" {
				v.Sessions++
			}
		}
		for k, n := range want {
			if _, ok := got[k]; !ok {
				v.problem("session %q user %q: %d requests succeeded, no trace exported", k.session, k.user, n)
			}
		}
	}
	v.Contaminated = len(bad)

	if opt.Sessiontrace && opt.InputsVisible {
		for n := range byN {
			if _, ok := seen[n]; !ok {
				v.Lost++
			}
		}
	} else if len(complete) < v.OK {
		v.Lost = v.OK - len(complete)
	}
	if len(complete) > v.OK {
		v.Extra += len(complete) - v.OK
	}
	if v.Lost > 0 {
		v.problem("%d successful requests have no complete trace (%d traces exported, %d complete, %d incomplete)", v.Lost, v.Traces, len(complete), incomplete)
	}
	if v.OK != v.Requests {
		v.problem("%d of %d requests failed", v.Requests-v.OK, v.Requests)
	}
	return v
}

// sessionProblems runs sessiontracetest.Check over the traces, a few
// thousand at a time: its checks are per trace, and whole runs would need
// hundreds of thousands of snapshots at once.
func sessionProblems(order []trace.TraceID, traces map[trace.TraceID][]*Span) []*sessiontracetest.Problem {
	const chunk = 5000
	var problems []*sessiontracetest.Problem
	for i := 0; i < len(order); i += chunk {
		var stubs tracetest.SpanStubs
		for _, id := range order[i:min(i+chunk, len(order))] {
			for _, s := range traces[id] {
				stubs = append(stubs, s.Stub())
			}
		}
		if err, ok := sessiontracetest.Check(stubs.Snapshots()).(interface{ Unwrap() []error }); ok {
			for _, e := range err.Unwrap() {
				var p *sessiontracetest.Problem
				if errors.As(e, &p) {
					problems = append(problems, p)
				}
			}
		}
	}
	return problems
}

// tracesOf groups spans by trace, in order of first appearance.
func tracesOf(spans []Span) [][]*Span {
	idx := map[trace.TraceID]int{}
	var out [][]*Span
	for i := range spans {
		s := &spans[i]
		j, ok := idx[s.TraceID]
		if !ok {
			j = len(out)
			idx[s.TraceID] = j
			out = append(out, nil)
		}
		out[j] = append(out[j], s)
	}
	return out
}

// sortedKeys returns the keys of a count map in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
