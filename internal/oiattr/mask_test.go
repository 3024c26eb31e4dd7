package oiattr

import (
	"encoding/json"
	"strings"
	"testing"
)

// A request and a response as a server may send them: fields no client
// library knows, odd spacing, numbers that float64 would round.
const (
	wireRequest = `{ "model" : "gpt-4o", "temperature":0.30000000000000004, "seed": 12345678901234567890,
  "messages": [
    {"role":"system","content":"Be kind."},
    {"role":"user","content":[{"type":"text","text":"Describe <this>"},{"type":"image_url","image_url":{"url":"data:image/png;base64,AAAA","detail":"low"}},{"type":"input_audio","input_audio":{"data":"UklG"}}]},
    {"role":"assistant","content":null,"refusal":"no","reasoning_content":"because","tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{\"q\":1}"}}],"x_vendor":{"keep":true}}
  ],
  "prompt_cache_key":"k-1"}`
	wireResponse = `{"id":"chatcmpl-9","object":"chat.completion","created":1735689600,"model":"gpt-4o",
 "choices":[{"index":0,"message":{"role":"assistant","content":"Secret answer","refusal":null,"annotations":[]},"logprobs":{"content":[{"token":"S","logprob":-0.25}]},"finish_reason":"stop"}],
 "usage":{"prompt_tokens":9,"completion_tokens":2,"total_tokens":11},"service_tier":"default","x_extra":[1,2.50,3e2]}`
)

// decodeAt returns the value at path (keys and indices) of a JSON text.
func decodeAt(t *testing.T, body string, path ...any) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatalf("not JSON: %v: %s", err, body)
	}
	for _, p := range path {
		switch p := p.(type) {
		case string:
			v = v.(map[string]any)[p]
		case int:
			v = v.([]any)[p]
		}
	}
	return v
}

func TestMaskRequestBody(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  TraceConfig
		want map[string]any // JSON path, joined with "/", to value
		gone []string       // texts that must not survive
	}{
		{"HideInputText", TraceConfig{HideInputText: true}, map[string]any{
			"messages/0/content":                         RedactedValue,
			"messages/1/content/0/text":                  RedactedValue,
			"messages/1/content/1/image_url/url":         "data:image/png;base64,AAAA",
			"messages/2/refusal":                         RedactedValue,
			"messages/2/reasoning_content":               RedactedValue,
			"messages/2/content":                         nil,
			"messages/1/content/2/input_audio/data":      "UklG",
			"messages/2/tool_calls/0/function/arguments": `{"q":1}`,
		}, []string{"Be kind.", "Describe", "because"}},
		{"HideInputImages", TraceConfig{HideInputImages: true}, map[string]any{
			"messages/0/content":                    "Be kind.",
			"messages/1/content/0/text":             "Describe <this>",
			"messages/1/content/1/image_url/url":    RedactedValue,
			"messages/1/content/1/image_url/detail": "low",
		}, []string{"AAAA"}},
		{"Base64ImageMaxLength", TraceConfig{Base64ImageMaxLength: 10}, map[string]any{
			"messages/1/content/1/image_url/url": RedactedValue,
			"messages/0/content":                 "Be kind.",
		}, []string{"AAAA"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.cfg.inputRules().apply(wireRequest)
			for path, want := range tc.want {
				var p []any
				for _, s := range strings.Split(path, "/") {
					if n, err := json.Number(s).Int64(); err == nil {
						p = append(p, int(n))
					} else {
						p = append(p, s)
					}
				}
				if v := decodeAt(t, got, p...); v != want {
					t.Errorf("%s = %v, want %v", path, v, want)
				}
			}
			for _, s := range tc.gone {
				if strings.Contains(got, s) {
					t.Errorf("%q survived: %s", s, got)
				}
			}
			// The rest of the body is intact: unknown fields, numbers to
			// the last digit, text without HTML escaping.
			for _, keep := range []string{`"prompt_cache_key":"k-1"`, `"seed":12345678901234567890`, `"temperature":0.30000000000000004`, `"x_vendor":{"keep":true}`} {
				if !strings.Contains(got, keep) {
					t.Errorf("lost %s: %s", keep, got)
				}
			}
		})
	}
}

func TestMaskResponseBody(t *testing.T) {
	got := TraceConfig{HideOutputText: true}.outputRules().apply(wireResponse)
	if strings.Contains(got, "Secret") {
		t.Errorf("answer survived: %s", got)
	}
	if v := decodeAt(t, got, "choices", 0, "message", "content"); v != RedactedValue {
		t.Errorf("content = %v", v)
	}
	if v := decodeAt(t, got, "choices", 0, "message", "refusal"); v != nil {
		t.Errorf("null refusal became %v", v)
	}
	for _, keep := range []string{`"logprobs":{"content":[{"token":"S","logprob":-0.25}]}`, `"x_extra":[1,2.50,3e2]`, `"service_tier":"default"`, `"annotations":[]`} {
		if !strings.Contains(got, keep) {
			t.Errorf("lost %s: %s", keep, got)
		}
	}
	// Input flags leave a response alone, byte for byte.
	in := TraceConfig{HideInputText: true, HideInputImages: true}
	if got := in.outputRules().apply(wireResponse); got != wireResponse {
		t.Errorf("input flags changed the response: %s", got)
	}
}

// What cannot be masked is not shown.
func TestMaskOddBodies(t *testing.T) {
	hide := TraceConfig{HideInputText: true}.inputRules()
	for _, tc := range []struct{ in, want string }{
		{`not json "secret"`, RedactedValue},
		{`["secret"]`, RedactedValue},
		{`"secret"`, RedactedValue},
		{`{"messages":"secret"}`, `{"messages":"__REDACTED__"}`},
		{`{"messages":["secret"]}`, `{"messages":["__REDACTED__"]}`},
		{`{"messages":[{"content":{"text":"secret"}}]}`, `{"messages":[{"content":"__REDACTED__"}]}`},
		{`{"messages":[{"content":["secret"]}]}`, `{"messages":[{"content":["__REDACTED__"]}]}`},
		{`{"messages":[{"content":42}]}`, `{"messages":[{"content":"__REDACTED__"}]}`},
		{`{"messages":null,"choices":[{"message":null}]}`, `{"messages":null,"choices":[{"message":null}]}`},
		{`{"messages":[{"role":"user","content":""}]}`, `{"messages":[{"role":"user","content":""}]}`},
		{`{"model":"m"}`, `{"model":"m"}`},
	} {
		if got := hide.apply(tc.in); got != tc.want {
			t.Errorf("%s: got %s, want %s", tc.in, got, tc.want)
		}
	}
	// Without a flag that masks inside, nothing is decoded: any body as is.
	if got := (TraceConfig{}).inputRules().apply("not json"); got != "not json" {
		t.Errorf("unmasked body changed: %s", got)
	}
}

// FuzzMaskBody: masking never panics, keeps a JSON object JSON, and leaves
// none of the text it hides.
func FuzzMaskBody(f *testing.F) {
	f.Add(wireRequest, "secret text", true, false)
	f.Add(wireResponse, "answer", false, true)
	f.Add(`{"messages":[{"content":[{"text":"x","image_url":"y"}]}]}`, "\u2028<&>", true, true)
	f.Add(`{"messages":[1,{"content":{}}],"choices":[[]]}`, `"quoted" \ back`, true, false)
	f.Add(`{"instructions":"i","input":[{"content":[{"type":"input_text","text":"t"}]},{"type":"function_call_output","output":"o"}],"output":[{"summary":[{"text":"s"}]}]}`, "x", true, true)
	f.Fuzz(func(t *testing.T, body, text string, hideText, hideImages bool) {
		r := textRules{hideText: hideText, hideImages: hideImages, imageMax: 16}
		got := r.apply(body)
		if json.Valid([]byte(body)) && strings.HasPrefix(strings.TrimLeft(body, " \t\r\n"), "{") && !json.Valid([]byte(got)) {
			t.Fatalf("masked a JSON object into invalid JSON:\n in %s\nout %s", body, got)
		}

		// The same text in every place a body may carry it.
		msg := map[string]any{"role": "user", "content": text, "refusal": text, "reasoning_content": text}
		parts := map[string]any{"role": "user", "content": []any{
			map[string]any{"type": "text", "text": text},
			map[string]any{"type": "image_url", "image_url": map[string]any{"url": text}},
		}}
		b, err := json.Marshal(map[string]any{
			"messages": []any{msg, parts},
			"choices":  []any{map[string]any{"message": msg}},
		})
		if err != nil {
			t.Skip()
		}
		got = textRules{hideText: true, hideImages: true, imageMax: 16}.apply(string(b))
		var v struct {
			Messages []struct{ Content any } `json:"messages"`
			Choices  []struct {
				Message struct {
					Content          any `json:"content"`
					Refusal          any `json:"refusal"`
					ReasoningContent any `json:"reasoning_content"`
				} `json:"message"`
			} `json:"choices"`
		}
		if err := json.Unmarshal([]byte(got), &v); err != nil {
			t.Fatalf("%v: %s", err, got)
		}
		hidden := func(x any) bool { return x == RedactedValue || text == "" && x == "" }
		m := v.Choices[0].Message
		if !hidden(v.Messages[0].Content) || !hidden(m.Content) || !hidden(m.Refusal) || !hidden(m.ReasoningContent) {
			t.Fatalf("text survived: %s", got)
		}
		for _, p := range v.Messages[1].Content.([]any) {
			p := p.(map[string]any)
			if t2, ok := p["text"]; ok && !hidden(t2) {
				t.Fatalf("part text survived: %s", got)
			}
			if u, ok := p["image_url"]; ok && u.(map[string]any)["url"] != RedactedValue {
				t.Fatalf("image survived: %s", got)
			}
		}
	})
}

// The Responses API's bodies: a request's instructions and input (a string
// or items), a response's output items, output_text and the instructions it
// echoes, which are input.
func TestMaskResponsesBodies(t *testing.T) {
	const request = `{"model":"gpt-4.1","instructions":"Secret rules","input":[
		{"role":"user","content":"Secret question"},
		{"type":"message","role":"user","content":[{"type":"input_text","text":"Secret part"},{"type":"input_image","image_url":"data:image/png;base64,AAAAAAAAAAAAAAAA","detail":"low"}]},
		{"type":"message","role":"assistant","content":[{"type":"output_text","text":"Secret earlier answer"},{"type":"refusal","refusal":"Secret refusal"}]},
		{"type":"function_call","call_id":"c1","name":"lookup","arguments":"{\"q\":1}"},
		{"type":"function_call_output","call_id":"c1","output":"Secret tool result"},
		{"type":"reasoning","id":"rs_1","summary":[{"type":"summary_text","text":"Secret thoughts"}]}],
		"tools":[{"type":"function","name":"lookup"}],"x_vendor":{"keep":true}}`
	const response = `{"id":"resp_1","object":"response","model":"gpt-4.1","instructions":"Secret rules","output_text":"Secret answer",
		"output":[{"type":"reasoning","summary":[{"type":"summary_text","text":"Secret thoughts"}]},
		{"type":"message","role":"assistant","content":[{"type":"output_text","text":"Secret answer","annotations":[]}]},
		{"type":"function_call","call_id":"c2","name":"lookup","arguments":"{\"q\":2}"}],
		"usage":{"input_tokens":9,"output_tokens":2,"total_tokens":11},"x_extra":[1,2.50]}`
	for _, tc := range []struct {
		name       string
		rules      textRules
		body       string
		gone, kept []string
	}{
		{"input text", TraceConfig{HideInputText: true}.inputRules(), request,
			[]string{"Secret"},
			[]string{`"arguments":"{\"q\":1}"`, "data:image/png;base64,AAAA", `"x_vendor":{"keep":true}`, `"tools":[{"type":"function","name":"lookup"}]`}},
		{"input images", TraceConfig{HideInputImages: true}.inputRules(), request,
			[]string{"AAAA"}, []string{"Secret rules", "Secret part", `"detail":"low"`}},
		{"inline image over the limit", TraceConfig{Base64ImageMaxLength: 20}.inputRules(), request,
			[]string{"AAAA"}, []string{"Secret part"}},
		{"output text", TraceConfig{HideOutputText: true}.outputRules(), response,
			[]string{"Secret answer", "Secret thoughts"},
			[]string{"Secret rules", `"arguments":"{\"q\":2}"`, `"x_extra":[1,2.50]`, `"input_tokens":9`}},
		{"echoed instructions under HideInputText", TraceConfig{HideInputText: true}.outputRules(), response,
			[]string{"Secret rules"}, []string{"Secret answer"}},
		{"echoed instructions under HideInputs", TraceConfig{HideInputs: true}.outputRules(), response,
			[]string{"Secret rules"}, []string{"Secret answer"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.rules.apply(tc.body)
			if !json.Valid([]byte(got)) {
				t.Fatalf("not JSON: %s", got)
			}
			for _, s := range tc.gone {
				if strings.Contains(got, s) {
					t.Errorf("%q survived: %s", s, got)
				}
			}
			for _, s := range tc.kept {
				if !strings.Contains(got, s) {
					t.Errorf("lost %s: %s", s, got)
				}
			}
		})
	}
	// A string input is masked as a whole; odd shapes are redacted.
	hide := TraceConfig{HideInputText: true}.inputRules()
	for _, tc := range []struct{ in, want string }{
		{`{"input":"Secret"}`, `{"input":"__REDACTED__"}`},
		{`{"input":{"text":"Secret"}}`, `{"input":"__REDACTED__"}`},
		{`{"input":["Secret"],"instructions":["Secret"]}`, `{"input":["__REDACTED__"],"instructions":"__REDACTED__"}`},
		{`{"input":null,"instructions":null}`, `{"input":null,"instructions":null}`},
	} {
		if got := hide.apply(tc.in); got != tc.want {
			t.Errorf("%s: got %s, want %s", tc.in, got, tc.want)
		}
	}
}
