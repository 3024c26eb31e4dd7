package openaigo_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/sessiontrace/sessiontrace"
	"github.com/sessiontrace/sessiontrace/llm/openai/openaitest"
	"github.com/sessiontrace/sessiontrace/llm/openaigo"
)

// Give the client the middleware, put the session and user into the
// context, and call it as usual: the span carries the conversation. The
// fake server and the in-memory exporter keep the example offline; in
// production openai.NewClient(option.WithMiddleware(openaigo.Middleware()))
// is all it takes, with phoenix.Register installing the TracerProvider.
func Example() {
	srv := openaitest.NewServer()
	defer srv.Close()
	exporter := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exporter))
	defer tp.Shutdown(context.Background())

	client := openai.NewClient(
		option.WithBaseURL(srv.URL+"/v1/"),
		option.WithAPIKey("test"),
		option.WithHTTPClient(srv.HTTPClient()),
		option.WithMiddleware(openaigo.Middleware(openaigo.WithTracerProvider(tp))),
	)

	ctx := sessiontrace.WithSession(context.Background(), "conversation-42")
	ctx = sessiontrace.WithUser(ctx, "alice")
	resp, err := client.Chat.Completions.New(ctx, openai.ChatCompletionNewParams{
		Model: "gpt-4o-mini",
		Messages: []openai.ChatCompletionMessageParamUnion{
			openai.SystemMessage("You are a helpful assistant."),
			openai.UserMessage("Hello!"),
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(resp.Choices[0].Message.Content)

	span := exporter.GetSpans()[0]
	fmt.Println(span.Name, span.Status.Code)
	for _, kv := range span.Attributes {
		switch k := string(kv.Key); k {
		case "output.value", "llm.invocation_parameters":
			// JSON of the response and of the request's parameters
		default:
			fmt.Printf("%s = %s\n", k, kv.Value.String())
		}
	}
	// Output:
	// You said: Hello!
	// ChatCompletion Ok
	// openinference.span.kind = LLM
	// llm.system = openai
	// llm.provider = openai
	// session.id = conversation-42
	// user.id = alice
	// input.value = {"messages":[{"content":"You are a helpful assistant.","role":"system"},{"content":"Hello!","role":"user"}],"model":"gpt-4o-mini"}
	// input.mime_type = application/json
	// llm.model_name = gpt-4o-mini
	// output.mime_type = application/json
	// llm.output_messages.0.message.role = assistant
	// llm.output_messages.0.message.content = You said: Hello!
	// llm.finish_reason = stop
	// llm.token_count.prompt = 6
	// llm.token_count.completion = 3
	// llm.token_count.total = 9
	// llm.input_messages.0.message.role = system
	// llm.input_messages.0.message.content = You are a helpful assistant.
	// llm.input_messages.1.message.role = user
	// llm.input_messages.1.message.content = Hello!
}

// A streamed answer is observed as the SDK reads it; the span ends with
// the assembled answer, its usage and a first-token event when the stream
// ends.
func Example_stream() {
	srv := openaitest.NewServer()
	defer srv.Close()
	exporter := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exporter))
	defer tp.Shutdown(context.Background())
	client := openai.NewClient(
		option.WithBaseURL(srv.URL+"/v1/"),
		option.WithAPIKey("test"),
		option.WithHTTPClient(srv.HTTPClient()),
		option.WithMiddleware(openaigo.Middleware(openaigo.WithTracerProvider(tp))),
	)

	stream := client.Chat.Completions.NewStreaming(context.Background(), openai.ChatCompletionNewParams{
		Model:         "gpt-4o-mini",
		Messages:      []openai.ChatCompletionMessageParamUnion{openai.UserMessage("Stream this")},
		StreamOptions: openai.ChatCompletionStreamOptionsParam{IncludeUsage: openai.Bool(true)},
	})
	defer stream.Close()
	var answer strings.Builder
	for stream.Next() {
		for _, c := range stream.Current().Choices { // the usage chunk has none
			answer.WriteString(c.Delta.Content)
		}
	}
	if err := stream.Err(); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(answer.String())

	span := exporter.GetSpans()[0]
	fmt.Println(span.Name, span.Status.Code, span.Events[0].Name)
	for _, kv := range span.Attributes {
		if k := string(kv.Key); k == "llm.output_messages.0.message.content" || k == "llm.token_count.total" {
			fmt.Printf("%s = %s\n", k, kv.Value.String())
		}
	}
	// Output:
	// You said: Stream this
	// ChatCompletion Ok First Token Stream Event
	// llm.output_messages.0.message.content = You said: Stream this
	// llm.token_count.total = 6
}
