package openai_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/sashabaranov/go-openai"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/sessiontrace/sessiontrace"
	oiopenai "github.com/sessiontrace/sessiontrace/llm/openai"
	"github.com/sessiontrace/sessiontrace/llm/openai/openaitest"
)

// Wrap a go-openai client, put the session and user into the context, and
// call it as usual: the span carries the conversation. The fake server and
// the in-memory exporter keep the example offline; in production use
// openai.NewClient(apiKey) and an OTLP exporter to Phoenix.
func Example() {
	srv := openaitest.NewServer()
	defer srv.Close()
	exporter := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exporter))
	defer tp.Shutdown(context.Background())

	client := oiopenai.Wrap(srv.Client(), oiopenai.WithTracerProvider(tp))

	ctx := sessiontrace.WithSession(context.Background(), "conversation-42")
	ctx = sessiontrace.WithUser(ctx, "alice")
	resp, err := client.CreateChatCompletion(ctx, openai.ChatCompletionRequest{
		Model: "gpt-4o-mini",
		Messages: []openai.ChatCompletionMessage{
			{Role: openai.ChatMessageRoleSystem, Content: "You are a helpful assistant."},
			{Role: openai.ChatMessageRoleUser, Content: "Hello!"},
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
		switch k := string(kv.Key); {
		case k == "input.value", k == "output.value", k == "llm.invocation_parameters":
			// JSON of the request and response
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

// A streamed answer: read it to io.EOF (or Close early); the span ends with
// the assembled answer and a first-token event.
func ExampleClient_CreateChatCompletionStream() {
	srv := openaitest.NewServer()
	defer srv.Close()
	exporter := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exporter))
	defer tp.Shutdown(context.Background())
	client := oiopenai.Wrap(srv.Client(), oiopenai.WithTracerProvider(tp))

	stream, err := client.CreateChatCompletionStream(context.Background(), openai.ChatCompletionRequest{
		Model:         "gpt-4o-mini",
		Messages:      []openai.ChatCompletionMessage{{Role: openai.ChatMessageRoleUser, Content: "Stream this"}},
		StreamOptions: &openai.StreamOptions{IncludeUsage: true},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer stream.Close()
	var answer strings.Builder
	for {
		chunk, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			fmt.Println(err)
			return
		}
		for _, c := range chunk.Choices { // the usage chunk has none
			answer.WriteString(c.Delta.Content)
		}
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

// NewClientWithConfig builds the go-openai client itself, with a recorder
// in front of the configuration's HTTPClient: input.value is the request
// body exactly as the server received it, and output.value the body it
// sent back.
func ExampleNewClientWithConfig() {
	srv := openaitest.NewServer()
	defer srv.Close()
	exporter := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exporter))
	defer tp.Shutdown(context.Background())

	client := oiopenai.NewClientWithConfig(srv.ClientConfig(), oiopenai.WithTracerProvider(tp))
	_, err := client.CreateChatCompletion(context.Background(), openai.ChatCompletionRequest{
		Model:    "gpt-4o-mini",
		Messages: []openai.ChatCompletionMessage{{Role: openai.ChatMessageRoleUser, Content: "Hello!"}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, kv := range exporter.GetSpans()[0].Attributes {
		if kv.Key == "input.value" {
			fmt.Println(kv.Value.AsString() == string(srv.Requests()[0].Body))
			fmt.Println(kv.Value.AsString())
		}
	}
	// Output:
	// true
	// {"model":"gpt-4o-mini","messages":[{"role":"user","content":"Hello!"}],"stream":false}
}
