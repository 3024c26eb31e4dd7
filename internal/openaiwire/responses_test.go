package openaiwire_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/sessiontrace/sessiontrace/internal/oiattr"
	"github.com/sessiontrace/sessiontrace/internal/openaiwire"
	"github.com/sessiontrace/sessiontrace/internal/spantest"
)

func float(f float64) *float64 { return &f }

func TestResponsesRequest(t *testing.T) {
	weather := `{"type":"function","name":"get_weather","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}`
	for _, tc := range []struct {
		name                string
		body                string
		want                []oiattr.Message
		tools               []string
		params              string
		model               string
		temperature         *float64
		maxTokens           int
		wantSession, wanUsr string
	}{{
		name: "instructions and a string input",
		body: `{"model":"gpt-4.1","instructions":"Be brief.","input":"Hi <there>","temperature":0.2,"max_output_tokens":50}`,
		want: []oiattr.Message{
			{Role: "system", Content: "Be brief."},
			{Role: "user", Content: "Hi <there>"},
		},
		params: `{"max_output_tokens":50,"model":"gpt-4.1","temperature":0.2}`,
		model:  "gpt-4.1", temperature: float(0.2), maxTokens: 50,
	}, {
		name:  "a string input alone is message 0",
		body:  `{"model":"m","input":"Hello"}`,
		want:  []oiattr.Message{{Role: "user", Content: "Hello"}},
		model: "m",
	}, {
		name: "items of every kind this package knows, and some it skips",
		body: `{"model":"m","input":[
			{"role":"developer","content":"Use tools."},
			{"type":"message","role":"user","content":[
				{"type":"input_text","text":"Weather in Paris?"},
				{"type":"input_image","image_url":"https://example.com/paris.png","detail":"low"},
				{"type":"input_image","file_id":"file-1"},
				{"type":"input_file","file_id":"file-2"},
				{"type":"input_audio","input_audio":{"data":"UklG"}}]},
			{"type":"reasoning","id":"rs_1","summary":[{"type":"summary_text","text":"thinking"}]},
			{"type":"function_call","id":"fc_1","call_id":"call_1","name":"get_weather","arguments":"{\"city\":\"Paris\"}"},
			{"type":"function_call_output","call_id":"call_1","output":"{\"temp\":21}"},
			{"type":"function_call_output","call_id":"call_2","output":[{"type":"input_text","text":"sunny"}]},
			{"type":"message","role":"assistant","content":[{"type":"output_text","text":"It is 21°C.","annotations":[]},{"type":"refusal","refusal":"no more"}]},
			{"type":"item_reference","id":"msg_0"},
			{"type":"web_search_call","id":"ws_1","status":"completed"},
			{"type":"x_future_item","role":"user","content":"skipped"}
		]}`,
		want: []oiattr.Message{
			{Role: "developer", Content: "Use tools."},
			{Role: "user", Parts: []oiattr.Part{
				{Type: oiattr.PartText, Text: "Weather in Paris?"},
				{Type: oiattr.PartImage, ImageURL: "https://example.com/paris.png"},
			}},
			{Role: "assistant", ToolCalls: []oiattr.ToolCall{{ID: "call_1", Name: "get_weather", Arguments: `{"city":"Paris"}`}}},
			{Role: "tool", ToolCallID: "call_1", Content: `{"temp":21}`},
			{Role: "tool", ToolCallID: "call_2", Content: `[{"text":"sunny","type":"input_text"}]`},
			{Role: "assistant", Parts: []oiattr.Part{
				{Type: oiattr.PartText, Text: "It is 21°C."},
				{Type: oiattr.PartText, Text: "no more"},
			}},
		},
		model: "m",
	}, {
		name: "odd items cost only themselves",
		body: `{"input":[42,"text",null,{"type":"message","role":"user","content":7},{"role":"user","content":"kept","status":5},{"type":"function_call","call_id":9,"name":"f","arguments":"{}"}]}`,
		want: []oiattr.Message{
			{Role: "user"},
			{Role: "user", Content: "kept"},
			{Role: "assistant", ToolCalls: []oiattr.ToolCall{{Name: "f", Arguments: "{}"}}},
		},
	}, {
		name:   "tools as sent, parameters without input, instructions and tools",
		body:   `{ "model" : "m", "input":"x", "instructions":"y", "tools":[` + weather + `,{"type":"web_search_preview","search_context_size":"low"},null], "seed":12345678901234567890, "metadata":{"a":"<b>"}, "x_vendor":{"keep":true} }`,
		want:   []oiattr.Message{{Role: "system", Content: "y"}, {Role: "user", Content: "x"}},
		tools:  []string{weather, `{"type":"web_search_preview","search_context_size":"low"}`},
		params: `{"metadata":{"a":"<b>"},"model":"m","seed":12345678901234567890,"x_vendor":{"keep":true}}`,
		model:  "m",
	}, {
		name:   "fields of the wrong type are left out",
		body:   `{"model":5,"temperature":"hot","max_output_tokens":"many","instructions":["a"],"input":{"text":"?"},"tools":"none"}`,
		params: `{"max_output_tokens":"many","model":5,"temperature":"hot"}`,
	}, {
		name: "conversation as a string, user", body: `{"conversation":"conv_1","user":"alice","safety_identifier":"h-1"}`,
		params: `{"conversation":"conv_1","safety_identifier":"h-1","user":"alice"}`, wantSession: "conv_1", wanUsr: "alice",
	}, {
		name: "conversation as an object, safety_identifier", body: `{"conversation":{"id":"conv_2"},"safety_identifier":"h-2"}`,
		params: `{"conversation":{"id":"conv_2"},"safety_identifier":"h-2"}`, wantSession: "conv_2", wanUsr: "h-2",
	}, {
		name: "IDs the middleware would refuse are none", body: `{"conversation":" ","user":"al ice","safety_identifier":"h\u0007"}`,
		params: `{"conversation":" ","safety_identifier":"h\u0007","user":"al ice"}`,
	}} {
		t.Run(tc.name, func(t *testing.T) {
			var call oiattr.Call
			session, user := openaiwire.ResponsesRequest(&call, []byte(tc.body))
			if !reflect.DeepEqual(call.InputMessages, tc.want) {
				t.Errorf("messages\n got %+v\nwant %+v", call.InputMessages, tc.want)
			}
			if !reflect.DeepEqual(call.Tools, tc.tools) {
				t.Errorf("tools\n got %q\nwant %q", call.Tools, tc.tools)
			}
			if tc.params != "" && call.InvocationParameters != tc.params {
				t.Errorf("parameters\n got %s\nwant %s", call.InvocationParameters, tc.params)
			}
			if call.RequestModel != tc.model || !reflect.DeepEqual(call.Temperature, tc.temperature) || call.MaxTokens != tc.maxTokens {
				t.Errorf("model %q temperature %v max %d", call.RequestModel, call.Temperature, call.MaxTokens)
			}
			if session != tc.wantSession || user != tc.wanUsr {
				t.Errorf("session %q user %q, want %q %q", session, user, tc.wantSession, tc.wanUsr)
			}
			if call.Operation != "chat" || call.InputBody != oiattr.BodyMessages || call.OutputBody != oiattr.BodyMessages {
				t.Errorf("operation %q bodies %v %v", call.Operation, call.InputBody, call.OutputBody)
			}
		})
	}
}

// A body that is not a JSON object describes no message and no parameter.
func TestResponsesRequestNotAnObject(t *testing.T) {
	for _, body := range []string{``, `not json`, `null`, `[{"input":"x"}]`, `"input"`, `{"input":"x"`} {
		var call oiattr.Call
		if s, u := openaiwire.ResponsesRequest(&call, []byte(body)); s != "" || u != "" ||
			call.InputMessages != nil || call.InvocationParameters != "" || call.RequestModel != "" {
			t.Errorf("%q: %+v, %q %q", body, call, s, u)
		}
	}
}

func TestResponsesResponse(t *testing.T) {
	answer := `{"type":"message","id":"msg_1","status":"completed","role":"assistant","content":[
		{"type":"output_text","text":"Sunny ","annotations":[{"type":"url_citation","url":"https://x"}],"logprobs":[]},
		{"type":"output_text","text":"in Paris."}]}`
	call := func(id, name, args string) string {
		return `{"type":"function_call","id":"fc_` + id + `","status":"completed","call_id":"` + id + `","name":"` + name + `","arguments":` + quote(args) + `}`
	}
	for _, tc := range []struct {
		name   string
		body   string
		want   []oiattr.Message
		usage  oiattr.Usage
		model  string
		failed *openaiwire.Failure
	}{{
		name: "text and tool calls read as a chat answer",
		body: `{"id":"resp_1","object":"response","model":"gpt-4.1-2025-04-14","status":"completed","x_extra":[1,2.50],
			"output":[{"type":"reasoning","id":"rs_1","summary":[]},` + answer + `,` + call("call_a", "get_weather", `{"city":"Paris"}`) + `,` + call("call_b", "get_time", `{}`) + `],
			"usage":{"input_tokens":20,"input_tokens_details":{"cached_tokens":8,"cache_write_tokens":2},"output_tokens":12,"output_tokens_details":{"reasoning_tokens":5},"total_tokens":32}}`,
		want: []oiattr.Message{{Role: "assistant", Content: "Sunny in Paris.", ToolCalls: []oiattr.ToolCall{
			{ID: "call_a", Name: "get_weather", Arguments: `{"city":"Paris"}`},
			{ID: "call_b", Name: "get_time", Arguments: `{}`},
		}}},
		usage: oiattr.Usage{Known: true, Prompt: 20, Completion: 12, Total: 32, CacheRead: 8, CacheWrite: 2, CompletionReasoning: 5},
		model: "gpt-4.1-2025-04-14",
	}, {
		name:  "tool calls alone make one assistant message",
		body:  `{"model":"m","output":[` + call("c1", "f", `{"a":1}`) + `,{"type":"x_new_tool_call","id":"x"},` + call("c2", "g", `{}`) + `],"usage":null}`,
		want:  []oiattr.Message{{Role: "assistant", ToolCalls: []oiattr.ToolCall{{ID: "c1", Name: "f", Arguments: `{"a":1}`}, {ID: "c2", Name: "g", Arguments: `{}`}}}},
		model: "m",
	}, {
		name:  "a refusal stands in for missing text",
		body:  `{"output":[{"type":"message","content":[{"type":"refusal","refusal":"I can't help with that."}]}],"usage":{"input_tokens":3,"output_tokens":6,"total_tokens":9}}`,
		want:  []oiattr.Message{{Role: "assistant", Content: "I can't help with that."}},
		usage: oiattr.Usage{Known: true, Prompt: 3, Completion: 6, Total: 9},
	}, {
		name:  "no output items, usage without details",
		body:  `{"id":"resp_2","model":"m","output":[],"usage":{"input_tokens":3,"output_tokens":0,"total_tokens":3}}`,
		usage: oiattr.Usage{Known: true, Prompt: 3, Total: 3},
		model: "m",
	}, {
		name:   "a failed response",
		body:   `{"id":"resp_3","status":"failed","error":{"code":"server_error","message":"The server had an error."},"output":[],"usage":null}`,
		failed: &openaiwire.Failure{Code: "server_error", Message: "The server had an error."},
	}, {
		name:   "failed without an error object",
		body:   `{"status":"failed","error":null}`,
		failed: &openaiwire.Failure{Message: "response failed"},
	}, {
		name: "odd shapes are left out",
		body: `{"model":["m"],"output":[1,{"type":"message","content":"plain"},{"type":"function_call","arguments":{}}],"usage":"lots"}`,
		want: []oiattr.Message{{Role: "assistant", ToolCalls: []oiattr.ToolCall{{}}}},
	}, {
		name: "not JSON",
		body: `<html>502</html>`,
	}} {
		t.Run(tc.name, func(t *testing.T) {
			var c oiattr.Call
			failed := openaiwire.ResponsesResponse(&c, []byte(tc.body))
			if !reflect.DeepEqual(c.OutputMessages, tc.want) {
				t.Errorf("messages\n got %+v\nwant %+v", c.OutputMessages, tc.want)
			}
			if c.Usage != tc.usage || c.ResponseModel != tc.model {
				t.Errorf("usage %+v model %q", c.Usage, c.ResponseModel)
			}
			if !reflect.DeepEqual(failed, tc.failed) {
				t.Errorf("failure %+v, want %+v", failed, tc.failed)
			}
		})
	}
}

func quote(s string) string { return `"` + strings.ReplaceAll(s, `"`, `\"`) + `"` }

// events of a stream as the API sends them (openaitest's sequence), to be
// cut or altered by the cases.
var streamEvents = []string{
	`{"type":"response.created","sequence_number":0,"response":{"id":"resp_9","object":"response","status":"in_progress","model":"gpt-4.1","output":[],"usage":null}}`,
	`{"type":"response.in_progress","sequence_number":1,"response":{"id":"resp_9","object":"response","status":"in_progress","model":"gpt-4.1","output":[],"usage":null}}`,
	`{"type":"response.output_item.added","sequence_number":2,"output_index":0,"item":{"id":"msg_9","type":"message","status":"in_progress","content":[],"role":"assistant"}}`,
	`{"type":"response.content_part.added","sequence_number":3,"item_id":"msg_9","output_index":0,"content_index":0,"part":{"type":"output_text","annotations":[],"text":""}}`,
	`{"type":"response.output_text.delta","sequence_number":4,"item_id":"msg_9","output_index":0,"content_index":0,"delta":"Sunny","logprobs":[]}`,
	`{"type":"response.output_text.delta","sequence_number":5,"item_id":"msg_9","output_index":0,"content_index":0,"delta":" today.","logprobs":[]}`,
	`{"type":"response.output_text.done","sequence_number":6,"item_id":"msg_9","output_index":0,"content_index":0,"text":"Sunny today.","logprobs":[]}`,
	`{"type":"response.output_item.done","sequence_number":7,"output_index":0,"item":{"id":"msg_9","type":"message","status":"completed","content":[{"type":"output_text","annotations":[],"text":"Sunny today."}],"role":"assistant"}}`,
	`{"type":"response.output_item.added","sequence_number":8,"output_index":1,"item":{"id":"fc_9","type":"function_call","status":"in_progress","arguments":"","call_id":"call_9","name":"get_weather"}}`,
	`{"type":"response.function_call_arguments.delta","sequence_number":9,"item_id":"fc_9","output_index":1,"delta":"{\"city\":"}`,
	`{"type":"response.function_call_arguments.delta","sequence_number":10,"item_id":"fc_9","output_index":1,"delta":"\"Paris\"}"}`,
	`{"type":"response.function_call_arguments.done","sequence_number":11,"item_id":"fc_9","output_index":1,"arguments":"{\"city\":\"Paris\"}"}`,
	`{"type":"response.completed","sequence_number":12,"response":{"id":"resp_9","object":"response","status":"completed","model":"gpt-4.1","output":[{"id":"msg_9","type":"message","status":"completed","content":[{"type":"output_text","annotations":[],"text":"Sunny today."}],"role":"assistant"},{"id":"fc_9","type":"function_call","status":"completed","arguments":"{\"city\":\"Paris\"}","call_id":"call_9","name":"get_weather"}],"usage":{"input_tokens":7,"input_tokens_details":{"cached_tokens":0},"output_tokens":9,"output_tokens_details":{"reasoning_tokens":0},"total_tokens":16}}}`,
}

func TestResponsesStream(t *testing.T) {
	answer := []oiattr.Message{{Role: "assistant", Content: "Sunny today.", ToolCalls: []oiattr.ToolCall{{ID: "call_9", Name: "get_weather", Arguments: `{"city":"Paris"}`}}}}
	usage := oiattr.Usage{Known: true, Prompt: 7, Completion: 9, Total: 16}
	failed := `{"type":"response.failed","sequence_number":6,"response":{"id":"resp_9","object":"response","status":"failed","error":{"code":"server_error","message":"The server had an error."},"model":"gpt-4.1","output":[],"usage":null}}`
	for _, tc := range []struct {
		name    string
		events  []string
		want    []oiattr.Message
		usage   oiattr.Usage
		done    bool
		failure *openaiwire.Failure
		output  string // in output.value, or "final": the final event's response as sent
	}{{
		name: "complete", events: streamEvents, want: answer, usage: usage, done: true, output: "final",
	}, {
		name:   "without response.completed: assembled from the events",
		events: streamEvents[:12], want: answer,
		output: `{"id":"resp_9","object":"response","model":"gpt-4.1","status":"in_progress","output":[{"type":"message","id":"msg_9","status":"completed","role":"assistant","content":[{"type":"output_text","annotations":[],"text":"Sunny today."}]},{"type":"function_call","id":"fc_9","status":"in_progress","call_id":"call_9","name":"get_weather","arguments":"{\"city\":\"Paris\"}"}]}`,
	}, {
		name:   "cut in the middle of the text",
		events: streamEvents[:5],
		want:   []oiattr.Message{{Role: "assistant", Content: "Sunny"}},
		output: `{"id":"resp_9","object":"response","model":"gpt-4.1","status":"in_progress","output":[{"type":"message","id":"msg_9","status":"in_progress","role":"assistant","content":[{"type":"output_text","text":"Sunny"}]}]}`,
	}, {
		name:    "response.failed after some text",
		events:  append(append([]string{}, streamEvents[:6]...), failed),
		want:    []oiattr.Message{{Role: "assistant", Content: "Sunny today."}},
		done:    true,
		failure: &openaiwire.Failure{Code: "server_error", Message: "The server had an error."},
		output:  `{"id":"resp_9","object":"response","model":"gpt-4.1","status":"failed","error":{"code":"server_error","message":"The server had an error."},"output":[{"type":"message","id":"msg_9","status":"in_progress","role":"assistant","content":[{"type":"output_text","text":"Sunny today."}]}],"usage":null}`,
	}, {
		name:    "an error event, and events after it",
		events:  append(append([]string{}, streamEvents[:5]...), `{"type":"error","sequence_number":5,"code":"rate_limit_exceeded","message":"Slow down.","param":null}`, streamEvents[5]),
		want:    []oiattr.Message{{Role: "assistant", Content: "Sunny today."}},
		done:    true,
		failure: &openaiwire.Failure{Code: "rate_limit_exceeded", Message: "Slow down."},
	}, {
		name:    "an error event without a message",
		events:  []string{`{"type":"error","code":null}`},
		done:    true,
		failure: &openaiwire.Failure{Message: "error event"},
		output:  `{"object":"response","output":[]}`,
	}, {
		name: "unknown events, odd data and deltas without their item",
		events: []string{
			`{"type":"response.x_future","sequence_number":0,"output_index":0,"delta":"ignored"}`,
			`not json`, `[1,2]`, `null`, `{"type":7}`,
			`{"type":"response.output_text.delta","output_index":3,"delta":"orphan"}`,
			`{"type":"response.function_call_arguments.delta","output_index":4,"delta":"{}"}`,
			`{"type":"response.refusal.delta","output_index":5,"delta":"no"}`,
			`{"type":"response.output_item.added","output_index":6,"item":"odd"}`,
		},
		want: []oiattr.Message{
			{Role: "assistant", Content: "orphan", ToolCalls: []oiattr.ToolCall{{Arguments: "{}"}}},
			{Role: "assistant", Content: "no"},
		},
	}, {
		name:   "response.incomplete is an answer",
		events: []string{streamEvents[0], `{"type":"response.incomplete","response":{"id":"resp_9","status":"incomplete","incomplete_details":{"reason":"max_output_tokens"},"model":"gpt-4.1","output":[{"type":"message","role":"assistant","content":[{"type":"output_text","text":"Sun"}]}],"usage":{"input_tokens":7,"output_tokens":1,"total_tokens":8}}}`},
		want:   []oiattr.Message{{Role: "assistant", Content: "Sun"}},
		usage:  oiattr.Usage{Known: true, Prompt: 7, Completion: 1, Total: 8},
		done:   true, output: "final",
	}} {
		t.Run(tc.name, func(t *testing.T) {
			var s openaiwire.ResponsesStream
			texts := 0
			for _, e := range tc.events {
				if add(&s, e) {
					texts++
				}
			}
			var call oiattr.Call
			s.Answer(&call)
			if !reflect.DeepEqual(call.OutputMessages, tc.want) {
				t.Errorf("messages\n got %+v\nwant %+v", call.OutputMessages, tc.want)
			}
			if call.Usage != tc.usage || s.Done() != tc.done || !reflect.DeepEqual(s.Failure(), tc.failure) {
				t.Errorf("usage %+v done %v failure %+v", call.Usage, s.Done(), s.Failure())
			}
			switch final := tc.events[len(tc.events)-1]; tc.output {
			case "":
			case "final":
				if !strings.Contains(final, call.Output) || !strings.HasPrefix(call.Output, `{"id":"resp_9"`) {
					t.Errorf("output.value is not the final response as sent: %s", call.Output)
				}
			default:
				if !spantest.SameJSON(t, call.Output, tc.output) {
					t.Errorf("output.value\n got %s\nwant %s", call.Output, tc.output)
				}
			}
		})
	}
}

// Only a non-empty output text delta is a first token.
func TestResponsesStreamFirstToken(t *testing.T) {
	var s openaiwire.ResponsesStream
	for i, e := range streamEvents {
		if got, want := add(&s, e), i == 4 || i == 5; got != want {
			t.Errorf("event %d: text %v, want %v", i, got, want)
		}
	}
	if add(&s, `{"type":"response.output_text.delta","delta":""}`) {
		t.Error("an empty delta counted as text")
	}
}

func TestID(t *testing.T) {
	long := strings.Repeat("a", oiattr.MaxIDLength)
	for _, tc := range []struct{ in, want string }{
		{"conv_68af", "conv_68af"},
		{"user@example.com", "user@example.com"},
		{long, long},
		{long + "a", ""},
		{"", ""},
		{"   ", ""},
		{"\t", ""},
		{" conv_1", ""},
		{"a b", ""},
		{"a\nb", ""},
		{"a\x00", ""},
		{"a\x7f", ""},
		{"José", ""},
	} {
		if got := openaiwire.ID(tc.in); got != tc.want {
			t.Errorf("ID(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	for _, tc := range []struct{ user, safety, want string }{
		{"alice", "h-1", "alice"},
		{"", "h-1", "h-1"},
		{"a l", "h-1", "h-1"},
		{"a l", "h 1", ""},
	} {
		if got := openaiwire.UserID(tc.user, tc.safety); got != tc.want {
			t.Errorf("UserID(%q, %q) = %q, want %q", tc.user, tc.safety, got, tc.want)
		}
	}
	for _, tc := range []struct{ raw, want string }{
		{`"conv_1"`, "conv_1"},
		{` {"id": "conv_2", "x": 1} `, "conv_2"},
		{`{"id": 3}`, ""},
		{`{"id": "bad id"}`, ""},
		{`null`, ""},
		{`["conv_3"]`, ""},
		{`"unterminated`, ""},
		{``, ""},
	} {
		if got := openaiwire.ConversationID([]byte(tc.raw)); got != tc.want {
			t.Errorf("ConversationID(%s) = %q, want %q", tc.raw, got, tc.want)
		}
	}
}

// add gives s one event as a client library would: the type, output index
// and delta it has decoded, and the data.
func add(s *openaiwire.ResponsesStream, data string) bool {
	var e struct {
		Type        string `json:"type"`
		OutputIndex int    `json:"output_index"`
		Delta       string `json:"delta"`
	}
	_ = json.Unmarshal([]byte(data), &e)
	return s.Add(e.Type, e.OutputIndex, e.Delta, []byte(data))
}
