package langchaingo_test

import (
	"context"
	"fmt"
	"strings"

	goopenai "github.com/sashabaranov/go-openai"
	"github.com/tmc/langchaingo/agents"
	"github.com/tmc/langchaingo/chains"
	"github.com/tmc/langchaingo/llms"
	"github.com/tmc/langchaingo/llms/openai"
	"github.com/tmc/langchaingo/tools"
	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/sessiontrace/sessiontrace"
	"github.com/sessiontrace/sessiontrace/llm/langchaingo"
	"github.com/sessiontrace/sessiontrace/llm/openai/openaitest"
)

// A model call names its conversation through llms.WithMetadata, as LangChain
// applications do; the span lands in that session. The fake OpenAI server
// keeps the example offline.
func ExampleWrapModel() {
	srv := openaitest.NewServer()
	defer srv.Close()
	llm, err := openai.New(openai.WithBaseURL(srv.URL+"/v1"), openai.WithToken("test"),
		openai.WithModel("gpt-4o-mini"))
	if err != nil {
		fmt.Println(err)
		return
	}

	sr := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(sr))
	// The backend keeps its model to itself: name it for llm.model_name.
	model := langchaingo.WrapModel(llm,
		langchaingo.WithTracerProvider(tp),
		langchaingo.WithModelName("gpt-4o-mini"))

	ctx := sessiontrace.WithUser(context.Background(), "alice")
	reply, err := llms.GenerateFromSinglePrompt(ctx, model, "Hello there",
		llms.WithMetadata(map[string]any{"thread_id": "thread-42"}))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(reply)
	s := sr.Ended()[0]
	fmt.Println(s.Name(), show(s, "openinference.span.kind", "session.id", "user.id", "llm.model_name",
		"llm.token_count.prompt", "llm.token_count.completion"))
	// Output:
	// You said: Hello there
	// GenerateContent LLM thread-42 alice gpt-4o-mini 2 4
}

// An agent whose executor, model and tool are wrapped gives one trace:
// AGENT → LLM, AGENT → TOOL, AGENT → LLM.
func ExampleWrapChain() {
	srv := openaitest.NewServer()
	defer srv.Close()
	srv.Enqueue(
		openaitest.Reply{ToolCalls: []goopenai.ToolCall{{
			Function: goopenai.FunctionCall{Name: "calculator", Arguments: `{"__arg1":"3*27"}`},
		}}},
		openaitest.Reply{Content: "3 times 27 is 81."},
	)
	llm, err := openai.New(openai.WithBaseURL(srv.URL+"/v1"), openai.WithToken("test"))
	if err != nil {
		fmt.Println(err)
		return
	}

	sr := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(sr))
	opt := langchaingo.WithTracerProvider(tp)
	model := langchaingo.WrapModel(llm, opt)
	calculator := langchaingo.WrapTool(tools.Calculator{}, opt)
	agent := agents.NewOpenAIFunctionsAgent(model, []tools.Tool{calculator})
	executor := langchaingo.WrapChain(agents.NewExecutor(agent), opt)

	ctx := sessiontrace.WithSession(context.Background(), "session-7")
	answer, err := chains.Run(ctx, executor, "What is 3 times 27?")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(answer)
	spans := sr.Ended()
	names := map[trace.SpanID]string{}
	for _, s := range spans {
		names[s.SpanContext().SpanID()] = s.Name()
	}
	for _, s := range spans {
		parent := names[s.Parent().SpanID()]
		if parent == "" {
			parent = "-"
		}
		fmt.Println(s.Name(), "<-", parent, show(s, "openinference.span.kind", "session.id"))
	}
	// Output:
	// 3 times 27 is 81.
	// GenerateContent <- AgentExecutor LLM session-7
	// calculator <- AgentExecutor TOOL session-7
	// GenerateContent <- AgentExecutor LLM session-7
	// AgentExecutor <- - AGENT session-7
}

// show returns the values of keys on s, separated by spaces.
func show(s sdktrace.ReadOnlySpan, keys ...string) string {
	vals := make(map[attribute.Key]string)
	for _, kv := range s.Attributes() {
		vals[kv.Key] = kv.Value.String()
	}
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = vals[attribute.Key(k)]
	}
	return strings.Join(out, " ")
}
