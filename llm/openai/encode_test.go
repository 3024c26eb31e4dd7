//lint:file-ignore SA1019 the deprecated fields are still sent and must be recorded.

package openai

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/sashabaranov/go-openai"

	"github.com/sessiontrace/sessiontrace/internal/oiattr"
)

func intPtr(i int) *int { return &i }

var encodeCases = []openai.ChatCompletionMessage{
	{Role: "user", Content: "hi"},
	{Role: "user"},
	{Role: "", Content: "no role"},
	{Role: "assistant", Content: "x", Refusal: "r", Name: "n", ReasoningContent: "because", ToolCallID: "id"},
	{Role: "user", MultiContent: []openai.ChatMessagePart{
		{Type: "text", Text: "look"},
		{Type: "image_url", ImageURL: &openai.ChatMessageImageURL{URL: "https://x/y.png", Detail: "high"}},
		{Type: "image_url", ImageURL: &openai.ChatMessageImageURL{}},
		{},
		{Text: "untyped"},
	}, Refusal: "r", Name: "n"},
	{Role: "user", MultiContent: []openai.ChatMessagePart{}}, // empty, not nil: content omitted
	{Role: "assistant", FunctionCall: &openai.FunctionCall{}},
	{Role: "assistant", FunctionCall: &openai.FunctionCall{Name: "f"}},
	{Role: "assistant", FunctionCall: &openai.FunctionCall{Arguments: `{"a":1}`}},
	{Role: "assistant", ToolCalls: []openai.ToolCall{
		{ID: "c1", Type: "function", Function: openai.FunctionCall{Name: "f", Arguments: `{"q":"<b>&"}`}},
		{Index: intPtr(3), Function: openai.FunctionCall{}},
		{Index: intPtr(0), ID: "c2"},
	}},
	{Role: "user", Content: "\x00\x01\x1f\b\f\n\r\t\"\\<>& \u2028\u2029 \xff\xfe é 😀 \x7f"},
	{Role: "tool", Content: strings.Repeat("long ", 1000), ToolCallID: "c1", Name: "get_weather"},
}

// appendMessages must write what encoding/json writes through
// ChatCompletionMessage.MarshalJSON, byte for byte.
func TestAppendMessagesMatchesEncodingJSON(t *testing.T) {
	for i, m := range encodeCases {
		msgs := []openai.ChatCompletionMessage{m}
		want, err := json.Marshal(msgs)
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		got, ok := appendMessages(nil, msgs, mask{c: oiattr.TraceConfig{}})
		if !ok || string(got) != string(want) {
			t.Errorf("case %d (ok %v)\n got %s\nwant %s", i, ok, got, want)
		}
	}
	all, _ := json.Marshal(encodeCases)
	if got, _ := appendMessages(nil, encodeCases, mask{c: oiattr.TraceConfig{}}); string(got) != string(all) {
		t.Errorf("all cases\n got %s\nwant %s", got, all)
	}
	if got, _ := appendMessages(nil, nil, mask{c: oiattr.TraceConfig{}}); string(got) != "null" {
		t.Errorf("nil messages: %s", got)
	}
	// Content and MultiContent together: go-openai refuses to encode.
	bad := []openai.ChatCompletionMessage{{Role: "user", Content: "a", MultiContent: []openai.ChatMessagePart{}}}
	if _, err := json.Marshal(bad); err == nil {
		t.Fatal("go-openai encodes Content with MultiContent now; revisit appendMessage")
	}
	if _, ok := appendMessages(nil, bad, mask{c: oiattr.TraceConfig{}}); ok {
		t.Error("appendMessages accepted Content with MultiContent")
	}
}

func TestAppendMessagesMasksImages(t *testing.T) {
	long := "data:image/jpeg;base64," + strings.Repeat("/", 100)
	msgs := []openai.ChatCompletionMessage{{Role: "user", MultiContent: []openai.ChatMessagePart{
		{Type: "image_url", ImageURL: &openai.ChatMessageImageURL{URL: long}},
		{Type: "image_url", ImageURL: &openai.ChatMessageImageURL{URL: "https://x/y.png"}},
	}}}
	for _, tc := range []struct {
		cfg  oiattr.TraceConfig
		want string
	}{
		{oiattr.TraceConfig{}, long + " https://x/y.png"},
		{oiattr.TraceConfig{Base64ImageMaxLength: 50}, "__REDACTED__ https://x/y.png"},
		{oiattr.TraceConfig{HideInputImages: true}, "__REDACTED__ __REDACTED__"},
	} {
		b, ok := appendMessages(nil, msgs, mask{c: tc.cfg})
		var got []struct {
			Content []struct {
				ImageURL struct{ URL string } `json:"image_url"`
			} `json:"content"`
		}
		if err := json.Unmarshal(b, &got); !ok || err != nil {
			t.Fatalf("%s: %v", b, err)
		}
		if s := got[0].Content[0].ImageURL.URL + " " + got[0].Content[1].ImageURL.URL; s != tc.want {
			t.Errorf("%+v: %s, want %s", tc.cfg, s, tc.want)
		}
	}
}

func FuzzAppendMessages(f *testing.F) {
	f.Add("user", "hello", "", "", "", "", false)
	f.Add("assistant", "", "bob", "text", "https://x", `{"a":"<b>"}`, true)
	f.Add("tool", "\xff\u2028<>&", "\x00", "\"", "\\", "é", true)
	f.Fuzz(func(t *testing.T, role, content, name, text, url, args string, multi bool) {
		m := openai.ChatCompletionMessage{Role: role, Content: content, Name: name, ToolCallID: args}
		if multi {
			m.Content = ""
			m.MultiContent = []openai.ChatMessagePart{
				{Type: "text", Text: text},
				{Type: openai.ChatMessagePartTypeImageURL, ImageURL: &openai.ChatMessageImageURL{URL: url}},
			}
		}
		if args != "" {
			m.ToolCalls = []openai.ToolCall{{ID: text, Type: "function", Function: openai.FunctionCall{Name: name, Arguments: args}}}
			m.FunctionCall = &openai.FunctionCall{Name: url, Arguments: content}
		}
		msgs := []openai.ChatCompletionMessage{m}
		want, err := json.Marshal(msgs)
		got, ok := appendMessages(nil, msgs, mask{c: oiattr.TraceConfig{Base64ImageMaxLength: 1 << 30}})
		if (err == nil) != ok {
			t.Fatalf("encoding/json error %v, appendMessages ok %v", err, ok)
		}
		if ok && string(got) != string(want) {
			t.Fatalf("\n got %s\nwant %s", got, want)
		}
	})
}

func TestChatParams(t *testing.T) {
	req := openai.ChatCompletionRequest{
		Model:      `m","messages":null,"x`,
		Messages:   encodeCases,
		Tools:      []openai.Tool{{Type: "function", Function: &openai.FunctionDefinition{Name: "f"}}},
		Functions:  []openai.FunctionDefinition{{Name: "g"}},
		ToolChoice: "auto",
	}
	params, enc, at, err := chatParams(&req, true)
	if err != nil {
		t.Fatal(err)
	}
	var p map[string]any
	if err := json.Unmarshal([]byte(params), &p); err != nil {
		t.Fatalf("%v: %s", err, params)
	}
	if p["model"] != req.Model || p["stream"] != true || p["tool_choice"] != "auto" || len(p) != 3 {
		t.Errorf("params %s", params)
	}
	tool, _ := json.Marshal(req.Tools[0])
	body := chatBody(&req, enc, at, []string{string(tool)}, oiattr.TraceConfig{})
	req.Stream = true
	want, _ := json.Marshal(req)
	var a, b any
	if err := json.Unmarshal([]byte(body), &a); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	_ = json.Unmarshal(want, &b)
	aj, _ := json.Marshal(a)
	bj, _ := json.Marshal(b)
	if string(aj) != string(bj) {
		t.Errorf("body\n got %s\nwant %s", aj, bj)
	}
}

// appendMessage writes the fields of these types by hand. When go-openai
// adds a field to one of them, this test fails, so that the encoder learns
// the field before input.value silently loses it.
func TestEncodedTypesUnchanged(t *testing.T) {
	for _, tc := range []struct {
		v      any
		fields string
	}{
		{openai.ChatCompletionMessage{}, "Role Content Refusal MultiContent Name ReasoningContent FunctionCall ToolCalls ToolCallID"},
		{openai.ChatMessagePart{}, "Type Text ImageURL"},
		{openai.ChatMessageImageURL{}, "URL Detail"},
		{openai.ToolCall{}, "Index ID Type Function"},
		{openai.FunctionCall{}, "Name Arguments"},
	} {
		typ := reflect.TypeOf(tc.v)
		names := make([]string, typ.NumField())
		for i := range names {
			names[i] = typ.Field(i).Name
		}
		if got := strings.Join(names, " "); got != tc.fields {
			t.Errorf("%s has fields %s; appendMessage knows %s", typ, got, tc.fields)
		}
	}
}

// chatResponseBody must write what encoding/json writes, byte for byte.
func TestChatResponseBodyMatchesEncodingJSON(t *testing.T) {
	idx := 0
	cases := []openai.ChatCompletionResponse{
		{},
		{ID: "chatcmpl-1", Object: "chat.completion", Created: 1735689600, Model: "gpt-4o", SystemFingerprint: "fp",
			Choices: []openai.ChatCompletionChoice{{Message: openai.ChatCompletionMessage{Role: "assistant", Content: "Hi <there> & \u2028 é"}, FinishReason: "stop"}},
			Usage:   openai.Usage{PromptTokens: 3, CompletionTokens: 4, TotalTokens: 7}},
		{Choices: []openai.ChatCompletionChoice{}, ServiceTier: openai.ServiceTierFlex,
			Usage: openai.Usage{PromptTokensDetails: &openai.PromptTokensDetails{AudioTokens: 1, CachedTokens: 2},
				CompletionTokensDetails: &openai.CompletionTokensDetails{AudioTokens: 3, ReasoningTokens: 4, AcceptedPredictionTokens: 5, RejectedPredictionTokens: 6}}},
		{Choices: []openai.ChatCompletionChoice{
			{Index: 0, FinishReason: openai.FinishReasonToolCalls, Message: openai.ChatCompletionMessage{Role: "assistant",
				ToolCalls: []openai.ToolCall{{ID: "c", Type: "function", Index: &idx, Function: openai.FunctionCall{Name: "f", Arguments: `{"a":"<b>"}`}}}}},
			{Index: 1, FinishReason: openai.FinishReasonNull, Message: openai.ChatCompletionMessage{Role: "assistant", Refusal: "no", ReasoningContent: "r"}},
			{Index: 2, Message: openai.ChatCompletionMessage{Role: "assistant", MultiContent: []openai.ChatMessagePart{{Type: "text", Text: "t"}}}},
		}},
		// Not the usual shape: encoding/json writes these.
		{Choices: []openai.ChatCompletionChoice{{LogProbs: &openai.LogProbs{Content: []openai.LogProb{{Token: "a", LogProb: -0.5}}}}}},
		{Choices: []openai.ChatCompletionChoice{{ContentFilterResults: openai.ContentFilterResults{Hate: openai.Hate{Filtered: true, Severity: "high"}}}}},
		{PromptFilterResults: []openai.PromptFilterResult{{Index: 0}}},
	}
	for i, resp := range cases {
		want, err := json.Marshal(resp)
		if err != nil {
			t.Fatal(err)
		}
		if got := chatResponseBody(&resp, oiattr.TraceConfig{}); got != string(want) {
			t.Errorf("case %d\n got %s\nwant %s", i, got, want)
		}
	}
	// Masked output text, both ways.
	for _, resp := range cases[1:5] {
		direct := chatResponseBody(&resp, oiattr.TraceConfig{HideOutputText: true})
		want, _ := json.Marshal(maskResponse(&resp, oiattr.TraceConfig{HideOutputText: true}))
		if direct != string(want) {
			t.Errorf("masked\n got %s\nwant %s", direct, want)
		}
	}
	bad := openai.ChatCompletionResponse{Choices: []openai.ChatCompletionChoice{{Message: openai.ChatCompletionMessage{Content: "a", MultiContent: []openai.ChatMessagePart{}}}}}
	if got := chatResponseBody(&bad, oiattr.TraceConfig{}); got != "" {
		t.Errorf("unencodable response: %s", got)
	}
}

// chatResponseBody writes these types by hand; see TestEncodedTypesUnchanged.
func TestEncodedResponseTypesUnchanged(t *testing.T) {
	for _, tc := range []struct {
		v      any
		fields string
	}{
		{openai.ChatCompletionResponse{}, "ID Object Created Model Choices Usage SystemFingerprint PromptFilterResults ServiceTier httpHeader"},
		{openai.ChatCompletionChoice{}, "Index Message FinishReason LogProbs ContentFilterResults"},
		{openai.Usage{}, "PromptTokens CompletionTokens TotalTokens PromptTokensDetails CompletionTokensDetails"},
		{openai.PromptTokensDetails{}, "AudioTokens CachedTokens"},
		{openai.CompletionTokensDetails{}, "AudioTokens ReasoningTokens AcceptedPredictionTokens RejectedPredictionTokens"},
	} {
		typ := reflect.TypeOf(tc.v)
		names := make([]string, typ.NumField())
		for i := range names {
			names[i] = typ.Field(i).Name
		}
		if got := strings.Join(names, " "); got != tc.fields {
			t.Errorf("%s has fields %s; chatResponseBody knows %s", typ, got, tc.fields)
		}
	}
}
