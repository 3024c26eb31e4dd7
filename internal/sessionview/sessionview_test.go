package sessionview

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

// makeTrace records a root span and children with the given attributes.
func makeTrace(tp trace.TracerProvider, root []attribute.KeyValue, children ...[]attribute.KeyValue) {
	tr := tp.Tracer("t")
	ctx, r := tr.Start(context.Background(), "root", trace.WithAttributes(root...))
	for _, c := range children {
		_, s := tr.Start(ctx, "child", trace.WithAttributes(c...))
		s.End()
	}
	r.End()
}

func turnAttrs(session, user, in, out string) []attribute.KeyValue {
	return []attribute.KeyValue{
		attribute.String("session.id", session), attribute.String("user.id", user),
		attribute.String("openinference.span.kind", "CHAIN"),
		attribute.String("input.value", in), attribute.String("output.value", out),
	}
}

func llm(session string, prompt, completion int) []attribute.KeyValue {
	return []attribute.KeyValue{
		attribute.String("session.id", session), attribute.String("openinference.span.kind", "LLM"),
		attribute.Int("llm.token_count.prompt", prompt), attribute.Int("llm.token_count.completion", completion),
	}
}

func TestBuild(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	makeTrace(tp, turnAttrs("a", "alice", "hi", "hello"), llm("a", 3, 2))
	makeTrace(tp, turnAttrs("b", "bob", "yo", "hey"), llm("b", 1, 1))
	makeTrace(tp, turnAttrs("a", "alice", "more", "sure"), llm("a", 5, 4), []attribute.KeyValue{attribute.String("session.id", "a")})

	v, problems := Build(rec.Ended())
	if len(problems) != 0 {
		t.Fatalf("problems: %v", problems)
	}
	a, ok := v.Session("a")
	if !ok || a.Traces != 2 || a.User != "alice" || a.PromptTokens != 8 || a.CompletionTokens != 6 {
		t.Errorf("session a = %+v", a)
	}
	if a.Turns[0].Input != "hi" || a.Turns[1].Output != "sure" {
		t.Errorf("turns = %+v", a.Turns)
	}
	var out bytes.Buffer
	v.Print(&out)
	if !strings.Contains(out.String(), "session a  user alice  2 traces  14 tokens (8 prompt + 6 completion)") ||
		!strings.Contains(out.String(), "1. hi\n     → hello") {
		t.Errorf("print:\n%s", out.String())
	}
}

func TestProblems(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	makeTrace(tp, turnAttrs("a", "alice", "hi", "hello"), llm("b", 1, 1))                                                      // mixed sessions
	makeTrace(tp, turnAttrs("a", "alice", "", "hello"))                                                                        // no input
	makeTrace(tp, []attribute.KeyValue{attribute.String("input.value", "x")})                                                  // no session
	makeTrace(tp, turnAttrs("c", "carol", "q", "a"), []attribute.KeyValue{attribute.String("openinference.span.kind", "LLM")}) // LLM without tokens
	makeTrace(tp, turnAttrs("d", "dan", "q", "a"), []attribute.KeyValue{attribute.String("user.id", "eve")})                   // mixed users

	_, problems := Build(rec.Ended())
	want := []string{
		`session "b" inside a trace of session "a"`,
		"lacks input.value",
		"no session.id",
		"no token counts",
		`user "eve" inside a trace of user "dan"`,
	}
	if len(problems) != len(want) {
		t.Fatalf("got %d problems, want %d: %v", len(problems), len(want), problems)
	}
	for i, w := range want {
		if !strings.Contains(problems[i].String(), w) {
			t.Errorf("problem %d = %q, want it to mention %q", i, problems[i], w)
		}
	}
}

func TestTraceWithoutRoot(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	tr := tp.Tracer("t")
	ctx, root := tr.Start(context.Background(), "root")
	_, child := tr.Start(ctx, "child")
	child.End()
	root.End()
	_, problems := Build(rec.Ended()[:1]) // the root was lost
	if len(problems) != 1 || !strings.Contains(problems[0].Reason, "no root span") {
		t.Errorf("problems = %v", problems)
	}
}
