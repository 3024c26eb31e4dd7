package sessiontracetest

import (
	"context"
	"math/rand/v2"
	"reflect"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/sessiontrace/sessiontrace"
	"github.com/sessiontrace/sessiontrace/internal/spantest"
)

func TestSessions(t *testing.T) {
	r1 := root(1, 1, 0, turn("a", "alice", "hi", "hello")...)
	r2 := root(2, 1, 10, turn("b", "bob", "yo", "hey")...)
	r3 := root(3, 1, 20, turn("a", "alice", "more", "sure")...)
	tests := []struct {
		name  string
		spans []tracetest.SpanStub
		want  []Session
	}{{
		name: "sessions by their first trace, turns by trace start",
		spans: []tracetest.SpanStub{
			r3, child(r3, 2, 21, append(llm(5, 4), sessionAttr("a"))...),
			r1, child(r1, 2, 1, append(llm(3, 2), sessionAttr("a"))...),
			r2, child(r2, 2, 11, append(llm(1, 1), sessionAttr("b"))...),
		},
		want: []Session{
			{ID: "a", UserID: "alice", Traces: 2, FirstInput: "hi", LastOutput: "sure", PromptTokens: 8, CompletionTokens: 6,
				Turns: []Turn{{traceID(1), "hi", "hello"}, {traceID(3), "more", "sure"}}},
			{ID: "b", UserID: "bob", Traces: 1, FirstInput: "yo", LastOutput: "hey", PromptTokens: 1, CompletionTokens: 1,
				Turns: []Turn{{traceID(2), "yo", "hey"}}},
		},
	}, {
		name: "the earliest root without input.value shows no first input, though a later one has one",
		spans: []tracetest.SpanStub{
			root(1, 1, 0, sessionAttr("a"), out("hello")),
			root(2, 1, 10, turn("a", "alice", "more", "sure")...),
		},
		want: []Session{{ID: "a", UserID: "alice", Traces: 2, LastOutput: "sure",
			Turns: []Turn{{traceID(1), "", "hello"}, {traceID(2), "more", "sure"}}}},
	}, {
		name: "the latest root without output.value shows no last output",
		spans: []tracetest.SpanStub{
			root(1, 1, 0, turn("a", "", "hi", "hello")...),
			root(2, 1, 10, sessionAttr("a"), in("more")),
		},
		want: []Session{{ID: "a", Traces: 2, FirstInput: "hi",
			Turns: []Turn{{traceID(1), "hi", "hello"}, {traceID(2), "more", ""}}}},
	}, {
		name: "a span continuing a remote traceparent is no root: the trace has no turn",
		spans: []tracetest.SpanStub{
			remote(1, 1, 0, turn("a", "alice", "hi", "hello")...),
			root(2, 1, 10, turn("a", "alice", "more", "sure")...),
		},
		want: []Session{{ID: "a", UserID: "alice", Traces: 2, LastOutput: "sure",
			Turns: []Turn{{TraceID: traceID(1)}, {traceID(2), "more", "sure"}}}},
	}, {
		name: "the first span by start that carries a session binds the trace; later values are ignored",
		spans: []tracetest.SpanStub{
			child(r1, 3, 5, sessionAttr("late")),
			root(1, 1, 0, in("hi"), out("hello")),
			child(r1, 2, 1, sessionAttr("early")),
		},
		want: []Session{{ID: "early", Traces: 1, FirstInput: "hi", LastOutput: "hello",
			Turns: []Turn{{traceID(1), "hi", "hello"}}}},
	}, {
		name: "equal start times: the lower span ID binds",
		spans: []tracetest.SpanStub{
			child(r1, 3, 1, sessionAttr("three")),
			child(r1, 2, 1, sessionAttr("two")),
			root(1, 1, 0),
		},
		want: []Session{{ID: "two", Traces: 1, Turns: []Turn{{TraceID: traceID(1)}}}},
	}, {
		name: "session IDs are trimmed",
		spans: []tracetest.SpanStub{
			root(1, 1, 0, sessionAttr(" a\t")),
			root(2, 1, 10, sessionAttr("a")),
			root(3, 1, 20, sessionAttr("   ")), // no session at all
		},
		want: []Session{{ID: "a", Traces: 2, Turns: []Turn{{TraceID: traceID(1)}, {TraceID: traceID(2)}}}},
	}, {
		name: "gen_ai.conversation.id binds when a span has no session.id, and session.id wins when it has both",
		spans: []tracetest.SpanStub{
			root(1, 1, 0, attribute.String("gen_ai.conversation.id", " conv ")),
			root(2, 1, 10, sessionAttr("a"), attribute.String("gen_ai.conversation.id", "conv")),
		},
		want: []Session{
			{ID: "conv", Traces: 1, Turns: []Turn{{TraceID: traceID(1)}}},
			{ID: "a", Traces: 1, Turns: []Turn{{TraceID: traceID(2)}}},
		},
	}, {
		name: "a non-string session.id binds by its printed form",
		spans: []tracetest.SpanStub{
			root(1, 1, 0, attribute.Int("session.id", 42)),
		},
		want: []Session{{ID: "42", Traces: 1, Turns: []Turn{{TraceID: traceID(1)}}}},
	}, {
		name:  "traces without a session make no session",
		spans: []tracetest.SpanStub{root(1, 1, 0, userAttr("alice"), in("hi"), out("hello"))},
		want:  []Session{},
	}, {
		name: "the user is the earliest span's user.id over the whole session, not the first trace's",
		spans: []tracetest.SpanStub{
			root(1, 1, 0, sessionAttr("a")), child(r1, 2, 30, userAttr("bob")),
			root(2, 1, 10, sessionAttr("a"), userAttr("alice")),
			root(3, 1, 20, sessionAttr("a"), userAttr("carol")),
		},
		want: []Session{{ID: "a", UserID: "alice", Traces: 3,
			Turns: []Turn{{TraceID: traceID(1)}, {TraceID: traceID(2)}, {TraceID: traceID(3)}}}},
	}, {
		name: "tokens come from spans of kind LLM only, and an LLM inside an LLM counts twice",
		spans: []tracetest.SpanStub{
			root(1, 1, 0, append([]attribute.KeyValue{sessionAttr("a"), kind("CHAIN")}, llm(100, 100)[1:]...)...),
			child(r1, 2, 1, llm(10, 5)...),
			child(child(r1, 2, 1), 3, 2, llm(10, 5)...),
			child(r1, 4, 3, kind("llm"), attribute.Int("llm.token_count.prompt", 1000)),
			child(r1, 5, 4, kind("LLM"), attribute.String("llm.token_count.prompt", "1000")),
		},
		want: []Session{{ID: "a", Traces: 1, PromptTokens: 20, CompletionTokens: 10, Turns: []Turn{{TraceID: traceID(1)}}}},
	}, {
		name: "a span given twice counts once",
		spans: []tracetest.SpanStub{
			r1, child(r1, 2, 1, llm(3, 2)...), child(r1, 2, 1, llm(3, 2)...),
		},
		want: []Session{{ID: "a", UserID: "alice", Traces: 1, FirstInput: "hi", LastOutput: "hello", PromptTokens: 3, CompletionTokens: 2,
			Turns: []Turn{{traceID(1), "hi", "hello"}}}},
	}, {
		name: "spans made without IDs are all kept",
		spans: []tracetest.SpanStub{
			{Attributes: append(llm(3, 2), sessionAttr("a"))},
			{Attributes: append(llm(3, 2), sessionAttr("a"))},
		},
		want: []Session{{ID: "a", Traces: 1, PromptTokens: 6, CompletionTokens: 4, Turns: []Turn{{}}}},
	}, {
		name: "of two roots, the earlier is the turn",
		spans: []tracetest.SpanStub{
			root(1, 2, 5, in("second"), out("second")),
			root(1, 1, 0, sessionAttr("a"), in("first"), out("first")),
		},
		want: []Session{{ID: "a", Traces: 1, FirstInput: "first", LastOutput: "first", Turns: []Turn{{traceID(1), "first", "first"}}}},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Sessions(snapshots(tt.spans...))
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Sessions =\n%+v\nwant\n%+v", got, tt.want)
			}
		})
	}
}

// The order of the input changes nothing, in Sessions or in Check, even
// where start times tie.
func TestInputOrderDoesNotMatter(t *testing.T) {
	r1 := root(1, 1, 0, turn("a", "alice", "hi", "hello")...)
	r2 := root(2, 1, 0, turn("b", "bob", "yo", "")...) // starts with r1
	r3 := root(3, 1, 20, turn("a", "alice", "more", "sure")...)
	stubs := []tracetest.SpanStub{
		r1, child(r1, 2, 1, append(llm(3, 2), userAttr("eve"))...), child(r1, 3, 1, kind("LLM")),
		r2, child(r2, 2, 0, sessionAttr("c")), child(r2, 3, 0, sessionAttr("d")),
		r3, child(r3, 2, 21, userAttr("zed")), remote(4, 1, 30, sessionAttr("a")),
	}
	want := Sessions(snapshots(stubs...))
	wantErr := Check(snapshots(stubs...))
	if len(want) != 2 || wantErr == nil {
		t.Fatalf("the fixture should give two sessions and problems: %+v, %v", want, wantErr)
	}
	rnd := rand.New(rand.NewPCG(1, 2))
	for range 50 {
		rnd.Shuffle(len(stubs), func(i, j int) { stubs[i], stubs[j] = stubs[j], stubs[i] })
		if got := Sessions(snapshots(stubs...)); !reflect.DeepEqual(got, want) {
			t.Fatalf("shuffled: Sessions =\n%+v\nwant\n%+v", got, want)
		}
		if err := Check(snapshots(stubs...)); err.Error() != wantErr.Error() {
			t.Fatalf("shuffled: Check =\n%v\nwant\n%v", err, wantErr)
		}
	}
}

// Spans recorded by the SDK, through sessiontrace's processor, read the
// same from a SpanRecorder and from an InMemoryExporter.
func TestRecordedSpans(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	tp, rec := spantest.NewProvider(t, sessiontrace.NewSpanProcessor(), sdktrace.NewSimpleSpanProcessor(exp))
	tracer := tp.Tracer("test")
	for _, msg := range []string{"hi", "more"} {
		ctx := sessiontrace.WithUser(sessiontrace.WithSession(context.Background(), "a"), "alice")
		ctx, span := sessiontrace.StartTurn(ctx, "turn", sessiontrace.WithTracerProvider(tp))
		sessiontrace.SetInput(ctx, msg)
		_, llmSpan := tracer.Start(ctx, "ChatCompletion", trace.WithAttributes(llm(3, 2)...))
		llmSpan.End()
		sessiontrace.SetOutput(ctx, "re: "+msg)
		span.End()
	}

	got := Sessions(rec.Ended())
	if len(got) != 1 {
		t.Fatalf("Sessions = %+v, want one", got)
	}
	s := got[0]
	if s.ID != "a" || s.UserID != "alice" || s.Traces != 2 || s.FirstInput != "hi" || s.LastOutput != "re: more" ||
		s.PromptTokens != 6 || s.CompletionTokens != 4 || len(s.Turns) != 2 || s.Turns[1].Input != "more" {
		t.Errorf("Sessions = %+v", got)
	}
	if err := Check(rec.Ended()); err != nil {
		t.Errorf("Check: %v", err)
	}
	if fromExporter := Sessions(exp.GetSpans().Snapshots()); !reflect.DeepEqual(fromExporter, got) {
		t.Errorf("from the exporter: %+v\nfrom the recorder: %+v", fromExporter, got)
	}
}
