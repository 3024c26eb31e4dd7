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

// The Responses API, plain and streamed: the stream's text deltas add up
// to the answer, and response.completed carries the whole response.
func Example_responses() {
	srv := openaitest.NewServer()
	defer srv.Close()
	ctx := context.Background()
	client := srv.Client()
	req := openai.CreateResponseRequest{
		Model:        "gpt-4.1-mini",
		Instructions: "Be brief.",
		Input:        "Hello there",
	}

	resp, err := client.CreateResponse(ctx, req)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(resp.ID, resp.Status, resp.GetOutputText())
	fmt.Println(resp.Usage.InputTokens, resp.Usage.OutputTokens, resp.Usage.TotalTokens)

	stream, err := client.CreateResponseStream(ctx, req)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer stream.Close()
	var text string
	for {
		event, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			fmt.Println(err)
			return
		}
		switch event.Type {
		case openai.ResponseStreamEventOutputTextDelta:
			text += event.Delta
		case openai.ResponseStreamEventCompleted:
			fmt.Printf("%q, then %s (sequence number %d) with %d tokens\n",
				text, event.Type, event.SequenceNumber, event.Response.Usage.TotalTokens)
		}
	}
	// Output:
	// resp_1 completed You said: Hello there
	// 4 4 8
	// "You said: Hello there", then response.completed (sequence number 11) with 8 tokens
}
