package openai_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/sashabaranov/go-openai"
	"go.opentelemetry.io/otel/codes"

	"github.com/sessiontrace/sessiontrace"
	"github.com/sessiontrace/sessiontrace/internal/spantest"
	oiopenai "github.com/sessiontrace/sessiontrace/llm/openai"
	"github.com/sessiontrace/sessiontrace/llm/openai/openaitest"
)

var responseWeatherTool = openai.NewResponseFunctionTool(openai.FunctionDefinition{
	Name:        "get_weather",
	Description: "The weather in a city.",
	Parameters:  json.RawMessage(weatherSchema),
})

// responseRequest is a Responses request with instructions and input items
// of every kind the span maps: a user message as a string, one with parts
// (text and an image), a function call with its output.
func responseRequest() openai.CreateResponseRequest {
	temperature := float32(0.25)
	return openai.CreateResponseRequest{
		Model:        "gpt-4.1",
		Instructions: "You are a weather assistant.",
		Input: []any{
			openai.ResponseInputMessage{Role: "user", Content: "Hello!"},
			openai.ResponseInputMessage{Type: "message", Role: "user", Content: []any{
				openai.ResponseInputText{Type: "input_text", Text: "What is the weather in Paris?"},
				openai.ResponseInputImage{Type: "input_image", ImageURL: "https://example.com/paris.jpg"},
			}},
			map[string]any{"type": "function_call", "call_id": "call_0", "name": "get_weather", "arguments": `{"city":"Paris"}`},
			openai.ResponseFunctionCallOutput{Type: "function_call_output", CallID: "call_0", Output: `{"temp":21}`},
		},
		Tools:           []openai.ResponseTool{responseWeatherTool},
		Temperature:     &temperature,
		MaxOutputTokens: 200,
		Metadata:        map[string]any{"app": "weather"},
	}
}

const (
	in0  = "llm.input_messages.0.message."
	in1  = "llm.input_messages.1.message."
	out0 = "llm.output_messages.0.message."
)

// Each mapping rule of the Responses API against openaitest, with Wrap:
// input.value and output.value are encoding/json of go-openai's request and
// response.
func TestCreateResponse(t *testing.T) {
	h := newHarness(t)
	h.srv.Enqueue(openaitest.Reply{
		Content:   "It is 21°C in Paris.",
		ToolCalls: []openai.ToolCall{{ID: "call_1", Function: openai.FunctionCall{Name: "get_weather", Arguments: `{"city":"Lyon"}`}}},
		Model:     "gpt-4.1-2025-04-14",
		Usage: &openai.Usage{PromptTokens: 40, CompletionTokens: 12, TotalTokens: 52,
			PromptTokensDetails:     &openai.PromptTokensDetails{CachedTokens: 16},
			CompletionTokensDetails: &openai.CompletionTokensDetails{ReasoningTokens: 4}},
	})
	ctx := sessiontrace.WithUser(sessiontrace.WithSession(context.Background(), "sess-r"), "user-r")
	req := responseRequest()
	resp, err := h.client.CreateResponse(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.GetOutputText() != "It is 21°C in Paris." {
		t.Errorf("answer %q", resp.GetOutputText())
	}

	sp := h.only(t)
	if sp.Name() != "Response" || sp.Status().Code != codes.Ok {
		t.Errorf("%s %v", sp.Name(), sp.Status())
	}
	spantest.Want(t, sp, map[string]any{
		"openinference.span.kind": "LLM",
		"llm.system":              "openai",
		"llm.provider":            "openai",
		"session.id":              "sess-r",
		"user.id":                 "user-r",
		"llm.model_name":          "gpt-4.1-2025-04-14",
		"input.value":             mustJSON(req),
		"input.mime_type":         "application/json",
		"output.value":            mustJSON(resp),
		"output.mime_type":        "application/json",

		in0 + "role":                        "system",
		in0 + "content":                     "You are a weather assistant.",
		in1 + "role":                        "user",
		in1 + "content":                     "Hello!",
		"llm.input_messages.2.message.role": "user",
		"llm.input_messages.2.message.contents.0.message_content.type":            "text",
		"llm.input_messages.2.message.contents.0.message_content.text":            "What is the weather in Paris?",
		"llm.input_messages.2.message.contents.1.message_content.type":            "image",
		"llm.input_messages.2.message.contents.1.message_content.image.image.url": "https://example.com/paris.jpg",
		"llm.input_messages.3.message.role":                                       "assistant",
		"llm.input_messages.3.message.tool_calls.0.tool_call.id":                  "call_0",
		"llm.input_messages.3.message.tool_calls.0.tool_call.function.name":       "get_weather",
		"llm.input_messages.3.message.tool_calls.0.tool_call.function.arguments":  `{"city":"Paris"}`,
		"llm.input_messages.4.message.role":                                       "tool",
		"llm.input_messages.4.message.tool_call_id":                               "call_0",
		"llm.input_messages.4.message.content":                                    `{"temp":21}`,
		"llm.input_messages.5.message.role":                                       nil,
		out0 + "role":                                                             "assistant",
		out0 + "content":                                                          "It is 21°C in Paris.",
		out0 + "tool_calls.0.tool_call.id":                                        "call_1",
		out0 + "tool_calls.0.tool_call.function.name":                             "get_weather",
		out0 + "tool_calls.0.tool_call.function.arguments":                        `{"city":"Lyon"}`,
		"llm.output_messages.1.message.role":                                      nil,
		"llm.tools.0.tool.json_schema":                                            mustJSON(responseWeatherTool),
		"llm.token_count.prompt":                                                  40,
		"llm.token_count.completion":                                              12,
		"llm.token_count.total":                                                   52,
		"llm.token_count.prompt_details.cache_read":                               16,
		"llm.token_count.completion_details.reasoning":                            4,
		"llm.finish_reason":                                                       nil,
		"gen_ai.operation.name":                                                   nil, // GenAI attributes are off by default
	})

	// The invocation parameters are the request without input,
	// instructions and tools.
	var params map[string]any
	if err := jsonUnmarshal(spantest.String(sp, "llm.invocation_parameters"), &params); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"model": "gpt-4.1", "temperature": 0.25, "max_output_tokens": 200.0, "metadata": map[string]any{"app": "weather"}}
	if !reflect.DeepEqual(params, want) {
		t.Errorf("llm.invocation_parameters = %v, want %v", params, want)
	}
}

// With GenAI attributes on, a Responses span says it is a chat.
func TestCreateResponseGenAI(t *testing.T) {
	h := newHarness(t)
	cfg := sessiontrace.DefaultTraceConfig()
	cfg.EnableGenAISemconv = true
	c := wrapWith(h, cfg)
	ctx := sessiontrace.WithSession(context.Background(), "sess-g")
	if _, err := c.CreateResponse(ctx, openai.CreateResponseRequest{Model: "gpt-4.1", Input: "hi", MaxOutputTokens: 9}); err != nil {
		t.Fatal(err)
	}
	spantest.Want(t, h.only(t), map[string]any{
		"gen_ai.operation.name":      "chat",
		"gen_ai.provider.name":       "openai",
		"gen_ai.request.model":       "gpt-4.1",
		"gen_ai.response.model":      "gpt-4.1",
		"gen_ai.response.id":         "resp_1",
		"gen_ai.conversation.id":     "sess-g",
		"gen_ai.usage.input_tokens":  1,
		"gen_ai.usage.output_tokens": 3,
		"gen_ai.request.max_tokens":  9,
	})
}

// responsesWire is a response as a server may send it: fields go-openai's
// types do not know, odd spacing and key order, a reasoning item, an item
// of a type nobody knows yet, numbers float64 would round.
const responsesWire = `{ "output":[ {"type":"reasoning","id":"rs_1","summary":[],"encrypted_content":"gAAA"},
   {"type":"x_future_item","id":"xf_1","payload":{"a":1}},
   {"role":"assistant","type":"message","id":"msg_1","status":"completed","content":[{"type":"output_text","text":"Bonjour <toi> & salut","annotations":[],"logprobs":[]}]}],
  "id":"resp_w1","object":"response","created_at":1735689600,"status":"completed","model":"gpt-4.1-2025-04-14",
  "usage":{"input_tokens":9,"input_tokens_details":{"cached_tokens":0,"x_new":1},"output_tokens":5,"output_tokens_details":{"reasoning_tokens":2},"total_tokens":14},
  "x_request_meta":{"region":"eu-1","latency_ms":123.4560},"instructions":null}` + "\n"

// With NewClientWithConfig, input.value and output.value are the bodies
// byte for byte, and the attributes come from them.
func TestResponseWireBodies(t *testing.T) {
	srv := newWireServer(t, map[string]string{"/v1/responses": responsesWire})
	tp, rec := spantest.NewProvider(t)
	doer := &countingDoer{next: srv.Client()}
	c := oiopenai.NewClientWithConfig(wireConfig(srv, doer), oiopenai.WithTracerProvider(tp),
		oiopenai.WithTraceConfig(sessiontrace.DefaultTraceConfig()))
	req := responseRequest()
	req.ExtraBody = map[string]any{"x_vendor_flag": true} // only the wire has it
	resp, err := c.CreateResponse(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.ID != "resp_w1" || len(resp.Output) != 3 {
		t.Errorf("response %+v", resp)
	}
	sp := spantest.Only(t, rec)
	received := srv.body("/v1/responses")
	if got := spantest.String(sp, "input.value"); got != received {
		t.Errorf("input.value\n got %s\nsent %s", got, received)
	}
	if got := spantest.String(sp, "output.value"); got != responsesWire {
		t.Errorf("output.value\n got %q\nwant %q", got, responsesWire)
	}
	if doer.calls != 1 || doer.bodies[0] != received {
		t.Errorf("the caller's HTTP client sent %d requests", doer.calls)
	}
	if !strings.Contains(spantest.String(sp, "llm.invocation_parameters"), `"x_vendor_flag":true`) {
		t.Errorf("parameters lost a field only the wire has: %s", spantest.String(sp, "llm.invocation_parameters"))
	}
	spantest.Want(t, sp, map[string]any{
		"llm.model_name":                               "gpt-4.1-2025-04-14",
		out0 + "role":                                  "assistant",
		out0 + "content":                               "Bonjour <toi> & salut",
		"llm.output_messages.1.message.role":           nil, // reasoning and the unknown item are skipped
		"llm.token_count.prompt":                       9,
		"llm.token_count.completion":                   5,
		"llm.token_count.total":                        14,
		"llm.token_count.completion_details.reasoning": 2,
		"llm.token_count.prompt_details.cache_read":    nil,
		in0 + "content":                                "You are a weather assistant.",
	})
}

// Odd answers and failures: the caller gets exactly what go-openai's own
// client returns, and the span ends once, with what is known.
func TestResponseBadInput(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		status     int
		code       codes.Code
		desc       string // the status description, when it matters
		want       map[string]any
	}{
		{"no output items", `{"id":"resp_1","object":"response","status":"completed","model":"m","output":[],"usage":{"input_tokens":1,"output_tokens":0,"total_tokens":1}}`,
			200, codes.Ok, "", map[string]any{out0 + "role": nil, "llm.token_count.prompt": 1, "llm.model_name": "m"}},
		{"only items of unknown types", `{"id":"resp_1","object":"response","model":"m","output":[{"type":"x_new","content":[{"type":"output_text","text":"no"}]}],"usage":null}`,
			200, codes.Ok, "", map[string]any{out0 + "role": nil, "llm.token_count.prompt": nil, "llm.token_count.total": nil}},
		{"null usage and output", `{"id":"resp_1","object":"response","model":"m","output":null,"usage":null}`,
			200, codes.Ok, "", map[string]any{"llm.token_count.total": nil, out0 + "role": nil}},
		{"a failed response", `{"id":"resp_1","object":"response","status":"failed","error":{"code":"server_error","message":"It broke."},"model":"m","output":[]}`,
			200, codes.Error, "It broke.", map[string]any{"llm.model_name": "m"}},
		{"a body that is not JSON", `<html>oops</html>`, 200, codes.Error, "", map[string]any{"output.value": nil, "input.value": mustJSON(responseRequest())}},
		{"an HTTP error", `{"error":{"message":"Bad key","type":"invalid_request_error","code":"invalid_api_key"}}`, 401, codes.Error, "",
			map[string]any{"http.response.status_code": 401, "output.value": nil}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				// A fixed Date: the responses, headers included, are
				// compared with the bare client's, and a second may pass
				// between the calls.
				w.Header().Set("Date", "Tue, 01 Dec 2026 00:00:00 GMT")
				w.WriteHeader(tc.status)
				w.Write([]byte(tc.body))
			}))
			t.Cleanup(srv.Close)
			cfg := openai.DefaultConfig("k")
			cfg.BaseURL = srv.URL + "/v1"
			tp, rec := spantest.NewProvider(t)
			req := responseRequest()
			bare, bareErr := openai.NewClientWithConfig(cfg).CreateResponse(context.Background(), req)
			for i, c := range []*oiopenai.Client{
				oiopenai.Wrap(openai.NewClientWithConfig(cfg), oiopenai.WithTracerProvider(tp)),
				oiopenai.NewClientWithConfig(cfg, oiopenai.WithTracerProvider(tp)),
			} {
				rec.Reset()
				resp, err := c.CreateResponse(context.Background(), req)
				if !reflect.DeepEqual(resp, bare) || (err == nil) != (bareErr == nil) || err != nil && err.Error() != bareErr.Error() {
					t.Errorf("got %+v, %v\nbare %+v, %v", resp, err, bare, bareErr)
				}
				sp := spantest.Only(t, rec)
				if sp.Status().Code != tc.code || tc.desc != "" && sp.Status().Description != tc.desc {
					t.Errorf("status %v, want %v %q", sp.Status(), tc.code, tc.desc)
				}
				if tc.code == codes.Error && spantest.Events(sp, "exception") != 1 {
					t.Errorf("events %v", sp.Events())
				}
				spantest.Want(t, sp, tc.want)
				if wire := i == 1; wire && bareErr == nil && spantest.String(sp, "output.value") != tc.body {
					t.Errorf("output.value is not the body: %s", spantest.String(sp, "output.value"))
				}
			}
		})
	}
}

// The faults openaitest injects: go-openai's own errors come back, the span
// is ERROR with the status code.
func TestResponseFaults(t *testing.T) {
	for _, tc := range []struct {
		fault  openaitest.Fault
		status int
		target any
	}{
		{openaitest.FaultRateLimit, 429, new(*openai.APIError)},
		{openaitest.FaultBadGateway, 502, new(*openai.RequestError)},
		{openaitest.FaultStreamError, 500, new(*openai.APIError)},
	} {
		t.Run(tc.fault.String(), func(t *testing.T) {
			h := newHarness(t)
			ctx, turn := sessiontrace.StartTurn(context.Background(), "turn", sessiontrace.WithTracerProvider(h.tp))
			h.srv.Enqueue(openaitest.Reply{Fault: tc.fault})
			_, err := h.client.CreateResponse(ctx, openai.CreateResponseRequest{Model: "m", Input: "hi"})
			if !errors.As(err, tc.target) {
				t.Fatalf("error %T %v", err, err)
			}
			turn.End()
			sp := spantest.Named(t, h.rec, "Response")
			if sp.Status().Code != codes.Error || spantest.Events(sp, "exception") != 1 {
				t.Errorf("status %v events %v", sp.Status(), sp.Events())
			}
			spantest.Want(t, sp, map[string]any{"http.response.status_code": tc.status, in0 + "content": "hi"})
			spantest.Want(t, spantest.Named(t, h.rec, "turn"), map[string]any{"input.value": nil, "output.value": nil})
		})
	}
	// go-openai refuses a Stream request on CreateResponse before sending:
	// the span records its error, and the request as it would have gone.
	h := newHarness(t)
	_, err := h.client.CreateResponse(context.Background(), openai.CreateResponseRequest{Model: "m", Input: "hi", Stream: true})
	if !errors.Is(err, openai.ErrResponseStreamNotSupported) {
		t.Fatal(err)
	}
	sp := h.only(t)
	if sp.Status().Code != codes.Error || len(h.srv.Requests()) != 0 {
		t.Errorf("status %v, %d requests", sp.Status(), len(h.srv.Requests()))
	}
	spantest.Want(t, sp, map[string]any{in0 + "content": "hi"})
}
