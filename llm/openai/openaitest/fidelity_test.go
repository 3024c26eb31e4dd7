package openaitest_test

import (
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

// post sends body to path as JSON and returns the response with its body
// read.
func post(t *testing.T, srv *openaitest.Server, path, body string) (*http.Response, []byte) {
	t.Helper()
	resp, err := srv.HTTPClient().Post(srv.URL+path, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

func TestRequiredParameters(t *testing.T) {
	const (
		missing     = "missing_required_parameter"
		invalidType = "invalid_type"
	)
	tests := []struct {
		name, path, body string
		message, param   string
		code             any // nil for a null code
	}{
		{"chat without model", "/v1/chat/completions", `{"messages":[{"role":"user","content":"x"}]}`,
			"you must provide a model parameter", "model", nil},
		{"chat with an empty model", "/v1/chat/completions", `{"model":"","messages":[]}`,
			"you must provide a model parameter", "model", nil},
		{"model not a string", "/v1/chat/completions", `{"model":4,"messages":[]}`,
			"Invalid type for 'model': expected a string, but got an integer instead.", "model", invalidType},
		{"body not an object", "/v1/chat/completions", `["gpt-4o-mini"]`,
			"you must provide a model parameter", "model", nil},
		{"chat without messages", "/v1/chat/completions", `{"model":"m"}`,
			"Missing required parameter: 'messages'.", "messages", missing},
		{"chat with null messages", "/v1/chat/completions", `{"model":"m","messages":null}`,
			"Missing required parameter: 'messages'.", "messages", missing},
		{"chat with messages a string", "/v1/chat/completions", `{"model":"m","messages":"hi"}`,
			"Invalid type for 'messages': expected an array, but got a string instead.", "messages", invalidType},
		{"chat with messages an object", "/v1/chat/completions", `{"model":"m","messages":{"role":"user"}}`,
			"Invalid type for 'messages': expected an array, but got an object instead.", "messages", invalidType},
		{"azure chat without messages", "/openai/deployments/d/chat/completions", `{"model":"m"}`,
			"Missing required parameter: 'messages'.", "messages", missing},
		{"completion without prompt", "/v1/completions", `{"model":"m"}`,
			"Missing required parameter: 'prompt'.", "prompt", missing},
		{"completion without model", "/v1/completions", `{"prompt":"x"}`,
			"you must provide a model parameter", "model", nil},
		{"embeddings without input", "/v1/embeddings", `{"model":"m"}`,
			"Missing required parameter: 'input'.", "input", missing},
		{"embeddings with an object input", "/v1/embeddings", `{"model":"m","input":{"a":1}}`,
			"'input' must be a string, an array of strings, an array of tokens or an array of token arrays.", "input", nil},
	}
	srv := newServer(t)
	srv.Enqueue(openaitest.Reply{Content: "kept for the first valid request"})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := post(t, srv, tt.path, tt.body)
			if resp.StatusCode != http.StatusBadRequest {
				t.Errorf("status = %d, want 400", resp.StatusCode)
			}
			var got struct {
				Error map[string]any `json:"error"`
			}
			if err := json.Unmarshal(body, &got); err != nil {
				t.Fatalf("body %s: %v", body, err)
			}
			want := map[string]any{"message": tt.message, "type": "invalid_request_error", "param": tt.param, "code": tt.code}
			if !reflect.DeepEqual(got.Error, want) {
				t.Errorf("error = %v\nwant    %v", got.Error, want)
			}
		})
	}

	// go-openai sees an *openai.APIError naming the parameter.
	_, err := srv.Client().CreateChatCompletion(context.Background(), openai.ChatCompletionRequest{
		Messages: []openai.ChatCompletionMessage{{Role: openai.ChatMessageRoleUser, Content: "x"}},
	})
	var apiErr *openai.APIError
	if !errors.As(err, &apiErr) || apiErr.HTTPStatusCode != http.StatusBadRequest || apiErr.Param == nil || *apiErr.Param != "model" {
		t.Errorf("go-openai without a model: %v, want a 400 APIError with param model", err)
	}

	// Rejected requests are recorded, decoded, and take nothing from the queue.
	got := srv.Requests()
	if n := len(got); n != len(tests)+1 {
		t.Fatalf("recorded %d requests, want %d", n, len(tests)+1)
	}
	if r := got[0]; r.Chat == nil || len(r.Chat.Messages) != 1 {
		t.Errorf("rejected chat request decoded as %+v", r.Chat)
	}
	resp, err := srv.Client().CreateChatCompletion(context.Background(), userChat("x"))
	if err != nil || resp.Choices[0].Message.Content != "kept for the first valid request" {
		t.Errorf("rejected requests took from the queue: %+v, %v", resp.Choices, err)
	}
}

func TestUsageDetailsOnTheWire(t *testing.T) {
	const details = `"prompt_tokens_details":{"audio_tokens":0,"cached_tokens":0},"completion_tokens_details":{"audio_tokens":0,"reasoning_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}`
	tests := []struct{ name, path, body string }{
		{"chat", "/v1/chat/completions", `{"model":"m","messages":[{"role":"user","content":"x"}]}`},
		{"chat stream", "/v1/chat/completions", `{"model":"m","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"x"}]}`},
		{"completion", "/v1/completions", `{"model":"m","prompt":"x"}`},
		{"completion stream", "/v1/completions", `{"model":"m","prompt":"x","stream":true,"stream_options":{"include_usage":true}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t)
			_, body := post(t, srv, tt.path, tt.body)
			if !strings.Contains(string(body), details) {
				t.Errorf("no zero details objects in\n%s", body)
			}
		})
	}

	// A scripted Usage goes out as it is, null details included.
	srv := newServer(t)
	srv.Enqueue(openaitest.Reply{Usage: &openai.Usage{PromptTokens: 1, TotalTokens: 1}})
	_, body := post(t, srv, "/v1/chat/completions", `{"model":"m","messages":[]}`)
	if want := `"usage":{"prompt_tokens":1,"completion_tokens":0,"total_tokens":1,"prompt_tokens_details":null,"completion_tokens_details":null}`; !strings.Contains(string(body), want) {
		t.Errorf("scripted usage: %s\nwant %s", body, want)
	}
}

func TestChatN(t *testing.T) {
	req := userChat("twice")
	req.N = 2

	t.Run("plain", func(t *testing.T) {
		srv := newServer(t)
		resp, err := srv.Client().CreateChatCompletion(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		if len(resp.Choices) != 2 {
			t.Fatalf("got %d choices, want 2", len(resp.Choices))
		}
		for i, c := range resp.Choices {
			if c.Index != i || c.Message.Content != "You said: twice" || c.FinishReason != openai.FinishReasonStop {
				t.Errorf("choice %d = %+v", i, c)
			}
		}
		if want := usage(1, 6); !reflect.DeepEqual(resp.Usage, want) {
			t.Errorf("usage = %+v, want %+v (completion tokens of both choices)", resp.Usage, want)
		}
	})

	t.Run("texts", func(t *testing.T) {
		srv := newServer(t)
		srv.Enqueue(openaitest.Reply{Texts: []string{"first answer"}, Content: "other"})
		resp, err := srv.Client().CreateChatCompletion(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		if got := []string{resp.Choices[0].Message.Content, resp.Choices[1].Message.Content}; !reflect.DeepEqual(got, []string{"first answer", "other"}) {
			t.Errorf("contents = %q", got)
		}
	})

	t.Run("stream", func(t *testing.T) {
		srv := newServer(t)
		srv.Enqueue(openaitest.Reply{Texts: []string{"one two", "three four five"}, ToolCalls: weatherCalls[:1]})
		chunks, err := streamChat(t, srv, req)
		if !errors.Is(err, io.EOF) {
			t.Fatal(err)
		}
		byIndex := map[int][]openai.ChatCompletionStreamResponse{}
		for _, c := range chunks {
			if len(c.Choices) != 1 {
				t.Fatalf("chunk with %d choices, want 1: %+v", len(c.Choices), c)
			}
			byIndex[c.Choices[0].Index] = append(byIndex[c.Choices[0].Index], c)
		}
		if len(byIndex) != 2 {
			t.Fatalf("choices streamed: %d, want 2", len(byIndex))
		}
		if chunks[0].Choices[0].Index != 0 || chunks[1].Choices[0].Index != 1 {
			t.Error("the choices' chunks do not take turns")
		}
		for i, want := range []string{"one two", "three four five"} {
			a := assemble(t, byIndex[i])
			if a.role != "assistant" || a.content != want || a.finish != openai.FinishReasonToolCalls || len(a.toolCalls) != 1 || a.toolCalls[0].ID != "call_weather" {
				t.Errorf("choice %d assembled %+v", i, a)
			}
		}
	})
}

func TestCompletionPrompts(t *testing.T) {
	srv := newServer(t)
	ctx := context.Background()
	req := openai.CompletionRequest{Model: "gpt-3.5-turbo-instruct", Prompt: []string{"red", "green blue"}, N: 2}

	resp, err := srv.Client().CreateCompletion(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"You said: red", "You said: red", "You said: green blue", "You said: green blue"}
	var got []string
	for i, c := range resp.Choices {
		if c.Index != i {
			t.Errorf("choice %d has index %d", i, c.Index)
		}
		got = append(got, c.Text)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("texts = %q, want %q", got, want)
	}
	if !reflect.DeepEqual(*resp.Usage, usage(3, 14)) {
		t.Errorf("usage = %+v", resp.Usage)
	}

	stream, err := srv.Client().CreateCompletionStream(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Close()
	streamed := make([]string, len(want))
	for {
		chunk, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range chunk.Choices {
			streamed[c.Index] += c.Text
		}
	}
	if !reflect.DeepEqual(streamed, want) {
		t.Errorf("streamed texts = %q, want %q", streamed, want)
	}
}

func TestRateLimitHeaders(t *testing.T) {
	srv := newServer(t)
	srv.Enqueue(openaitest.Reply{Fault: openaitest.FaultRateLimit}, openaitest.Reply{Fault: openaitest.FaultBadGateway})
	resp, _ := post(t, srv, "/v1/chat/completions", `{"model":"m","messages":[]}`)
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "0" || resp.Header.Get("Retry-After-Ms") != "10" {
		t.Errorf("429: status %d, retry-after %q, retry-after-ms %q", resp.StatusCode, resp.Header.Get("Retry-After"), resp.Header.Get("Retry-After-Ms"))
	}
	resp, _ = post(t, srv, "/v1/chat/completions", `{"model":"m","messages":[]}`)
	if resp.StatusCode != http.StatusBadGateway || resp.Header.Get("Retry-After") != "" {
		t.Errorf("502: status %d, retry-after %q (a proxy sends none)", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
}

// Fields that go-openai's request types drop are still in Request.Body, for
// the recorded requests and for a responder of a server that records none.
func TestRawBody(t *testing.T) {
	body := `{"model":"gpt-4o-mini","messages":[{"role":"user","content":"x"}],"stop":"\n\n","prompt_cache_key":"user-42","modalities":["text"]}`
	var fromResponder []byte
	responder := func(r openaitest.Request) openaitest.Reply {
		fromResponder = r.Body
		return openaitest.DefaultResponder(r)
	}
	for _, opts := range [][]openaitest.Option{{openaitest.WithResponder(responder)}, {openaitest.WithoutRecording(), openaitest.WithResponder(responder)}} {
		srv := newServer(t, opts...)
		if resp, _ := post(t, srv, "/v1/chat/completions", body); resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d", resp.StatusCode)
		}
		if string(fromResponder) != body {
			t.Errorf("responder's Request.Body = %s, want the bytes sent", fromResponder)
		}
		if recorded := srv.Requests(); recorded != nil {
			r := recorded[0]
			if string(r.Body) != body {
				t.Errorf("recorded Body = %s, want the bytes sent", r.Body)
			}
			if r.Chat.Stop != nil {
				t.Errorf("go-openai decoded the string stop as %q; the test needs a field it drops", r.Chat.Stop)
			}
			var raw struct {
				Stop           string   `json:"stop"`
				PromptCacheKey string   `json:"prompt_cache_key"`
				Modalities     []string `json:"modalities"`
			}
			if err := json.Unmarshal(r.Body, &raw); err != nil || raw.Stop != "\n\n" || raw.PromptCacheKey != "user-42" || !reflect.DeepEqual(raw.Modalities, []string{"text"}) {
				t.Errorf("fields from the raw body: %+v, %v", raw, err)
			}
		}
	}
}
