package openai_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/sashabaranov/go-openai"
	"go.opentelemetry.io/otel/codes"

	"github.com/sessiontrace/sessiontrace"
	"github.com/sessiontrace/sessiontrace/internal/spantest"
	oiopenai "github.com/sessiontrace/sessiontrace/llm/openai"
	"github.com/sessiontrace/sessiontrace/llm/openai/openaitest"
)

type eventReader interface {
	Recv() (openai.ResponseStreamEvent, error)
}

// drainEvents reads a Responses stream to its end and returns its events
// and the error that ended it (nil for io.EOF).
func drainEvents(s eventReader) ([]openai.ResponseStreamEvent, error) {
	var events []openai.ResponseStreamEvent
	for {
		e, err := s.Recv()
		if errors.Is(err, io.EOF) {
			return events, nil
		}
		if err != nil {
			return events, err
		}
		events = append(events, e)
	}
}

// eventTypes lists the types and deltas of events, which do not depend on
// the request's number in openaitest's IDs.
func eventTypes(events []openai.ResponseStreamEvent) []string {
	out := make([]string, len(events))
	for i, e := range events {
		out[i] = string(e.Type) + " " + e.Delta
	}
	return out
}

var streamReply = openaitest.Reply{
	Content:   "Sunny in Paris today.",
	Chunks:    5,
	ToolCalls: []openai.ToolCall{{ID: "call_w", Function: openai.FunctionCall{Name: "get_weather", Arguments: `{"city":"Paris","unit":"celsius"}`}}},
	Model:     "gpt-4.1-2025-04-14",
	Usage: &openai.Usage{PromptTokens: 30, CompletionTokens: 20, TotalTokens: 50,
		PromptTokensDetails:     &openai.PromptTokensDetails{CachedTokens: 10},
		CompletionTokensDetails: &openai.CompletionTokensDetails{ReasoningTokens: 6}},
}

func TestResponseStream(t *testing.T) {
	h := newHarness(t)
	h.srv.Enqueue(streamReply, streamReply)
	ctx := sessiontrace.WithUser(sessiontrace.WithSession(context.Background(), "sess-s"), "user-s")
	req := openai.CreateResponseRequest{Model: "gpt-4.1", Instructions: "Be brief.", Input: "Weather in Paris?",
		Tools: []openai.ResponseTool{responseWeatherTool}}

	bare, err := h.srv.Client().CreateResponseStream(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	want, err := drainEvents(bare)
	bare.Close()
	if err != nil {
		t.Fatal(err)
	}

	s, err := h.client.CreateResponseStream(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if s.Header().Get("Content-Type") == "" {
		t.Error("no headers")
	}
	_ = s.GetRateLimitHeaders()
	got, err := drainEvents(s)
	if err != nil {
		t.Fatal(err)
	}
	if len(h.rec.Ended()) != 1 {
		t.Fatal("span not ended at io.EOF")
	}
	if _, err := s.Recv(); !errors.Is(err, io.EOF) {
		t.Errorf("Recv after EOF: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Error(err)
	}
	if g, w := strings.Join(eventTypes(got), "\n"), strings.Join(eventTypes(want), "\n"); g != w {
		t.Errorf("events differ from go-openai's:\n%s\nwant\n%s", g, w)
	}
	completed := got[len(got)-1]
	if completed.Type != openai.ResponseStreamEventCompleted {
		t.Fatalf("last event %s", completed.Type)
	}

	sp := h.only(t)
	if sp.Name() != "Response" || sp.Status().Code != codes.Ok {
		t.Errorf("%s %v", sp.Name(), sp.Status())
	}
	if n := spantest.Events(sp, "First Token Stream Event"); n != 1 {
		t.Errorf("%d first-token events", n)
	}
	if spantest.Events(sp, "Stream Closed Early") != 0 {
		t.Error("complete stream marked as closed early")
	}
	spantest.Want(t, sp, map[string]any{
		"session.id":                       "sess-s",
		"user.id":                          "user-s",
		"llm.model_name":                   "gpt-4.1-2025-04-14",
		in0 + "content":                    "Be brief.",
		in1 + "role":                       "user",
		in1 + "content":                    "Weather in Paris?",
		out0 + "role":                      "assistant",
		out0 + "content":                   "Sunny in Paris today.",
		out0 + "tool_calls.0.tool_call.id": "call_w",
		out0 + "tool_calls.0.tool_call.function.name":      "get_weather",
		out0 + "tool_calls.0.tool_call.function.arguments": `{"city":"Paris","unit":"celsius"}`,
		"llm.tools.0.tool.json_schema":                     mustJSON(responseWeatherTool),
		"llm.token_count.prompt":                           30,
		"llm.token_count.completion":                       20,
		"llm.token_count.total":                            50,
		"llm.token_count.prompt_details.cache_read":        10,
		"llm.token_count.completion_details.reasoning":     6,
	})
	// output.value is the response that response.completed carried;
	// input.value the request as go-openai sent it, stream included.
	var ev struct{ Response json.RawMessage }
	if err := json.Unmarshal(completed.Raw, &ev); err != nil {
		t.Fatal(err)
	}
	if got := spantest.String(sp, "output.value"); got != string(ev.Response) {
		t.Errorf("output.value\n got %s\nwant %s", got, ev.Response)
	}
	sent := req
	sent.Stream = true
	if got := spantest.String(sp, "input.value"); got != mustJSON(sent) {
		t.Errorf("input.value %s", got)
	}
}

// With NewClientWithConfig a stream records the request body as sent.
func TestResponseStreamWire(t *testing.T) {
	h := newHarness(t)
	c := oiopenai.NewClientWithConfig(h.srv.ClientConfig(), oiopenai.WithTracerProvider(h.tp))
	s, err := c.CreateResponseStream(context.Background(), openai.CreateResponseRequest{Model: "m", Input: "hi"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := drainEvents(s); err != nil {
		t.Fatal(err)
	}
	s.Close()
	sp := h.only(t)
	if got, sent := spantest.String(sp, "input.value"), string(h.srv.Requests()[0].Body); got != sent {
		t.Errorf("input.value\n got %s\nsent %s", got, sent)
	}
	spantest.Want(t, sp, map[string]any{out0 + "content": "You said: hi", "llm.token_count.total": 4})
}

// sseConfig is a go-openai configuration for a server that streams data,
// each an event of its own ("event:" and "data:" lines), and ends the body
// without [DONE], as the Responses API does.
func sseConfig(t *testing.T, data ...string) openai.ClientConfig {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		for _, d := range data {
			var e struct{ Type string }
			_ = json.Unmarshal([]byte(d), &e)
			io.WriteString(w, "event: "+e.Type+"\ndata: "+d+"\n\n")
		}
	}))
	t.Cleanup(srv.Close)
	cfg := openai.DefaultConfig("k")
	cfg.BaseURL = srv.URL + "/v1"
	return cfg
}

const (
	created  = `{"type":"response.created","sequence_number":0,"response":{"id":"resp_h","object":"response","status":"in_progress","model":"gpt-4.1","output":[],"usage":null,"x_new":{"a":1}}}`
	msgAdded = `{"type":"response.output_item.added","sequence_number":1,"output_index":0,"item":{"id":"msg_h","type":"message","status":"in_progress","content":[],"role":"assistant"}}`
	textHi   = `{"type":"response.output_text.delta","sequence_number":2,"item_id":"msg_h","output_index":0,"content_index":0,"delta":"Hi","obfuscation":"xyz"}`
	textMore = `{"type":"response.output_text.delta","sequence_number":4,"item_id":"msg_h","output_index":0,"content_index":0,"delta":" there"}`
)

// However a stream ends, the caller gets go-openai's events and error, and
// the span ends once with what arrived.
func TestResponseStreamEnds(t *testing.T) {
	for _, tc := range []struct {
		name   string
		reply  *openaitest.Reply // from openaitest, or else:
		data   []string          // from a hand-written server
		events int               // how many the caller gets
		err    bool              // Recv ends with an error, not io.EOF
		code   codes.Code
		desc   string
		want   map[string]any
	}{{
		name:  "without response.completed",
		reply: &openaitest.Reply{Content: "Sunny in Paris today.", Chunks: 4, ToolCalls: streamReply.ToolCalls, Fault: openaitest.FaultNoDone},
		code:  codes.Ok,
		want: map[string]any{out0 + "content": "Sunny in Paris today.", out0 + "tool_calls.0.tool_call.id": "call_w",
			out0 + "tool_calls.0.tool_call.function.arguments": `{"city":"Paris","unit":"celsius"}`, "llm.token_count.total": nil},
	}, {
		name:  "response.failed",
		reply: &openaitest.Reply{Content: "one two three four", Fault: openaitest.FaultStreamError}, // a delta per word
		code:  codes.Error, desc: "The server had an error while processing your request. Sorry about that!",
		want: map[string]any{out0 + "content": "one two", "llm.token_count.total": nil},
	}, {
		name:   "an error event, and events after it",
		data:   []string{created, msgAdded, textHi, `{"type":"error","sequence_number":3,"code":"rate_limit_exceeded","message":"Slow down.","param":null}`, textMore},
		events: 5, code: codes.Error, desc: "Slow down.",
		want: map[string]any{out0 + "content": "Hi there", "llm.model_name": "gpt-4.1"},
	}, {
		name:   "an event of a type nobody knows",
		data:   []string{created, `{"type":"response.x_future","sequence_number":1,"x":[1,2]}`, msgAdded, textHi},
		events: 4, code: codes.Ok,
		want: map[string]any{out0 + "content": "Hi"},
	}, {
		name:   "data that is not JSON",
		data:   []string{created, msgAdded, textHi, `{"type":"response.output_text.delta","delta":`},
		events: 3, err: true, code: codes.Error,
		want: map[string]any{out0 + "content": "Hi"},
	}, {
		name:   "[DONE] after response.completed, as some servers send",
		data:   []string{created, msgAdded, textHi, `{"type":"response.completed","sequence_number":3,"response":{"id":"resp_h","object":"response","status":"completed","model":"gpt-4.1","output":[{"type":"message","role":"assistant","content":[{"type":"output_text","text":"Hi"}]}],"usage":{"input_tokens":1,"output_tokens":1,"total_tokens":2}}}`, "[DONE]", textMore},
		events: 4, code: codes.Ok,
		want: map[string]any{out0 + "content": "Hi", "llm.token_count.total": 2},
	}, {
		name: "no events at all",
		code: codes.Ok,
		want: map[string]any{out0 + "role": nil, "output.value": `{"object":"response","output":[]}`},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			cfg := h.srv.ClientConfig()
			if tc.reply != nil {
				h.srv.Enqueue(*tc.reply, *tc.reply)
			} else {
				cfg = sseConfig(t, tc.data...)
			}
			req := openai.CreateResponseRequest{Model: "gpt-4.1", Input: "hi"}
			bare, err := openai.NewClientWithConfig(cfg).CreateResponseStream(context.Background(), req)
			if err != nil {
				t.Fatal(err)
			}
			want, wantErr := drainEvents(bare)
			bare.Close()

			c := oiopenai.Wrap(openai.NewClientWithConfig(cfg), oiopenai.WithTracerProvider(h.tp))
			s, err := c.CreateResponseStream(context.Background(), req)
			if err != nil {
				t.Fatal(err)
			}
			got, gotErr := drainEvents(s)
			s.Close()
			if (gotErr != nil) != tc.err || gotErr != nil && gotErr.Error() != wantErr.Error() {
				t.Errorf("error %v, go-openai's %v", gotErr, wantErr)
			}
			if strings.Join(eventTypes(got), "\n") != strings.Join(eventTypes(want), "\n") || tc.events > 0 && len(got) != tc.events {
				t.Errorf("%d events %v, go-openai's %v", len(got), eventTypes(got), eventTypes(want))
			}
			sp := h.only(t)
			if sp.Status().Code != tc.code || tc.desc != "" && sp.Status().Description != tc.desc {
				t.Errorf("status %v", sp.Status())
			}
			if wantEvents := map[codes.Code]int{codes.Error: 1}[tc.code]; spantest.Events(sp, "exception") != wantEvents {
				t.Errorf("events %v", sp.Events())
			}
			if spantest.Events(sp, "Stream Closed Early") != 0 {
				t.Error("a stream read to its end marked as closed early")
			}
			spantest.Want(t, sp, tc.want)
			if out := spantest.String(sp, "output.value"); !json.Valid([]byte(out)) {
				t.Errorf("output.value is not JSON: %s", out)
			}
		})
	}
}

// Close before the end: one span, status OK, what arrived, the closed-early
// event; Close after response.completed is not early. No goroutine is left
// behind.
func TestResponseStreamClosedEarly(t *testing.T) {
	for _, tc := range []struct {
		name  string
		read  int // events read before Close
		early bool
		want  string
	}{
		{"early", 6, true, "one two"},
		{"after response.completed", 13, false, "one two three four five"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			h.srv.Enqueue(openaitest.Reply{Content: "one two three four five"}) // a delta per word
			s, err := h.client.CreateResponseStream(context.Background(), openai.CreateResponseRequest{Model: "m", Input: "count"})
			if err != nil {
				t.Fatal(err)
			}
			var last openai.ResponseStreamEvent
			for range tc.read {
				if last, err = s.Recv(); err != nil {
					t.Fatal(err)
				}
			}
			if !tc.early && last.Type != openai.ResponseStreamEventCompleted {
				t.Fatalf("event %d is %s", tc.read, last.Type)
			}
			if err := s.Close(); err != nil {
				t.Error(err)
			}
			s.Close()
			sp := h.only(t)
			if sp.Status().Code != codes.Ok {
				t.Errorf("status %v", sp.Status())
			}
			if got := spantest.Events(sp, "Stream Closed Early"); got != map[bool]int{true: 1}[tc.early] {
				t.Errorf("%d closed-early events", got)
			}
			spantest.Want(t, sp, map[string]any{out0 + "content": tc.want})
			verifyNoLeak(t, h)
		})
	}
}

func TestResponseStreamCancelled(t *testing.T) {
	h := newHarness(t)
	h.srv.Enqueue(openaitest.Reply{Content: strings.Repeat("slow ", 50), ChunkDelay: 50 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s, err := h.client.CreateResponseStream(ctx, openai.CreateResponseRequest{Model: "m", Input: "go slowly"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Recv(); err != nil {
		t.Fatal(err)
	}
	cancel()
	if _, err := drainEvents(s); err == nil {
		t.Fatal("io.EOF after cancel")
	}
	s.Close()
	sp := h.only(t)
	if sp.Status().Code != codes.Error || spantest.Events(sp, "exception") != 1 {
		t.Errorf("status %v events %v", sp.Status(), sp.Events())
	}
	verifyNoLeak(t, h)
}

// A stream that cannot start: go-openai's error, a span that ended.
func TestResponseStreamRateLimited(t *testing.T) {
	h := newHarness(t)
	h.srv.Enqueue(openaitest.Reply{Fault: openaitest.FaultRateLimit})
	s, err := h.client.CreateResponseStream(context.Background(), openai.CreateResponseRequest{Model: "m", Input: "hi"})
	var apiErr *openai.APIError
	if s != nil || !errors.As(err, &apiErr) || apiErr.HTTPStatusCode != 429 {
		t.Fatalf("stream %v, error %v", s, err)
	}
	sp := h.only(t)
	if sp.Status().Code != codes.Error {
		t.Errorf("status %v", sp.Status())
	}
	spantest.Want(t, sp, map[string]any{"http.response.status_code": 429, in0 + "content": "hi"})
}
