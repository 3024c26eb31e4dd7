package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	goopenai "github.com/sashabaranov/go-openai"
	"github.com/tmc/langchaingo/llms/openai"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/sessiontrace/sessiontrace"
	"github.com/sessiontrace/sessiontrace/llm/openai/openaitest"
	"github.com/sessiontrace/sessiontrace/sessiontracetest"
)

// setup starts the example's handler on langchaingo's OpenAI backend and a
// fake server, recording every span.
func setup(t *testing.T) (*openaitest.Server, *httptest.Server, *tracetest.SpanRecorder) {
	t.Helper()
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(sessiontrace.NewSpanProcessor()), sdktrace.WithSpanProcessor(rec))
	fake := openaitest.NewServer()
	t.Cleanup(fake.Close)
	llm, err := openai.New(openai.WithBaseURL(fake.URL+"/v1"), openai.WithToken("test"),
		openai.WithModel("gpt-4o-mini"), openai.WithHTTPClient(fake.HTTPClient()))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(newHandler(tp, newBot(llm, "gpt-4o-mini")))
	t.Cleanup(srv.Close)
	return fake, srv, rec
}

// post sends body to url as session and user alice, with the extra
// header lines given as name, value pairs, and returns the response body.
func post(t *testing.T, url, session, body string, header ...string) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	req.Header.Set("X-Session-ID", session)
	req.Header.Set("X-User-ID", "alice")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", resp.StatusCode, b)
	}
	return string(b)
}

// Two turns of one session: the first uses the calculator, the second is
// answered from memory. Each request is one trace whose root is the turn,
// with AGENT → LLM, AGENT → TOOL under it, all in the session.
func TestConversation(t *testing.T) {
	fake, srv, rec := setup(t)
	fake.Enqueue(
		openaitest.Reply{ToolCalls: []goopenai.ToolCall{{Function: goopenai.FunctionCall{Name: "calculator", Arguments: `{"__arg1":"17*23"}`}}}},
		openaitest.Reply{Content: "17 times 23 is 391."},
	)
	if got := post(t, srv.URL+"/chat", "s-1", `{"message":"What is 17 times 23?"}`); !strings.Contains(got, `"reply":"17 times 23 is 391."`) {
		t.Errorf("first reply %s", got)
	}
	if got := post(t, srv.URL+"/chat", "s-other", `{"message":"Hello from another session"}`); !strings.Contains(got, `"session_id":"s-other"`) {
		t.Errorf("other session's reply %s", got)
	}
	if got := post(t, srv.URL+"/chat", "s-1", `{"message":"And what did I ask?"}`); !strings.Contains(got, `"session_id":"s-1"`) {
		t.Errorf("second reply %s", got)
	}

	// The session's memory, and only its own, reached the model on its
	// second turn.
	reqs := fake.Requests()
	if len(reqs) != 4 {
		t.Fatalf("%d model calls, want 4", len(reqs))
	}
	if history := reqs[2].Chat.Messages[1].Content; strings.Contains(history, "17 times 23") {
		t.Errorf("another session's history leaked: %q", history)
	}
	if history := reqs[3].Chat.Messages[1].Content; !strings.Contains(history, "Human: What is 17 times 23?\nAI: 17 times 23 is 391.") {
		t.Errorf("second turn's history message: %q", history)
	}

	spans := rec.Ended()
	if err := sessiontracetest.Check(spans); err != nil {
		t.Error(err)
	}
	sessions := sessiontracetest.Sessions(spans)
	if len(sessions) != 2 || sessions[0].ID != "s-1" || sessions[0].Traces != 2 || sessions[0].UserID != "alice" ||
		sessions[1].ID != "s-other" || sessions[1].Traces != 1 {
		t.Fatalf("sessions %+v", sessions)
	}
	s := sessions[0]
	if s.Turns[0].Input != "What is 17 times 23?" || s.Turns[0].Output != "17 times 23 is 391." {
		t.Errorf("first turn %+v", s.Turns[0])
	}
	if s.PromptTokens == 0 {
		t.Error("no tokens counted")
	}

	kinds := map[string]string{}
	parents := map[string]string{}
	byID := map[[8]byte]string{}
	for _, sp := range spans {
		byID[sp.SpanContext().SpanID()] = sp.Name()
	}
	for _, sp := range spans {
		for _, kv := range sp.Attributes() {
			if kv.Key == "openinference.span.kind" {
				kinds[sp.Name()] = kv.Value.AsString()
			}
		}
		parents[sp.Name()] = byID[sp.Parent().SpanID()]
	}
	if kinds["AgentExecutor"] != "AGENT" || kinds["GenerateContent"] != "LLM" || kinds["calculator"] != "TOOL" {
		t.Errorf("kinds %v", kinds)
	}
	if parents["GenerateContent"] != "AgentExecutor" || parents["calculator"] != "AgentExecutor" || parents["AgentExecutor"] == "" {
		t.Errorf("parents %v", parents)
	}
}

// The stream sends the answer's text only: the tool-call round's JSON
// fragments that langchaingo also streams are held back.
func TestStream(t *testing.T) {
	fake, srv, rec := setup(t)
	fake.Enqueue(
		openaitest.Reply{ToolCalls: []goopenai.ToolCall{{Function: goopenai.FunctionCall{Name: "calculator", Arguments: `{"__arg1":"2+2"}`}}}},
		openaitest.Reply{Content: "It is 4."},
	)
	got := post(t, srv.URL+"/chat/stream", "s-2", `{"message":"2+2?"}`)
	if want := "data: \"It\"\n\ndata: \" is\"\n\ndata: \" 4.\"\n\ndata: [DONE]\n\n"; got != want {
		t.Errorf("stream\n%q\nwant\n%q", got, want)
	}
	if err := sessiontracetest.Check(rec.Ended()); err != nil {
		t.Error(err)
	}
	sessions := sessiontracetest.Sessions(rec.Ended())
	if len(sessions) != 1 || len(sessions[0].Turns) != 1 || sessions[0].Turns[0].Input != "2+2?" || sessions[0].Turns[0].Output != "It is 4." {
		t.Errorf("sessions %+v", sessions)
	}
	var firstTokens int
	for _, sp := range rec.Ended() {
		for _, e := range sp.Events() {
			if e.Name == "First Token Stream Event" {
				firstTokens++
			}
		}
	}
	if firstTokens != 2 { // one per LLM call
		t.Errorf("%d first-token events", firstTokens)
	}
}

// A request from a page with OpenTelemetry web instrumentation carries a
// traceparent: the turn is a new root, linked to the caller's span, so
// Phoenix still shows the whole turn.
func TestIncomingTraceparent(t *testing.T) {
	prev := otel.GetTextMapPropagator()
	otel.SetTextMapPropagator(propagation.TraceContext{}) // as phoenix.Register does
	t.Cleanup(func() { otel.SetTextMapPropagator(prev) })
	_, srv, rec := setup(t)
	post(t, srv.URL+"/chat", "s-web", `{"message":"hello"}`,
		"traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")

	spans := rec.Ended()
	if err := sessiontracetest.Check(spans); err != nil {
		t.Error(err)
	}
	sessions := sessiontracetest.Sessions(spans)
	if len(sessions) != 1 || sessions[0].FirstInput != "hello" || sessions[0].LastOutput != "You said: hello" {
		t.Errorf("sessions %+v", sessions)
	}
	for _, sp := range spans {
		if !sp.Parent().IsValid() && (len(sp.Links()) != 1 || sp.Links()[0].SpanContext.SpanID().String() != "00f067aa0ba902b7") {
			t.Errorf("turn %q: links %v, want one to the caller's span", sp.Name(), sp.Links())
		}
	}
}

func TestBadRequest(t *testing.T) {
	_, srv, _ := setup(t)
	resp, err := http.Post(srv.URL+"/chat", "application/json", strings.NewReader(`{"message":"  "}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("status %d", resp.StatusCode)
	}
}
