package openai_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/sashabaranov/go-openai"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/sessiontrace/sessiontrace"
	"github.com/sessiontrace/sessiontrace/internal/spantest"
	oiopenai "github.com/sessiontrace/sessiontrace/llm/openai"
)

// A sampled-out call records nothing, but the turn still gets its text.
func TestSampledOut(t *testing.T) {
	h := newHarness(t)
	never := sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.NeverSample()), sdktrace.WithSpanProcessor(h.rec))
	defer never.Shutdown(context.Background())
	client := oiopenai.Wrap(h.srv.Client(), oiopenai.WithTracerProvider(never))

	for _, stream := range []bool{false, true} {
		h.rec.Reset()
		ctx, turn := sessiontrace.StartTurn(context.Background(), "turn", sessiontrace.WithTracerProvider(h.tp))
		if stream {
			s, err := client.CreateChatCompletionStream(ctx, userRequest("streamed"))
			if err != nil {
				t.Fatal(err)
			}
			drain(t, s)
			s.Close()
		} else if _, err := client.CreateChatCompletion(ctx, userRequest("plain")); err != nil {
			t.Fatal(err)
		}
		turn.End()
		want := "plain"
		if stream {
			want = "streamed"
		}
		ts := h.only(t) // the turn only
		spantest.Want(t, ts, map[string]any{"input.value": want, "output.value": "You said: " + want})
	}

	// Without a turn, a sampled-out stream is a plain go-openai stream.
	h.rec.Reset()
	s, err := client.CreateChatCompletionStream(context.Background(), userRequest("x"))
	if err != nil {
		t.Fatal(err)
	}
	drain(t, s)
	s.Close()
	if _, err := client.CreateCompletion(context.Background(), openai.CompletionRequest{Model: "gpt-3.5-turbo-instruct", Prompt: "p"}); err != nil {
		t.Fatal(err)
	}
	cs, err := client.CreateCompletionStream(context.Background(), openai.CompletionRequest{Model: "gpt-3.5-turbo-instruct", Prompt: "p"})
	if err != nil {
		t.Fatal(err)
	}
	cs.Close()
	if _, err := client.CreateEmbeddings(context.Background(), openai.EmbeddingRequest{Model: "m", Input: "x"}); err != nil {
		t.Fatal(err)
	}
	if n := len(h.rec.Ended()); n != 0 {
		t.Errorf("%d spans recorded", n)
	}
}

// With the SDK's default limit of 128 attributes, a long conversation
// loses input messages, never the answer or the token counts.
func TestLongConversationKeepsEssentials(t *testing.T) {
	h := newHarness(t)
	req := userRequest("first")
	for i := range 99 {
		req.Messages = append(req.Messages, openai.ChatCompletionMessage{Role: "user", Content: fmt.Sprint("message ", i)})
	}
	if _, err := h.client.CreateChatCompletion(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	s := h.only(t)
	if s.DroppedAttributes() == 0 {
		t.Skip("the SDK kept every attribute; the limit must have been raised")
	}
	a := spantest.Attrs(s)
	spantest.Want(t, s, map[string]any{
		"llm.output_messages.0.message.content": "You said: message 98",
		"llm.token_count.total":                 int(a["llm.token_count.prompt"].AsInt64()) + 4,
		"llm.model_name":                        "gpt-4o-mini",
		"session.id":                            nil,
		"llm.input_messages.0.message.content":  "first",
	})
	if _, ok := a["input.value"]; !ok {
		t.Error("input.value dropped")
	}
}

// Concurrent calls on one client keep their own attributes (the attribute
// and message slices are recycled between calls).
func TestConcurrentCalls(t *testing.T) {
	h := newHarness(t)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 20 {
				text := fmt.Sprintf("g%d-%d", g, i)
				ctx := sessiontrace.WithSession(context.Background(), text)
				req := userRequest(strings.Repeat("x ", i) + text)
				if i%2 == 0 {
					s, err := h.client.CreateChatCompletionStream(ctx, req)
					if err != nil {
						t.Error(err)
						return
					}
					for {
						if _, err := s.Recv(); err != nil {
							break
						}
					}
					s.Close()
				} else if _, err := h.client.CreateChatCompletion(ctx, req); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	spans := h.rec.Ended()
	if len(spans) != 160 {
		t.Fatalf("%d spans", len(spans))
	}
	for _, s := range spans {
		a := spantest.Attrs(s)
		id := a["session.id"].AsString()
		in := a["llm.input_messages.0.message.content"].AsString()
		out := a["llm.output_messages.0.message.content"].AsString()
		if !strings.HasSuffix(in, id) || !strings.HasSuffix(out, id) || !strings.Contains(a["input.value"].AsString(), id) {
			t.Fatalf("span of %s has input %q output %q", id, in, out)
		}
	}
}
