package openai_test

import (
	"context"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/sashabaranov/go-openai"
	"go.opentelemetry.io/otel/codes"
	"go.uber.org/goleak"

	"github.com/sessiontrace/sessiontrace"
	"github.com/sessiontrace/sessiontrace/internal/spantest"
	"github.com/sessiontrace/sessiontrace/llm/openai/openaitest"
)

type chunkReader interface {
	Recv() (openai.ChatCompletionStreamResponse, error)
}

// drain reads a chat stream to its end.
func drain(t *testing.T, s chunkReader) []openai.ChatCompletionStreamResponse {
	t.Helper()
	var chunks []openai.ChatCompletionStreamResponse
	for {
		c, err := s.Recv()
		if errors.Is(err, io.EOF) {
			return chunks
		}
		if err != nil {
			t.Fatal(err)
		}
		chunks = append(chunks, c)
	}
}

func TestChatStream(t *testing.T) {
	h := newHarness(t)
	reply := openaitest.Reply{
		Content: "Sunny in Paris, rain in Oslo.",
		Chunks:  7,
		ToolCalls: []openai.ToolCall{
			{ID: "call_a", Function: openai.FunctionCall{Name: "get_weather", Arguments: `{"city":"Paris","unit":"celsius"}`}},
			{ID: "call_b", Function: openai.FunctionCall{Name: "get_time", Arguments: `{"tz":"Europe/Oslo"}`}},
		},
		Model: "gpt-4o-2024-08-06",
		Usage: &openai.Usage{PromptTokens: 12, CompletionTokens: 30, TotalTokens: 42,
			CompletionTokensDetails: &openai.CompletionTokensDetails{ReasoningTokens: 5}},
	}
	h.srv.Enqueue(reply, reply)
	req := userRequest("Weather and time?")
	req.Tools = []openai.Tool{weatherTool}
	req.StreamOptions = &openai.StreamOptions{IncludeUsage: true}
	ctx := sessiontrace.WithUser(sessiontrace.WithSession(context.Background(), "sess-s"), "user-s")

	bare, err := h.srv.Client().CreateChatCompletionStream(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	want := drain(t, bare)
	bare.Close()

	s, err := h.client.CreateChatCompletionStream(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if s.Header().Get("Content-Type") == "" {
		t.Error("no headers")
	}
	_ = s.GetRateLimitHeaders()
	got := drain(t, s)
	if len(h.rec.Ended()) != 1 {
		t.Fatal("span not ended at io.EOF")
	}
	if _, err := s.Recv(); !errors.Is(err, io.EOF) {
		t.Errorf("Recv after EOF: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Error(err)
	}

	// The same chunks as go-openai's own stream (but for the IDs, which
	// count requests).
	for i := range want {
		want[i].ID = ""
	}
	for i := range got {
		got[i].ID = ""
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("chunks differ from go-openai's")
	}

	sp := h.only(t)
	if sp.Name() != "ChatCompletion" || sp.Status().Code != codes.Ok {
		t.Errorf("%s %v", sp.Name(), sp.Status())
	}
	if n := spantest.Events(sp, "First Token Stream Event"); n != 1 {
		t.Errorf("%d first-token events", n)
	}
	if spantest.Events(sp, "Stream Closed Early") != 0 {
		t.Error("complete stream marked as closed early")
	}
	const out = "llm.output_messages.0.message."
	a := spantest.Attrs(sp)
	spantest.Want(t, sp, map[string]any{
		"session.id":                      "sess-s",
		"user.id":                         "user-s",
		"llm.model_name":                  "gpt-4o-2024-08-06",
		"llm.finish_reason":               "tool_calls",
		out + "role":                      "assistant",
		out + "content":                   "Sunny in Paris, rain in Oslo.",
		out + "tool_calls.0.tool_call.id": "call_a",
		out + "tool_calls.0.tool_call.function.name":      "get_weather",
		out + "tool_calls.0.tool_call.function.arguments": `{"city":"Paris","unit":"celsius"}`,
		out + "tool_calls.1.tool_call.id":                 "call_b",
		out + "tool_calls.1.tool_call.function.name":      "get_time",
		out + "tool_calls.1.tool_call.function.arguments": `{"tz":"Europe/Oslo"}`,
		"llm.token_count.prompt":                          12,
		"llm.token_count.completion":                      30,
		"llm.token_count.total":                           42,
		"llm.token_count.completion_details.reasoning":    5,
		"llm.input_messages.0.message.content":            "Weather and time?",
		"output.mime_type":                                "application/json",
	})
	if !strings.Contains(a["llm.invocation_parameters"].AsString(), `"stream":true`) {
		t.Errorf("invocation parameters %s", a["llm.invocation_parameters"].AsString())
	}

	// output.value has the shape of a response that was not streamed.
	var resp openai.ChatCompletionResponse
	if err := jsonUnmarshal(a["output.value"].AsString(), &resp); err != nil {
		t.Fatal(err)
	}
	if resp.Object != "chat.completion" || resp.ID != "chatcmpl-2" || resp.Model != "gpt-4o-2024-08-06" ||
		len(resp.Choices) != 1 || resp.Choices[0].Message.Content != reply.Content ||
		len(resp.Choices[0].Message.ToolCalls) != 2 || resp.Choices[0].Message.ToolCalls[1].Function.Arguments != `{"tz":"Europe/Oslo"}` ||
		resp.Usage.TotalTokens != 42 || resp.Choices[0].FinishReason != "tool_calls" {
		t.Errorf("output.value %s", a["output.value"].AsString())
	}
}

// Without include_usage there is no usage chunk, and no token counts.
func TestChatStreamWithoutUsage(t *testing.T) {
	h := newHarness(t)
	s, err := h.client.CreateChatCompletionStream(context.Background(), userRequest("hello"))
	if err != nil {
		t.Fatal(err)
	}
	drain(t, s)
	s.Close()
	spantest.Want(t, h.only(t), map[string]any{
		"llm.output_messages.0.message.content": "You said: hello",
		"llm.token_count.total":                 nil,
	})
}

// A tool-call-only answer counts its first fragment as the first token.
func TestChatStreamToolCallFirstToken(t *testing.T) {
	h := newHarness(t)
	h.srv.Enqueue(openaitest.Reply{ToolCalls: []openai.ToolCall{{Function: openai.FunctionCall{Name: "f", Arguments: "{}"}}}})
	s, err := h.client.CreateChatCompletionStream(context.Background(), userRequest("call f"))
	if err != nil {
		t.Fatal(err)
	}
	drain(t, s)
	s.Close()
	sp := h.only(t)
	if spantest.Events(sp, "First Token Stream Event") != 1 {
		t.Errorf("events %v", sp.Events())
	}
	spantest.Want(t, sp, map[string]any{
		"llm.output_messages.0.message.tool_calls.0.tool_call.function.name": "f",
		"llm.output_messages.0.message.content":                              nil,
	})
}

// verifyNoLeak closes the server (and so the client's idle connections)
// and checks that no goroutine of the stream is left.
func verifyNoLeak(t *testing.T, h *harness) {
	t.Helper()
	h.srv.Close()
	goleak.VerifyNone(t)
}

// Close before the end: the span is exported once, status OK, with what
// arrived and the closed-early event; no goroutine is left behind.
func TestChatStreamClosedEarly(t *testing.T) {
	h := newHarness(t)
	h.srv.Enqueue(openaitest.Reply{Content: "one two three four five six", ChunkDelay: time.Millisecond})
	s, err := h.client.CreateChatCompletionStream(context.Background(), userRequest("count"))
	if err != nil {
		t.Fatal(err)
	}
	text := ""
	for text != "one two" {
		c, err := s.Recv()
		if err != nil {
			t.Fatal(err)
		}
		for _, ch := range c.Choices {
			text += ch.Delta.Content // one word per chunk: "one", " two"
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil { // twice is fine
		t.Fatal(err)
	}
	// go-openai may still hand out a chunk already in its read buffer;
	// whatever it does, the span has ended and keeps what it had.
	_, _ = s.Recv()
	sp := h.only(t)
	if sp.Status().Code != codes.Ok || spantest.Events(sp, "Stream Closed Early") != 1 || spantest.Events(sp, "exception") != 0 {
		t.Errorf("status %v events %v", sp.Status(), sp.Events())
	}
	spantest.Want(t, sp, map[string]any{
		"llm.output_messages.0.message.content": "one two",
		"llm.finish_reason":                     nil,
	})
	verifyNoLeak(t, h)
}

// Close right after the finish chunk, before [DONE]: a complete answer,
// not an early close.
func TestChatStreamClosedAfterFinish(t *testing.T) {
	h := newHarness(t)
	s, err := h.client.CreateChatCompletionStream(context.Background(), userRequest("hi"))
	if err != nil {
		t.Fatal(err)
	}
	for {
		c, err := s.Recv()
		if err != nil {
			t.Fatal(err)
		}
		if len(c.Choices) > 0 && c.Choices[0].FinishReason != "" {
			break
		}
	}
	s.Close()
	sp := h.only(t)
	if sp.Status().Code != codes.Ok || spantest.Events(sp, "Stream Closed Early") != 0 {
		t.Errorf("status %v events %v", sp.Status(), sp.Events())
	}
	verifyNoLeak(t, h)
}

// A cancelled context is an error, whether Recv sees it or Close does.
func TestChatStreamCancelled(t *testing.T) {
	for _, closeFirst := range []bool{false, true} {
		name := "recv"
		if closeFirst {
			name = "close"
		}
		t.Run(name, func(t *testing.T) {
			h := newHarness(t)
			h.srv.Enqueue(openaitest.Reply{Content: strings.Repeat("slow ", 50), ChunkDelay: 50 * time.Millisecond})
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			s, err := h.client.CreateChatCompletionStream(ctx, userRequest("go slowly"))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.Recv(); err != nil {
				t.Fatal(err)
			}
			cancel()
			if !closeFirst {
				for {
					if _, err := s.Recv(); err != nil {
						if errors.Is(err, io.EOF) {
							t.Fatal("io.EOF after cancel")
						}
						break
					}
				}
			}
			s.Close()
			sp := h.only(t)
			if sp.Status().Code != codes.Error || spantest.Events(sp, "exception") != 1 {
				t.Errorf("status %v events %v", sp.Status(), sp.Events())
			}
			verifyNoLeak(t, h)
		})
	}
}

// Close from another goroutine stops a Recv that waits; one span.
func TestChatStreamConcurrentClose(t *testing.T) {
	h := newHarness(t)
	h.srv.Enqueue(openaitest.Reply{Content: strings.Repeat("slow ", 500), ChunkDelay: 20 * time.Millisecond})
	s, err := h.client.CreateChatCompletionStream(context.Background(), userRequest("go slowly"))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			if _, err := s.Recv(); err != nil {
				return
			}
		}
	}()
	time.Sleep(30 * time.Millisecond)
	s.Close()
	<-done
	sp := h.only(t)
	if sp.Status().Code != codes.Ok || spantest.Events(sp, "Stream Closed Early") != 1 {
		t.Errorf("status %v events %v", sp.Status(), sp.Events())
	}
	verifyNoLeak(t, h)
}
