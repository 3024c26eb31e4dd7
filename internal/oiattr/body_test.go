package oiattr

import (
	"reflect"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
)

func TestInputBody(t *testing.T) {
	const body = `{"model":"m"}`
	for _, tc := range []struct {
		name      string
		c         TraceConfig
		b         Body
		wantValue string // "" means no attribute at all
		wantMime  bool
	}{
		{"shown", TraceConfig{}, BodyMessages, body, true},
		{"HideInputs", TraceConfig{HideInputs: true}, BodyMessages, RedactedValue, false},
		{"HideInputMessages", TraceConfig{HideInputMessages: true}, BodyMessages, RedactedValue, false},
		{"HideInputMessages without messages", TraceConfig{HideInputMessages: true}, BodyPrompts, body, true},
		{"HideInputText masks inside", TraceConfig{HideInputText: true}, BodyMessages, body, true},
		{"HidePrompts", TraceConfig{HidePrompts: true}, BodyPrompts, RedactedValue, false},
		{"HideEmbeddingsText", TraceConfig{HideEmbeddingsText: true}, BodyEmbeddingText, RedactedValue, false},
		{"HideEmbeddingsText on chat", TraceConfig{HideEmbeddingsText: true}, BodyMessages, body, true},
		{"output flags do not hide input", TraceConfig{HideOutputs: true, HideChoices: true, HideOutputMessages: true}, BodyMessages | BodyPrompts, body, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := kvMap(inputBody(nil, body, tc.b, tc.c))
			checkBody(t, got, "input", tc.wantValue, tc.wantMime)
			if tc.c.HidesInputBody(tc.b) != (tc.wantValue == RedactedValue) {
				t.Error("HidesInputBody disagrees with inputBody")
			}
		})
	}
	if got := inputBody(nil, "", BodyMessages, TraceConfig{}); len(got) != 0 {
		t.Errorf("empty body: %v", got)
	}
	if got := kvMap(inputBody(nil, "", BodyMessages, TraceConfig{HideInputs: true})); got["input.value"] != RedactedValue {
		t.Errorf("empty hidden body: %v", got)
	}
}

func TestOutputBody(t *testing.T) {
	const body = `{"id":"x"}`
	for _, tc := range []struct {
		name      string
		c         TraceConfig
		b         Body
		wantValue string
		wantMime  bool
	}{
		{"shown", TraceConfig{}, BodyMessages, body, true},
		{"HideOutputs", TraceConfig{HideOutputs: true}, BodyChoices, RedactedValue, false},
		{"HideOutputMessages", TraceConfig{HideOutputMessages: true}, BodyMessages, RedactedValue, false},
		{"HideOutputText masks inside", TraceConfig{HideOutputText: true}, BodyMessages, body, true},
		{"HideChoices", TraceConfig{HideChoices: true}, BodyChoices, RedactedValue, false},
		{"HideEmbeddingVectors", TraceConfig{HideEmbeddingVectors: true}, BodyEmbeddingVectors, RedactedValue, false},
		{"input flags do not hide output", TraceConfig{HideInputs: true, HidePrompts: true, HideInputMessages: true}, BodyMessages | BodyChoices, body, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkBody(t, kvMap(outputBody(nil, body, tc.b, tc.c)), "output", tc.wantValue, tc.wantMime)
			if tc.c.HidesOutputBody(tc.b) != (tc.wantValue == RedactedValue) {
				t.Error("HidesOutputBody disagrees with outputBody")
			}
		})
	}
}

func kvMap(kvs []attribute.KeyValue) map[string]any {
	m := make(map[string]any, len(kvs))
	for _, kv := range kvs {
		m[string(kv.Key)] = kv.Value.AsInterface()
	}
	return m
}

func checkBody(t *testing.T, got map[string]any, side, value string, mime bool) {
	t.Helper()
	if got[side+".value"] != value {
		t.Errorf("%s.value = %v, want %q", side, got[side+".value"], value)
	}
	if _, ok := got[side+".mime_type"]; ok != mime {
		t.Errorf("%s.mime_type present %v, want %v (%v)", side, ok, mime, got)
	} else if mime && got[side+".mime_type"] != "application/json" {
		t.Errorf("mime %v", got[side+".mime_type"])
	}
}

// A body under a flag that hides text inside it stays JSON and loses the
// text; one that is not JSON is redacted whole, mime type included.
func TestBodyMaskedInside(t *testing.T) {
	const chat = `{"model":"m","messages":[{"role":"user","content":"secret"}]}`
	got := kvMap(inputBody(nil, chat, BodyMessages, TraceConfig{HideInputText: true}))
	checkBody(t, got, "input", `{"messages":[{"content":"__REDACTED__","role":"user"}],"model":"m"}`, true)
	for _, side := range []string{"input", "output"} {
		c := TraceConfig{HideInputText: true, HideOutputText: true}
		f := inputBody
		if side == "output" {
			f = outputBody
		}
		checkBody(t, kvMap(f(nil, "not json: secret", BodyMessages, c)), side, RedactedValue, false)
		checkBody(t, kvMap(f(nil, "not json: but nothing to hide", BodyMessages, TraceConfig{})), side, "not json: but nothing to hide", true)
	}
}

func TestCallAttributes(t *testing.T) {
	temp := 0.5
	call := Call{
		Kind: "EMBEDDING", Provider: "openai", RequestModel: "emb", ResponseModel: "emb-2",
		InvocationParameters: `{"model":"emb"}`, StatusCode: 429,
		EmbeddingTexts: []string{"a", ""}, EmbeddingVectors: [][]float32{nil, {1}},
		Usage: Usage{Known: true, Prompt: 3}, FinishReasons: []string{"", "length"},
		Operation: OperationEmbeddings, Session: "s1", Temperature: &temp, MaxTokens: 7,
	}
	start := kvMap(call.StartAttributes())
	if len(start) != 2 || start["openinference.span.kind"] != "EMBEDDING" || start["llm.provider"] != "openai" {
		t.Errorf("start %v", start)
	}
	got := kvMap(call.Attributes(TraceConfig{EnableGenAISemconv: true}))
	want := map[string]any{
		"embedding.model_name":                    "emb-2",
		"embedding.invocation_parameters":         `{"model":"emb"}`,
		"embedding.embeddings.0.embedding.text":   "a",
		"embedding.embeddings.1.embedding.vector": []float64{1},
		"llm.token_count.prompt":                  int64(3),
		"llm.token_count.completion":              int64(0),
		"llm.token_count.total":                   int64(3),
		"http.response.status_code":               int64(429),
		"gen_ai.operation.name":                   "embeddings",
		"gen_ai.provider.name":                    "openai",
		"gen_ai.request.model":                    "emb",
		"gen_ai.response.model":                   "emb-2",
		"gen_ai.conversation.id":                  "s1",
		"gen_ai.response.finish_reasons":          []string{"length"},
		"gen_ai.usage.input_tokens":               int64(3),
		"gen_ai.usage.output_tokens":              int64(0),
		"gen_ai.request.temperature":              0.5,
		"gen_ai.request.max_tokens":               int64(7),
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %v\nwant %v", got, want)
	}
	if _, ok := kvMap(call.Attributes(TraceConfig{HideLLMInvocationParameters: true}))["embedding.invocation_parameters"]; ok {
		t.Error("HideLLMInvocationParameters kept embedding parameters")
	}
}

// The SDK keeps the first attributes when a span has too many: the answer
// and the token counts come before the input messages and the tools.
func TestCallAttributeOrder(t *testing.T) {
	call := sampleCall()
	var keys []string
	for _, kv := range call.Attributes(TraceConfig{}) {
		keys = append(keys, string(kv.Key))
	}
	pos := func(k string) int {
		for i, key := range keys {
			if key == k {
				return i
			}
		}
		t.Fatalf("%s missing from %v", k, keys)
		return -1
	}
	for _, late := range []string{"llm.tools.0.tool.json_schema", "llm.input_messages.0.message.role", "llm.prompts.0.prompt.text"} {
		for _, early := range []string{"input.value", "output.value", "llm.output_messages.0.message.content", "llm.token_count.total", "llm.model_name"} {
			if pos(early) > pos(late) {
				t.Errorf("%s comes after %s", early, late)
			}
		}
	}
	if last := keys[len(keys)-1]; !strings.HasPrefix(last, "llm.input_messages.") {
		t.Errorf("last attribute %s", last)
	}
}
