package sessiontracetest

import (
	"errors"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

func TestCheck(t *testing.T) {
	r1 := root(1, 1, 0, turn("a", "alice", "hi", "hello")...)
	r2 := root(2, 1, 10, turn("a", "alice", "more", "sure")...)
	r3 := root(3, 1, 20, turn("a", "alice", "last", "bye")...)
	clean := []tracetest.SpanStub{r1, child(r1, 2, 1, llm(3, 2)...), r2, r3}

	// want is one problem: its trace, and words its reason must contain.
	type want struct {
		trace  byte
		reason string
	}
	tests := []struct {
		name  string
		spans []tracetest.SpanStub
		want  []want
	}{{
		name:  "complete turns",
		spans: clean,
	}, {
		name:  "a trace continuing a remote traceparent has no root",
		spans: []tracetest.SpanStub{r1, remote(2, 1, 10, turn("a", "alice", "more", "sure")...), child(remote(2, 1, 10), 2, 11, llm(1, 1)...), r3},
		want:  []want{{2, `no root span (all 2 of its spans have a parent, and a span that continues a remote traceparent is no root): Phoenix shows this turn without input or output`}},
	}, {
		name:  "the only trace has no root: the session loses both ends",
		spans: []tracetest.SpanStub{remote(1, 1, 0, sessionAttr("a"))},
		want:  []want{{1, "without input or output, and the session no first input and no last output"}},
	}, {
		name:  "a middle turn's root without input.value",
		spans: []tracetest.SpanStub{r1, root(2, 1, 10, sessionAttr("a"), userAttr("alice"), out("sure")), r3},
		want:  []want{{2, `root span "turn" (0000000000000001) has no input.value: Phoenix shows this turn without input`}},
	}, {
		name:  "the first turn's root with an empty input.value",
		spans: []tracetest.SpanStub{root(1, 1, 0, sessionAttr("a"), in(""), out("hello")), r2},
		want:  []want{{1, "has no input.value: Phoenix shows this turn without input, and the session no first input"}},
	}, {
		name:  "the last turn's root without output.value",
		spans: []tracetest.SpanStub{r1, root(2, 1, 10, sessionAttr("a"), in("more"))},
		want:  []want{{2, "has no output.value: Phoenix shows this turn without output, and the session no last output"}},
	}, {
		name:  "a span of another session inside a trace",
		spans: []tracetest.SpanStub{r1, named("ChatCompletion", child(r1, 2, 1, append(llm(3, 2), sessionAttr("b"))...))},
		want:  []want{{1, `span "ChatCompletion" (0000000000000002) carries session "b", but the trace is bound to "a" by its first span with a session: Phoenix counts the span in "a"`}},
	}, {
		name:  "a span with another conversation ID inside a trace",
		spans: []tracetest.SpanStub{r1, child(r1, 2, 1, attribute.String("gen_ai.conversation.id", "b"))},
		want:  []want{{1, `carries session "b"`}},
	}, {
		name:  "spans of two users inside a trace",
		spans: []tracetest.SpanStub{r1, child(r1, 2, 1, userAttr("eve")), child(r1, 3, 2, userAttr("alice"))},
		want:  []want{{1, `span "child" (0000000000000002) carries user.id "eve", but span "turn" (0000000000000001) before it carries "alice": Phoenix shows one user for the whole session`}},
	}, {
		name: "LLM spans without token counts",
		spans: []tracetest.SpanStub{r1,
			child(r1, 2, 1, kind("LLM")),
			child(r1, 3, 2, kind("LLM"), attribute.Int("llm.token_count.prompt", 3)),
			child(r1, 4, 3, kind("LLM"), attribute.Int("llm.token_count.completion", 3)),
			child(r1, 5, 4, kind("LLM"), attribute.String("llm.token_count.prompt", "3"), attribute.Int("llm.token_count.completion", 3)),
		},
		want: []want{
			{1, "LLM span \"child\" (0000000000000002) has no integer llm.token_count.prompt or llm.token_count.completion: Phoenix adds none of its tokens"},
			{1, "(0000000000000003) has no integer llm.token_count.completion: Phoenix adds none of its completion tokens"},
			{1, "(0000000000000004) has no integer llm.token_count.prompt: Phoenix adds none of its prompt tokens"},
			{1, "(0000000000000005) has no integer llm.token_count.prompt:"},
		},
	}, {
		name:  "token counts matter on LLM spans only",
		spans: []tracetest.SpanStub{r1, child(r1, 2, 1, kind("CHAIN")), child(r1, 3, 2, kind("llm"))},
	}, {
		name: "traces without a session are not checked",
		spans: []tracetest.SpanStub{
			remote(1, 1, 0, kind("LLM")),
			root(2, 1, 10, userAttr("alice")), child(root(2, 1, 10), 2, 11, userAttr("eve")),
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Check(snapshots(tt.spans...))
			problems := unwrap(t, err)
			if len(problems) != len(tt.want) {
				t.Fatalf("got %d problems, want %d:\n%v", len(problems), len(tt.want), err)
			}
			for i, w := range tt.want {
				p := problems[i]
				if p.SessionID != "a" || p.TraceID != traceID(w.trace) || !strings.Contains(p.Reason, w.reason) {
					t.Errorf("problem %d = %q\nwant session \"a\", trace %s, a reason containing %q", i, p.Error(), traceID(w.trace), w.reason)
				}
			}
		})
	}
}

// unwrap returns the problems joined in err, failing the test when err
// holds anything else.
func unwrap(t *testing.T, err error) []*Problem {
	t.Helper()
	if err == nil {
		return nil
	}
	joined, ok := err.(interface{ Unwrap() []error })
	if !ok {
		t.Fatalf("Check returned %T, want errors.Join of problems", err)
	}
	var problems []*Problem
	for _, e := range joined.Unwrap() {
		p, ok := e.(*Problem)
		if !ok {
			t.Fatalf("Check joined a %T: %v", e, e)
		}
		problems = append(problems, p)
	}
	return problems
}

// What a failing test prints: one line per problem, each naming the
// session and the full trace ID, in session and trace order.
func TestCheckError(t *testing.T) {
	ra := root(1, 1, 0, turn("a", "alice", "hi", "")...)
	rb := root(2, 1, 5, turn("b", "bob", "", "hey")...)
	err := Check(snapshots(child(rb, 2, 6, kind("LLM")), rb, ra))
	want := `session "a", trace 00000000000000000000000000000001: root span "turn" (0000000000000001) has no output.value: Phoenix shows this turn without output, and the session no last output
session "b", trace 00000000000000000000000000000002: root span "turn" (0000000000000001) has no input.value: Phoenix shows this turn without input, and the session no first input
session "b", trace 00000000000000000000000000000002: LLM span "child" (0000000000000002) has no integer llm.token_count.prompt or llm.token_count.completion: Phoenix adds none of its tokens to the session`
	if err == nil || err.Error() != want {
		t.Fatalf("Check =\n%v\nwant\n%s", err, want)
	}
	var p *Problem
	if !errors.As(err, &p) || p.SessionID != "a" || p.TraceID != traceID(1) {
		t.Errorf("errors.As gives %+v, want the first problem", p)
	}
}

func TestCheckNoSpans(t *testing.T) {
	if err := Check(nil); err != nil {
		t.Errorf("Check(nil) = %v", err)
	}
	if got := Sessions(nil); len(got) != 0 {
		t.Errorf("Sessions(nil) = %+v", got)
	}
}
