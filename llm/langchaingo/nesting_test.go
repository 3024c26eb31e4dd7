package langchaingo_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	goopenai "github.com/sashabaranov/go-openai"
	"github.com/tmc/langchaingo/agents"
	"github.com/tmc/langchaingo/chains"
	"github.com/tmc/langchaingo/embeddings"
	"github.com/tmc/langchaingo/llms"
	"github.com/tmc/langchaingo/memory"
	"github.com/tmc/langchaingo/prompts"
	"github.com/tmc/langchaingo/schema"
	"github.com/tmc/langchaingo/tools"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/sessiontrace/sessiontrace"
	"github.com/sessiontrace/sessiontrace/internal/spantest"
	"github.com/sessiontrace/sessiontrace/llm/langchaingo"
	"github.com/sessiontrace/sessiontrace/llm/openai/openaitest"
)

// weatherTool is a hand-written tool that knows its parameters.
type weatherTool struct{ err error }

func (weatherTool) Name() string        { return "weather" }
func (weatherTool) Description() string { return "Current weather in a city." }
func (weatherTool) Parameters() any {
	return map[string]any{"type": "object", "properties": map[string]any{"city": map[string]any{"type": "string"}}}
}

func (w weatherTool) Call(_ context.Context, input string) (string, error) {
	if w.err != nil {
		return "", w.err
	}
	return "Sunny in " + input, nil
}

func byName(t *testing.T, spans []sdktrace.ReadOnlySpan, name string) []sdktrace.ReadOnlySpan {
	t.Helper()
	var out []sdktrace.ReadOnlySpan
	for _, s := range spans {
		if s.Name() == name {
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		t.Fatalf("no span %q", name)
	}
	return out
}

func childOf(t *testing.T, child, parent sdktrace.ReadOnlySpan) {
	t.Helper()
	if child.Parent().SpanID() != parent.SpanContext().SpanID() || child.SpanContext().TraceID() != parent.SpanContext().TraceID() {
		t.Errorf("%s is not a child of %s", child.Name(), parent.Name())
	}
}

// An OpenAI functions agent on langchaingo's OpenAI backend: the model asks
// for the tool, the executor runs it, the model answers.
func TestAgentExecutorNesting(t *testing.T) {
	srv, llm := openAIModel(t)
	tp, sr := spantest.NewProvider(t)
	srv.Enqueue(
		openaitest.Reply{ToolCalls: []goopenai.ToolCall{{ID: "call_1", Function: goopenai.FunctionCall{Name: "weather", Arguments: `{"__arg1":"Oslo"}`}}}},
		openaitest.Reply{Content: "It is sunny in Oslo."},
	)
	opts := []langchaingo.Option{langchaingo.WithTracerProvider(tp), langchaingo.WithTraceConfig(sessiontrace.DefaultTraceConfig())}
	model := langchaingo.WrapModel(llm, opts...)
	tool := langchaingo.WrapTool(weatherTool{}, opts...)
	agent := agents.NewOpenAIFunctionsAgent(model, []tools.Tool{tool})
	exec := langchaingo.WrapChain(agents.NewExecutor(agent), opts...)

	ctx, turnSpan := sessiontrace.StartTurn(sessiontrace.WithSession(context.Background(), "s-agent"), "chat", sessiontrace.WithTracerProvider(tp))
	answer, err := chains.Run(ctx, exec, "Weather in Oslo?")
	turnSpan.End()
	if err != nil {
		t.Fatal(err)
	}
	if answer != "It is sunny in Oslo." {
		t.Errorf("answer %q", answer)
	}

	spans := sr.Ended()
	root := byName(t, spans, "chat")[0]
	agentSpan := byName(t, spans, "AgentExecutor")[0]
	llmSpans := byName(t, spans, "GenerateContent")
	toolSpan := byName(t, spans, "weather")[0]
	if len(llmSpans) != 2 {
		t.Fatalf("%d LLM spans", len(llmSpans))
	}
	childOf(t, agentSpan, root)
	childOf(t, llmSpans[0], agentSpan)
	childOf(t, llmSpans[1], agentSpan)
	childOf(t, toolSpan, agentSpan)
	if !(llmSpans[0].EndTime().Before(toolSpan.StartTime()) || llmSpans[0].EndTime().Equal(toolSpan.StartTime())) {
		t.Error("tool ran before the model asked for it")
	}
	for _, s := range spans {
		spantest.Want(t, s, map[string]any{"session.id": "s-agent"})
		if s != root && s.Status().Code != codes.Ok {
			t.Errorf("%s status %v", s.Name(), s.Status())
		}
	}
	spantest.Want(t, agentSpan, map[string]any{
		"openinference.span.kind": "AGENT",
		"input.value":             `{"input":"Weather in Oslo?"}`,
		"output.value":            `{"output":"It is sunny in Oslo."}`,
		"output.mime_type":        "application/json",
	})
	spantest.Want(t, toolSpan, map[string]any{
		"openinference.span.kind": "TOOL",
		"tool.name":               "weather",
		"tool.description":        "Current weather in a city.",
		"tool.parameters":         `{"properties":{"city":{"type":"string"}},"type":"object"}`,
		"input.value":             "Oslo",
		"input.mime_type":         "text/plain",
		"output.value":            "Sunny in Oslo",
	})
	// The agent's functions are recorded as tools of the LLM span.
	spantest.Want(t, llmSpans[0], map[string]any{
		"openinference.span.kind": "LLM",
		"llm.output_messages.0.message.tool_calls.0.tool_call.function.name": "weather",
	})
	if js := spantest.Attrs(llmSpans[0])["llm.tools.0.tool.json_schema"].AsString(); !strings.Contains(js, `"name":"weather"`) {
		t.Errorf("tool schema %s", js)
	}
	// The turn shows the user's question and the agent's answer, not the
	// agent's prompt.
	spantest.Want(t, root, map[string]any{"input.value": "Weather in Oslo?", "output.value": "It is sunny in Oslo."})
}

// A one-shot (ReAct) agent over a scripted hand-written model.
func TestOneShotAgentNesting(t *testing.T) {
	tp, sr := spantest.NewProvider(t)
	m := &fakeModel{replies: []*llms.ContentResponse{
		textReply("Thought: I should check.\nAction: weather\nAction Input: Oslo", nil),
		textReply("Thought: I know.\nFinal Answer: Sunny.", nil),
	}}
	model := langchaingo.WrapModel(m, langchaingo.WithTracerProvider(tp))
	tool := langchaingo.WrapTool(weatherTool{}, langchaingo.WithTracerProvider(tp))
	exec := langchaingo.WrapChain(agents.NewExecutor(agents.NewOneShotAgent(model, []tools.Tool{tool})), langchaingo.WithTracerProvider(tp))
	answer, err := chains.Run(context.Background(), exec, "Weather in Oslo?")
	if err != nil || answer != "Sunny." {
		t.Fatalf("answer %q err %v", answer, err)
	}
	spans := sr.Ended()
	agentSpan := byName(t, spans, "AgentExecutor")[0]
	for _, s := range append(byName(t, spans, "GenerateContent"), byName(t, spans, "weather")...) {
		childOf(t, s, agentSpan)
	}
	if agentSpan.Parent().IsValid() {
		t.Error("agent span should be the root here")
	}
}

func TestLLMChainNesting(t *testing.T) {
	tp, sr := spantest.NewProvider(t)
	m := &fakeModel{replies: []*llms.ContentResponse{textReply("Bonjour", nil)}}
	model := langchaingo.WrapModel(m, langchaingo.WithTracerProvider(tp), langchaingo.WithTraceConfig(sessiontrace.DefaultTraceConfig()))
	prompt := prompts.NewPromptTemplate("Translate to French: {{.text}}", []string{"text"})
	chain := langchaingo.WrapChain(chains.NewLLMChain(model, prompt), langchaingo.WithTracerProvider(tp), langchaingo.WithTraceConfig(sessiontrace.DefaultTraceConfig()))

	ctx, turnSpan := sessiontrace.StartTurn(context.Background(), "turn", sessiontrace.WithTracerProvider(tp))
	out, err := chains.Run(ctx, chain, "Hello")
	turnSpan.End()
	if err != nil || out != "Bonjour" {
		t.Fatalf("out %q err %v", out, err)
	}
	spans := sr.Ended()
	chainSpan := byName(t, spans, "LLMChain")[0]
	llmSpan := byName(t, spans, "GenerateContent")[0]
	childOf(t, llmSpan, chainSpan)
	childOf(t, chainSpan, byName(t, spans, "turn")[0])
	spantest.Want(t, chainSpan, map[string]any{
		"openinference.span.kind":      "CHAIN",
		"input.value":                  `{"text":"Hello"}`,
		"input.mime_type":              "application/json",
		"output.value":                 `{"text":"Bonjour"}`,
		"llm.prompt_template.template": nil, // set for the spans below it
	})
	spantest.Want(t, llmSpan, map[string]any{
		"llm.input_messages.0.message.content": "Translate to French: Hello",
		"llm.prompt_template.template":         "Translate to French: {{.text}}",
		"llm.prompt_template.variables":        `{"text":"Hello"}`,
	})
	spantest.Want(t, byName(t, spans, "turn")[0], map[string]any{"input.value": "Hello", "output.value": "Bonjour"})
}

func TestChainError(t *testing.T) {
	tp, sr := spantest.NewProvider(t)
	model := langchaingo.WrapModel(&fakeModel{err: errBoom}, langchaingo.WithTracerProvider(tp))
	chain := langchaingo.WrapChain(chains.NewLLMChain(model, prompts.NewPromptTemplate("{{.q}}", []string{"q"})), langchaingo.WithTracerProvider(tp))
	ctx, turnSpan := sessiontrace.StartTurn(context.Background(), "turn", sessiontrace.WithTracerProvider(tp))
	_, err := chains.Call(ctx, chain, map[string]any{"q": "hi"})
	turnSpan.End()
	if !errors.Is(err, errBoom) {
		t.Fatalf("err %v", err)
	}
	for _, name := range []string{"LLMChain", "GenerateContent"} {
		s := byName(t, sr.Ended(), name)[0]
		if s.Status().Code != codes.Error {
			t.Errorf("%s status %v", name, s.Status())
		}
		spantest.Want(t, s, map[string]any{"output.value": nil})
	}
	// The question was asked even though the answer failed.
	spantest.Want(t, byName(t, sr.Ended(), "turn")[0], map[string]any{"input.value": "hi", "output.value": nil})
}

// The wrapped chain keeps its memory and callbacks working.
func TestChainPassThrough(t *testing.T) {
	inner := chains.NewLLMChain(&fakeModel{replies: []*llms.ContentResponse{textReply("ok", nil)}}, prompts.NewPromptTemplate("{{.a}} {{.b}}", []string{"a", "b"}))
	chain := langchaingo.WrapChain(inner)
	if got := strings.Join(chain.GetInputKeys(), ","); got != "a,b" {
		t.Errorf("input keys %q", got)
	}
	if got := strings.Join(chain.GetOutputKeys(), ","); got != "text" {
		t.Errorf("output keys %q", got)
	}
	if chain.GetMemory() == nil || chain.GetCallbackHandler() != nil {
		t.Error("memory or callbacks not passed through")
	}
	if again := langchaingo.WrapChain(chain); again.GetInputKeys()[0] != "a" {
		t.Error("rewrap lost the chain")
	}
}

type staticRetriever []schema.Document

func (r staticRetriever) GetRelevantDocuments(context.Context, string) ([]schema.Document, error) {
	if r == nil {
		return nil, errBoom
	}
	return r, nil
}

func TestRetriever(t *testing.T) {
	tp, sr := spantest.NewProvider(t)
	r := langchaingo.WrapRetriever(staticRetriever{
		{PageContent: "Oslo is the capital of Norway.", Score: 0.9, Metadata: map[string]any{"source": "wiki"}},
		{PageContent: "Bergen is rainy."},
	}, langchaingo.WithTracerProvider(tp), langchaingo.WithTraceConfig(sessiontrace.DefaultTraceConfig()))
	ctx, parent := tp.Tracer("test").Start(sessiontrace.WithUser(context.Background(), "u-1"), "parent")
	docs, err := r.GetRelevantDocuments(ctx, "capital of Norway")
	parent.End()
	if err != nil || len(docs) != 2 {
		t.Fatalf("docs %v err %v", docs, err)
	}
	s := byName(t, sr.Ended(), "GetRelevantDocuments")[0]
	childOf(t, s, byName(t, sr.Ended(), "parent")[0])
	spantest.Want(t, s, map[string]any{
		"openinference.span.kind":                 "RETRIEVER",
		"input.value":                             "capital of Norway",
		"input.mime_type":                         "text/plain",
		"user.id":                                 "u-1",
		"retrieval.documents.0.document.content":  "Oslo is the capital of Norway.",
		"retrieval.documents.0.document.score":    float64(float32(0.9)),
		"retrieval.documents.0.document.metadata": `{"source":"wiki"}`,
		"retrieval.documents.1.document.content":  "Bergen is rainy.",
		"retrieval.documents.1.document.score":    nil,
		"retrieval.documents.1.document.metadata": nil,
	})

	// Errors and masking.
	tp2, sr2 := spantest.NewProvider(t)
	failing := langchaingo.WrapRetriever(staticRetriever(nil), langchaingo.WithTracerProvider(tp2), langchaingo.WithTraceConfig(sessiontrace.TraceConfig{HideInputs: true}))
	if _, err := failing.GetRelevantDocuments(context.Background(), "secret"); err != errBoom {
		t.Errorf("err %v", err)
	}
	s = spantest.Only(t, sr2)
	if s.Status().Code != codes.Error {
		t.Errorf("status %v", s.Status())
	}
	spantest.Want(t, s, map[string]any{"input.value": "__REDACTED__"})
}

// A retrieval QA chain over a wrapped retriever and model gives
// CHAIN → RETRIEVER and CHAIN → … → LLM.
func TestRetrievalQANesting(t *testing.T) {
	tp, sr := spantest.NewProvider(t)
	model := langchaingo.WrapModel(&fakeModel{replies: []*llms.ContentResponse{textReply("Oslo.", nil)}}, langchaingo.WithTracerProvider(tp))
	r := langchaingo.WrapRetriever(staticRetriever{{PageContent: "Oslo is the capital of Norway."}}, langchaingo.WithTracerProvider(tp))
	qa := langchaingo.WrapChain(chains.NewRetrievalQAFromLLM(model, r), langchaingo.WithTracerProvider(tp))
	out, err := chains.Run(context.Background(), qa, "Capital of Norway?")
	if err != nil || out != "Oslo." {
		t.Fatalf("out %q err %v", out, err)
	}
	spans := sr.Ended()
	chainSpan := byName(t, spans, "RetrievalQA")[0]
	childOf(t, byName(t, spans, "GetRelevantDocuments")[0], chainSpan)
	llmSpan := byName(t, spans, "GenerateContent")[0]
	if llmSpan.SpanContext().TraceID() != chainSpan.SpanContext().TraceID() {
		t.Error("LLM span in another trace")
	}
}

type fakeEmbedder struct{ err error }

func (f fakeEmbedder) EmbedDocuments(_ context.Context, texts []string) ([][]float32, error) {
	if f.err != nil {
		return nil, f.err
	}
	out := make([][]float32, len(texts))
	for i, s := range texts {
		out[i] = []float32{float32(len(s)), 0.5}
	}
	return out, nil
}

func (f fakeEmbedder) EmbedQuery(ctx context.Context, text string) ([]float32, error) {
	v, err := f.EmbedDocuments(ctx, []string{text})
	if err != nil {
		return nil, err
	}
	return v[0], nil
}

func TestEmbedder(t *testing.T) {
	tp, sr := spantest.NewProvider(t)
	e := langchaingo.WrapEmbedder(fakeEmbedder{}, langchaingo.WithTracerProvider(tp), langchaingo.WithModelName("text-embedding-3-small"),
		langchaingo.WithProvider("openai"), langchaingo.WithTraceConfig(sessiontrace.DefaultTraceConfig()))
	ctx := sessiontrace.WithSession(context.Background(), "s-e")
	if _, err := e.EmbedDocuments(ctx, []string{"ab", "abcd"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.EmbedQuery(ctx, "abc"); err != nil {
		t.Fatal(err)
	}
	docs, query := byName(t, sr.Ended(), "EmbedDocuments")[0], byName(t, sr.Ended(), "EmbedQuery")[0]
	for _, s := range []sdktrace.ReadOnlySpan{docs, query} {
		spantest.Want(t, s, map[string]any{
			"openinference.span.kind": "EMBEDDING",
			"embedding.model_name":    "text-embedding-3-small",
			"llm.provider":            "openai",
			"session.id":              "s-e",
		})
	}
	spantest.Want(t, docs, map[string]any{
		"embedding.embeddings.0.embedding.text": "ab",
		"embedding.embeddings.1.embedding.text": "abcd",
	})
	if v := spantest.Attrs(docs)["embedding.embeddings.1.embedding.vector"].AsFloat64Slice(); len(v) != 2 || v[0] != 4 {
		t.Errorf("vector %v", v)
	}
	spantest.Want(t, query, map[string]any{"embedding.embeddings.0.embedding.text": "abc"})

	tp2, sr2 := spantest.NewProvider(t)
	hidden := langchaingo.WrapEmbedder(fakeEmbedder{}, langchaingo.WithTracerProvider(tp2),
		langchaingo.WithTraceConfig(sessiontrace.TraceConfig{HideEmbeddingsText: true, HideEmbeddingVectors: true}))
	_, _ = hidden.EmbedQuery(context.Background(), "secret")
	spantest.Want(t, spantest.Only(t, sr2), map[string]any{
		"embedding.embeddings.0.embedding.text":   "__REDACTED__",
		"embedding.embeddings.0.embedding.vector": "__REDACTED__",
		"embedding.model_name":                    nil,
	})

	tp3, sr3 := spantest.NewProvider(t)
	failing := langchaingo.WrapEmbedder(fakeEmbedder{err: errBoom}, langchaingo.WithTracerProvider(tp3))
	if _, err := failing.EmbedDocuments(context.Background(), []string{"x"}); err != errBoom {
		t.Errorf("err %v", err)
	}
	s := spantest.Only(t, sr3)
	if s.Status().Code != codes.Error {
		t.Errorf("status %v", s.Status())
	}
	spantest.Want(t, s, map[string]any{"embedding.embeddings.0.embedding.text": "x", "embedding.embeddings.0.embedding.vector": nil})
}

// langchaingo's own embedder over the OpenAI backend and the fake server.
func TestEmbedderOpenAIBackend(t *testing.T) {
	_, llm := openAIModel(t)
	tp, sr := spantest.NewProvider(t)
	inner, err := embeddings.NewEmbedder(llm)
	if err != nil {
		t.Fatal(err)
	}
	e := langchaingo.WrapEmbedder(inner, langchaingo.WithTracerProvider(tp))
	vs, err := e.EmbedDocuments(context.Background(), []string{"hello", "world"})
	if err != nil || len(vs) != 2 {
		t.Fatalf("vectors %d err %v", len(vs), err)
	}
	if v := spantest.Attrs(spantest.Only(t, sr))["embedding.embeddings.1.embedding.vector"].AsFloat64Slice(); len(v) != len(vs[1]) {
		t.Errorf("recorded %d dims, got %d", len(v), len(vs[1]))
	}
}

func TestToolErrorsAndMasking(t *testing.T) {
	tp, sr := spantest.NewProvider(t)
	tool := langchaingo.WrapTool(weatherTool{err: errBoom}, langchaingo.WithTracerProvider(tp),
		langchaingo.WithTraceConfig(sessiontrace.TraceConfig{HideInputs: true, HideOutputs: true}))
	if tool.Name() != "weather" || tool.Description() != "Current weather in a city." {
		t.Error("name or description not passed through")
	}
	if _, err := tool.Call(context.Background(), "Oslo"); err != errBoom {
		t.Errorf("err %v", err)
	}
	s := spantest.Only(t, sr)
	if s.Status().Code != codes.Error {
		t.Errorf("status %v", s.Status())
	}
	spantest.Want(t, s, map[string]any{"input.value": "__REDACTED__", "output.value": nil, "tool.name": "weather"})

	tp2, sr2 := spantest.NewProvider(t)
	calc := langchaingo.WrapTool(tools.Calculator{}, langchaingo.WithTracerProvider(tp2), langchaingo.WithTraceConfig(sessiontrace.TraceConfig{HideOutputs: true}))
	if out, err := calc.Call(context.Background(), "3*27"); err != nil || out != "81" {
		t.Fatalf("out %q err %v", out, err)
	}
	spantest.Want(t, spantest.Only(t, sr2), map[string]any{
		"output.value": "__REDACTED__", "input.value": "3*27", "tool.parameters": nil, "tool.name": "calculator",
	})
}

func TestSuppressionAllWrappers(t *testing.T) {
	tp, sr := spantest.NewProvider(t)
	o := langchaingo.WithTracerProvider(tp)
	ctx := sessiontrace.WithSuppression(context.Background())
	model := langchaingo.WrapModel(&fakeModel{replies: []*llms.ContentResponse{textReply("ok", nil)}}, o)
	chain := langchaingo.WrapChain(chains.NewLLMChain(model, prompts.NewPromptTemplate("{{.q}}", []string{"q"})), o)
	if _, err := chains.Run(ctx, chain, "hi"); err != nil {
		t.Fatal(err)
	}
	if _, err := langchaingo.WrapTool(weatherTool{}, o).Call(ctx, "x"); err != nil {
		t.Fatal(err)
	}
	if _, err := langchaingo.WrapRetriever(staticRetriever{}, o).GetRelevantDocuments(ctx, "x"); err != nil {
		t.Fatal(err)
	}
	if _, err := langchaingo.WrapEmbedder(fakeEmbedder{}, o).EmbedQuery(ctx, "x"); err != nil {
		t.Fatal(err)
	}
	if n := len(sr.Ended()); n != 0 {
		t.Errorf("%d spans under suppression", n)
	}
}

// Without WithTracerProvider the global provider is used, as it is at the
// time of the call.
func TestGlobalTracerProvider(t *testing.T) {
	model := langchaingo.WrapModel(&fakeModel{replies: []*llms.ContentResponse{textReply("ok", nil)}})
	tp, sr := spantest.NewProvider(t)
	restore := setGlobal(tp)
	defer restore()
	_, _ = model.GenerateContent(context.Background(), human("hi"))
	spantest.Only(t, sr)
}

// Without WithTracerProvider, every wrapper called under a span records
// into that span's provider, not the global one, as otelhttp does.
func TestTracerProviderFromContext(t *testing.T) {
	global, globalRec := spantest.NewProvider(t)
	defer setGlobal(global)()
	tp, sr := spantest.NewProvider(t)
	ctx, parent := tp.Tracer("test").Start(context.Background(), "parent")

	model := langchaingo.WrapModel(&fakeModel{replies: []*llms.ContentResponse{textReply("ok", nil)}})
	if _, err := model.GenerateContent(ctx, human("hi")); err != nil {
		t.Fatal(err)
	}
	if _, err := langchaingo.WrapTool(weatherTool{}).Call(ctx, "Oslo"); err != nil {
		t.Fatal(err)
	}
	if _, err := langchaingo.WrapEmbedder(fakeEmbedder{}).EmbedQuery(ctx, "x"); err != nil {
		t.Fatal(err)
	}
	if _, err := langchaingo.WrapRetriever(staticRetriever{}).GetRelevantDocuments(ctx, "q"); err != nil {
		t.Fatal(err)
	}
	parent.End()
	if n := len(globalRec.Ended()); n != 0 {
		t.Errorf("%d spans went to the global provider", n)
	}
	spans := sr.Ended()
	if len(spans) != 5 {
		t.Fatalf("spans %v", spantest.Names(spans))
	}
	for _, s := range spans[:4] {
		if s.Parent().SpanID() != parent.SpanContext().SpanID() || s.InstrumentationScope().Name != langchaingo.ScopeName {
			t.Errorf("%s: parent %v scope %s", s.Name(), s.Parent().SpanID(), s.InstrumentationScope().Name)
		}
	}
}

// Wrapping nothing gives wrappers that fail with an error, never a panic.
func TestNilWrapped(t *testing.T) {
	tp, sr := spantest.NewProvider(t)
	o := langchaingo.WithTracerProvider(tp)
	ctx := context.Background()
	if _, err := langchaingo.WrapModel(nil, o).Call(ctx, "hi"); err == nil {
		t.Error("model: no error")
	}
	if _, err := chains.Call(ctx, langchaingo.WrapChain(nil, o), map[string]any{}); err == nil {
		t.Error("chain: no error")
	}
	if _, err := langchaingo.WrapTool(nil, o).Call(ctx, "x"); err == nil {
		t.Error("tool: no error")
	}
	if _, err := langchaingo.WrapRetriever(nil, o).GetRelevantDocuments(ctx, "x"); err == nil {
		t.Error("retriever: no error")
	}
	if _, err := langchaingo.WrapEmbedder(nil, o).EmbedQuery(ctx, "x"); err == nil {
		t.Error("embedder: no error")
	}
	var names []string
	for _, s := range sr.Ended() {
		names = append(names, s.Name())
		if s.Status().Code != codes.Error {
			t.Errorf("%s: status %v", s.Name(), s.Status())
		}
	}
	if got := strings.Join(names, ","); got != "GenerateContent,Chain,Tool,GetRelevantDocuments,EmbedQuery" {
		t.Errorf("spans %s", got)
	}
}

// A conversation chain's memory fills "history"; the turn still shows what
// the user said, not the whole prompt.
func TestConversationChainTurn(t *testing.T) {
	tp, sr := spantest.NewProvider(t)
	model := langchaingo.WrapModel(&fakeModel{replies: []*llms.ContentResponse{textReply("Hi Ana!", nil), textReply("Your name is Ana.", nil)}}, langchaingo.WithTracerProvider(tp))
	chain := langchaingo.WrapChain(chains.NewConversation(model, memory.NewConversationBuffer()), langchaingo.WithTracerProvider(tp))
	for _, q := range []string{"I am Ana.", "What is my name?"} {
		ctx, turnSpan := sessiontrace.StartTurn(context.Background(), "turn", sessiontrace.WithTracerProvider(tp))
		if _, err := chains.Run(ctx, chain, q); err != nil {
			t.Fatal(err)
		}
		turnSpan.End()
	}
	turns := byName(t, sr.Ended(), "turn")
	spantest.Want(t, turns[1], map[string]any{"input.value": "What is my name?", "output.value": "Your name is Ana."})
	llm := byName(t, sr.Ended(), "GenerateContent")[1]
	if in := spantest.Attrs(llm)["llm.input_messages.0.message.content"].AsString(); !strings.Contains(in, "Human: I am Ana.\nAI: Hi Ana!") {
		t.Errorf("the model did not get the history: %q", in)
	}
}
