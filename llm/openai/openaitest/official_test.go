package openaitest_test

// The server driven by openai-go, the official SDK (imported as official):
// what it decodes must be what the real API would have given it.

import (
	"context"
	"errors"
	"math"
	"net/http"
	"reflect"
	"testing"

	official "github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/openai/openai-go/v3/responses"
	"github.com/openai/openai-go/v3/shared"
	"github.com/sashabaranov/go-openai"

	"github.com/sessiontrace/sessiontrace/llm/openai/openaitest"
)

func officialClient(srv *openaitest.Server, opts ...option.RequestOption) *official.Client {
	c := official.NewClient(append([]option.RequestOption{
		option.WithBaseURL(srv.URL + "/v1/"),
		option.WithAPIKey("test"),
		option.WithHTTPClient(srv.HTTPClient()),
	}, opts...)...)
	return &c
}

func officialChat(text string) official.ChatCompletionNewParams {
	return official.ChatCompletionNewParams{
		Model:    "gpt-4o-mini",
		Messages: []official.ChatCompletionMessageParamUnion{official.UserMessage(text)},
	}
}

func TestOfficialChat(t *testing.T) {
	ctx := context.Background()

	t.Run("plain", func(t *testing.T) {
		srv := newServer(t)
		resp, err := officialClient(srv).Chat.Completions.New(ctx, officialChat("Hello there"))
		if err != nil {
			t.Fatal(err)
		}
		if resp.ID != "chatcmpl-1" || resp.Model != "gpt-4o-mini" || len(resp.Choices) != 1 {
			t.Fatalf("response = %+v", resp)
		}
		if c := resp.Choices[0]; c.Message.Content != "You said: Hello there" || c.Message.Role != "assistant" || c.FinishReason != "stop" {
			t.Errorf("choice = %+v", c)
		}
		u := resp.Usage
		if u.PromptTokens != 2 || u.CompletionTokens != 4 || u.TotalTokens != 6 {
			t.Errorf("usage = %+v", u)
		}
		if !u.JSON.PromptTokensDetails.Valid() || !u.PromptTokensDetails.JSON.CachedTokens.Valid() ||
			!u.JSON.CompletionTokensDetails.Valid() || !u.CompletionTokensDetails.JSON.ReasoningTokens.Valid() {
			t.Errorf("usage details missing: %s", u.RawJSON())
		}
	})

	t.Run("n", func(t *testing.T) {
		srv := newServer(t)
		params := officialChat("twice")
		params.N = official.Int(2)
		resp, err := officialClient(srv).Chat.Completions.New(ctx, params)
		if err != nil {
			t.Fatal(err)
		}
		if len(resp.Choices) != 2 || resp.Choices[0].Index != 0 || resp.Choices[1].Index != 1 || resp.Choices[1].Message.Content != "You said: twice" {
			t.Errorf("choices = %+v", resp.Choices)
		}
	})

	t.Run("tools", func(t *testing.T) {
		srv := newServer(t)
		srv.Enqueue(openaitest.Reply{ToolCalls: weatherCalls, Usage: &openai.Usage{
			PromptTokens: 50, CompletionTokens: 10, TotalTokens: 60,
			PromptTokensDetails: &openai.PromptTokensDetails{CachedTokens: 32}, CompletionTokensDetails: &openai.CompletionTokensDetails{ReasoningTokens: 4},
		}})
		params := officialChat("weather?")
		params.Tools = []official.ChatCompletionToolUnionParam{official.ChatCompletionFunctionTool(shared.FunctionDefinitionParam{Name: "get_weather"})}
		resp, err := officialClient(srv).Chat.Completions.New(ctx, params)
		if err != nil {
			t.Fatal(err)
		}
		c := resp.Choices[0]
		if c.FinishReason != "tool_calls" || c.Message.Content != "" || len(c.Message.ToolCalls) != 2 {
			t.Fatalf("choice = %+v", c)
		}
		for i, want := range []struct{ id, name, args string }{
			{"call_weather", "get_weather", `{"city":"Paris","unit":"celsius"}`},
			{"call_1_1", "get_time", `{"tz":"Europe/Paris"}`},
		} {
			got := c.Message.ToolCalls[i]
			if got.ID != want.id || got.Type != "function" || got.Function.Name != want.name || got.Function.Arguments != want.args {
				t.Errorf("tool call %d = %+v, want %+v", i, got, want)
			}
		}
		if resp.Usage.PromptTokensDetails.CachedTokens != 32 || resp.Usage.CompletionTokensDetails.ReasoningTokens != 4 {
			t.Errorf("usage = %+v", resp.Usage)
		}
	})

	t.Run("missing messages", func(t *testing.T) {
		srv := newServer(t)
		_, err := officialClient(srv).Chat.Completions.New(ctx, official.ChatCompletionNewParams{Model: "gpt-4o-mini"})
		var apiErr *official.Error
		if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusBadRequest || apiErr.Param != "messages" ||
			apiErr.Code != "missing_required_parameter" || apiErr.Type != "invalid_request_error" {
			t.Errorf("err = %v, want a 400 naming messages", err)
		}
	})
}

func TestOfficialChatStream(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name      string
		reply     openaitest.Reply
		n         int64
		want      []string // content per choice
		toolCalls int
	}{
		{"text", openaitest.Reply{Content: "one two three"}, 1, []string{"one two three"}, 0},
		{"tool calls", openaitest.Reply{ToolCalls: weatherCalls}, 1, []string{""}, 2},
		{"n", openaitest.Reply{Texts: []string{"left", "right side"}}, 2, []string{"left", "right side"}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t)
			srv.Enqueue(tt.reply)
			params := officialChat("x")
			params.N = official.Int(tt.n)
			params.StreamOptions = official.ChatCompletionStreamOptionsParam{IncludeUsage: official.Bool(true)}
			stream := officialClient(srv).Chat.Completions.NewStreaming(ctx, params)
			defer stream.Close()
			var acc official.ChatCompletionAccumulator
			var usage official.CompletionUsage // from the chunk without choices
			for stream.Next() {
				chunk := stream.Current()
				acc.AddChunk(chunk)
				if len(chunk.Choices) == 0 {
					usage = chunk.Usage
				}
			}
			if err := stream.Err(); err != nil {
				t.Fatal(err)
			}
			if len(acc.Choices) != len(tt.want) {
				t.Fatalf("got %d choices, want %d", len(acc.Choices), len(tt.want))
			}
			for i, want := range tt.want {
				if got := acc.Choices[i].Message.Content; got != want {
					t.Errorf("choice %d content = %q, want %q", i, got, want)
				}
			}
			calls := acc.Choices[0].Message.ToolCalls
			if len(calls) != tt.toolCalls {
				t.Fatalf("tool calls = %+v, want %d", calls, tt.toolCalls)
			}
			if tt.toolCalls > 0 && (calls[0].ID != "call_weather" || calls[0].Function.Name != "get_weather" || calls[0].Function.Arguments != weatherCalls[0].Function.Arguments) {
				t.Errorf("first tool call = %+v", calls[0])
			}
			if u := acc.Usage; u.PromptTokens != 1 || u.CompletionTokens == 0 || u.TotalTokens != u.PromptTokens+u.CompletionTokens {
				t.Errorf("accumulated usage = %+v", u)
			}
			if !usage.JSON.PromptTokensDetails.Valid() || !usage.JSON.CompletionTokensDetails.Valid() {
				t.Errorf("usage chunk without details: %s", usage.RawJSON())
			}
		})
	}

	t.Run("stream error", func(t *testing.T) {
		srv := newServer(t)
		srv.Enqueue(openaitest.Reply{Content: "one two three four", Fault: openaitest.FaultStreamError})
		stream := officialClient(srv).Chat.Completions.NewStreaming(ctx, officialChat("x"))
		defer stream.Close()
		var acc official.ChatCompletionAccumulator
		for stream.Next() {
			acc.AddChunk(stream.Current())
		}
		if stream.Err() == nil || acc.Choices[0].Message.Content != "one two" {
			t.Errorf("err %v after %q, want an error after the first half", stream.Err(), acc.Choices[0].Message.Content)
		}
	})
}

func TestOfficialResponses(t *testing.T) {
	ctx := context.Background()
	params := responses.ResponseNewParams{
		Model:        "gpt-4.1-mini",
		Instructions: official.String("Be brief."),
		Input: responses.ResponseNewParamsInputUnion{OfInputItemList: responses.ResponseInputParam{
			responses.ResponseInputItemParamOfMessage("Weather in Paris?", responses.EasyInputMessageRoleUser),
		}},
	}

	t.Run("plain", func(t *testing.T) {
		srv := newServer(t)
		resp, err := officialClient(srv).Responses.New(ctx, params)
		if err != nil {
			t.Fatal(err)
		}
		if resp.ID != "resp_1" || resp.Status != "completed" || resp.Model != "gpt-4.1-mini" || resp.Instructions.OfString != "Be brief." {
			t.Errorf("response = %s", resp.RawJSON())
		}
		if got := resp.OutputText(); got != "You said: Weather in Paris?" {
			t.Errorf("output text = %q", got)
		}
		u := resp.Usage
		if u.InputTokens != 5 || u.OutputTokens != 5 || u.TotalTokens != 10 || !u.JSON.InputTokensDetails.Valid() || !u.JSON.OutputTokensDetails.Valid() {
			t.Errorf("usage = %s", u.RawJSON())
		}
	})

	t.Run("tool calls", func(t *testing.T) {
		srv := newServer(t)
		srv.Enqueue(openaitest.Reply{ToolCalls: weatherCalls, Usage: &openai.Usage{
			PromptTokens: 30, CompletionTokens: 12, TotalTokens: 42,
			PromptTokensDetails: &openai.PromptTokensDetails{CachedTokens: 16}, CompletionTokensDetails: &openai.CompletionTokensDetails{ReasoningTokens: 5},
		}})
		resp, err := officialClient(srv).Responses.New(ctx, params)
		if err != nil {
			t.Fatal(err)
		}
		if len(resp.Output) != 2 {
			t.Fatalf("output = %s", resp.RawJSON())
		}
		for i, want := range []struct{ callID, name, args string }{
			{"call_weather", "get_weather", `{"city":"Paris","unit":"celsius"}`},
			{"call_1_1", "get_time", `{"tz":"Europe/Paris"}`},
		} {
			got := resp.Output[i].AsFunctionCall()
			if resp.Output[i].Type != "function_call" || got.CallID != want.callID || got.Name != want.name || got.Arguments != want.args {
				t.Errorf("output %d = %+v, want %+v", i, got, want)
			}
		}
		if u := resp.Usage; u.InputTokens != 30 || u.OutputTokens != 12 || u.TotalTokens != 42 ||
			u.InputTokensDetails.CachedTokens != 16 || u.OutputTokensDetails.ReasoningTokens != 5 {
			t.Errorf("usage = %s", u.RawJSON())
		}
	})

	t.Run("stream", func(t *testing.T) {
		srv := newServer(t)
		srv.Enqueue(openaitest.Reply{Content: "Sunny, 18°C.", ToolCalls: weatherCalls[:1]})
		stream := officialClient(srv).Responses.NewStreaming(ctx, params)
		defer stream.Close()
		var text, args string
		var seq []int64
		var completed responses.Response
		for stream.Next() {
			ev := stream.Current()
			seq = append(seq, ev.SequenceNumber)
			switch ev.Type {
			case "response.output_text.delta":
				text += ev.Delta
			case "response.function_call_arguments.done":
				args = ev.AsResponseFunctionCallArgumentsDone().Arguments
			case "response.completed":
				completed = ev.AsResponseCompleted().Response
			}
		}
		if err := stream.Err(); err != nil {
			t.Fatal(err)
		}
		for i, n := range seq {
			if n != int64(i) {
				t.Fatalf("sequence numbers %v", seq)
			}
		}
		if text != "Sunny, 18°C." || args != weatherCalls[0].Function.Arguments {
			t.Errorf("text %q, arguments %q", text, args)
		}
		if completed.Status != "completed" || completed.OutputText() != text || len(completed.Output) != 2 ||
			completed.Output[1].AsFunctionCall().CallID != "call_weather" || completed.Usage.TotalTokens == 0 {
			t.Errorf("response.completed carries %s", completed.RawJSON())
		}
	})

	t.Run("stream error", func(t *testing.T) {
		srv := newServer(t)
		srv.Enqueue(openaitest.Reply{Content: "one two", Fault: openaitest.FaultStreamError})
		stream := officialClient(srv).Responses.NewStreaming(ctx, params)
		defer stream.Close()
		var last responses.ResponseStreamEventUnion
		for stream.Next() {
			last = stream.Current()
		}
		if err := stream.Err(); err != nil {
			t.Fatal(err)
		}
		failed := last.AsResponseFailed().Response
		if last.Type != "response.failed" || failed.Status != "failed" || failed.Error.Code != "server_error" {
			t.Errorf("last event %s", last.RawJSON())
		}
	})
}

func TestOfficialEmbeddings(t *testing.T) {
	srv := newServer(t)
	resp, err := officialClient(srv).Embeddings.New(context.Background(), official.EmbeddingNewParams{
		Model: official.EmbeddingModelTextEmbedding3Small,
		Input: official.EmbeddingNewParamsInputUnion{OfArrayOfStrings: []string{"hello world", "bye"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Data) != 2 || resp.Usage.PromptTokens != 3 || resp.Usage.TotalTokens != 3 {
		t.Fatalf("response = %s", resp.RawJSON())
	}
	for i, text := range []string{"hello world", "bye"} {
		want := openaitest.Vector(text, 0)
		got := resp.Data[i].Embedding
		if resp.Data[i].Index != int64(i) || len(got) != len(want) {
			t.Fatalf("data[%d] = %v", i, got)
		}
		for j := range want {
			if math.Abs(got[j]-float64(want[j])) > 1e-6 {
				t.Errorf("data[%d] = %v, want Vector(%q) = %v", i, got, text, want)
				break
			}
		}
	}
}

func TestOfficialCompletions(t *testing.T) {
	srv := newServer(t)
	resp, err := officialClient(srv).Completions.New(context.Background(), official.CompletionNewParams{
		Model:  official.CompletionNewParamsModelGPT3_5TurboInstruct,
		Prompt: official.CompletionNewParamsPromptUnion{OfArrayOfStrings: []string{"red", "green blue"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	var texts []string
	for _, c := range resp.Choices {
		texts = append(texts, c.Text)
	}
	if want := []string{"You said: red", "You said: green blue"}; !reflect.DeepEqual(texts, want) {
		t.Errorf("texts = %q, want %q", texts, want)
	}
	if resp.Usage.PromptTokens != 3 || resp.Usage.CompletionTokens != 7 || !resp.Usage.JSON.PromptTokensDetails.Valid() {
		t.Errorf("usage = %s", resp.Usage.RawJSON())
	}
}

func TestOfficialRetries(t *testing.T) {
	ctx := context.Background()

	t.Run("rate limit", func(t *testing.T) {
		srv := newServer(t)
		srv.Enqueue(openaitest.Reply{Fault: openaitest.FaultRateLimit}, openaitest.Reply{Fault: openaitest.FaultRateLimit}, openaitest.Reply{Content: "third time"})
		resp, err := officialClient(srv).Chat.Completions.New(ctx, officialChat("x"))
		if err != nil {
			t.Fatal(err)
		}
		if resp.Choices[0].Message.Content != "third time" || len(srv.Requests()) != 3 {
			t.Errorf("after %d requests: %q", len(srv.Requests()), resp.Choices[0].Message.Content)
		}
		// The retry-after-ms header (10 ms) is what keeps this test quick:
		// without it the SDK backs off for over a second (TestRateLimitHeaders
		// checks the headers themselves).
	})

	t.Run("retries run out", func(t *testing.T) {
		srv := newServer(t)
		srv.Enqueue(openaitest.Reply{Fault: openaitest.FaultRateLimit}, openaitest.Reply{Fault: openaitest.FaultRateLimit})
		_, err := officialClient(srv, option.WithMaxRetries(1)).Responses.New(ctx, responses.ResponseNewParams{
			Model: "gpt-4.1-mini", Input: responses.ResponseNewParamsInputUnion{OfString: official.String("x")},
		})
		var apiErr *official.Error
		if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusTooManyRequests || apiErr.Code != "rate_limit_exceeded" || len(srv.Requests()) != 2 {
			t.Errorf("err = %v after %d requests, want a 429 after 2", err, len(srv.Requests()))
		}
	})

	t.Run("bad gateway", func(t *testing.T) {
		srv := newServer(t)
		srv.Enqueue(openaitest.Reply{Fault: openaitest.FaultBadGateway})
		_, err := officialClient(srv, option.WithMaxRetries(0)).Chat.Completions.New(ctx, officialChat("x"))
		var apiErr *official.Error
		if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusBadGateway {
			t.Errorf("err = %v, want a 502", err)
		}
	})
}
