package langchaingo_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/tmc/langchaingo/llms"

	"github.com/sessiontrace/sessiontrace"
	"github.com/sessiontrace/sessiontrace/internal/spantest"
	"github.com/sessiontrace/sessiontrace/llm/langchaingo"
)

type stringer struct{}

func (*stringer) String() string { panic("String on a nil pointer") }

func TestMetadataSessions(t *testing.T) {
	base := func() context.Context {
		ctx := sessiontrace.WithSession(context.Background(), "ctx-session")
		ctx = sessiontrace.WithUser(ctx, "ctx-user")
		return sessiontrace.WithMetadata(ctx, map[string]any{"tenant": "acme", "thread_id": "outer"})
	}
	for _, tc := range []struct {
		name         string
		ctx          context.Context
		md           map[string]any
		session      any // nil: absent
		user         any
		wantMetadata string
	}{
		{
			name: "no metadata keeps the context", ctx: base(),
			session: "ctx-session", user: "ctx-user",
			wantMetadata: `{"tenant":"acme","thread_id":"outer"}`,
		},
		{
			name: "session_id", ctx: context.Background(),
			md:      map[string]any{"session_id": "s-1"},
			session: "s-1", wantMetadata: `{"session_id":"s-1"}`,
		},
		{
			name: "thread_id", ctx: context.Background(),
			md:      map[string]any{"thread_id": "t-1"},
			session: "t-1", wantMetadata: `{"thread_id":"t-1"}`,
		},
		{
			name: "conversation_id", ctx: context.Background(),
			md:      map[string]any{"conversation_id": "c-1"},
			session: "c-1", wantMetadata: `{"conversation_id":"c-1"}`,
		},
		{
			name: "session_id beats thread_id beats conversation_id", ctx: context.Background(),
			md:      map[string]any{"conversation_id": "c-1", "thread_id": "t-1", "session_id": "s-1"},
			session: "s-1", wantMetadata: `{"conversation_id":"c-1","session_id":"s-1","thread_id":"t-1"}`,
		},
		{
			name: "thread_id beats conversation_id", ctx: context.Background(),
			md:      map[string]any{"conversation_id": "c-1", "thread_id": "t-1"},
			session: "t-1", wantMetadata: `{"conversation_id":"c-1","thread_id":"t-1"}`,
		},
		{
			name: "empty values fall through to the next key", ctx: context.Background(),
			md:      map[string]any{"session_id": "", "thread_id": nil, "conversation_id": "c-1"},
			session: "c-1", wantMetadata: `{"conversation_id":"c-1","session_id":"","thread_id":null}`,
		},
		{
			name: "metadata overrides the context session and user, and merges", ctx: base(),
			md:      map[string]any{"thread_id": "t-9", "user_id": "u-9", "step": 2},
			session: "t-9", user: "u-9",
			wantMetadata: `{"step":2,"tenant":"acme","thread_id":"t-9","user_id":"u-9"}`,
		},
		{
			name: "user_id alone keeps the context session", ctx: base(),
			md:      map[string]any{"user_id": "u-2"},
			session: "ctx-session", user: "u-2",
			wantMetadata: `{"tenant":"acme","thread_id":"outer","user_id":"u-2"}`,
		},
		{
			name: "ints are formatted", ctx: context.Background(),
			md:      map[string]any{"session_id": 42, "user_id": int64(7)},
			session: "42", user: "7", wantMetadata: `{"session_id":42,"user_id":7}`,
		},
		{
			name: "floats and bools are formatted", ctx: context.Background(),
			md:      map[string]any{"thread_id": 1.5, "user_id": true},
			session: "1.5", user: "true", wantMetadata: `{"thread_id":1.5,"user_id":true}`,
		},
		{
			name: "typed nil is empty", ctx: context.Background(),
			md:      map[string]any{"session_id": (*stringer)(nil), "thread_id": []byte("t-b")},
			session: "t-b", wantMetadata: `{"session_id":null,"thread_id":"dC1i"}`,
		},
		{
			name: "nested map", ctx: context.Background(),
			md:      map[string]any{"session_id": map[string]any{"b": 2, "a": 1}, "extra": map[string]any{"k": []int{1, 2}}},
			session: "map[a:1 b:2]", wantMetadata: `{"extra":{"k":[1,2]},"session_id":{"a":1,"b":2}}`,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tp, sr := spantest.NewProvider(t)
			m := &fakeModel{replies: []*llms.ContentResponse{textReply("ok", nil)}}
			model := langchaingo.WrapModel(m, langchaingo.WithTracerProvider(tp))
			var opts []llms.CallOption
			if tc.md != nil {
				opts = append(opts, llms.WithMetadata(tc.md))
			}
			if _, err := model.GenerateContent(tc.ctx, human("hi"), opts...); err != nil {
				t.Fatal(err)
			}
			s := spantest.Only(t, sr)
			spantest.Want(t, s, map[string]any{"session.id": tc.session, "user.id": tc.user, "metadata": tc.wantMetadata})

			// The model runs in the same context the span describes, so
			// spans below it (HTTP clients, ...) land in the same session.
			mctx := m.ctxs[0]
			if tc.session != nil && sessiontrace.SessionID(mctx) != tc.session {
				t.Errorf("model context session = %q", sessiontrace.SessionID(mctx))
			}
			// The caller's map reaches the model as it was given.
			if tc.md != nil && fmt.Sprint(m.lastCall().Metadata) != fmt.Sprint(tc.md) {
				t.Errorf("model got metadata %v", m.lastCall().Metadata)
			}
		})
	}
}

// Values that cannot be encoded as JSON are formatted, never dropped, and
// never panic.
func TestMetadataOddValues(t *testing.T) {
	tp, sr := spantest.NewProvider(t)
	model := langchaingo.WrapModel(&fakeModel{replies: []*llms.ContentResponse{textReply("ok", nil)}}, langchaingo.WithTracerProvider(tp))
	ch := make(chan int)
	md := map[string]any{
		"thread_id": ch,
		"fn":        func() {},
		"nested":    map[string]any{"ch": ch, "ok": "yes"},
		"nil":       nil,
	}
	if _, err := model.GenerateContent(context.Background(), human("hi"), llms.WithMetadata(md)); err != nil {
		t.Fatal(err)
	}
	a := spantest.Attrs(spantest.Only(t, sr))
	if got, want := a["session.id"].AsString(), fmt.Sprint(ch); got != want {
		t.Errorf("session.id = %q, want %q", got, want)
	}
	var decoded map[string]any
	if err := json.Unmarshal([]byte(a["metadata"].AsString()), &decoded); err != nil {
		t.Fatalf("metadata is not JSON: %v: %s", err, a["metadata"].AsString())
	}
	if len(decoded) != 4 || decoded["nested"].(map[string]any)["ok"] != "yes" {
		t.Errorf("metadata = %s", a["metadata"].AsString())
	}
}

// With sessiontrace's span processor registered the span says the same.
func TestMetadataWithSpanProcessor(t *testing.T) {
	tp, sr := spantest.NewProvider(t, sessiontrace.NewSpanProcessor())
	model := langchaingo.WrapModel(&fakeModel{replies: []*llms.ContentResponse{textReply("ok", nil)}}, langchaingo.WithTracerProvider(tp))
	ctx := sessiontrace.WithSession(context.Background(), "ctx-session")
	_, _ = model.GenerateContent(ctx, human("hi"), llms.WithMetadata(map[string]any{"thread_id": "t-1"}))
	spantest.Want(t, spantest.Only(t, sr), map[string]any{"session.id": "t-1", "metadata": `{"thread_id":"t-1"}`})
}
