package openaitest_test

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/sashabaranov/go-openai"

	"github.com/sessiontrace/sessiontrace/llm/openai/openaitest"
)

// The default responder echoes the last user message, with usage counted in
// words.
func Example() {
	srv := openaitest.NewServer()
	defer srv.Close()

	resp, err := srv.Client().CreateChatCompletion(context.Background(), openai.ChatCompletionRequest{
		Model: "gpt-4o-mini",
		Messages: []openai.ChatCompletionMessage{
			{Role: openai.ChatMessageRoleUser, Content: "Hello there"},
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(resp.ID, resp.Model)
	fmt.Println(resp.Choices[0].Message.Content)
	fmt.Println(resp.Usage.PromptTokens, resp.Usage.CompletionTokens, resp.Usage.TotalTokens)
	// Output:
	// chatcmpl-1 gpt-4o-mini
	// You said: Hello there
	// 2 4 6
}

// Scripted replies answer in order: here a tool call, streamed, then a rate
// limit.
func ExampleServer_Enqueue() {
	srv := openaitest.NewServer()
	defer srv.Close()
	srv.Enqueue(
		openaitest.Reply{ToolCalls: []openai.ToolCall{{
			Function: openai.FunctionCall{Name: "get_weather", Arguments: `{"city":"Paris"}`},
		}}},
		openaitest.Reply{Fault: openaitest.FaultRateLimit},
	)
	ctx := context.Background()
	client := srv.Client()
	req := openai.ChatCompletionRequest{
		Model:    "gpt-4o-mini",
		Messages: []openai.ChatCompletionMessage{{Role: openai.ChatMessageRoleUser, Content: "Weather in Paris?"}},
	}

	stream, err := client.CreateChatCompletionStream(ctx, req)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer stream.Close()
	var name, args string
	for {
		chunk, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			fmt.Println(err)
			return
		}
		for _, choice := range chunk.Choices {
			for _, call := range choice.Delta.ToolCalls {
				name += call.Function.Name
				args += call.Function.Arguments
			}
			if choice.FinishReason != "" {
				fmt.Println("finish:", choice.FinishReason)
			}
		}
	}
	fmt.Println("call:", name, args)

	_, err = client.CreateChatCompletion(ctx, req)
	var apiErr *openai.APIError
	if errors.As(err, &apiErr) {
		fmt.Println("then:", apiErr.HTTPStatusCode, apiErr.Code)
	}
	// Output:
	// finish: tool_calls
	// call: get_weather {"city":"Paris"}
	// then: 429 rate_limit_exceeded
}
