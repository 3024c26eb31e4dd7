package sessiontracetest

import (
	"errors"
	"fmt"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// Problem is one thing Phoenix would show wrong about a session, as Check
// finds it.
type Problem struct {
	SessionID string        // the session the trace is bound to
	TraceID   trace.TraceID // the trace at fault
	Reason    string        // what is wrong, and what Phoenix shows because of it
}

// Error returns the problem on one line, naming the session and the trace.
func (p *Problem) Error() string {
	return fmt.Sprintf("session %q, trace %s: %s", p.SessionID, p.TraceID, p.Reason)
}

// Check returns nil when Phoenix would show every session in spans
// complete, and otherwise an error with one line per problem, in session
// and trace order:
//
//   - a trace of a session has no root span;
//   - a root span (of any turn, not only the first and last) has no
//     input.value or no output.value, or an empty one;
//   - a span carries another session than the one its trace is bound to, or
//     another user.id than the trace's first span with one;
//   - a span of kind LLM lacks an integer llm.token_count.prompt or
//     llm.token_count.completion.
//
// Only traces bound to a session are checked: the others never show in the
// Sessions view. The error is errors.Join of one *Problem per line: use
// errors.As for the first, or its Unwrap() []error for all of them.
func Check(spans []sdktrace.ReadOnlySpan) error {
	var problems []error
	for _, s := range build(spans) {
		for i, t := range s.traces {
			add := func(format string, args ...any) {
				problems = append(problems, &Problem{SessionID: s.ID, TraceID: t.id, Reason: fmt.Sprintf(format, args...)})
			}
			checkTrace(t, i == 0, i == len(s.traces)-1, add)
		}
	}
	return errors.Join(problems...)
}

// checkTrace reports the problems of one trace of a session; first and
// last say whether it is the session's earliest and latest trace.
func checkTrace(t *traceSpans, first, last bool, add func(format string, args ...any)) {
	if r := t.root; r == nil {
		spans := fmt.Sprintf("all %d of its spans have a parent", len(t.spans))
		if len(t.spans) == 1 {
			spans = "its only span has a parent"
		}
		add("no root span (%s, and a span that continues a remote traceparent is no root): Phoenix shows this turn without input or output%s",
			spans, sessionLoses(first, last))
	} else {
		if r.input == "" {
			add("root span %s has no input.value: Phoenix shows this turn without input%s", label(r), sessionLoses(first, false))
		}
		if r.output == "" {
			add("root span %s has no output.value: Phoenix shows this turn without output%s", label(r), sessionLoses(false, last))
		}
	}

	var user *span // the trace's first span with a user.id
	for i := range t.spans {
		sp := &t.spans[i]
		if sp.session != "" && sp.session != t.session {
			add("span %s carries session %q, but the trace is bound to %q by its first span with a session: Phoenix counts the span in %q",
				label(sp), sp.session, t.session, t.session)
		}
		if sp.hasUser {
			if user == nil {
				user = sp
			} else if sp.user != user.user {
				add("span %s carries user.id %q, but span %s before it carries %q: Phoenix shows one user for the whole session",
					label(sp), sp.user, label(user), user.user)
			}
		}
		if sp.llm {
			switch {
			case !sp.hasPrompt && !sp.hasCompletion:
				add("LLM span %s has no integer llm.token_count.prompt or llm.token_count.completion: Phoenix adds none of its tokens to the session", label(sp))
			case !sp.hasPrompt:
				add("LLM span %s has no integer llm.token_count.prompt: Phoenix adds none of its prompt tokens to the session", label(sp))
			case !sp.hasCompletion:
				add("LLM span %s has no integer llm.token_count.completion: Phoenix adds none of its completion tokens to the session", label(sp))
			}
		}
	}
}

// sessionLoses says what the session's own row loses when its earliest
// trace lacks an input or its latest an output.
func sessionLoses(firstInput, lastOutput bool) string {
	switch {
	case firstInput && lastOutput:
		return ", and the session no first input and no last output"
	case firstInput:
		return ", and the session no first input"
	case lastOutput:
		return ", and the session no last output"
	}
	return ""
}

func label(sp *span) string { return fmt.Sprintf("%q (%s)", sp.name, sp.id) }
