package openaigo_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/openai/openai-go/v3"
	"go.opentelemetry.io/otel/codes"

	"github.com/sessiontrace/sessiontrace"
	"github.com/sessiontrace/sessiontrace/internal/spantest"
	"github.com/sessiontrace/sessiontrace/llm/openai/openaitest"
	"github.com/sessiontrace/sessiontrace/llm/openaigo"
)

func completion(prompts ...string) openai.CompletionNewParams {
	p := openai.CompletionNewParams{Model: "gpt-3.5-turbo-instruct", MaxTokens: openai.Int(20), Temperature: openai.Float(0)}
	if len(prompts) == 1 {
		p.Prompt = openai.CompletionNewParamsPromptUnion{OfString: openai.String(prompts[0])}
	} else {
		p.Prompt = openai.CompletionNewParamsPromptUnion{OfArrayOfStrings: prompts}
	}
	return p
}

func TestCompletion(t *testing.T) {
	h := newHarness(t)
	h.srv.Enqueue(openaitest.Reply{Texts: []string{"Paris.", "Rome."}})
	resp, err := h.client.Completions.New(context.Background(), completion("Capital of France?", "Capital of Italy?"))
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Choices) != 2 || resp.Choices[1].Text != "Rome." {
		t.Fatalf("the caller got %+v", resp.Choices)
	}
	s := h.only(t)
	if s.Name() != "Completion" || s.Status().Code != codes.Ok {
		t.Errorf("span %q %v", s.Name(), s.Status())
	}
	spantest.Want(t, s, map[string]any{
		"openinference.span.kind":           "LLM",
		"input.value":                       string(h.srv.Requests()[0].Body),
		"llm.prompts.0.prompt.text":         "Capital of France?",
		"llm.prompts.1.prompt.text":         "Capital of Italy?",
		"llm.choices.0.completion.text":     "Paris.",
		"llm.choices.1.completion.text":     "Rome.",
		"llm.finish_reason":                 "stop",
		"llm.model_name":                    "gpt-3.5-turbo-instruct",
		"llm.token_count.prompt":            int(resp.Usage.PromptTokens),
		"llm.token_count.completion":        int(resp.Usage.CompletionTokens),
		"llm.input_messages.0.message.role": nil,
	})
	if p := spantest.String(s, "llm.invocation_parameters"); !spantest.SameJSON(t, p, `{"model":"gpt-3.5-turbo-instruct","max_tokens":20,"temperature":0}`) {
		t.Errorf("invocation parameters = %s", p)
	}
}

func TestCompletionStream(t *testing.T) {
	h := newHarness(t)
	h.srv.Enqueue(openaitest.Reply{Content: "Paris is the capital."})
	stream := h.client.Completions.NewStreaming(context.Background(), completion("Capital of France?"))
	var text strings.Builder
	for stream.Next() {
		if c := stream.Current(); len(c.Choices) > 0 {
			text.WriteString(c.Choices[0].Text)
		}
	}
	if err := stream.Err(); err != nil || text.String() != "Paris is the capital." {
		t.Fatalf("the caller read %q, %v", text.String(), err)
	}
	_ = stream.Close()
	s := h.only(t)
	if spantest.Events(s, firstToken) != 1 || s.Status().Code != codes.Ok {
		t.Errorf("status %v, events %v", s.Status(), eventNames(s.Events()))
	}
	spantest.Want(t, s, map[string]any{
		"llm.prompts.0.prompt.text":     "Capital of France?",
		"llm.choices.0.completion.text": "Paris is the capital.",
		"llm.finish_reason":             "stop",
	})
	var out openai.Completion
	if err := json.Unmarshal([]byte(spantest.String(s, "output.value")), &out); err != nil || out.Object != "text_completion" ||
		len(out.Choices) != 1 || out.Choices[0].Text != "Paris is the capital." {
		t.Errorf("output.value = %s (%v)", spantest.String(s, "output.value"), err)
	}
}

func TestCompletionMasking(t *testing.T) {
	const redacted = sessiontrace.RedactedValue
	h := newHarness(t, openaigo.WithTraceConfig(sessiontrace.TraceConfig{HidePrompts: true, HideChoices: true}))
	if _, err := h.client.Completions.New(context.Background(), completion("secret prompt")); err != nil {
		t.Fatal(err)
	}
	spantest.Want(t, h.only(t), map[string]any{
		"input.value":                   redacted,
		"output.value":                  redacted,
		"llm.prompts.0.prompt.text":     redacted,
		"llm.choices.0.completion.text": redacted,
	})
}
