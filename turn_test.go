package sessiontrace_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/sessiontrace/sessiontrace"
	"github.com/sessiontrace/sessiontrace/internal/oiattr"
	"github.com/sessiontrace/sessiontrace/internal/spantest"
	"github.com/sessiontrace/sessiontrace/internal/turn"
)

// capture does what the LLM wrappers do after a successful call.
func capture(ctx context.Context, in, out string) {
	cfg := sessiontrace.DefaultTraceConfig()
	turn.FromContext(ctx).Capture(oiattr.TurnInput(in, cfg), oiattr.TurnOutput(out, cfg))
}

func endedByName(spans []sdktrace.ReadOnlySpan) map[string]sdktrace.ReadOnlySpan {
	m := map[string]sdktrace.ReadOnlySpan{}
	for _, s := range spans {
		m[s.Name()] = s
	}
	return m
}

func TestStartTurn(t *testing.T) {
	tp, rec := spantest.NewProvider(t, sessiontrace.NewSpanProcessor())
	ctx := sessiontrace.WithUser(sessiontrace.WithSession(context.Background(), "s-9"), "bob")
	ctx, span := sessiontrace.StartTurn(ctx, "chat turn", sessiontrace.WithTracerProvider(tp))
	sessiontrace.SetInput(ctx, "hello")
	sessiontrace.SetOutput(ctx, "hi there")
	span.End()

	s := rec.Ended()[0]
	if s.Parent().IsValid() {
		t.Error("a turn started from a bare context must be a root span")
	}
	got := spantest.Values(s.Attributes())
	for k, v := range map[string]any{
		"openinference.span.kind": "CHAIN",
		"session.id":              "s-9",
		"user.id":                 "bob",
		"input.value":             "hello",
		"input.mime_type":         "text/plain",
		"output.value":            "hi there",
		"output.mime_type":        "text/plain",
	} {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
}

func TestStartTurnSpanKind(t *testing.T) {
	tp, rec := spantest.NewProvider(t, sessiontrace.NewSpanProcessor())
	_, span := sessiontrace.StartTurn(context.Background(), "agent", sessiontrace.WithTracerProvider(tp),
		sessiontrace.WithSpanKind("agent"), sessiontrace.WithSpanKind(""), nil)
	span.End()
	if k := spantest.Values(rec.Ended()[0].Attributes())["openinference.span.kind"]; k != "AGENT" {
		t.Errorf("kind = %v", k)
	}
}

// Without WithTracerProvider, StartTurn records into the provider of the
// span already in its context (as otelhttp does), not the global one.
func TestStartTurnTakesTheProviderOfTheContext(t *testing.T) {
	tp, rec := spantest.NewProvider(t)
	ctx, parent := tp.Tracer("t").Start(context.Background(), "parent")
	_, span := sessiontrace.StartTurn(ctx, "turn")
	span.End()
	parent.End()
	turn := spantest.Named(t, rec, "turn")
	if turn.Parent().SpanID() != parent.SpanContext().SpanID() {
		t.Errorf("turn's parent = %v, want the context's span", turn.Parent().SpanID())
	}
}

func TestSetInputWithoutTurnWritesCurrentSpan(t *testing.T) {
	tp, rec := spantest.NewProvider(t, sessiontrace.NewSpanProcessor())
	ctx, span := tp.Tracer("t").Start(context.Background(), "plain")
	sessiontrace.SetInput(ctx, "q")
	sessiontrace.SetOutput(ctx, "a")
	sessiontrace.SetOutput(ctx, "") // ignored
	span.End()
	got := spantest.Values(rec.Ended()[0].Attributes())
	if got["input.value"] != "q" || got["output.value"] != "a" {
		t.Errorf("attributes = %v", got)
	}
}

// A bound turn receives SetInput even when a child span is current.
func TestBindTurnTargetsTheTurnNotTheCurrentSpan(t *testing.T) {
	tp, rec := spantest.NewProvider(t, sessiontrace.NewSpanProcessor())
	tr := tp.Tracer("t")
	ctx, server := tr.Start(context.Background(), "server")
	ctx = sessiontrace.BindTurn(ctx, server)
	childCtx, child := tr.Start(ctx, "child")
	sessiontrace.SetOutput(childCtx, "reply")
	capture(childCtx, "question", "auto reply")
	child.End()
	server.End()

	spans := endedByName(rec.Ended())
	if got := spantest.Values(spans["server"].Attributes()); got["output.value"] != "reply" || got["input.value"] != "question" {
		t.Errorf("server span = %v", got)
	}
	if got := spantest.Values(spans["child"].Attributes()); len(got) != 0 {
		t.Errorf("child span got turn attributes: %v", got)
	}
}

// Automatic capture: first input wins, latest output wins, explicit wins
// over both; capture never writes to a span that is not a bound turn.
func TestCaptureRules(t *testing.T) {
	tp, rec := spantest.NewProvider(t, sessiontrace.NewSpanProcessor())
	tr := tp.Tracer("t")

	ctx, unbound := tr.Start(context.Background(), "unbound")
	capture(ctx, "ignored", "ignored")
	unbound.End()

	ctx, first := tr.Start(context.Background(), "auto")
	ctx = sessiontrace.BindTurn(ctx, first)
	capture(ctx, "first question", "first answer")
	capture(ctx, "tool follow-up", "final answer")
	first.End()

	ctx, second := tr.Start(context.Background(), "explicit")
	ctx = sessiontrace.BindTurn(ctx, second)
	capture(ctx, "auto in", "auto out")
	sessiontrace.SetInput(ctx, "explicit in")
	sessiontrace.SetOutput(ctx, "explicit out")
	capture(ctx, "later in", "later out")
	second.End()

	spans := endedByName(rec.Ended())
	if got := spantest.Values(spans["unbound"].Attributes()); len(got) != 0 {
		t.Errorf("capture wrote to an unbound span: %v", got)
	}
	if got := spantest.Values(spans["auto"].Attributes()); got["input.value"] != "first question" || got["output.value"] != "final answer" {
		t.Errorf("auto = %v", got)
	}
	if got := spantest.Values(spans["explicit"].Attributes()); got["input.value"] != "explicit in" || got["output.value"] != "explicit out" {
		t.Errorf("explicit = %v", got)
	}
}

// Several goroutines of one request report to one turn; run with -race.
func TestTurnFromManyGoroutines(t *testing.T) {
	tp, rec := spantest.NewProvider(t, sessiontrace.NewSpanProcessor())
	ctx, span := sessiontrace.StartTurn(context.Background(), "fan-out", sessiontrace.WithTracerProvider(tp))
	var wg sync.WaitGroup
	for i := range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			capture(ctx, fmt.Sprintf("in-%d", i), fmt.Sprintf("out-%d", i))
			if i == 7 {
				sessiontrace.SetOutput(ctx, "explicit")
			}
		}()
	}
	wg.Wait()
	span.End()
	got := spantest.Values(rec.Ended()[0].Attributes())
	if got["output.value"] != "explicit" {
		t.Errorf("output = %v, want the explicit value", got["output.value"])
	}
	if in, _ := got["input.value"].(string); len(in) < 4 || in[:3] != "in-" {
		t.Errorf("input = %v", got["input.value"])
	}
}

func TestTurnMaskingFollowsEnvironment(t *testing.T) {
	cases := []struct {
		env             string
		wantIn, wantOut any
		wantInMime      any
	}{
		{"OPENINFERENCE_HIDE_INPUTS", sessiontrace.RedactedValue, "out", nil},
		{"OPENINFERENCE_HIDE_INPUT_TEXT", sessiontrace.RedactedValue, "out", "text/plain"},
		{"OPENINFERENCE_HIDE_OUTPUTS", "in", sessiontrace.RedactedValue, "text/plain"},
		{"OPENINFERENCE_HIDE_OUTPUT_TEXT", "in", sessiontrace.RedactedValue, "text/plain"},
	}
	for _, c := range cases {
		t.Run(c.env, func(t *testing.T) {
			t.Setenv(c.env, "true")
			tp, rec := spantest.NewProvider(t, sessiontrace.NewSpanProcessor())
			ctx, span := sessiontrace.StartTurn(context.Background(), "t", sessiontrace.WithTracerProvider(tp))
			sessiontrace.SetInput(ctx, "in")
			sessiontrace.SetOutput(ctx, "out")
			span.End()
			got := spantest.Values(rec.Ended()[0].Attributes())
			if got["input.value"] != c.wantIn || got["output.value"] != c.wantOut || got["input.mime_type"] != c.wantInMime {
				t.Errorf("got %v", got)
			}
		})
	}
}

// A span that is not recording (sampled out, or a no-op provider) must not
// trip anything.
func TestTurnOnNonRecordingSpan(t *testing.T) {
	ctx := sessiontrace.BindTurn(context.Background(), trace.SpanFromContext(context.Background()))
	sessiontrace.SetInput(ctx, "x")
	capture(ctx, "a", "b")
}

// Whichever order the IDs and the turn are set in, each setter keeps what
// the others set, and an inner turn replaces the outer one only for the
// contexts derived from it.
func TestTurnAndIDsKeepEachOther(t *testing.T) {
	cases := []struct {
		name string
		set  func(ctx context.Context, turn trace.Span) context.Context
	}{
		{"IDs then turn", func(ctx context.Context, turn trace.Span) context.Context {
			ctx = sessiontrace.WithUser(sessiontrace.WithSession(ctx, "s-1"), "u-1")
			return sessiontrace.BindTurn(ctx, turn)
		}},
		{"turn then IDs", func(ctx context.Context, turn trace.Span) context.Context {
			ctx = sessiontrace.BindTurn(ctx, turn)
			return sessiontrace.WithUser(sessiontrace.WithSession(ctx, "s-1"), "u-1")
		}},
		{"turn between IDs", func(ctx context.Context, turn trace.Span) context.Context {
			ctx = sessiontrace.BindTurn(sessiontrace.WithSession(ctx, "s-1"), turn)
			return sessiontrace.WithAttributes(ctx, sessiontrace.Attributes{UserID: "u-1", Tags: []string{"t"}})
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tp, rec := spantest.NewProvider(t, sessiontrace.NewSpanProcessor())
			tr := tp.Tracer("t")
			_, outer := tr.Start(context.Background(), "outer")
			ctx := c.set(context.Background(), outer)
			_, inner := tr.Start(ctx, "inner")
			innerCtx := sessiontrace.WithMetadata(sessiontrace.BindTurn(ctx, inner), map[string]any{"k": "v"})

			sessiontrace.SetInput(ctx, "outer question")
			sessiontrace.SetOutput(innerCtx, "inner answer")
			_, child := tr.Start(innerCtx, "child")
			child.End()
			inner.End()
			outer.End()

			if got := sessiontrace.SessionID(innerCtx) + " " + sessiontrace.UserID(innerCtx); got != "s-1 u-1" {
				t.Errorf("inner IDs = %q", got)
			}
			spantest.Want(t, spantest.Named(t, rec, "outer"), map[string]any{"input.value": "outer question", "output.value": nil})
			spantest.Want(t, spantest.Named(t, rec, "inner"), map[string]any{
				"session.id": "s-1", "user.id": "u-1", "input.value": nil, "output.value": "inner answer",
			})
			spantest.Want(t, spantest.Named(t, rec, "child"), map[string]any{
				"session.id": "s-1", "user.id": "u-1", "metadata": `{"k":"v"}`,
			})
		})
	}
}
