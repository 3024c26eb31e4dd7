package openai_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/sashabaranov/go-openai"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	oiopenai "github.com/sessiontrace/sessiontrace/llm/openai"
	"github.com/sessiontrace/sessiontrace/llm/openai/openaitest"
)

// The Responses API: the span is named Response, the instructions are the
// system message, and a request that names its conversation and user gives
// the span its session and user when the context has none.
func ExampleClient_CreateResponse() {
	srv := openaitest.NewServer()
	defer srv.Close()
	exporter := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exporter))
	defer tp.Shutdown(context.Background())
	client := oiopenai.NewClientWithConfig(srv.ClientConfig(), oiopenai.WithTracerProvider(tp))

	resp, err := client.CreateResponse(context.Background(), openai.CreateResponseRequest{
		Model:            "gpt-4.1-mini",
		Instructions:     "You are a helpful assistant.",
		Input:            "Hello!",
		Conversation:     "conv_42",
		SafetyIdentifier: "user-7f3a",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(resp.GetOutputText())

	span := exporter.GetSpans()[0]
	fmt.Println(span.Name, span.Status.Code)
	for _, kv := range span.Attributes {
		if k := string(kv.Key); k == "session.id" || k == "user.id" || strings.Contains(k, "_messages.") || strings.HasPrefix(k, "llm.token_count") {
			fmt.Printf("%s = %s\n", k, kv.Value.String())
		}
	}
	// Output:
	// You said: Hello!
	// Response Ok
	// session.id = conv_42
	// user.id = user-7f3a
	// llm.output_messages.0.message.role = assistant
	// llm.output_messages.0.message.content = You said: Hello!
	// llm.token_count.prompt = 6
	// llm.token_count.completion = 3
	// llm.token_count.total = 9
	// llm.input_messages.0.message.role = system
	// llm.input_messages.0.message.content = You are a helpful assistant.
	// llm.input_messages.1.message.role = user
	// llm.input_messages.1.message.content = Hello!
}
