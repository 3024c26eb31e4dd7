package openaiwire_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/sessiontrace/sessiontrace/internal/oiattr"
	"github.com/sessiontrace/sessiontrace/internal/openaiwire"
)

// FuzzResponses: whatever the request, the response and the events of a
// stream (one event a line), the conversion never panics, the output.value
// it assembles is JSON, a failure always has a message, and the Call makes
// its attributes, masked or not.
func FuzzResponses(f *testing.F) {
	f.Add(`{"model":"m","instructions":"Be brief.","input":[{"role":"user","content":[{"type":"input_text","text":"hi"},{"type":"input_image","image_url":"data:image/png;base64,AAAA"}]},{"type":"function_call","call_id":"c","name":"f","arguments":"{}"},{"type":"function_call_output","call_id":"c","output":[1]}],"tools":[{"type":"function","name":"f"}],"conversation":{"id":"conv_1"},"user":"u"}`,
		`{"id":"r","model":"m","status":"completed","output":[{"type":"message","content":[{"type":"output_text","text":"ok"}]},{"type":"function_call","call_id":"c"}],"usage":{"input_tokens":1,"output_tokens":2,"total_tokens":3}}`,
		strings.Join(streamEvents, "\n"))
	f.Add(`{"input":"hello","conversation":"conv_2"}`, `{"status":"failed","error":{"code":"x","message":"y"}}`,
		`{"type":"response.output_text.delta","output_index":-1,"delta":"a"}`+"\n"+`{"type":"error"}`+"\n"+`{"type":"response.failed","response":{"output":[]}}`)
	f.Add(`[]`, `null`, "not json\n[]\n{\"type\":\"response.output_item.done\",\"item\":{\"type\":\"function_call\",\"arguments\":\"{\"}}")
	f.Fuzz(func(t *testing.T, request, resp, events string) {
		call := oiattr.Call{Input: request, Output: resp}
		openaiwire.ResponsesRequest(&call, []byte(request))
		openaiwire.ResponsesResponse(&call, []byte(resp))
		attributes(t, &call)

		var s openaiwire.ResponsesStream
		for _, e := range strings.Split(events, "\n") {
			add(&s, e)
		}
		var streamed oiattr.Call
		s.Answer(&streamed)
		if !json.Valid([]byte(streamed.Output)) {
			t.Fatalf("output.value is not JSON: %s", streamed.Output)
		}
		if f := s.Failure(); f != nil && f.Message == "" {
			t.Fatal("a failure without a message")
		}
		attributes(t, &streamed)
	})
}

// attributes makes the attributes of call, plain and masked: masking
// re-encodes the bodies, and a JSON body must stay JSON.
func attributes(t *testing.T, call *oiattr.Call) {
	t.Helper()
	for _, tc := range []oiattr.TraceConfig{{}, {HideInputText: true, HideOutputText: true, HideInputImages: true, Base64ImageMaxLength: 8}} {
		for _, kv := range call.Attributes(tc) {
			if k := string(kv.Key); (k == "input.value" || k == "output.value") && json.Valid([]byte(kv.Value.AsString())) != json.Valid([]byte(bodyOf(call, k))) && kv.Value.AsString() != oiattr.RedactedValue {
				t.Fatalf("%s: masking changed whether it is JSON: %s", k, kv.Value.AsString())
			}
		}
	}
}

func bodyOf(call *oiattr.Call, key string) string {
	if key == "input.value" {
		return call.Input
	}
	return call.Output
}
