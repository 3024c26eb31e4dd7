package oiattr

import (
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
		{"HideInputText is the encoder's", TraceConfig{HideInputText: true}, BodyMessages, body, true},
		{"HidePrompts", TraceConfig{HidePrompts: true}, BodyPrompts, RedactedValue, false},
		{"HideEmbeddingsText", TraceConfig{HideEmbeddingsText: true}, BodyEmbeddingText, RedactedValue, false},
		{"HideEmbeddingsText on chat", TraceConfig{HideEmbeddingsText: true}, BodyMessages, body, true},
		{"output flags do not hide input", TraceConfig{HideOutputs: true, HideChoices: true, HideOutputMessages: true}, BodyMessages | BodyPrompts, body, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := kvMap(InputBody(nil, body, tc.b, tc.c))
			checkBody(t, got, "input", tc.wantValue, tc.wantMime)
			if tc.c.HidesInputBody(tc.b) != (tc.wantValue == RedactedValue) {
				t.Error("HidesInputBody disagrees with InputBody")
			}
		})
	}
	if got := InputBody(nil, "", BodyMessages, TraceConfig{}); len(got) != 0 {
		t.Errorf("empty body: %v", got)
	}
	if got := kvMap(InputBody(nil, "", BodyMessages, TraceConfig{HideInputs: true})); got["input.value"] != RedactedValue {
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
		{"HideOutputText is the encoder's", TraceConfig{HideOutputText: true}, BodyMessages, body, true},
		{"HideChoices", TraceConfig{HideChoices: true}, BodyChoices, RedactedValue, false},
		{"HideEmbeddingVectors", TraceConfig{HideEmbeddingVectors: true}, BodyEmbeddingVectors, RedactedValue, false},
		{"input flags do not hide output", TraceConfig{HideInputs: true, HidePrompts: true, HideInputMessages: true}, BodyMessages | BodyChoices, body, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkBody(t, kvMap(OutputBody(nil, body, tc.b, tc.c)), "output", tc.wantValue, tc.wantMime)
			if tc.c.HidesOutputBody(tc.b) != (tc.wantValue == RedactedValue) {
				t.Error("HidesOutputBody disagrees with OutputBody")
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

func TestInputTextAndImages(t *testing.T) {
	long := "data:image/png;base64," + string(make([]byte, 100))
	for _, tc := range []struct {
		c                 TraceConfig
		in, out, url, img string
	}{
		{TraceConfig{}, "hi", "hi", long, long},
		{TraceConfig{HideInputText: true}, RedactedValue, "hi", long, long},
		{TraceConfig{HideOutputText: true}, "hi", RedactedValue, long, long},
		{TraceConfig{HideInputImages: true}, "hi", "hi", RedactedValue, RedactedValue},
		{TraceConfig{Base64ImageMaxLength: 50}, "hi", "hi", RedactedValue, "https://x/" + string(make([]byte, 100))},
	} {
		if got := tc.c.InputText("hi"); got != tc.in {
			t.Errorf("%+v InputText = %q", tc.c, got)
		}
		if got := tc.c.OutputText("hi"); got != tc.out {
			t.Errorf("%+v OutputText = %q", tc.c, got)
		}
		if got := tc.c.InputImageURL(long); got != tc.url {
			t.Errorf("%+v InputImageURL(data) = %q", tc.c, got)
		}
		link := "https://x/" + string(make([]byte, 100))
		if got := tc.c.InputImageURL(link); got != tc.img && !(tc.img == long && got == link) {
			t.Errorf("%+v InputImageURL(link) = %q", tc.c, got)
		}
	}
	all := TraceConfig{HideInputText: true, HideOutputText: true}
	if all.InputText("") != "" || all.OutputText("") != "" {
		t.Error("empty text became redacted")
	}
}

func TestEmbeddingInvocationParametersAndFinishReason(t *testing.T) {
	got := kvMap(EmbeddingInvocationParameters(nil, `{"model":"m"}`, TraceConfig{}))
	if got["embedding.invocation_parameters"] != `{"model":"m"}` {
		t.Errorf("%v", got)
	}
	if n := len(EmbeddingInvocationParameters(nil, `{}`, TraceConfig{HideLLMInvocationParameters: true})); n != 0 {
		t.Error("HideLLMInvocationParameters kept embedding parameters")
	}
	if n := len(EmbeddingInvocationParameters(nil, "", TraceConfig{})); n != 0 {
		t.Error("empty parameters recorded")
	}
	if got := kvMap(FinishReason(nil, "stop")); got["llm.finish_reason"] != "stop" {
		t.Errorf("%v", got)
	}
	if n := len(FinishReason(nil, "")); n != 0 {
		t.Error("empty finish reason recorded")
	}
}
