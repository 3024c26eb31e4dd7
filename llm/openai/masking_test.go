package openai_test

import (
	"context"
	"strings"
	"testing"

	"github.com/sashabaranov/go-openai"

	"github.com/sessiontrace/sessiontrace"
	"github.com/sessiontrace/sessiontrace/internal/spantest"
	oiopenai "github.com/sessiontrace/sessiontrace/llm/openai"
)

const redacted = sessiontrace.RedactedValue

// wantTexts checks that value, the attribute key, holds every text of has
// and none of hasNot.
func wantTexts(t *testing.T, key, value string, has, hasNot []string) {
	t.Helper()
	for _, s := range has {
		if !strings.Contains(value, s) {
			t.Errorf("%s lacks %q: %s", key, s, value)
		}
	}
	for _, s := range hasNot {
		if strings.Contains(value, s) {
			t.Errorf("%s has %q: %s", key, s, value)
		}
	}
}

// Each masking flag on a chat span. absent: the key must not be there;
// present: it must be; value: exact values. contains / excludes look into
// input.value.
func TestChatMasking(t *testing.T) {
	const (
		in0   = "llm.input_messages.0.message."
		part  = "llm.input_messages.1.message.contents."
		out0  = "llm.output_messages.0.message."
		small = "data:image/png;base64,iVBORw0KGgo="
	)
	req := openai.ChatCompletionRequest{
		Model: "gpt-4o",
		Messages: []openai.ChatCompletionMessage{
			{Role: "system", Content: "Be kind."},
			{Role: "user", MultiContent: []openai.ChatMessagePart{
				{Type: "text", Text: "Describe"},
				{Type: "image_url", ImageURL: &openai.ChatMessageImageURL{URL: small}},
			}},
		},
		Tools:       []openai.Tool{weatherTool},
		Temperature: 0.3,
	}
	for _, tc := range []struct {
		name     string
		set      func(*sessiontrace.TraceConfig)
		value    map[string]any
		contains []string // in input.value
		excludes []string
	}{
		{"none", func(*sessiontrace.TraceConfig) {}, map[string]any{
			in0 + "content": "Be kind.", part + "0.message_content.text": "Describe",
			part + "1.message_content.image.image.url": small, out0 + "content": "You said: Describe",
			"input.mime_type": "application/json", "output.mime_type": "application/json",
		}, []string{small, "Be kind.", "get_weather"}, nil},
		{"HideInputs", func(c *sessiontrace.TraceConfig) { c.HideInputs = true }, map[string]any{
			"input.value": redacted, "input.mime_type": nil, in0 + "role": nil, "llm.tools.0.tool.json_schema": nil,
			out0 + "content": "You said: Describe", "llm.model_name": "gpt-4o", "llm.token_count.total": 6,
		}, nil, nil},
		{"HideOutputs", func(c *sessiontrace.TraceConfig) { c.HideOutputs = true }, map[string]any{
			"output.value": redacted, "output.mime_type": nil, out0 + "role": nil, in0 + "content": "Be kind.",
		}, []string{"Be kind."}, nil},
		{"HideInputMessages", func(c *sessiontrace.TraceConfig) { c.HideInputMessages = true }, map[string]any{
			in0 + "role": nil, "input.value": redacted, "input.mime_type": nil, out0 + "content": "You said: Describe",
		}, nil, nil},
		{"HideOutputMessages", func(c *sessiontrace.TraceConfig) { c.HideOutputMessages = true }, map[string]any{
			out0 + "role": nil, "output.value": redacted, in0 + "content": "Be kind.",
		}, []string{"Be kind."}, nil},
		{"HideInputImages", func(c *sessiontrace.TraceConfig) { c.HideInputImages = true }, map[string]any{
			part + "0.message_content.text": "Describe", part + "1.message_content.type": nil,
			part + "1.message_content.image.image.url": nil,
		}, []string{"Describe", `"url":"__REDACTED__"`}, []string{small}},
		{"HideInputText", func(c *sessiontrace.TraceConfig) { c.HideInputText = true }, map[string]any{
			in0 + "content": redacted, in0 + "role": "system", part + "0.message_content.text": redacted,
			part + "1.message_content.image.image.url": small, out0 + "content": "You said: Describe",
			"input.mime_type": "application/json",
		}, []string{`"content":"__REDACTED__"`, `"text":"__REDACTED__"`, small, `"temperature":0.3`}, []string{"Be kind.", "Describe"}},
		{"HideOutputText", func(c *sessiontrace.TraceConfig) { c.HideOutputText = true }, map[string]any{
			out0 + "content": redacted, out0 + "role": "assistant", in0 + "content": "Be kind.",
			"output.mime_type": "application/json",
		}, []string{"Be kind."}, nil},
		{"HideLLMInvocationParameters", func(c *sessiontrace.TraceConfig) { c.HideLLMInvocationParameters = true }, map[string]any{
			"llm.invocation_parameters": nil, "input.mime_type": "application/json",
		}, []string{`"temperature":0.3`}, nil},
		{"HideLLMTools", func(c *sessiontrace.TraceConfig) { c.HideLLMTools = true }, map[string]any{
			"llm.tools.0.tool.json_schema": nil, in0 + "content": "Be kind.",
		}, []string{"get_weather"}, nil},
		{"Base64ImageMaxLength", func(c *sessiontrace.TraceConfig) { c.Base64ImageMaxLength = 10 }, map[string]any{
			part + "1.message_content.image.image.url": redacted,
		}, []string{`"url":"__REDACTED__"`}, []string{small}},
		{"HidePrompts has no effect on chat", func(c *sessiontrace.TraceConfig) { c.HidePrompts, c.HideChoices = true, true }, map[string]any{
			in0 + "content": "Be kind.", out0 + "content": "You said: Describe",
		}, []string{"Be kind."}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			cfg := sessiontrace.DefaultTraceConfig()
			tc.set(&cfg)
			c := wrapWith(h, cfg)
			if _, err := c.CreateChatCompletion(context.Background(), req); err != nil {
				t.Fatal(err)
			}
			aSpan := h.only(t)
			a := spantest.Attrs(aSpan)
			spantest.Want(t, aSpan, tc.value)
			if _, ok := tc.value["llm.invocation_parameters"]; !ok {
				if _, ok := a["llm.invocation_parameters"]; !ok {
					t.Error("llm.invocation_parameters missing")
				}
			}
			if tc.name == "HideOutputText" {
				out := a["output.value"].AsString()
				if strings.Contains(out, "Describe") || !strings.Contains(out, `"content":"__REDACTED__"`) || !strings.Contains(out, `"model":"gpt-4o"`) {
					t.Errorf("output.value %s", out)
				}
			}
			wantTexts(t, "input.value", a["input.value"].AsString(), tc.contains, tc.excludes)
		})
	}
}

func TestCompletionMasking(t *testing.T) {
	req := openai.CompletionRequest{Model: "gpt-3.5-turbo-instruct", Prompt: "secret prompt"}
	for _, tc := range []struct {
		name  string
		set   func(*sessiontrace.TraceConfig)
		value map[string]any
	}{
		{"HidePrompts", func(c *sessiontrace.TraceConfig) { c.HidePrompts = true }, map[string]any{
			"llm.prompts.0.prompt.text": redacted, "input.value": redacted,
			"llm.choices.0.completion.text": "You said: secret prompt",
		}},
		{"HideChoices", func(c *sessiontrace.TraceConfig) { c.HideChoices = true }, map[string]any{
			"llm.choices.0.completion.text": redacted, "output.value": redacted,
			"llm.prompts.0.prompt.text": "secret prompt",
		}},
		{"HideInputs", func(c *sessiontrace.TraceConfig) { c.HideInputs = true }, map[string]any{
			"llm.prompts.0.prompt.text": nil, "input.value": redacted,
		}},
		{"HideOutputs", func(c *sessiontrace.TraceConfig) { c.HideOutputs = true }, map[string]any{
			"llm.choices.0.completion.text": nil, "output.value": redacted,
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			cfg := sessiontrace.DefaultTraceConfig()
			tc.set(&cfg)
			if _, err := wrapWith(h, cfg).CreateCompletion(context.Background(), req); err != nil {
				t.Fatal(err)
			}
			spantest.Want(t, h.only(t), tc.value)
		})
	}
}

func TestEmbeddingsMasking(t *testing.T) {
	req := openai.EmbeddingRequestStrings{Model: "text-embedding-3-small", Input: []string{"private text"}}
	const e0 = "embedding.embeddings.0.embedding."
	for _, tc := range []struct {
		name  string
		set   func(*sessiontrace.TraceConfig)
		value map[string]any
	}{
		{"HideEmbeddingVectors", func(c *sessiontrace.TraceConfig) { c.HideEmbeddingVectors = true }, map[string]any{
			e0 + "vector": redacted, e0 + "text": "private text", "output.value": redacted, "output.mime_type": nil,
		}},
		{"HideEmbeddingsText", func(c *sessiontrace.TraceConfig) { c.HideEmbeddingsText = true }, map[string]any{
			e0 + "text": redacted, "input.value": redacted, "input.mime_type": nil,
		}},
		{"HideLLMInvocationParameters", func(c *sessiontrace.TraceConfig) { c.HideLLMInvocationParameters = true }, map[string]any{
			"embedding.invocation_parameters": nil,
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			cfg := sessiontrace.DefaultTraceConfig()
			tc.set(&cfg)
			if _, err := wrapWith(h, cfg).CreateEmbeddings(context.Background(), req); err != nil {
				t.Fatal(err)
			}
			spantest.Want(t, h.only(t), tc.value)
		})
	}
}

// Without WithTraceConfig the environment decides, read when wrapping;
// WithTraceConfig replaces it.
func TestTraceConfigFromEnvironment(t *testing.T) {
	t.Setenv("OPENINFERENCE_HIDE_INPUTS", "true")
	h := newHarness(t)
	fromEnv := oiopenai.Wrap(h.srv.Client(), oiopenai.WithTracerProvider(h.tp))
	t.Setenv("OPENINFERENCE_HIDE_INPUTS", "false") // too late for fromEnv
	explicit := oiopenai.Wrap(h.srv.Client(), oiopenai.WithTracerProvider(h.tp), oiopenai.WithTraceConfig(sessiontrace.TraceConfig{}))
	for _, c := range []*oiopenai.Client{fromEnv, explicit} {
		if _, err := c.CreateChatCompletion(context.Background(), userRequest("hi")); err != nil {
			t.Fatal(err)
		}
	}
	spans := h.rec.Ended()
	spantest.Want(t, spans[0], map[string]any{"input.value": redacted})
	if v := spantest.Attrs(spans[1])["input.value"].AsString(); v == redacted {
		t.Error("WithTraceConfig did not replace the environment")
	}
}
