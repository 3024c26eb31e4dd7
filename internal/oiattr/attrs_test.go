package oiattr

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"
)

var bigImage = "data:image/png;base64," + strings.Repeat("A", 40000)

var sampleInput = []Message{
	{Role: "system", Content: "be brief"},
	{Role: "user", Parts: []Part{
		{Type: PartText, Text: "what is this?"},
		{Type: PartImage, ImageURL: "https://example.test/cat.png"},
		{Type: PartImage, ImageURL: bigImage},
		{Type: PartText, Text: "and this?"},
	}},
	{Role: "assistant", ToolCalls: []ToolCall{{ID: "call_1", Name: "lookup", Arguments: `{"q":"cat"}`}}},
	{Role: "tool", ToolCallID: "call_1", Content: "a cat", Name: "lookup"},
}

var sampleOutput = []Message{{Role: "assistant", Content: "It is a cat."}}

// everything builds the attributes of a call that has every field, as a
// wrapper would, with the start attributes first.
func everything(c TraceConfig) map[string]any {
	call := sampleCall()
	a := append(call.StartAttributes(), call.Attributes(c)...)
	m := make(map[string]any, len(a))
	for _, kv := range a {
		if _, dup := m[string(kv.Key)]; dup {
			panic("duplicate key " + kv.Key)
		}
		m[string(kv.Key)] = kv.Value.AsInterface()
	}
	return m
}

func sampleCall() Call {
	return Call{
		Kind: "LLM", System: "openai", Provider: "openai",
		RequestModel: "gpt-x",
		Input:        `{"messages":[]}`, InputBody: BodyMessages,
		Output: `{"choices":[]}`, OutputBody: BodyMessages,
		InputMessages:        sampleInput,
		OutputMessages:       sampleOutput,
		Tools:                []string{`{"type":"function"}`},
		InvocationParameters: `{"temperature":0.2}`,
		Usage:                Usage{Known: true, Prompt: 10, Completion: 5, CacheRead: 2, CompletionReasoning: 1},
		FinishReasons:        []string{"stop"},
		Prompts:              []string{"complete me"},
		Choices:              []string{"done"},
		EmbeddingTexts:       []string{"embed me"},
		EmbeddingVectors:     [][]float32{{0.5, 0.25}},
	}
}

func TestEverythingUnmasked(t *testing.T) {
	got := everything(TraceConfig{})
	want := map[string]any{
		"openinference.span.kind": "LLM",
		"llm.system":              "openai",
		"llm.provider":            "openai",
		"llm.model_name":          "gpt-x",
		"input.value":             `{"messages":[]}`,
		"input.mime_type":         "application/json",
		"output.value":            `{"choices":[]}`,
		"output.mime_type":        "application/json",

		"llm.input_messages.0.message.role":                                       "system",
		"llm.input_messages.0.message.content":                                    "be brief",
		"llm.input_messages.1.message.role":                                       "user",
		"llm.input_messages.1.message.contents.0.message_content.type":            "text",
		"llm.input_messages.1.message.contents.0.message_content.text":            "what is this?",
		"llm.input_messages.1.message.contents.1.message_content.type":            "image",
		"llm.input_messages.1.message.contents.1.message_content.image.image.url": "https://example.test/cat.png",
		"llm.input_messages.1.message.contents.2.message_content.type":            "image",
		"llm.input_messages.1.message.contents.2.message_content.image.image.url": RedactedValue, // over the 32000 default
		"llm.input_messages.1.message.contents.3.message_content.type":            "text",
		"llm.input_messages.1.message.contents.3.message_content.text":            "and this?",
		"llm.input_messages.2.message.role":                                       "assistant",
		"llm.input_messages.2.message.tool_calls.0.tool_call.id":                  "call_1",
		"llm.input_messages.2.message.tool_calls.0.tool_call.function.name":       "lookup",
		"llm.input_messages.2.message.tool_calls.0.tool_call.function.arguments":  `{"q":"cat"}`,
		"llm.input_messages.3.message.role":                                       "tool",
		"llm.input_messages.3.message.content":                                    "a cat",
		"llm.input_messages.3.message.name":                                       "lookup",
		"llm.input_messages.3.message.tool_call_id":                               "call_1",
		"llm.output_messages.0.message.role":                                      "assistant",
		"llm.output_messages.0.message.content":                                   "It is a cat.",
		"llm.tools.0.tool.json_schema":                                            `{"type":"function"}`,
		"llm.invocation_parameters":                                               `{"temperature":0.2}`,
		"llm.finish_reason":                                                       "stop",
		"llm.token_count.prompt":                                                  int64(10),
		"llm.token_count.completion":                                              int64(5),
		"llm.token_count.total":                                                   int64(15),
		"llm.token_count.prompt_details.cache_read":                               int64(2),
		"llm.token_count.completion_details.reasoning":                            int64(1),
		"llm.prompts.0.prompt.text":                                               "complete me",
		"llm.choices.0.completion.text":                                           "done",
		"embedding.embeddings.0.embedding.text":                                   "embed me",
		"embedding.embeddings.0.embedding.vector":                                 []float64{0.5, 0.25},
	}
	if !reflect.DeepEqual(got, want) {
		for k, v := range want {
			if !reflect.DeepEqual(got[k], v) {
				t.Errorf("%s = %#v, want %#v", k, got[k], v)
			}
		}
		for k, v := range got {
			if _, ok := want[k]; !ok {
				t.Errorf("unexpected %s = %#v", k, v)
			}
		}
	}
}

// Each flag of the masking table, checked as a difference against the
// unmasked attributes: which keys disappear, which become __REDACTED__, and
// that nothing else changes.
func TestMaskingTable(t *testing.T) {
	base := everything(TraceConfig{})
	keys := func(prefix ...string) func(string) bool {
		return func(k string) bool {
			for _, p := range prefix {
				if strings.HasPrefix(k, p) {
					return true
				}
			}
			return false
		}
	}
	none := func(string) bool { return false }
	textOf := func(family string) func(string) bool {
		return func(k string) bool {
			return strings.HasPrefix(k, family) &&
				(strings.HasSuffix(k, ".message.content") || strings.HasSuffix(k, ".message_content.text"))
		}
	}
	cases := []struct {
		name              string
		cfg               TraceConfig
		dropped, redacted func(string) bool
	}{
		{"HideInputs", TraceConfig{HideInputs: true},
			keys("input.mime_type", "llm.input_messages.", "llm.prompts.", "llm.tools."), keys("input.value")},
		{"HideOutputs", TraceConfig{HideOutputs: true},
			keys("output.mime_type", "llm.output_messages.", "llm.choices."), keys("output.value")},
		{"HideInputMessages", TraceConfig{HideInputMessages: true}, keys("llm.input_messages.", "input.mime_type"), keys("input.value")},
		{"HideOutputMessages", TraceConfig{HideOutputMessages: true}, keys("llm.output_messages.", "output.mime_type"), keys("output.value")},
		{"HideInputText", TraceConfig{HideInputText: true}, none, textOf("llm.input_messages.")},
		{"HideOutputText", TraceConfig{HideOutputText: true}, none, textOf("llm.output_messages.")},
		{"HideLLMInvocationParameters", TraceConfig{HideLLMInvocationParameters: true}, keys("llm.invocation_parameters"), none},
		{"HideLLMTools", TraceConfig{HideLLMTools: true}, keys("llm.tools."), none},
		{"HidePrompts", TraceConfig{HidePrompts: true}, none, keys("llm.prompts.")},
		{"HideChoices", TraceConfig{HideChoices: true}, none, keys("llm.choices.")},
		{"HideEmbeddingVectors", TraceConfig{HideEmbeddingVectors: true}, none, keys("embedding.embeddings.0.embedding.vector")},
		{"HideEmbeddingsText", TraceConfig{HideEmbeddingsText: true}, none, keys("embedding.embeddings.0.embedding.text")},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := everything(c.cfg)
			for k, v := range base {
				g, present := got[k]
				switch {
				case c.dropped(k):
					if present {
						t.Errorf("%s should be dropped, is %v", k, g)
					}
				case c.redacted(k):
					if g != RedactedValue {
						t.Errorf("%s should be %s, is %v", k, RedactedValue, g)
					}
				case !reflect.DeepEqual(g, v):
					t.Errorf("%s changed: %v -> %v", k, v, g)
				}
			}
			if len(got) > len(base) {
				t.Errorf("masking added keys")
			}
		})
	}
}

func TestHideInputImagesKeepsPartsDense(t *testing.T) {
	got := everything(TraceConfig{HideInputImages: true})
	want := map[string]any{
		"llm.input_messages.1.message.contents.0.message_content.text": "what is this?",
		"llm.input_messages.1.message.contents.1.message_content.type": "text",
		"llm.input_messages.1.message.contents.1.message_content.text": "and this?",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
	for k, v := range got {
		if strings.Contains(k, "image") || v == "image" {
			t.Errorf("image part left: %s = %v", k, v)
		}
	}
}

func TestBase64ImageLimit(t *testing.T) {
	small := "data:image/jpeg;base64," + strings.Repeat("B", 50)
	for _, c := range []struct {
		limit int
		url   string
		want  string
	}{
		{0, small, small},
		{10, small, RedactedValue},
		{10, "https://example.test/" + strings.Repeat("x", 100), "https://example.test/" + strings.Repeat("x", 100)},
		{40000, bigImage, RedactedValue},
		{50000, bigImage, bigImage},
	} {
		a := inputMessages(nil, []Message{{Role: "user", Parts: []Part{{Type: PartImage, ImageURL: c.url}}}}, TraceConfig{Base64ImageMaxLength: c.limit})
		if got := a[2].Value.AsString(); got != c.want {
			t.Errorf("limit %d, url of %d bytes: got %.40q", c.limit, len(c.url), got)
		}
	}
}

func TestTurnValues(t *testing.T) {
	if TurnInput("", TraceConfig{}) != nil || TurnOutput("", TraceConfig{HideOutputs: true}) != nil {
		t.Error("empty text must give no attributes")
	}
	in := TurnInput("hi", TraceConfig{HideInputs: true, HideInputText: true})
	if len(in) != 1 || in[0].Value.AsString() != RedactedValue {
		t.Errorf("HideInputs turn input = %v", in)
	}
	out := TurnOutput("bye", TraceConfig{HideOutputText: true})
	if len(out) != 2 || out[0].Value.AsString() != RedactedValue || out[1].Value.AsString() != "text/plain" {
		t.Errorf("HideOutputText turn output = %v", out)
	}
}

func TestTokenCounts(t *testing.T) {
	if got := tokenCounts(nil, Usage{}); got != nil {
		t.Errorf("unknown usage gave %v", got)
	}
	got := tokenCounts(nil, Usage{Known: true})
	if len(got) != 3 {
		t.Errorf("known zero usage should record three zeros, got %v", got)
	}
}

func TestGenAI(t *testing.T) {
	g := GenAI{Operation: OperationChat, Provider: "openai", RequestModel: "m", ConversationID: "s1",
		FinishReasons: []string{"stop"}, Usage: Usage{Known: true, Prompt: 3, Completion: 4}}
	if got := GenAIAttributes(nil, g, TraceConfig{}); got != nil {
		t.Errorf("disabled GenAI gave %v", got)
	}
	got := map[string]any{}
	for _, kv := range GenAIAttributes(nil, g, TraceConfig{EnableGenAISemconv: true}) {
		got[string(kv.Key)] = kv.Value.AsInterface()
	}
	want := map[string]any{
		"gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai", "gen_ai.request.model": "m",
		"gen_ai.conversation.id": "s1", "gen_ai.response.finish_reasons": []string{"stop"},
		"gen_ai.usage.input_tokens": int64(3), "gen_ai.usage.output_tokens": int64(4),
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v\nwant %v", got, want)
	}
}

func TestLastUserText(t *testing.T) {
	if got := LastUserText(sampleInput); got != "what is this?\nand this?" {
		t.Errorf("got %q", got)
	}
	if LastUserText(nil) != "" {
		t.Error("no messages should give no text")
	}
}

// Keys are built for any index, however long the conversation.
func TestMessageKeysLargeIndex(t *testing.T) {
	msgs := make([]Message, 10002)
	for i := range msgs {
		msgs[i] = Message{Role: "user", Content: fmt.Sprint(i)}
	}
	a := inputMessages(nil, msgs, TraceConfig{})
	if last := a[len(a)-1]; string(last.Key) != "llm.input_messages.10001.message.content" || last.Value.AsString() != "10001" {
		t.Errorf("last = %s %s", last.Key, last.Value.String())
	}
}

func cyclic() map[string]any {
	m := map[string]any{"name": "loop"}
	m["self"] = m
	return m
}

func TestJSONSpecialFloats(t *testing.T) {
	got := JSON(map[string]any{"inf": math.Inf(1), "nan": math.NaN(), "n": 1.5})
	if got != `{"inf":"+Inf","n":1.5,"nan":"NaN"}` {
		t.Errorf("got %s", got)
	}
	if got := JSON(cyclic()); !strings.Contains(got, `"name":"loop"`) || !strings.Contains(got, "cyclic") {
		t.Errorf("cyclic map = %s", got)
	}
}

func TestJSON(t *testing.T) {
	if JSON(nil) != "" {
		t.Error("nil should give an empty string")
	}
	if got := JSON(map[string]any{"a": 1}); got != `{"a":1}` {
		t.Errorf("plain map = %s", got)
	}
	// Unencodable values are kept as text, encodable siblings as JSON, and
	// the result is always valid JSON.
	for _, in := range []any{
		map[string]any{"f": func() {}, "ok": true},
		map[string]any{"sub": map[string]any{"c": make(chan int), "x": 1}},
		make(chan int),
		cyclic(),
		map[string]any{"inf": math.Inf(1), "ninf": float32(math.Inf(-1)), "n": 1.5},
	} {
		got := JSON(in)
		var v any
		if err := json.Unmarshal([]byte(got), &v); err != nil {
			t.Errorf("JSON(%T) = %q is not JSON: %v", in, got, err)
		}
		if m, ok := v.(map[string]any); ok {
			if sub, ok := m["sub"].(map[string]any); ok && sub["x"] != float64(1) {
				t.Errorf("nested sibling lost: %v", sub)
			}
			if _, ok := in.(map[string]any)["ok"]; ok && m["ok"] != true {
				t.Errorf("sibling lost: %v", m)
			}
		}
	}
}
