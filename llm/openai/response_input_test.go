package openai

import (
	"context"
	"reflect"
	"testing"

	"github.com/sashabaranov/go-openai"

	"github.com/sessiontrace/sessiontrace"
	"github.com/sessiontrace/sessiontrace/internal/openaiwire"
	"github.com/sessiontrace/sessiontrace/internal/spantest"
)

// TestTypedInputReadsAsTheBody holds the two readings of a Responses
// request side by side: what responseCall makes of go-openai's types must be
// what openaiwire makes of the body go-openai sends for them, attribute for
// attribute, for every shape typedInput converts and for the ones it leaves
// to the body.
func TestTypedInputReadsAsTheBody(t *testing.T) {
	temperature := float32(0.5)
	weather := openai.NewResponseFunctionTool(openai.FunctionDefinition{Name: "weather",
		Parameters: map[string]any{"type": "object", "properties": map[string]any{"city": map[string]any{"type": "string"}}}})
	for _, tc := range []struct {
		name  string
		req   openai.CreateResponseRequest
		typed bool // typedInput converts it
	}{
		{"no input", openai.CreateResponseRequest{Model: "m"}, true},
		{"string", openai.CreateResponseRequest{Model: "m", Input: "Hi <there> & \"you\"", Instructions: "Be brief."}, true},
		{"empty string", openai.CreateResponseRequest{Model: "m", Input: ""}, true},
		{"params", openai.CreateResponseRequest{Model: "m", Input: "x", Temperature: &temperature, MaxOutputTokens: 64,
			User: "u-1", SafetyIdentifier: "s-1", Conversation: "conv_1", Metadata: map[string]any{"k": "v"},
			PreviousResponseID: "resp_0", Tools: []openai.ResponseTool{weather}, Stream: true}, true},
		{"messages", openai.CreateResponseRequest{Model: "m", Instructions: "sys", Input: []any{
			openai.ResponseInputMessage{Type: "message", Role: "user", Content: "first"},
			&openai.ResponseInputMessage{Role: "assistant", Content: "second"},
			openai.ResponseInputMessage{Type: "message", Role: "user"},
			openai.ResponseInputMessage{Role: "user", Content: []any{
				openai.ResponseInputText{Type: "input_text", Text: "look"},
				openai.ResponseInputImage{Type: "input_image", ImageURL: "https://example.com/a.png"},
				openai.ResponseInputImage{Type: "input_image", FileID: "file_1"},
				openai.ResponseInputText{Type: "output_text", Text: "said"},
			}},
			openai.ResponseFunctionCallOutput{Type: "function_call_output", CallID: "call_1", Output: "18°C"},
			&openai.ResponseFunctionCallOutput{Type: "function_call_output", CallID: "call_2"},
		}}, true},
		{"message list", openai.CreateResponseRequest{Model: "m", Input: []openai.ResponseInputMessage{
			{Role: "user", Content: "a"}, {Type: "message", Role: "assistant", Content: "b"}}}, true},
		{"empty list", openai.CreateResponseRequest{Model: "m", Input: []any{}}, true},
		// Left to the body:
		{"maps", openai.CreateResponseRequest{Model: "m", Input: []any{
			map[string]any{"type": "message", "role": "user", "content": "from a map"},
			map[string]any{"type": "function_call", "call_id": "c", "name": "f", "arguments": "{}"}}}, false},
		{"object output", openai.CreateResponseRequest{Model: "m", Input: []any{
			openai.ResponseFunctionCallOutput{Type: "function_call_output", CallID: "c", Output: map[string]any{"temp": 18.5}}}}, false},
		{"file part", openai.CreateResponseRequest{Model: "m", Input: []any{openai.ResponseInputMessage{Role: "user",
			Content: []any{openai.ResponseInputFile{Type: "input_file", FileID: "f"}, openai.ResponseInputText{Type: "input_text", Text: "t"}}}}}, false},
		{"untyped item", openai.CreateResponseRequest{Model: "m", Input: []any{openai.ResponseInputMessage{Role: ""}}}, false},
		{"extra body", openai.CreateResponseRequest{Model: "m", Input: "replaced", ExtraBody: map[string]any{"input": "sent instead"}}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, ok := typedInput(&tc.req); ok != tc.typed {
				t.Fatalf("typedInput converts it: %v, want %v", ok, tc.typed)
			}
			c := Wrap(openai.NewClient(""), WithTraceConfig(sessiontrace.DefaultTraceConfig()))
			got := c.responseCall(context.Background(), &tc.req, nil, false)
			want := c.newCall(got.Kind)
			want.Input = encodeJSON(tc.req)
			openaiwire.ResponsesRequest(&want, []byte(want.Input))
			if got.Input != want.Input {
				t.Fatalf("input.value\n got %s\nwant %s", got.Input, want.Input)
			}
			tcfg := sessiontrace.DefaultTraceConfig()
			g, w := spantest.Values(got.Attributes(tcfg)), spantest.Values(want.Attributes(tcfg))
			if !reflect.DeepEqual(g, w) {
				t.Errorf("attributes from go-openai's types\n %v\nfrom the body\n %v", g, w)
			}
			if len(w) < 4 {
				t.Errorf("only %d attributes: %v", len(w), w)
			}
		})
	}
}
