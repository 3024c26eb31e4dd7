package openai

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/sashabaranov/go-openai"

	"github.com/sessiontrace/sessiontrace"
	"github.com/sessiontrace/sessiontrace/internal/oiattr"
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

// TestTypedAnswerReadsAsTheBody is TestTypedInputReadsAsTheBody for the
// answer: what typedAnswer makes of the response go-openai decodes from a
// body must be what openaiwire makes of the body.
func TestTypedAnswerReadsAsTheBody(t *testing.T) {
	for _, tc := range []struct{ name, body string }{
		{"text", `{"id":"resp_1","object":"response","model":"gpt-4.1","status":"completed","output":[
			{"type":"message","id":"msg_1","role":"assistant","content":[{"type":"output_text","text":"Hello ","annotations":[]},{"type":"output_text","text":"there"}]}],
			"usage":{"input_tokens":12,"output_tokens":3,"total_tokens":15,"input_tokens_details":{"cached_tokens":4,"cache_write_tokens":2},"output_tokens_details":{"reasoning_tokens":1}}}`},
		{"refusal", `{"id":"r","model":"m","output":[{"type":"message","role":"assistant","content":[{"type":"refusal","refusal":"I can't."}]}]}`},
		{"calls only", `{"id":"r","model":"m","output":[{"type":"reasoning","id":"rs_1","summary":[]},
			{"type":"function_call","call_id":"call_1","name":"weather","arguments":"{\"city\":\"Lisbon\"}"},
			{"type":"function_call","call_id":"call_2","name":"time","arguments":"{}"}],"usage":{"input_tokens":1,"output_tokens":2,"total_tokens":3}}`},
		{"message and calls", `{"id":"r","model":"m","output":[{"type":"message","content":[{"type":"output_text","text":"Checking."}]},
			{"type":"function_call","call_id":"c","name":"f","arguments":"{}"},{"type":"web_search_call","id":"ws"}]}`},
		{"odd shapes", `{"id":"r","model":"m","output":[7,"x",null,{"type":"message","role":"user","content":"not parts"},
			{"type":"message","content":[{"type":"output_text","text":5},{"type":"input_text","text":"in"},"y"]}],"usage":null}`},
		{"failed", `{"id":"r","model":"m","status":"failed","error":{"code":"server_error","message":"The model crashed."},"output":[]}`},
		{"failed without error", `{"id":"r","model":"m","status":"failed","output":null}`},
		{"no output", `{"id":"r","model":"m","status":"incomplete"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var resp openai.CreateResponseResponse
			if err := json.Unmarshal([]byte(tc.body), &resp); err != nil {
				t.Fatal(err)
			}
			var got, want oiattr.Call
			got.Kind, want.Kind = "LLM", "LLM"
			gotFailure, wantFailure := typedAnswer(&got, &resp), openaiwire.ResponsesResponse(&want, []byte(tc.body))
			if !reflect.DeepEqual(gotFailure, wantFailure) {
				t.Errorf("failure from go-openai's types %+v, from the body %+v", gotFailure, wantFailure)
			}
			tcfg := sessiontrace.DefaultTraceConfig()
			g, w := spantest.Values(got.Attributes(tcfg)), spantest.Values(want.Attributes(tcfg))
			if !reflect.DeepEqual(g, w) {
				t.Errorf("attributes from go-openai's types\n %v\nfrom the body\n %v", g, w)
			}
			if len(w) == 0 {
				t.Errorf("only %d attributes: %v", len(w), w)
			}
		})
	}
}
