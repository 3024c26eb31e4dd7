package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	goopenai "github.com/sashabaranov/go-openai"
	"github.com/tmc/langchaingo/llms/openai"
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
	srv := httptest.NewServer(newHandler(newBot(llm, "gpt-4o-mini", tp), tp))
	t.Cleanup(srv.Close)
	return fake, srv, rec
}

func post(t *testing.T, url, session, body string) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	req.Header.Set("X-Session-ID", session)
	req.Header.Set("X-User-ID", "alice")
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
	if got := post(t, srv.URL+"/chat", "s-1", `{"message":"And what did I ask?"}`); !strings.Contains(got, `"session_id":"s-1"`) {
		t.Errorf("second reply %s", got)
	}

	// The agent's memory reached the model on the second turn.
	reqs := fake.Requests()
	if len(reqs) != 3 {
		t.Fatalf("%d model calls, want 3", len(reqs))
	}
	if history := reqs[2].Chat.Messages[1].Content; !strings.Contains(history, "Human: What is 17 times 23?\nAI: 17 times 23 is 391.") {
		t.Errorf("second turn's history message: %q", history)
	}

	spans := rec.Ended()
	if err := sessiontracetest.Check(spans); err != nil {
		t.Error(err)
	}
	sessions := sessiontracetest.Sessions(spans)
	if len(sessions) != 1 || sessions[0].ID != "s-1" || sessions[0].Traces != 2 || sessions[0].UserID != "alice" {
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
