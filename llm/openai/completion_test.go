package openai_test

import (
	"context"
	"errors"
	"io"
	"testing"

	"github.com/sashabaranov/go-openai"
	"go.opentelemetry.io/otel/codes"

	"github.com/sessiontrace/sessiontrace"
	"github.com/sessiontrace/sessiontrace/internal/spantest"
	"github.com/sessiontrace/sessiontrace/llm/openai/openaitest"
)

func TestCompletion(t *testing.T) {
	h := newHarness(t)
	h.srv.Enqueue(openaitest.Reply{Content: "Paris.", Usage: &openai.Usage{PromptTokens: 8, CompletionTokens: 2, TotalTokens: 10}})
	ctx := sessiontrace.WithSession(context.Background(), "sess-c")
	req := openai.CompletionRequest{Model: "gpt-3.5-turbo-instruct", Prompt: []string{"Capital of France?", "Capital of Italy?"}, MaxTokens: 5}
	resp, err := h.client.CreateCompletion(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	sp := h.only(t)
	if sp.Name() != "Completion" || sp.Status().Code != codes.Ok {
		t.Errorf("%s %v", sp.Name(), sp.Status())
	}
	a := spantest.Attrs(sp)
	spantest.Want(t, sp, map[string]any{
		"openinference.span.kind":            "LLM",
		"session.id":                         "sess-c",
		"llm.model_name":                     "gpt-3.5-turbo-instruct",
		"llm.prompts.0.prompt.text":          "Capital of France?",
		"llm.prompts.1.prompt.text":          "Capital of Italy?",
		"llm.choices.0.completion.text":      "Paris.",
		"llm.choices.1.completion.text":      "Paris.",
		"llm.finish_reason":                  "stop",
		"llm.token_count.total":              10,
		"llm.invocation_parameters":          `{"model":"gpt-3.5-turbo-instruct","max_tokens":5,"stream":false}`,
		"input.mime_type":                    "application/json",
		"llm.input_messages.0.message.role":  nil,
		"llm.output_messages.0.message.role": nil,
	})
	if !spantest.SameJSON(t, a["input.value"].AsString(), string(h.srv.Requests()[0].Body)) {
		t.Errorf("input.value %s", a["input.value"].AsString())
	}
	if !spantest.SameJSON(t, a["output.value"].AsString(), mustJSON(resp)) {
		t.Errorf("output.value %s", a["output.value"].AsString())
	}
}

func TestCompletionStream(t *testing.T) {
	h := newHarness(t)
	h.srv.Enqueue(openaitest.Reply{Content: "Rome, of course.", Chunks: 4})
	req := openai.CompletionRequest{Model: "gpt-3.5-turbo-instruct", Prompt: "Capital of Italy?",
		StreamOptions: &openai.StreamOptions{IncludeUsage: true}}
	s, err := h.client.CreateCompletionStream(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	_ = s.Header()
	_ = s.GetRateLimitHeaders()
	text := ""
	for {
		c, err := s.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		for _, ch := range c.Choices {
			text += ch.Text
		}
	}
	if text != "Rome, of course." {
		t.Errorf("text %q", text)
	}
	sp := h.only(t)
	if sp.Name() != "Completion" || sp.Status().Code != codes.Ok || spantest.Events(sp, "First Token Stream Event") != 1 {
		t.Errorf("%s %v %v", sp.Name(), sp.Status(), sp.Events())
	}
	a := spantest.Attrs(sp)
	spantest.Want(t, sp, map[string]any{
		"llm.prompts.0.prompt.text":     "Capital of Italy?",
		"llm.choices.0.completion.text": "Rome, of course.",
		"llm.finish_reason":             "stop",
		"llm.token_count.prompt":        3,
		"llm.token_count.completion":    3,
	})
	var resp openai.CompletionResponse
	if err := jsonUnmarshal(a["output.value"].AsString(), &resp); err != nil || resp.Object != "text_completion" || resp.Choices[0].Text != text {
		t.Errorf("output.value %s (%v)", a["output.value"].AsString(), err)
	}
}

func TestCompletionStreamClosedEarly(t *testing.T) {
	h := newHarness(t)
	h.srv.Enqueue(openaitest.Reply{Content: "a b c d e f"})
	s, err := h.client.CreateCompletionStream(context.Background(), openai.CompletionRequest{Model: "gpt-3.5-turbo-instruct", Prompt: "x"})
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := s.Recv(); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	sp := h.only(t)
	if sp.Status().Code != codes.Ok || spantest.Events(sp, "Stream Closed Early") != 1 {
		t.Errorf("%v %v", sp.Status(), sp.Events())
	}
	verifyNoLeak(t, h)
}
