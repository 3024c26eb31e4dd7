package openai_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/sashabaranov/go-openai"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/sessiontrace/sessiontrace"
	"github.com/sessiontrace/sessiontrace/internal/spantest"
	oiopenai "github.com/sessiontrace/sessiontrace/llm/openai"
	"github.com/sessiontrace/sessiontrace/llm/openai/openaitest"
)

// Under WithSuppression nothing is traced, and every call still works.
func TestSuppressed(t *testing.T) {
	h := newHarness(t)
	ctx := sessiontrace.WithSuppression(context.Background())
	turnCtx, turnSpan := sessiontrace.StartTurn(ctx, "turn", sessiontrace.WithTracerProvider(h.tp))

	resp, err := h.client.CreateChatCompletion(turnCtx, userRequest("hi"))
	if err != nil || resp.Choices[0].Message.Content != "You said: hi" {
		t.Fatal(resp, err)
	}
	s, err := h.client.CreateChatCompletionStream(ctx, userRequest("hi"))
	if err != nil {
		t.Fatal(err)
	}
	if got := len(drain(t, s)); got == 0 {
		t.Error("no chunks")
	}
	_ = s.Header()
	s.Close()
	if _, err := h.client.CreateCompletion(ctx, openai.CompletionRequest{Model: "gpt-3.5-turbo-instruct", Prompt: "p"}); err != nil {
		t.Fatal(err)
	}
	cs, err := h.client.CreateCompletionStream(ctx, openai.CompletionRequest{Model: "gpt-3.5-turbo-instruct", Prompt: "p"})
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := cs.Recv(); err != nil {
			if !errors.Is(err, io.EOF) {
				t.Fatal(err)
			}
			break
		}
	}
	cs.Close()
	if _, err := h.client.CreateEmbeddings(ctx, openai.EmbeddingRequest{Model: "m", Input: "x"}); err != nil {
		t.Fatal(err)
	}
	turnSpan.End()
	for _, sp := range h.rec.Ended() {
		if sp.Name() != "turn" {
			t.Errorf("span %q under suppression", sp.Name())
		}
		if _, ok := spantest.Attrs(sp)["input.value"]; ok {
			t.Error("a suppressed call captured the turn")
		}
	}
}

// The turn gets the first call's user message and the latest answer;
// explicit values win; WithoutTurnCapture and masking apply.
func TestTurnCapture(t *testing.T) {
	h := newHarness(t)
	ctx, turn := sessiontrace.StartTurn(context.Background(), "turn", sessiontrace.WithTracerProvider(h.tp))
	h.srv.Enqueue(openaitest.Reply{ToolCalls: []openai.ToolCall{{Function: openai.FunctionCall{Name: "lookup", Arguments: "{}"}}}})
	conv := userRequest("What is the weather?")
	if _, err := h.client.CreateChatCompletion(ctx, conv); err != nil { // tool call: no text
		t.Fatal(err)
	}
	conv.Messages = append(conv.Messages, openai.ChatCompletionMessage{Role: "tool", ToolCallID: "call_1_0", Content: "sunny"})
	s, err := h.client.CreateChatCompletionStream(ctx, conv)
	if err != nil {
		t.Fatal(err)
	}
	drain(t, s)
	s.Close()
	quiet := wrapWith(h, sessiontrace.DefaultTraceConfig(), oiopenai.WithoutTurnCapture())
	if _, err := quiet.CreateChatCompletion(ctx, userRequest("classify this")); err != nil {
		t.Fatal(err)
	}
	turn.End()
	var ts sdktrace.ReadOnlySpan
	for _, sp := range h.rec.Ended() {
		if sp.Name() == "turn" {
			ts = sp
		} else if sp.Parent().SpanID() != turn.SpanContext().SpanID() {
			t.Errorf("%s is not a child of the turn", sp.Name())
		}
	}
	spantest.Want(t, ts, map[string]any{
		"input.value":      "What is the weather?",
		"input.mime_type":  "text/plain",
		"output.value":     "Tool result: sunny",
		"output.mime_type": "text/plain",
	})

	// Explicit SetOutput wins over later captures; masking redacts.
	h2 := newHarness(t)
	cfg := sessiontrace.DefaultTraceConfig()
	cfg.HideInputText = true
	masked := wrapWith(h2, cfg)
	ctx, turn = sessiontrace.StartTurn(context.Background(), "turn", sessiontrace.WithTracerProvider(h2.tp))
	sessiontrace.SetOutput(ctx, "chosen by the app")
	if _, err := masked.CreateChatCompletion(ctx, userRequest("secret")); err != nil {
		t.Fatal(err)
	}
	turn.End()
	for _, sp := range h2.rec.Ended() {
		if sp.Name() == "turn" {
			spantest.Want(t, sp, map[string]any{"input.value": redacted, "output.value": "chosen by the app"})
		}
	}
}

// The wrapper inside an HTTP request: otelhttp makes the server span, the
// handler binds it as the turn with a session and a user (what the
// middleware does), and calls the wrapped client.
func TestInsideHTTPRequest(t *testing.T) {
	h := newHarness(t)
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(sessiontrace.NewSpanProcessor()), sdktrace.WithSpanProcessor(h.rec))
	defer tp.Shutdown(context.Background())
	client := oiopenai.Wrap(h.srv.Client(), oiopenai.WithTracerProvider(tp), oiopenai.WithTraceConfig(sessiontrace.DefaultTraceConfig()))

	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		ctx = sessiontrace.WithSession(ctx, r.Header.Get("X-Session-ID"))
		ctx = sessiontrace.WithUser(ctx, r.Header.Get("X-User-ID"))
		ctx = sessiontrace.BindTurn(ctx, trace.SpanFromContext(ctx))
		body, _ := io.ReadAll(r.Body)
		resp, err := client.CreateChatCompletion(ctx, openai.ChatCompletionRequest{Model: "gpt-4o-mini", Messages: []openai.ChatCompletionMessage{
			{Role: "system", Content: "Echo."},
			{Role: "user", Content: string(body)},
		}})
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		io.WriteString(w, resp.Choices[0].Message.Content)
	})
	app := httptest.NewServer(otelhttp.NewHandler(handler, "chat", otelhttp.WithTracerProvider(tp)))
	defer app.Close()

	req, _ := http.NewRequest(http.MethodPost, app.URL+"/chat", strings.NewReader("Hello from the browser"))
	req.Header.Set("X-Session-ID", "sess-http")
	req.Header.Set("X-User-ID", "user-http")
	res, err := app.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	reply, _ := io.ReadAll(res.Body)
	res.Body.Close()
	app.Client().CloseIdleConnections()
	if string(reply) != "You said: Hello from the browser" {
		t.Fatalf("reply %q", reply)
	}

	var server, llm sdktrace.ReadOnlySpan
	for _, sp := range h.rec.Ended() {
		switch sp.SpanKind() {
		case trace.SpanKindServer:
			server = sp
		case trace.SpanKindClient:
			llm = sp
		}
	}
	if server == nil || llm == nil {
		t.Fatalf("spans %v", h.rec.Ended())
	}
	if llm.Parent().SpanID() != server.SpanContext().SpanID() || llm.SpanContext().TraceID() != server.SpanContext().TraceID() {
		t.Error("the LLM span is not a child of the server span")
	}
	spantest.Want(t, server, map[string]any{
		"input.value":      "Hello from the browser",
		"input.mime_type":  "text/plain",
		"output.value":     "You said: Hello from the browser",
		"output.mime_type": "text/plain",
	})
	spantest.Want(t, llm, map[string]any{
		"session.id":              "sess-http",
		"user.id":                 "user-http",
		"openinference.span.kind": "LLM",
	})
}

func TestProvider(t *testing.T) {
	h := newHarness(t)
	azure := openai.DefaultAzureConfig("key", h.srv.URL)
	azure.HTTPClient = h.srv.HTTPClient()
	anthropic := h.srv.ClientConfig()
	anthropic.APIType = openai.APITypeAnthropic
	for _, tc := range []struct {
		client *oiopenai.Client
		want   string
	}{
		{oiopenai.NewClientWithConfig(h.srv.ClientConfig(), oiopenai.WithTracerProvider(h.tp)), "openai"},
		{oiopenai.NewClientWithConfig(azure, oiopenai.WithTracerProvider(h.tp)), "azure"},
		{oiopenai.NewClientWithConfig(azure, oiopenai.WithTracerProvider(h.tp), oiopenai.WithProvider("other")), "other"},
		{oiopenai.NewClientWithConfig(anthropic, oiopenai.WithTracerProvider(h.tp)), "anthropic"},
		{oiopenai.Wrap(h.srv.Client(), oiopenai.WithTracerProvider(h.tp), oiopenai.WithProvider("groq")), "groq"},
		{oiopenai.Wrap(h.srv.Client(), oiopenai.WithTracerProvider(h.tp), oiopenai.WithProvider("")), "openai"},
	} {
		h.rec.Reset()
		if _, err := tc.client.CreateChatCompletion(context.Background(), userRequest("hi")); err != nil {
			t.Fatal(err)
		}
		spantest.Want(t, h.only(t), map[string]any{"llm.provider": tc.want, "llm.system": "openai"})
	}
}

// Without WithTracerProvider the global provider is used, as it is when the
// call is made; nil options are ignored.
func TestGlobalTracerProvider(t *testing.T) {
	srv := openaitest.NewServer()
	defer srv.Close()
	client := oiopenai.Wrap(srv.Client(), nil, oiopenai.WithTracerProvider(nil))
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	defer tp.Shutdown(context.Background())
	old := otel.GetTracerProvider()
	otel.SetTracerProvider(tp)
	defer otel.SetTracerProvider(old)
	if _, err := client.CreateChatCompletion(context.Background(), userRequest("hi")); err != nil {
		t.Fatal(err)
	}
	spans := rec.Ended()
	if len(spans) != 1 || spans[0].InstrumentationScope().Name != oiopenai.ScopeName || spans[0].InstrumentationScope().Version != oiopenai.Version() {
		t.Fatalf("spans %v", spans)
	}
}

// Methods that are not instrumented pass through to go-openai.
func TestPassThrough(t *testing.T) {
	h := newHarness(t)
	_, err := h.client.ListModels(context.Background()) // the fake server has no /models
	var apiErr *openai.APIError
	if !errors.As(err, &apiErr) || apiErr.HTTPStatusCode != 404 {
		t.Errorf("ListModels: %v", err)
	}
	if len(h.rec.Ended()) != 0 {
		t.Error("an uninstrumented method made a span")
	}
	if oiopenai.Wrap(nil).Client == nil {
		t.Error("Wrap(nil) has no client")
	}
}
