package openaitest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/sashabaranov/go-openai"

	"github.com/sessiontrace/sessiontrace/llm/openai/openaitest"
)

func userResponse(input any) openai.CreateResponseRequest {
	return openai.CreateResponseRequest{Model: "gpt-4.1-mini", Input: input}
}

// outputItems decodes the output of a go-openai response, which it leaves
// as maps.
func outputItems(t *testing.T, output []any) []openai.ResponseOutputItem {
	t.Helper()
	b, err := json.Marshal(output)
	if err != nil {
		t.Fatal(err)
	}
	var items []openai.ResponseOutputItem
	if err := json.Unmarshal(b, &items); err != nil {
		t.Fatal(err)
	}
	return items
}

func TestResponse(t *testing.T) {
	srv := newServer(t)
	req := userResponse("Hello there")
	req.Instructions = "Be brief."
	temperature := float32(0.2)
	req.Temperature = &temperature
	req.Tools = []openai.ResponseTool{openai.NewResponseFunctionTool(openai.FunctionDefinition{Name: "get_weather"})}
	req.Conversation = "conv_1"
	resp, err := srv.Client().CreateResponse(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.ID != "resp_1" || resp.Object != "response" || resp.Created != openaitest.Created || resp.Status != openai.ResponseStatusCompleted || resp.Model != "gpt-4.1-mini" {
		t.Errorf("id, object, created_at, status, model = %q, %q, %d, %q, %q", resp.ID, resp.Object, resp.Created, resp.Status, resp.Model)
	}
	if got := resp.GetOutputText(); got != "You said: Hello there" {
		t.Errorf("output text = %q (instructions must not count as the user's)", got)
	}
	items := outputItems(t, resp.Output)
	if len(items) != 1 {
		t.Fatalf("output = %+v, want one message", items)
	}
	msg := items[0]
	if msg.Type != "message" || msg.ID != "msg_1" || msg.Role != "assistant" || msg.Status != "completed" || len(msg.Content) != 1 || msg.Content[0].Type != "output_text" {
		t.Errorf("message item = %+v", msg)
	}
	// "Be brief." and "Hello there" in, "You said: Hello there" out.
	want := &openai.ResponseUsage{
		InputTokens: 4, OutputTokens: 4, TotalTokens: 8,
		InputTokensDetails: &openai.ResponseInputTokensDetails{}, OutputTokensDetails: &openai.ResponseOutputTokensDetails{},
	}
	if !reflect.DeepEqual(resp.Usage, want) {
		t.Errorf("usage = %+v, want %+v", resp.Usage, want)
	}
	if resp.Instructions != "Be brief." || resp.Temperature == nil || *resp.Temperature != 0.2 || len(resp.Tools) != 1 ||
		resp.Conversation == nil || resp.Conversation.ID != "conv_1" {
		t.Errorf("echoed: instructions %v, temperature %v, tools %v, conversation %+v", resp.Instructions, resp.Temperature, resp.Tools, resp.Conversation)
	}
	if r := srv.Requests()[0]; r.Response == nil || r.Response.Input != "Hello there" || r.Chat != nil || r.Path != "/v1/responses" {
		t.Errorf("recorded request = %+v", r)
	}
}

func TestResponseToolCalls(t *testing.T) {
	srv := newServer(t)
	srv.Enqueue(openaitest.Reply{Content: "Checking.", ToolCalls: weatherCalls, Usage: &openai.Usage{
		PromptTokens: 30, CompletionTokens: 12, TotalTokens: 42,
		PromptTokensDetails:     &openai.PromptTokensDetails{CachedTokens: 16},
		CompletionTokensDetails: &openai.CompletionTokensDetails{ReasoningTokens: 5},
	}})
	resp, err := srv.Client().CreateResponse(context.Background(), userResponse("weather?"))
	if err != nil {
		t.Fatal(err)
	}
	items := outputItems(t, resp.Output)
	if len(items) != 3 || items[0].Type != "message" || items[0].Content[0].Text != "Checking." {
		t.Fatalf("output = %+v, want a message and two function calls", items)
	}
	for i, want := range []struct{ id, callID, name, args string }{
		{"fc_1_0", "call_weather", "get_weather", `{"city":"Paris","unit":"celsius"}`},
		{"fc_1_1", "call_1_1", "get_time", `{"tz":"Europe/Paris"}`},
	} {
		got := items[i+1]
		if got.Type != "function_call" || got.ID != want.id || got.CallID != want.callID || got.Name != want.name || got.Arguments != want.args || got.Status != "completed" {
			t.Errorf("function call %d = %+v, want %+v", i, got, want)
		}
	}
	wantUsage := &openai.ResponseUsage{
		InputTokens: 30, OutputTokens: 12, TotalTokens: 42,
		InputTokensDetails: &openai.ResponseInputTokensDetails{CachedTokens: 16}, OutputTokensDetails: &openai.ResponseOutputTokensDetails{ReasoningTokens: 5},
	}
	if !reflect.DeepEqual(resp.Usage, wantUsage) {
		t.Errorf("usage = %+v, want %+v", resp.Usage, wantUsage)
	}

	// Only tool calls: no message item.
	srv.Enqueue(openaitest.Reply{ToolCalls: weatherCalls[:1]})
	resp, err = srv.Client().CreateResponse(context.Background(), userResponse("weather?"))
	if err != nil {
		t.Fatal(err)
	}
	if items := outputItems(t, resp.Output); len(items) != 1 || items[0].Type != "function_call" {
		t.Errorf("output = %+v, want the function call only", items)
	}
}

// streamResponse streams req with go-openai and returns the events and
// the error that ended the stream (io.EOF for a clean end).
func streamResponse(t *testing.T, srv *openaitest.Server, req openai.CreateResponseRequest) ([]openai.ResponseStreamEvent, error) {
	t.Helper()
	stream, err := srv.Client().CreateResponseStream(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Close()
	var events []openai.ResponseStreamEvent
	for {
		ev, err := stream.Recv()
		if err != nil {
			return events, err
		}
		events = append(events, ev)
	}
}

func eventTypes(events []openai.ResponseStreamEvent) []string {
	types := make([]string, len(events))
	for i, ev := range events {
		types[i] = string(ev.Type)
	}
	return types
}

func TestResponseStream(t *testing.T) {
	srv := newServer(t)
	srv.Enqueue(openaitest.Reply{Content: "It is sunny", ToolCalls: weatherCalls[1:]})
	events, err := streamResponse(t, srv, userResponse("weather?"))
	if !errors.Is(err, io.EOF) {
		t.Fatalf("stream ended with %v, want io.EOF", err)
	}
	want := []string{
		"response.created", "response.in_progress",
		"response.output_item.added", "response.content_part.added",
		"response.output_text.delta", "response.output_text.delta", "response.output_text.delta",
		"response.output_text.done", "response.content_part.done", "response.output_item.done",
		"response.output_item.added",
		"response.function_call_arguments.delta", "response.function_call_arguments.delta", "response.function_call_arguments.delta",
		"response.function_call_arguments.done", "response.output_item.done",
		"response.completed",
	}
	if got := eventTypes(events); !reflect.DeepEqual(got, want) {
		t.Fatalf("events:\n%q\nwant\n%q", got, want)
	}
	var text, args string
	for i, ev := range events {
		if ev.SequenceNumber != i {
			t.Errorf("event %d (%s) has sequence_number %d", i, ev.Type, ev.SequenceNumber)
		}
		switch ev.Type {
		case openai.ResponseStreamEventOutputTextDelta:
			text += ev.Delta
			if ev.ItemID != "msg_1" || ev.OutputIndex != 0 {
				t.Errorf("text delta %+v", ev)
			}
		case openai.ResponseStreamEventFunctionArgumentsDelta:
			args += ev.Delta
			if ev.ItemID != "fc_1_0" || ev.OutputIndex != 1 {
				t.Errorf("arguments delta %+v", ev)
			}
		}
	}
	if text != "It is sunny" || events[7].Text != text || args != weatherCalls[1].Function.Arguments || events[14].Arguments != args {
		t.Errorf("text %q (done %q), arguments %q (done %q)", text, events[7].Text, args, events[14].Arguments)
	}
	if created := events[0].Response; created == nil || created.Status != openai.ResponseStatusInProgress || len(created.Output) != 0 || created.Usage != nil {
		t.Errorf("response.created carries %+v", created)
	}
	if added := events[10].Item; added == nil || added.Type != "function_call" || added.CallID != "call_1_0" || added.Name != "get_time" || added.Arguments != "" {
		t.Errorf("function call added: %+v", added)
	}
	done := events[len(events)-1].Response
	if done == nil || done.Status != openai.ResponseStatusCompleted || done.GetOutputText() != "It is sunny" || len(done.Output) != 2 {
		t.Fatalf("response.completed carries %+v", done)
	}
	// "weather?" in; "It is sunny", get_time and its arguments out.
	if done.Usage == nil || done.Usage.InputTokens != 1 || done.Usage.OutputTokens != 5 || done.Usage.TotalTokens != 6 || done.Usage.InputTokensDetails == nil {
		t.Errorf("usage = %+v", done.Usage)
	}
}

// The Responses API's own SSE framing: an event line and a data line per
// event, and no [DONE].
func TestResponseStreamOnTheWire(t *testing.T) {
	srv := newServer(t)
	resp, body := post(t, srv, "/v1/responses", `{"model":"m","input":"hi","stream":true}`)
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/event-stream") {
		t.Errorf("Content-Type = %q", ct)
	}
	if bytes.Contains(body, []byte("[DONE]")) {
		t.Errorf("the stream has a [DONE] line:\n%s", body)
	}
	events := strings.Split(strings.TrimSuffix(string(body), "\n\n"), "\n\n")
	for i, ev := range events {
		name, data, ok := strings.Cut(ev, "\n")
		var payload struct {
			Type           string `json:"type"`
			SequenceNumber *int   `json:"sequence_number"`
		}
		if !ok || !strings.HasPrefix(name, "event: ") || !strings.HasPrefix(data, "data: ") ||
			json.Unmarshal([]byte(strings.TrimPrefix(data, "data: ")), &payload) != nil {
			t.Fatalf("event %d is not an event line and a JSON data line:\n%s", i, ev)
		}
		if payload.Type != strings.TrimPrefix(name, "event: ") || payload.SequenceNumber == nil || *payload.SequenceNumber != i {
			t.Errorf("event %d: %s carries type %q, sequence_number %v", i, name, payload.Type, payload.SequenceNumber)
		}
	}
	if last := events[len(events)-1]; !strings.HasPrefix(last, "event: response.completed\n") {
		t.Errorf("last event:\n%s", last)
	}
}

func TestResponseFaults(t *testing.T) {
	ctx := context.Background()

	t.Run("rate limit and bad gateway", func(t *testing.T) {
		srv := newServer(t)
		srv.Enqueue(openaitest.Reply{Fault: openaitest.FaultRateLimit}, openaitest.Reply{Fault: openaitest.FaultBadGateway})
		_, err := srv.Client().CreateResponse(ctx, userResponse("x"))
		var apiErr *openai.APIError
		if !errors.As(err, &apiErr) || apiErr.HTTPStatusCode != http.StatusTooManyRequests || apiErr.Code != "rate_limit_exceeded" {
			t.Errorf("429: %v", err)
		}
		_, err = srv.Client().CreateResponseStream(ctx, userResponse("x"))
		var reqErr *openai.RequestError
		if !errors.As(err, &reqErr) || reqErr.HTTPStatusCode != http.StatusBadGateway {
			t.Errorf("502: %v", err)
		}
	})

	t.Run("stream error", func(t *testing.T) {
		srv := newServer(t)
		srv.Enqueue(openaitest.Reply{Content: "one two three four", ToolCalls: weatherCalls, Fault: openaitest.FaultStreamError})
		events, err := streamResponse(t, srv, userResponse("x"))
		if !errors.Is(err, io.EOF) {
			t.Fatalf("stream ended with %v, want io.EOF after response.failed", err)
		}
		want := []string{"response.created", "response.in_progress", "response.output_item.added", "response.content_part.added",
			"response.output_text.delta", "response.output_text.delta", "response.failed"}
		if got := eventTypes(events); !reflect.DeepEqual(got, want) {
			t.Fatalf("events %q, want %q", got, want)
		}
		failed := events[len(events)-1].Response
		if failed == nil || failed.Status != openai.ResponseStatusFailed || failed.Error == nil || failed.Error.Code != "server_error" || failed.Error.Message == "" {
			t.Errorf("response.failed carries %+v", failed)
		}

		srv.Enqueue(openaitest.Reply{Fault: openaitest.FaultStreamError})
		_, err = srv.Client().CreateResponse(ctx, userResponse("x"))
		var apiErr *openai.APIError
		if !errors.As(err, &apiErr) || apiErr.HTTPStatusCode != http.StatusInternalServerError {
			t.Errorf("not streamed: %v, want a 500 APIError", err)
		}
	})

	t.Run("stream ends early", func(t *testing.T) {
		srv := newServer(t)
		srv.Enqueue(openaitest.Reply{Content: "all of it", Fault: openaitest.FaultNoDone})
		events, err := streamResponse(t, srv, userResponse("x"))
		if !errors.Is(err, io.EOF) {
			t.Fatal(err)
		}
		if last := events[len(events)-1]; last.Type != openai.ResponseStreamEventOutputItemDone || last.Item.Content[0].Text != "all of it" {
			t.Errorf("last event = %+v, want the message's output_item.done and no response.completed", last)
		}
	})
}

func TestResponseRequiredParameters(t *testing.T) {
	srv := newServer(t)
	for _, tt := range []struct {
		body, param string
		status      int
	}{
		{`{"input":"x"}`, "model", http.StatusBadRequest},
		{`{"model":"m"}`, "input", http.StatusBadRequest},
		{`{"model":"m","input":null}`, "input", http.StatusBadRequest},
		{`{"model":"m","previous_response_id":"resp_1"}`, "", http.StatusOK},
		{`{"model":"m","conversation":"conv_1"}`, "", http.StatusOK},
		{`{"model":"m","conversation":{"id":"conv_1"}}`, "", http.StatusOK},
		{`{"model":"m","prompt":{"id":"pmpt_1"}}`, "", http.StatusOK},
	} {
		resp, body := post(t, srv, "/v1/responses", tt.body)
		var got struct {
			Error *openai.APIError `json:"error"`
		}
		_ = json.Unmarshal(body, &got)
		switch {
		case resp.StatusCode != tt.status:
			t.Errorf("%s: status %d, want %d", tt.body, resp.StatusCode, tt.status)
		case tt.param != "" && (got.Error == nil || got.Error.Param == nil || *got.Error.Param != tt.param || got.Error.Type != "invalid_request_error"):
			t.Errorf("%s: error %s, want one naming %s", tt.body, body, tt.param)
		}
	}
	// Without input there is nothing to echo.
	_, body := post(t, srv, "/v1/responses", `{"model":"m","previous_response_id":"resp_1"}`)
	if !bytes.Contains(body, []byte(`"text":"You said nothing."`)) || !bytes.Contains(body, []byte(`"previous_response_id":"resp_1"`)) {
		t.Errorf("body %s", body)
	}
}

func TestResponseDefaultResponder(t *testing.T) {
	tests := []struct {
		name  string
		input string // JSON
		want  string
	}{
		{"string", `"Hi"`, "You said: Hi"},
		{"message items", `[{"role":"user","content":"first"},{"role":"assistant","content":"ok"},{"type":"message","role":"user","content":[{"type":"input_text","text":"What is"},{"type":"input_image","image_url":"data:image/png;base64,AA=="},{"type":"input_text","text":"this?"}]}]`,
			"You said: What is this?"},
		{"developer message only", `[{"role":"developer","content":"Be brief."}]`, "You said nothing."},
		{"tool result", `[{"role":"user","content":"weather?"},{"type":"function_call","call_id":"call_1","name":"get_weather","arguments":"{}"},{"type":"function_call_output","call_id":"call_1","output":"18°C"}]`,
			"Tool result: 18°C"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var req openai.CreateResponseRequest
			if err := json.Unmarshal([]byte(`{"model":"m","instructions":"Say hi.","input":`+tt.input+`}`), &req); err != nil {
				t.Fatal(err)
			}
			if got := openaitest.DefaultResponder(openaitest.Request{Response: &req}); !reflect.DeepEqual(got, openaitest.Reply{Content: tt.want}) {
				t.Errorf("DefaultResponder = %+v, want Content %q", got, tt.want)
			}
		})
	}
}

func TestResponseAzurePath(t *testing.T) {
	srv := newServer(t)
	cfg := openai.DefaultAzureConfig("azure-key", srv.URL)
	cfg.HTTPClient = srv.HTTPClient()
	resp, err := openai.NewClientWithConfig(cfg).CreateResponse(context.Background(), userResponse("azure"))
	if err != nil {
		t.Fatal(err)
	}
	if got := resp.GetOutputText(); got != "You said: azure" {
		t.Errorf("output text = %q", got)
	}
	if r := srv.Requests()[0]; r.Response == nil || !strings.HasPrefix(r.Path, "/openai/") {
		t.Errorf("azure request %s not routed to responses", r.Path)
	}
}
