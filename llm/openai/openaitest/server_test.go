package openaitest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sashabaranov/go-openai"

	"github.com/sessiontrace/sessiontrace/llm/openai/openaitest"
)

func newServer(t testing.TB, opts ...openaitest.Option) *openaitest.Server {
	t.Helper()
	srv := openaitest.NewServer(opts...)
	t.Cleanup(srv.Close)
	return srv
}

// usage is what the server reports unless scripted: the counts, and both
// details objects with zeros.
func usage(prompt, completion int) openai.Usage {
	return openai.Usage{
		PromptTokens: prompt, CompletionTokens: completion, TotalTokens: prompt + completion,
		PromptTokensDetails: &openai.PromptTokensDetails{}, CompletionTokensDetails: &openai.CompletionTokensDetails{},
	}
}

func userChat(text string) openai.ChatCompletionRequest {
	return openai.ChatCompletionRequest{
		Model:    "gpt-4o-mini",
		Messages: []openai.ChatCompletionMessage{{Role: openai.ChatMessageRoleUser, Content: text}},
	}
}

// streamChat streams req with go-openai and returns the chunks and the
// error that ended the stream (io.EOF for a clean end).
func streamChat(t *testing.T, srv *openaitest.Server, req openai.ChatCompletionRequest) ([]openai.ChatCompletionStreamResponse, error) {
	t.Helper()
	stream, err := srv.Client().CreateChatCompletionStream(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Close()
	return recvAll(t, stream)
}

// recvAll reads a chat stream to its end and returns the chunks and the
// error that ended it (io.EOF for a clean end).
func recvAll(t *testing.T, stream *openai.ChatCompletionStream) ([]openai.ChatCompletionStreamResponse, error) {
	t.Helper()
	var chunks []openai.ChatCompletionStreamResponse
	for {
		chunk, err := stream.Recv()
		if err != nil {
			return chunks, err
		}
		chunks = append(chunks, chunk)
	}
}

// assembled is what a client rebuilds from a chat stream.
type assembled struct {
	role, content string
	finish        openai.FinishReason
	toolCalls     []openai.ToolCall
	usage         *openai.Usage
	usageChunks   int
}

func assemble(t *testing.T, chunks []openai.ChatCompletionStreamResponse) assembled {
	t.Helper()
	var a assembled
	for _, c := range chunks {
		if c.Usage != nil {
			a.usage = c.Usage
			a.usageChunks++
			if len(c.Choices) != 0 {
				t.Errorf("usage chunk has %d choices, want 0", len(c.Choices))
			}
		}
		for _, ch := range c.Choices {
			if ch.Delta.Role != "" {
				a.role = ch.Delta.Role
			}
			a.content += ch.Delta.Content
			if ch.FinishReason != "" {
				a.finish = ch.FinishReason
			}
			for _, tc := range ch.Delta.ToolCalls {
				if tc.Index == nil {
					t.Fatalf("tool-call delta without index: %+v", tc)
				}
				i := *tc.Index
				for len(a.toolCalls) <= i {
					a.toolCalls = append(a.toolCalls, openai.ToolCall{})
				}
				if tc.ID != "" {
					a.toolCalls[i].ID = tc.ID
				}
				if tc.Type != "" {
					a.toolCalls[i].Type = tc.Type
				}
				if tc.Function.Name != "" {
					a.toolCalls[i].Function.Name = tc.Function.Name
				}
				a.toolCalls[i].Function.Arguments += tc.Function.Arguments
			}
		}
	}
	return a
}

func TestChat(t *testing.T) {
	srv := newServer(t)
	resp, err := srv.Client().CreateChatCompletion(context.Background(), userChat("Hello there"))
	if err != nil {
		t.Fatal(err)
	}
	if resp.ID != "chatcmpl-1" || resp.Object != "chat.completion" || resp.Created != openaitest.Created || resp.Model != "gpt-4o-mini" {
		t.Errorf("id, object, created, model = %q, %q, %d, %q", resp.ID, resp.Object, resp.Created, resp.Model)
	}
	if len(resp.Choices) != 1 {
		t.Fatalf("got %d choices, want 1", len(resp.Choices))
	}
	c := resp.Choices[0]
	if c.Message.Role != "assistant" || c.Message.Content != "You said: Hello there" || c.FinishReason != openai.FinishReasonStop {
		t.Errorf("choice = %+v", c)
	}
	if want := usage(2, 4); !reflect.DeepEqual(resp.Usage, want) {
		t.Errorf("usage = %+v, want %+v", resp.Usage, want)
	}
}

func TestChatScriptedUsageAndModel(t *testing.T) {
	srv := newServer(t)
	usage := &openai.Usage{
		PromptTokens: 100, CompletionTokens: 20, TotalTokens: 120,
		PromptTokensDetails:     &openai.PromptTokensDetails{CachedTokens: 64},
		CompletionTokensDetails: &openai.CompletionTokensDetails{ReasoningTokens: 12},
	}
	srv.Enqueue(openaitest.Reply{Content: "hi", Model: "gpt-4o-mini-2024-07-18", Usage: usage, FinishReason: openai.FinishReasonLength})
	resp, err := srv.Client().CreateChatCompletion(context.Background(), userChat("x"))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(resp.Usage, *usage) {
		t.Errorf("usage = %+v, want %+v", resp.Usage, *usage)
	}
	if resp.Model != "gpt-4o-mini-2024-07-18" || resp.Choices[0].FinishReason != openai.FinishReasonLength {
		t.Errorf("model %q, finish %q", resp.Model, resp.Choices[0].FinishReason)
	}
}

func TestChatStream(t *testing.T) {
	for _, includeUsage := range []bool{false, true} {
		t.Run(fmt.Sprintf("include_usage=%v", includeUsage), func(t *testing.T) {
			srv := newServer(t)
			req := userChat("stream me please")
			if includeUsage {
				req.StreamOptions = &openai.StreamOptions{IncludeUsage: true}
			}
			stream, err := srv.Client().CreateChatCompletionStream(context.Background(), req)
			if err != nil {
				t.Fatal(err)
			}
			defer stream.Close()
			if ct := stream.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/event-stream") {
				t.Errorf("Content-Type = %q", ct)
			}
			chunks, err := recvAll(t, stream)
			if !errors.Is(err, io.EOF) {
				t.Fatalf("stream ended with %v, want io.EOF", err)
			}
			if _, err := stream.Recv(); !errors.Is(err, io.EOF) {
				t.Errorf("Recv after the end = %v, want io.EOF", err)
			}
			// role, 5 words, finish (+ usage)
			wantChunks := 7
			if includeUsage {
				wantChunks++
			}
			if len(chunks) != wantChunks {
				t.Errorf("got %d chunks, want %d", len(chunks), wantChunks)
			}
			first := chunks[0]
			if first.ID != "chatcmpl-1" || first.Object != "chat.completion.chunk" || first.Choices[0].Delta.Role != "assistant" {
				t.Errorf("first chunk = %+v", first)
			}
			if got := chunks[2].Choices[0].Delta.Content; got != " said:" {
				t.Errorf("second content delta = %q, want %q (word with its leading space)", got, " said:")
			}
			a := assemble(t, chunks)
			if a.role != "assistant" || a.content != "You said: stream me please" || a.finish != openai.FinishReasonStop {
				t.Errorf("assembled %+v", a)
			}
			if !includeUsage {
				if a.usageChunks != 0 {
					t.Errorf("got %d usage chunks without include_usage", a.usageChunks)
				}
				return
			}
			if a.usageChunks != 1 {
				t.Fatalf("got %d usage chunks, want 1", a.usageChunks)
			}
			if !reflect.DeepEqual(*a.usage, usage(3, 5)) {
				t.Errorf("usage = %+v", *a.usage)
			}
			if last := chunks[len(chunks)-1]; last.Usage == nil {
				t.Error("the usage chunk is not the last one")
			}
		})
	}
}

func TestChatStreamChunks(t *testing.T) {
	tests := []struct {
		name    string
		content string
		chunks  int
		want    []string
	}{
		{"words", "  Hi,  you\tthere ", 0, []string{"  Hi,", "  you", "\tthere "}},
		{"even", "abcdefgh", 4, []string{"ab", "cd", "ef", "gh"}},
		{"runes", "ééé", 3, []string{"é", "é", "é"}},
		{"fewer runes than chunks", "ab", 4, []string{"", "a", "", "b"}},
		{"empty", "", 5, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t)
			srv.Enqueue(openaitest.Reply{Content: tt.content, Chunks: tt.chunks})
			chunks, err := streamChat(t, srv, userChat("x"))
			if !errors.Is(err, io.EOF) {
				t.Fatal(err)
			}
			var got []string
			for _, c := range chunks[1 : len(chunks)-1] { // between role and finish
				got = append(got, c.Choices[0].Delta.Content)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("content deltas = %q, want %q", got, tt.want)
			}
		})
	}

	t.Run("500", func(t *testing.T) {
		srv := newServer(t)
		content := strings.Repeat("token ", 500)
		srv.Enqueue(openaitest.Reply{Content: content, Chunks: 500})
		chunks, err := streamChat(t, srv, userChat("x"))
		if !errors.Is(err, io.EOF) {
			t.Fatal(err)
		}
		if len(chunks) != 502 {
			t.Errorf("got %d chunks, want 500 content chunks + role + finish", len(chunks))
		}
		if a := assemble(t, chunks); a.content != content {
			t.Error("reassembled content differs")
		}
	})
}

var weatherCalls = []openai.ToolCall{
	{ID: "call_weather", Type: openai.ToolTypeFunction, Function: openai.FunctionCall{Name: "get_weather", Arguments: `{"city":"Paris","unit":"celsius"}`}},
	{Function: openai.FunctionCall{Name: "get_time", Arguments: `{"tz":"Europe/Paris"}`}},
}

func TestChatToolCalls(t *testing.T) {
	wantCalls := []openai.ToolCall{weatherCalls[0], weatherCalls[1]}
	wantCalls[1].ID = "call_1_1" // request 1, second call
	wantCalls[1].Type = openai.ToolTypeFunction

	t.Run("plain", func(t *testing.T) {
		srv := newServer(t)
		srv.Enqueue(openaitest.Reply{ToolCalls: weatherCalls})
		resp, err := srv.Client().CreateChatCompletion(context.Background(), userChat("weather?"))
		if err != nil {
			t.Fatal(err)
		}
		c := resp.Choices[0]
		if c.FinishReason != openai.FinishReasonToolCalls || c.Message.Content != "" {
			t.Errorf("finish %q, content %q", c.FinishReason, c.Message.Content)
		}
		if !reflect.DeepEqual(c.Message.ToolCalls, wantCalls) {
			t.Errorf("tool calls = %+v\nwant %+v", c.Message.ToolCalls, wantCalls)
		}
		// get_weather + {"city":"Paris","unit":"celsius"} + get_time + {"tz":"Europe/Paris"}
		if resp.Usage.CompletionTokens != 4 {
			t.Errorf("completion tokens = %d, want 4", resp.Usage.CompletionTokens)
		}
	})

	t.Run("stream", func(t *testing.T) {
		srv := newServer(t)
		srv.Enqueue(openaitest.Reply{ToolCalls: weatherCalls})
		chunks, err := streamChat(t, srv, userChat("weather?"))
		if !errors.Is(err, io.EOF) {
			t.Fatal(err)
		}
		fragments := map[int]int{}
		for _, c := range chunks {
			for _, ch := range c.Choices {
				for _, tc := range ch.Delta.ToolCalls {
					i := *tc.Index
					if fragments[i] == 0 {
						if tc.ID == "" || tc.Type == "" || tc.Function.Name == "" || tc.Function.Arguments != "" {
							t.Errorf("first fragment of call %d = %+v, want id, type and name only", i, tc)
						}
					} else if tc.ID != "" || tc.Type != "" || tc.Function.Name != "" || len(tc.Function.Arguments) > 8 {
						t.Errorf("later fragment of call %d = %+v, want only an argument piece", i, tc)
					}
					fragments[i]++
				}
			}
		}
		if fragments[0] < 3 || fragments[1] < 3 {
			t.Errorf("fragments per call = %v, want the arguments split over several chunks", fragments)
		}
		a := assemble(t, chunks)
		if a.finish != openai.FinishReasonToolCalls || a.content != "" {
			t.Errorf("finish %q, content %q", a.finish, a.content)
		}
		if !reflect.DeepEqual(a.toolCalls, wantCalls) {
			t.Errorf("tool calls = %+v\nwant %+v", a.toolCalls, wantCalls)
		}
	})
}

func TestCompletion(t *testing.T) {
	srv := newServer(t)
	ctx := context.Background()
	client := srv.Client()

	resp, err := client.CreateCompletion(ctx, openai.CompletionRequest{Model: "gpt-3.5-turbo-instruct", Prompt: "Once upon a time"})
	if err != nil {
		t.Fatal(err)
	}
	if resp.ID != "cmpl-1" || resp.Object != "text_completion" || len(resp.Choices) != 1 || resp.Choices[0].Text != "You said: Once upon a time" || resp.Choices[0].FinishReason != "stop" {
		t.Errorf("response = %+v", resp)
	}
	if resp.Usage == nil || !reflect.DeepEqual(*resp.Usage, usage(4, 6)) {
		t.Errorf("usage = %+v", resp.Usage)
	}

	resp, err = client.CreateCompletion(ctx, openai.CompletionRequest{Model: "gpt-3.5-turbo-instruct", Prompt: []string{"one", "two words"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Choices) != 2 || resp.Choices[0].Text != "You said: one" || resp.Choices[1].Index != 1 || resp.Choices[1].Text != "You said: two words" {
		t.Errorf("choices = %+v", resp.Choices)
	}
	if !reflect.DeepEqual(*resp.Usage, usage(3, 7)) {
		t.Errorf("usage = %+v", resp.Usage)
	}

	stream, err := client.CreateCompletionStream(ctx, openai.CompletionRequest{
		Model: "gpt-3.5-turbo-instruct", Prompt: "tell", StreamOptions: &openai.StreamOptions{IncludeUsage: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Close()
	var text, finish string
	var streamed *openai.Usage
	for {
		chunk, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if chunk.Usage != nil {
			streamed = chunk.Usage
		}
		for _, c := range chunk.Choices {
			text += c.Text
			if c.FinishReason != "" {
				finish = c.FinishReason
			}
		}
	}
	if text != "You said: tell" || finish != "stop" {
		t.Errorf("streamed text %q, finish %q", text, finish)
	}
	if streamed == nil || !reflect.DeepEqual(*streamed, usage(1, 3)) {
		t.Errorf("streamed usage = %+v", streamed)
	}
}

func TestEmbeddings(t *testing.T) {
	srv := newServer(t)
	ctx := context.Background()
	client := srv.Client()

	resp, err := client.CreateEmbeddings(ctx, openai.EmbeddingRequest{Model: openai.SmallEmbedding3, Input: []string{"hello world", "bye"}})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Model != openai.SmallEmbedding3 || len(resp.Data) != 2 {
		t.Fatalf("response = %+v", resp)
	}
	if resp.Usage.PromptTokens != 3 || resp.Usage.TotalTokens != 3 {
		t.Errorf("usage = %+v", resp.Usage)
	}
	for i, text := range []string{"hello world", "bye"} {
		d := resp.Data[i]
		if d.Index != i || !reflect.DeepEqual(d.Embedding, openaitest.Vector(text, 0)) || len(d.Embedding) != openaitest.DefaultDimensions {
			t.Errorf("data[%d] = %+v, want Vector(%q)", i, d, text)
		}
		if dot, _ := d.DotProduct(&d); dot < 0.999 || dot > 1.001 {
			t.Errorf("|data[%d]|² = %v, want 1", i, dot)
		}
	}
	if reflect.DeepEqual(resp.Data[0].Embedding, resp.Data[1].Embedding) {
		t.Error("different texts got the same vector")
	}

	single, err := client.CreateEmbeddings(ctx, openai.EmbeddingRequest{Model: openai.SmallEmbedding3, Input: "hello world", Dimensions: 3})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(single.Data[0].Embedding, openaitest.Vector("hello world", 3)) {
		t.Errorf("3 dimensions = %v", single.Data[0].Embedding)
	}

	b64, err := client.CreateEmbeddings(ctx, openai.EmbeddingRequestStrings{Model: openai.SmallEmbedding3, Input: []string{"hello world"}, EncodingFormat: openai.EmbeddingEncodingFormatBase64})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(b64.Data[0].Embedding, resp.Data[0].Embedding) {
		t.Errorf("base64 vector = %v, want %v", b64.Data[0].Embedding, resp.Data[0].Embedding)
	}

	tokens, err := client.CreateEmbeddings(ctx, openai.EmbeddingRequestTokens{Model: openai.SmallEmbedding3, Input: [][]int{{1, 2, 3}, {4}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(tokens.Data) != 2 || tokens.Usage.PromptTokens != 4 || !reflect.DeepEqual(tokens.Data[0].Embedding, openaitest.Vector("[1,2,3]", 0)) {
		t.Errorf("token arrays: %+v", tokens)
	}

	_, err = client.CreateEmbeddings(ctx, openai.EmbeddingRequest{Model: openai.SmallEmbedding3, Input: map[string]int{"a": 1}})
	var apiErr *openai.APIError
	if !errors.As(err, &apiErr) || apiErr.HTTPStatusCode != http.StatusBadRequest {
		t.Errorf("object input: err = %v, want a 400 APIError", err)
	}
}

func TestFaults(t *testing.T) {
	ctx := context.Background()

	t.Run("rate limit", func(t *testing.T) {
		srv := newServer(t)
		srv.Enqueue(openaitest.Reply{Fault: openaitest.FaultRateLimit}, openaitest.Reply{Fault: openaitest.FaultRateLimit}, openaitest.Reply{Fault: openaitest.FaultRateLimit})
		_, plainErr := srv.Client().CreateChatCompletion(ctx, userChat("x"))
		_, streamErr := srv.Client().CreateChatCompletionStream(ctx, userChat("x"))
		_, embErr := srv.Client().CreateEmbeddings(ctx, openai.EmbeddingRequest{Model: openai.SmallEmbedding3, Input: "x"})
		for _, err := range []error{plainErr, streamErr, embErr} {
			var apiErr *openai.APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("err = %T %v, want *openai.APIError", err, err)
			}
			if apiErr.HTTPStatusCode != http.StatusTooManyRequests || apiErr.Type != "requests" || apiErr.Code != "rate_limit_exceeded" || apiErr.Message == "" {
				t.Errorf("APIError = %+v", apiErr)
			}
		}
	})

	t.Run("bad gateway", func(t *testing.T) {
		srv := newServer(t)
		srv.Enqueue(openaitest.Reply{Fault: openaitest.FaultBadGateway}, openaitest.Reply{Fault: openaitest.FaultBadGateway})
		_, plainErr := srv.Client().CreateChatCompletion(ctx, userChat("x"))
		_, streamErr := srv.Client().CreateChatCompletionStream(ctx, userChat("x"))
		for _, err := range []error{plainErr, streamErr} {
			var reqErr *openai.RequestError
			if !errors.As(err, &reqErr) {
				t.Fatalf("err = %T %v, want *openai.RequestError", err, err)
			}
			if reqErr.HTTPStatusCode != http.StatusBadGateway || !bytes.Contains(reqErr.Body, []byte("<html>")) {
				t.Errorf("RequestError = %+v", reqErr)
			}
		}
	})

	t.Run("stream error", func(t *testing.T) {
		srv := newServer(t)
		srv.Enqueue(openaitest.Reply{Content: "one two three four", Fault: openaitest.FaultStreamError})
		chunks, err := streamChat(t, srv, userChat("x"))
		var apiErr *openai.APIError
		if !errors.As(err, &apiErr) || apiErr.Type != "server_error" || apiErr.HTTPStatusCode != 0 {
			t.Fatalf("stream ended with %T %v, want an error wrapping *openai.APIError", err, err)
		}
		if a := assemble(t, chunks); a.content != "one two" || a.finish != "" {
			t.Errorf("before the error: content %q, finish %q", a.content, a.finish)
		}

		srv.Enqueue(openaitest.Reply{Fault: openaitest.FaultStreamError})
		_, err = srv.Client().CreateChatCompletion(ctx, userChat("x"))
		if !errors.As(err, &apiErr) || apiErr.HTTPStatusCode != http.StatusInternalServerError {
			t.Errorf("not streamed: err = %v, want a 500 APIError", err)
		}
	})

	t.Run("no done", func(t *testing.T) {
		srv := newServer(t)
		srv.Enqueue(openaitest.Reply{Content: "all of it", Fault: openaitest.FaultNoDone})
		req := userChat("x")
		req.StreamOptions = &openai.StreamOptions{IncludeUsage: true}
		chunks, err := streamChat(t, srv, req)
		// go-openai cannot tell a missing [DONE] from a clean end.
		if !errors.Is(err, io.EOF) {
			t.Fatalf("stream ended with %v, want io.EOF", err)
		}
		if a := assemble(t, chunks); a.content != "all of it" || a.finish != openai.FinishReasonStop || a.usageChunks != 1 {
			t.Errorf("assembled %+v", a)
		}
	})
}

func TestNoDoneOnTheWire(t *testing.T) {
	srv := newServer(t)
	srv.Enqueue(openaitest.Reply{Content: "x", Fault: openaitest.FaultNoDone}, openaitest.Reply{Content: "x"})
	body := `{"model":"m","stream":true,"messages":[{"role":"user","content":"x"}]}`
	for i, wantDone := range []bool{false, true} {
		resp, err := srv.HTTPClient().Post(srv.URL+"/v1/chat/completions", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if got := bytes.HasSuffix(raw, []byte("data: [DONE]\n\n")); got != wantDone {
			t.Errorf("request %d: ends with [DONE] = %v, want %v:\n%s", i, got, wantDone, raw)
		}
		if !bytes.HasPrefix(raw, []byte(`data: {"id":"chatcmpl-`)) {
			t.Errorf("request %d does not start with a data line:\n%s", i, raw)
		}
	}
}

func TestSlowStreamCancelled(t *testing.T) {
	srv := newServer(t)
	srv.Enqueue(openaitest.Reply{Content: "a b c d e", ChunkDelay: 10 * time.Second})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	stream, err := srv.Client().CreateChatCompletionStream(ctx, userChat("x"))
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Close()
	first, err := stream.Recv()
	if err != nil || first.Choices[0].Delta.Role != "assistant" {
		t.Fatalf("first chunk %+v, err %v: want it at once", first, err)
	}
	_, err = stream.Recv()
	if err == nil {
		t.Fatal("Recv after the deadline returned no error")
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Logf("Recv error is %v (not context.DeadlineExceeded)", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("cancellation took %v", d)
	}
	// The handler must notice too: Close waits for it.
	closed := make(chan struct{})
	go func() { srv.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(2 * time.Second):
		t.Fatal("Close is still waiting for the slow stream's handler")
	}
}

func TestCloseStopsSlowStream(t *testing.T) {
	srv := openaitest.NewServer()
	srv.Enqueue(openaitest.Reply{Content: "a b c", ChunkDelay: time.Hour})
	stream, err := srv.Client().CreateChatCompletionStream(context.Background(), userChat("x"))
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Close()
	if _, err := stream.Recv(); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	srv.Close()
	srv.Close() // twice is fine
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Close took %v", d)
	}
	if _, err := recvAll(t, stream); errors.Is(err, io.EOF) || err == nil {
		t.Errorf("stream cut by Close ended with %v, want an error", err)
	}
}

func TestEnqueueOrder(t *testing.T) {
	srv := newServer(t)
	srv.Enqueue(openaitest.Reply{Content: "first"})
	srv.Enqueue(openaitest.Reply{Content: "second"}, openaitest.Reply{Content: "third"})
	ctx := context.Background()
	var got []string
	for range 3 {
		resp, err := srv.Client().CreateChatCompletion(ctx, userChat("x"))
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, resp.Choices[0].Message.Content)
	}
	// Completions take from the same queue; then the default responder.
	srv.Enqueue(openaitest.Reply{Content: "fourth"})
	c, err := srv.Client().CreateCompletion(ctx, openai.CompletionRequest{Model: "m", Prompt: "x"})
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, c.Choices[0].Text)
	resp, err := srv.Client().CreateChatCompletion(ctx, userChat("x"))
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, resp.Choices[0].Message.Content)
	want := []string{"first", "second", "third", "fourth", "You said: x"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("replies = %q, want %q", got, want)
	}
}

func TestSetResponder(t *testing.T) {
	srv := newServer(t, openaitest.WithResponder(func(r openaitest.Request) openaitest.Reply {
		return openaitest.Reply{Content: "custom " + r.Chat.Model}
	}))
	ctx := context.Background()
	resp, err := srv.Client().CreateChatCompletion(ctx, userChat("x"))
	if err != nil {
		t.Fatal(err)
	}
	if got := resp.Choices[0].Message.Content; got != "custom gpt-4o-mini" {
		t.Errorf("content = %q", got)
	}
	srv.SetResponder(nil)
	resp, err = srv.Client().CreateChatCompletion(ctx, userChat("x"))
	if err != nil {
		t.Fatal(err)
	}
	if got := resp.Choices[0].Message.Content; got != "You said: x" {
		t.Errorf("after SetResponder(nil): content = %q", got)
	}
}

func TestDefaultResponder(t *testing.T) {
	user := func(s string) openai.ChatCompletionMessage {
		return openai.ChatCompletionMessage{Role: openai.ChatMessageRoleUser, Content: s}
	}
	tests := []struct {
		name string
		req  openaitest.Request
		want openaitest.Reply
	}{
		{"last user message", openaitest.Request{Chat: &openai.ChatCompletionRequest{Messages: []openai.ChatCompletionMessage{
			{Role: openai.ChatMessageRoleSystem, Content: "Be brief."}, user("first"), {Role: openai.ChatMessageRoleAssistant, Content: "ok"}, user("second"),
		}}}, openaitest.Reply{Content: "You said: second"}},
		{"text parts", openaitest.Request{Chat: &openai.ChatCompletionRequest{Messages: []openai.ChatCompletionMessage{
			{Role: openai.ChatMessageRoleUser, MultiContent: []openai.ChatMessagePart{
				{Type: openai.ChatMessagePartTypeText, Text: "What is"},
				{Type: openai.ChatMessagePartTypeImageURL, ImageURL: &openai.ChatMessageImageURL{URL: "data:image/png;base64,AA=="}},
				{Type: openai.ChatMessagePartTypeText, Text: "this?"},
			}},
		}}}, openaitest.Reply{Content: "You said: What is this?"}},
		{"tool result", openaitest.Request{Chat: &openai.ChatCompletionRequest{Messages: []openai.ChatCompletionMessage{
			user("weather?"), {Role: openai.ChatMessageRoleAssistant, ToolCalls: weatherCalls[:1]},
			{Role: openai.ChatMessageRoleTool, ToolCallID: "call_weather", Content: "18°C, sunny"},
		}}}, openaitest.Reply{Content: "Tool result: 18°C, sunny"}},
		{"no user message", openaitest.Request{Chat: &openai.ChatCompletionRequest{Messages: []openai.ChatCompletionMessage{
			{Role: openai.ChatMessageRoleSystem, Content: "Be brief."},
		}}}, openaitest.Reply{Content: "You said nothing."}},
		{"completion", openaitest.Request{Completion: &openai.CompletionRequest{Prompt: "a b"}}, openaitest.Reply{Content: "You said: a b"}},
		{"completion prompts", openaitest.Request{Completion: &openai.CompletionRequest{Prompt: []any{"a", "b c"}}},
			openaitest.Reply{Texts: []string{"You said: a", "You said: b c"}}},
		{"completion prompts, n", openaitest.Request{Completion: &openai.CompletionRequest{Prompt: []any{"a", "b"}, N: 2}},
			openaitest.Reply{Texts: []string{"You said: a", "You said: a", "You said: b", "You said: b"}}},
		{"completion tokens", openaitest.Request{Completion: &openai.CompletionRequest{Prompt: []any{1.0, 2.0}}}, openaitest.Reply{Content: "You said nothing."}},
		{"embeddings", openaitest.Request{Embedding: &openai.EmbeddingRequest{Input: "x"}}, openaitest.Reply{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := openaitest.DefaultResponder(tt.req); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("DefaultResponder = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestTokens(t *testing.T) {
	for s, want := range map[string]int{"": 0, "  ": 0, "one": 1, "You said: hi": 3, " a\tb\nc\u00a0d ": 4, `{"a": 1}`: 2} {
		if got := openaitest.Tokens(s); got != want {
			t.Errorf("Tokens(%q) = %d, want %d", s, got, want)
		}
	}
}

func TestRequests(t *testing.T) {
	srv := newServer(t)
	ctx := context.Background()
	req := userChat("remember me")
	req.Tools = []openai.Tool{{Type: openai.ToolTypeFunction, Function: &openai.FunctionDefinition{Name: "get_weather"}}}
	if _, err := srv.Client().CreateChatCompletion(ctx, req); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Client().CreateEmbeddings(ctx, openai.EmbeddingRequest{Model: openai.SmallEmbedding3, Input: "v"}); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Client().CreateCompletion(ctx, openai.CompletionRequest{Model: "m", Prompt: "p"}); err != nil {
		t.Fatal(err)
	}

	got := srv.Requests()
	if len(got) != 3 {
		t.Fatalf("recorded %d requests, want 3", len(got))
	}
	chat := got[0]
	if chat.Method != http.MethodPost || chat.Path != "/v1/chat/completions" || chat.Header.Get("Authorization") != "Bearer test" {
		t.Errorf("chat request: %s %s, Authorization %q", chat.Method, chat.Path, chat.Header.Get("Authorization"))
	}
	if chat.Chat == nil || chat.Completion != nil || chat.Embedding != nil {
		t.Fatalf("chat request decoded as %+v", chat)
	}
	if chat.Chat.Messages[0].Content != "remember me" || chat.Chat.Tools[0].Function.Name != "get_weather" {
		t.Errorf("decoded chat = %+v", chat.Chat)
	}
	var raw map[string]any
	if err := json.Unmarshal(chat.Body, &raw); err != nil || raw["model"] != "gpt-4o-mini" {
		t.Errorf("raw body %s (%v)", chat.Body, err)
	}
	if got[1].Embedding == nil || got[1].Embedding.Input != "v" || got[1].Path != "/v1/embeddings" {
		t.Errorf("embedding request = %+v", got[1])
	}
	if got[2].Completion == nil || got[2].Completion.Prompt != "p" {
		t.Errorf("completion request = %+v", got[2])
	}

	// The caller's copy is its own.
	got[0].Path = "changed"
	if srv.Requests()[0].Path != "/v1/chat/completions" {
		t.Error("Requests returned the server's own slice")
	}
}

func TestWithoutRecording(t *testing.T) {
	srv := newServer(t, openaitest.WithoutRecording())
	if _, err := srv.Client().CreateChatCompletion(context.Background(), userChat("x")); err != nil {
		t.Fatal(err)
	}
	if got := srv.Requests(); got != nil {
		t.Errorf("Requests = %v, want nil", got)
	}
}

func TestBadRequests(t *testing.T) {
	srv := newServer(t)
	srv.Enqueue(openaitest.Reply{Content: "kept for the first valid request"})
	tests := []struct {
		name, method, path, body string
		status                   int
	}{
		{"unknown path", http.MethodPost, "/v1/models/x", `{}`, http.StatusNotFound},
		{"root", http.MethodGet, "/", ``, http.StatusNotFound},
		{"bad json", http.MethodPost, "/v1/chat/completions", `{"model":`, http.StatusBadRequest},
		{"empty body", http.MethodPost, "/v1/embeddings", ``, http.StatusBadRequest},
		{"wrong method", http.MethodGet, "/v1/chat/completions", ``, http.StatusMethodNotAllowed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(tt.method, srv.URL+tt.path, strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			resp, err := srv.HTTPClient().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if resp.StatusCode != tt.status {
				t.Errorf("status = %d, want %d", resp.StatusCode, tt.status)
			}
			var body struct {
				Error *openai.APIError `json:"error"`
			}
			if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || body.Error == nil || body.Error.Message == "" || body.Error.Type != "invalid_request_error" {
				t.Errorf("error body: %+v, %v", body.Error, err)
			}
		})
	}
	// go-openai sees a 404 as an APIError.
	var apiErr *openai.APIError
	cfg := srv.ClientConfig()
	cfg.BaseURL = srv.URL + "/nowhere"
	_, err := openai.NewClientWithConfig(cfg).ListModels(context.Background())
	if !errors.As(err, &apiErr) || apiErr.HTTPStatusCode != http.StatusNotFound {
		t.Errorf("ListModels: %v, want a 404 APIError", err)
	}
	if n := len(srv.Requests()); n != len(tests)+1 {
		t.Errorf("recorded %d requests, want %d", n, len(tests)+1)
	}
	resp, err := srv.Client().CreateChatCompletion(context.Background(), userChat("x"))
	if err != nil || resp.Choices[0].Message.Content != "kept for the first valid request" {
		t.Errorf("rejected requests took from the queue: %+v, %v", resp.Choices, err)
	}
}

func TestLenientDecoding(t *testing.T) {
	srv := newServer(t)
	// langchaingo sends metadata values that are not strings.
	body := `{"model":"m","metadata":{"session_id":"s1","turn":3},"stop":"\n","messages":[{"role":"user","content":"hi"}]}`
	resp, err := srv.HTTPClient().Post(srv.URL+"/v1/chat/completions", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out openai.ChatCompletionResponse
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d, %v", resp.StatusCode, err)
	}
	if out.Choices[0].Message.Content != "You said: hi" {
		t.Errorf("content = %q", out.Choices[0].Message.Content)
	}
	if r := srv.Requests()[0]; r.Chat == nil || r.Chat.Model != "m" || len(r.Chat.Messages) != 1 {
		t.Errorf("decoded = %+v", r.Chat)
	}
}

func TestAzurePaths(t *testing.T) {
	srv := newServer(t)
	cfg := openai.DefaultAzureConfig("azure-key", srv.URL)
	cfg.HTTPClient = srv.HTTPClient()
	client := openai.NewClientWithConfig(cfg)
	ctx := context.Background()
	resp, err := client.CreateChatCompletion(ctx, userChat("azure"))
	if err != nil {
		t.Fatal(err)
	}
	if resp.Choices[0].Message.Content != "You said: azure" {
		t.Errorf("content = %q", resp.Choices[0].Message.Content)
	}
	if _, err := client.CreateEmbeddings(ctx, openai.EmbeddingRequest{Model: openai.SmallEmbedding3, Input: "x"}); err != nil {
		t.Fatal(err)
	}
	r := srv.Requests()
	if r[0].Path != "/openai/deployments/gpt-4o-mini/chat/completions" || r[0].RawQuery != "api-version=2023-05-15" || r[0].Header.Get("api-key") != "azure-key" {
		t.Errorf("azure request: %s?%s api-key %q", r[0].Path, r[0].RawQuery, r[0].Header.Get("api-key"))
	}
	if r[1].Embedding == nil {
		t.Errorf("azure embeddings path %s not routed", r[1].Path)
	}
}

func TestConcurrentClients(t *testing.T) {
	srv := newServer(t)
	const clients, perClient = 64, 4
	var wg sync.WaitGroup
	errs := make(chan error, clients*perClient)
	for c := range clients {
		wg.Go(func() {
			client := srv.Client()
			for i := range perClient {
				text := fmt.Sprintf("client %d message %d", c, i)
				want := "You said: " + text
				if i%2 == 0 {
					resp, err := client.CreateChatCompletion(context.Background(), userChat(text))
					if err != nil {
						errs <- err
						continue
					}
					if got := resp.Choices[0].Message.Content; got != want {
						errs <- fmt.Errorf("got %q, want %q", got, want)
					}
					continue
				}
				stream, err := client.CreateChatCompletionStream(context.Background(), userChat(text))
				if err != nil {
					errs <- err
					continue
				}
				var got string
				for {
					chunk, err := stream.Recv()
					if err != nil {
						if !errors.Is(err, io.EOF) {
							errs <- err
						}
						break
					}
					for _, ch := range chunk.Choices {
						got += ch.Delta.Content
					}
				}
				stream.Close()
				if got != want {
					errs <- fmt.Errorf("streamed %q, want %q", got, want)
				}
			}
		})
	}
	// Scripting and reading concurrently with the clients must be safe too.
	srv.SetResponder(nil)
	_ = srv.Requests()
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := len(srv.Requests()); n != clients*perClient {
		t.Errorf("recorded %d requests, want %d", n, clients*perClient)
	}
}

func TestFaultString(t *testing.T) {
	if got := openaitest.FaultNoDone.String(); got != "FaultNoDone" {
		t.Errorf("String = %q", got)
	}
	if got := openaitest.Fault(42).String(); got != "Fault(42)" {
		t.Errorf("String = %q", got)
	}
}

func BenchmarkChat(b *testing.B) {
	srv := newServer(b, openaitest.WithoutRecording())
	client := srv.Client()
	req := userChat("Hello there")
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := client.CreateChatCompletion(ctx, req); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkChatStream500(b *testing.B) {
	content := strings.Repeat("word ", 500)
	srv := newServer(b, openaitest.WithoutRecording(), openaitest.WithResponder(func(openaitest.Request) openaitest.Reply {
		return openaitest.Reply{Content: content, Chunks: 500}
	}))
	client := srv.Client()
	req := userChat("Hello there")
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		stream, err := client.CreateChatCompletionStream(ctx, req)
		if err != nil {
			b.Fatal(err)
		}
		for {
			if _, err := stream.Recv(); err != nil {
				if !errors.Is(err, io.EOF) {
					b.Fatal(err)
				}
				break
			}
		}
		stream.Close()
	}
}
