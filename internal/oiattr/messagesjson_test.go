package oiattr

import (
	"strings"
	"testing"
)

// MessagesJSON, and the same body masked under each flag.
func TestMessagesJSON(t *testing.T) {
	msgs := []Message{
		{Role: "system", Content: "Be brief."},
		{Role: "user", Parts: []Part{
			{Type: PartText, Text: "What is this?"},
			{Type: PartImage, ImageURL: "https://example.com/cat.png"},
		}},
		{Role: "assistant", ToolCalls: []ToolCall{{ID: "call_1", Name: "lookup", Arguments: `{"q":"cat"}`}}},
		{Role: "tool", ToolCallID: "call_1", Name: "lookup", Content: "a cat"},
	}
	long := "data:image/png;base64," + strings.Repeat("A", 100)
	for _, tc := range []struct {
		name   string
		msgs   []Message
		output bool
		cfg    TraceConfig
		want   string
	}{
		{
			name: "all kinds",
			msgs: msgs,
			want: `{"messages":[{"role":"system","content":"Be brief."},` +
				`{"role":"user","content":[{"type":"text","text":"What is this?"},{"type":"image_url","image_url":{"url":"https://example.com/cat.png"}}]},` +
				`{"role":"assistant","tool_calls":[{"id":"call_1","type":"function","function":{"name":"lookup","arguments":"{\"q\":\"cat\"}"}}]},` +
				`{"role":"tool","content":"a cat","name":"lookup","tool_call_id":"call_1"}]}`,
		},
		{
			name: "input text and images hidden",
			msgs: msgs[:2],
			cfg:  TraceConfig{HideInputText: true, HideInputImages: true},
			want: `{"messages":[{"content":"__REDACTED__","role":"system"},{"content":[{"text":"__REDACTED__","type":"text"},{"image_url":{"url":"__REDACTED__"},"type":"image_url"}],"role":"user"}]}`,
		},
		{
			name:   "output side ignores input flags",
			msgs:   []Message{{Role: "assistant", Content: "Paris."}},
			output: true,
			cfg:    TraceConfig{HideInputText: true},
			want:   `{"messages":[{"role":"assistant","content":"Paris."}]}`,
		},
		{
			name:   "output text hidden",
			msgs:   []Message{{Role: "assistant", Content: "Paris."}},
			output: true,
			cfg:    TraceConfig{HideOutputText: true},
			want:   `{"messages":[{"content":"__REDACTED__","role":"assistant"}]}`,
		},
		{
			name: "long inline image redacted",
			msgs: []Message{{Role: "user", Parts: []Part{{Type: PartImage, ImageURL: long}}}},
			cfg:  TraceConfig{Base64ImageMaxLength: 50},
			want: `{"messages":[{"content":[{"image_url":{"url":"__REDACTED__"},"type":"image_url"}],"role":"user"}]}`,
		},
		{
			name: "content and parts both kept",
			msgs: []Message{{Role: "user", Content: "a", Parts: []Part{{Type: PartText, Text: "b"}}}},
			want: `{"messages":[{"role":"user","content":[{"type":"text","text":"a"},{"type":"text","text":"b"}]}]}`,
		},
		{name: "none", want: `{"messages":[]}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// The masking is that of any chat body (see mask.go).
			rules := tc.cfg.inputRules()
			if tc.output {
				rules = tc.cfg.outputRules()
			}
			if got := rules.apply(MessagesJSON(tc.msgs)); got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

func TestImageDataURL(t *testing.T) {
	data := []byte{0x89, 'P', 'N', 'G'}
	if got, want := ImageDataURL("image/png", data, TraceConfig{}), "data:image/png;base64,iVBORw=="; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got := ImageDataURL("image/png", data, TraceConfig{Base64ImageMaxLength: 10}); got != RedactedValue {
		t.Errorf("over the limit: got %q", got)
	}
	if got := ImageDataURL("image/png", data, TraceConfig{HideInputImages: true}); got != RedactedValue {
		t.Errorf("hidden images: got %q", got)
	}
	// The limit is inclusive, as in InputMessages.
	exact := len("data:image/png;base64,iVBORw==")
	if got := ImageDataURL("image/png", data, TraceConfig{Base64ImageMaxLength: exact}); got == RedactedValue {
		t.Errorf("at the limit: redacted")
	}
}
