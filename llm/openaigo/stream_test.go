package openaigo_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/openai/openai-go/v3"
	goopenai "github.com/sashabaranov/go-openai"
	"go.opentelemetry.io/otel/codes"

	"github.com/sessiontrace/sessiontrace/internal/spantest"
	"github.com/sessiontrace/sessiontrace/llm/openai/openaitest"
)

const (
	firstToken  = "First Token Stream Event"
	closedEarly = "Stream Closed Early"
)

// streamChat is chat(text) asking for the usage chunk.
func streamChat(text string) openai.ChatCompletionNewParams {
	p := chat(text)
	p.StreamOptions = openai.ChatCompletionStreamOptionsParam{IncludeUsage: openai.Bool(true)}
	return p
}

// readStream reads s to its end, returning the content of choice 0 and the
// stream's error, and closes it.
func readStream(s streamReader) (string, error) {
	var acc openai.ChatCompletionAccumulator
	for s.Next() {
		acc.AddChunk(s.Current())
	}
	err := s.Err()
	_ = s.Close()
	if len(acc.Choices) == 0 {
		return "", err
	}
	return acc.Choices[0].Message.Content, err
}

func TestChatStream(t *testing.T) {
	h := newHarness(t)
	h.srv.Enqueue(openaitest.Reply{Content: "Rain, then sun.", Usage: &goopenai.Usage{
		PromptTokens: 9, CompletionTokens: 4, TotalTokens: 13,
		CompletionTokensDetails: &goopenai.CompletionTokensDetails{ReasoningTokens: 2},
	}})
	content, err := readStream(h.client.Chat.Completions.NewStreaming(context.Background(), streamChat("Weather?")))
	if err != nil || content != "Rain, then sun." {
		t.Fatalf("the caller read %q, %v", content, err)
	}
	s := h.only(t)
	if s.Name() != "ChatCompletion" || s.Status().Code != codes.Ok || spantest.Events(s, firstToken) != 1 || spantest.Events(s, closedEarly) != 0 {
		t.Errorf("span %q status %v events %v", s.Name(), s.Status(), eventNames(s.Events()))
	}
	sent := string(h.srv.Requests()[0].Body)
	if !strings.Contains(sent, `"stream":true`) {
		t.Errorf("the request sent %s", sent)
	}
	spantest.Want(t, s, map[string]any{
		"input.value":                                  sent,
		"llm.input_messages.0.message.content":         "Weather?",
		"llm.output_messages.0.message.role":           "assistant",
		"llm.output_messages.0.message.content":        "Rain, then sun.",
		"llm.finish_reason":                            "stop",
		"llm.model_name":                               "gpt-4o-mini",
		"llm.token_count.prompt":                       9,
		"llm.token_count.completion":                   4,
		"llm.token_count.total":                        13,
		"llm.token_count.completion_details.reasoning": 2,
		"output.mime_type":                             "application/json",
	})
	var out openai.ChatCompletion
	if err := json.Unmarshal([]byte(spantest.String(s, "output.value")), &out); err != nil {
		t.Fatal(err)
	}
	if out.ID != "chatcmpl-1" || out.Object != "chat.completion" || len(out.Choices) != 1 ||
		out.Choices[0].Message.Content != "Rain, then sun." || out.Usage.TotalTokens != 13 {
		t.Errorf("output.value = %s", spantest.String(s, "output.value"))
	}
	params := spantest.String(s, "llm.invocation_parameters")
	if !spantest.SameJSON(t, params, `{"model":"gpt-4o-mini","stream":true,"stream_options":{"include_usage":true}}`) {
		t.Errorf("invocation parameters = %s", params)
	}
}

func TestChatStreamToolCalls(t *testing.T) {
	h := newHarness(t)
	h.srv.Enqueue(openaitest.Reply{ToolCalls: []goopenai.ToolCall{
		{ID: "call_a", Function: goopenai.FunctionCall{Name: "get_weather", Arguments: `{"city":"Lisbon, Portugal"}`}},
		{ID: "call_b", Function: goopenai.FunctionCall{Name: "get_time", Arguments: `{"zone":"WET"}`}},
	}})
	params := streamChat("Weather and time?")
	params.Tools = []openai.ChatCompletionToolUnionParam{weatherTool}
	if _, err := readStream(h.client.Chat.Completions.NewStreaming(context.Background(), params)); err != nil {
		t.Fatal(err)
	}
	s := h.only(t)
	if spantest.Events(s, firstToken) != 1 {
		t.Errorf("events %v", eventNames(s.Events()))
	}
	spantest.Want(t, s, map[string]any{
		"llm.output_messages.0.message.tool_calls.0.tool_call.id":                 "call_a",
		"llm.output_messages.0.message.tool_calls.0.tool_call.function.name":      "get_weather",
		"llm.output_messages.0.message.tool_calls.0.tool_call.function.arguments": `{"city":"Lisbon, Portugal"}`,
		"llm.output_messages.0.message.tool_calls.1.tool_call.id":                 "call_b",
		"llm.output_messages.0.message.tool_calls.1.tool_call.function.name":      "get_time",
		"llm.output_messages.0.message.tool_calls.1.tool_call.function.arguments": `{"zone":"WET"}`,
		"llm.finish_reason":                     "tool_calls",
		"llm.output_messages.0.message.content": nil,
	})
}

func TestChatStreamWithoutUsage(t *testing.T) {
	h := newHarness(t)
	if _, err := readStream(h.client.Chat.Completions.NewStreaming(context.Background(), chat("hi"))); err != nil {
		t.Fatal(err)
	}
	spantest.Want(t, h.only(t), map[string]any{
		"llm.output_messages.0.message.content": "You said: hi",
		"llm.token_count.prompt":                nil,
		"llm.token_count.total":                 nil,
	})
}

// TestChatStreamEnds covers how a stream can end: how the caller stops
// reading, or how the server stops sending.
func TestChatStreamEnds(t *testing.T) {
	const answer = "one two three four five six"
	for _, c := range []struct {
		name string
		// read reads the stream as the caller does, and returns the
		// content read.
		reply     openaitest.Reply
		read      func(t *testing.T, s streamReader, cancel context.CancelFunc) string
		status    codes.Code
		callerErr bool
		early     bool
		content   string // the answer on the span, or its start; "" for none, anyContent
	}{
		{
			name: "closed early",
			// Slow, so that the SDK has not read the whole stream yet.
			reply:   openaitest.Reply{Content: answer, ChunkDelay: 10 * time.Millisecond},
			read:    readChunks(3),
			status:  codes.Ok,
			early:   true,
			content: "one two",
		},
		{
			name:  "closed after the finish reason",
			reply: openaitest.Reply{Content: answer, ChunkDelay: 10 * time.Millisecond},
			read: func(t *testing.T, s streamReader, _ context.CancelFunc) string {
				var b strings.Builder
				for s.Next() {
					c := s.Current()
					if len(c.Choices) > 0 {
						b.WriteString(c.Choices[0].Delta.Content)
						if c.Choices[0].FinishReason != "" {
							break
						}
					}
				}
				_ = s.Close()
				return b.String()
			},
			status:  codes.Ok,
			content: answer,
		},
		{
			name:  "context cancelled",
			reply: openaitest.Reply{Content: answer, ChunkDelay: 20 * time.Millisecond},
			read: func(t *testing.T, s streamReader, cancel context.CancelFunc) string {
				s.Next()
				cancel()
				content, _ := readStream(s)
				return content
			},
			status:    codes.Error,
			callerErr: true,
			content:   anyContent,
		},
		{
			name:      "error event",
			reply:     openaitest.Reply{Content: answer, Fault: openaitest.FaultStreamError},
			read:      readAll,
			status:    codes.Error,
			callerErr: true,
			content:   "one two three",
		},
		{
			name:    "no [DONE]",
			reply:   openaitest.Reply{Content: answer, Fault: openaitest.FaultNoDone},
			read:    readAll,
			status:  codes.Ok,
			content: answer,
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t)
			h.srv.Enqueue(c.reply)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			s := h.client.Chat.Completions.NewStreaming(ctx, streamChat("count"))
			c.read(t, s, cancel)
			if err := s.Err(); (err != nil) != c.callerErr {
				t.Errorf("the caller's error: %v", err)
			}
			span := h.only(t)
			if span.Status().Code != c.status {
				t.Errorf("status %v, want %v", span.Status(), c.status)
			}
			if got := spantest.Events(span, closedEarly); got != map[bool]int{true: 1}[c.early] {
				t.Errorf("%d %q events", got, closedEarly)
			}
			if c.status == codes.Error && spantest.Events(span, "exception") != 1 {
				t.Errorf("events %v, want an exception", eventNames(span.Events()))
			}
			if got := spantest.String(span, "llm.output_messages.0.message.content"); c.content != anyContent &&
				(!strings.HasPrefix(got, c.content) || c.content == "" && got != "") {
				t.Errorf("answer on the span %q, want %q", got, c.content)
			}
		})
	}
}

// anyContent is a content TestChatStreamEnds does not check.
const anyContent = "(any)"

// streamReader is what the tests read of openai-go's stream.
type streamReader interface {
	Next() bool
	Current() openai.ChatCompletionChunk
	Err() error
	Close() error
}

// readChunks returns a reader that reads n chunks and closes the stream.
func readChunks(n int) func(*testing.T, streamReader, context.CancelFunc) string {
	return func(t *testing.T, s streamReader, _ context.CancelFunc) string {
		var b strings.Builder
		for i := 0; i < n && s.Next(); i++ {
			if c := s.Current(); len(c.Choices) > 0 {
				b.WriteString(c.Choices[0].Delta.Content)
			}
		}
		_ = s.Close()
		return b.String()
	}
}

func readAll(_ *testing.T, s streamReader, _ context.CancelFunc) string {
	content, _ := readStream(s)
	return content
}

// sseHandler answers with the server-sent events body, flushed in pieces
// cut at each "\n\n"; abort cuts the connection after the body instead of
// ending it.
func sseHandler(body string, abort bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "text/event-stream")
		rc := http.NewResponseController(w)
		for piece := range strings.SplitAfterSeq(body, "\n\n") {
			_, _ = io.WriteString(w, piece)
			_ = rc.Flush()
		}
		if abort {
			panic(http.ErrAbortHandler)
		}
	}
}

// TestChatStreamWire sends streams a server may send, through a
// hand-written server: the caller reads what the server sent, byte for
// byte, and the span makes what it can of it.
func TestChatStreamWire(t *testing.T) {
	chunk := func(content, finish string) string {
		c := `{"id":"c-1","object":"chat.completion.chunk","model":"m","vendor":{"x":1},"choices":[{"index":0,"delta":{"content":"` + content + `"}`
		if finish != "" {
			c += `,"finish_reason":"` + finish + `"`
		}
		return c + `}]}`
	}
	for _, c := range []struct {
		name    string
		body    string
		abort   bool
		status  codes.Code
		content string
	}{
		{
			name: "comments, other events, CRLF, data on two lines",
			body: ": keep-alive\n\nevent: ping\ndata: {}\n\n" +
				"data: " + chunk("Hel", "") + "\r\n\r\n" +
				"data: {\"choices\":[{\"index\":0,\n" + "data: \"delta\":{\"content\":\"lo\"},\"finish_reason\":\"stop\"}]}\n\n" +
				"retry: 10\nid: 7\n\ndata: [DONE]\n\n",
			status:  codes.Ok,
			content: "Hello",
		},
		{
			name:    "no choices",
			body:    "data: {\"id\":\"c-1\",\"choices\":[]}\n\ndata: [DONE]\n\n",
			status:  codes.Ok,
			content: "",
		},
		{
			name:    "data that is not JSON",
			body:    "data: " + chunk("Hel", "") + "\n\ndata: {not json\n\ndata: [DONE]\n\n",
			status:  codes.Error,
			content: "Hel",
		},
		{
			name:    "cut in the middle of a chunk",
			body:    "data: " + chunk("Hel", "") + "\n\ndata: {\"choices\":[{\"ind",
			abort:   true,
			status:  codes.Error,
			content: "Hel",
		},
		{
			name:    "ends without a blank line",
			body:    "data: " + chunk("Hel", "") + "\n\ndata: " + chunk("lo", "stop"),
			status:  codes.Ok,
			content: "Hel",
		},
		{
			name:    "an empty body",
			body:    "",
			status:  codes.Ok,
			content: "",
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t)
			client := h.rawServer(t, sseHandler(c.body, c.abort))

			// What openai-go's stream makes of it.
			_, _ = readStream(client.Chat.Completions.NewStreaming(context.Background(), chat("hi")))
			s := h.only(t)
			if s.Status().Code != c.status {
				t.Errorf("status %v, want %v", s.Status(), c.status)
			}
			if got := spantest.String(s, "llm.output_messages.0.message.content"); got != c.content {
				t.Errorf("answer on the span %q, want %q", got, c.content)
			}

			// The bytes the caller reads through the middleware.
			var raw *http.Response
			err := client.Post(context.Background(), "chat/completions", map[string]any{"model": "m", "stream": true}, &raw)
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(raw.Body)
			raw.Body.Close()
			if string(got) != c.body || (err != nil) != c.abort {
				t.Errorf("the caller read %q, %v; the server sent %q", got, err, c.body)
			}
			if n := len(h.rec.Ended()); n != 2 {
				t.Errorf("%d spans, want 2", n)
			}
		})
	}
}

// TestChatStreamConcurrentClose closes the stream from another goroutine
// while the SDK waits for the next chunk.
func TestChatStreamConcurrentClose(t *testing.T) {
	h := newHarness(t)
	h.srv.Enqueue(openaitest.Reply{Content: "slow slow slow", ChunkDelay: time.Second})
	s := h.client.Chat.Completions.NewStreaming(context.Background(), streamChat("hi"))
	if !s.Next() {
		t.Fatal(s.Err())
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		time.Sleep(20 * time.Millisecond)
		_ = s.Close()
	})
	for s.Next() {
	}
	wg.Wait()
	span := h.only(t)
	if spantest.Events(span, closedEarly) != 1 {
		t.Errorf("events %v", eventNames(span.Events()))
	}
	if err := s.Err(); err == nil || errors.Is(err, io.EOF) {
		t.Logf("the caller's error after Close: %v", err)
	}
}
