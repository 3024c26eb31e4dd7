package main

import (
	"context"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/sessiontrace/sessiontrace"
	"github.com/sessiontrace/sessiontrace/internal/chatbot"
	"github.com/sessiontrace/sessiontrace/internal/sessionview"
	oiopenai "github.com/sessiontrace/sessiontrace/llm/openai"
	"github.com/sessiontrace/sessiontrace/llm/openai/openaitest"
)

// A browser (a cookie jar, no headers) keeps one session across turns, the
// bot remembers the conversation, and the traces form one clean session.
func TestBrowserConversation(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(sessiontrace.NewSpanProcessor()), sdktrace.WithSpanProcessor(rec))
	fake := openaitest.NewServer()
	defer fake.Close()
	bot := chatbot.New(oiopenai.Wrap(fake.Client(), oiopenai.WithTracerProvider(tp)), "gpt-4o-mini")
	srv := httptest.NewServer(newHandler(bot, tp))
	defer srv.Close()

	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}
	for _, msg := range []string{"first question", "second question"} {
		resp, err := client.Post(srv.URL+"/chat", "application/json", strings.NewReader(`{"message":"`+msg+`"}`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d", resp.StatusCode)
		}
	}

	reqs := fake.Requests()
	if n := len(reqs[1].Chat.Messages); n != 4 { // system, user, assistant, user
		t.Errorf("second call had %d messages: the session's history was lost", n)
	}
	view, problems := sessionview.Build(rec.Ended())
	for _, p := range problems {
		if !strings.Contains(p.Reason, "no user.id") { // a browser sends no user
			t.Error(p)
		}
	}
	if len(view.Sessions) != 1 || view.Sessions[0].Traces != 2 {
		t.Fatalf("sessions = %+v", view.Sessions)
	}
	if got := view.Sessions[0].Turns[1].Input; got != "second question" {
		t.Errorf("second turn input = %q", got)
	}
}

// The go-openai wrapper inside otelhttp + the real middleware: the LLM span
// is a child of the server span, and the server span (the turn) carries the
// session, the user and the plain-text input and output.
func TestLLMSpanUnderServerSpan(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(sessiontrace.NewSpanProcessor()), sdktrace.WithSpanProcessor(rec))
	fake := openaitest.NewServer()
	defer fake.Close()
	srv := httptest.NewServer(newHandler(chatbot.New(oiopenai.Wrap(fake.Client(), oiopenai.WithTracerProvider(tp)), "gpt-4o-mini"), tp))
	defer srv.Close()
	if _, err := chatbot.Post(context.Background(), srv.URL+"/chat", "s-9", "bob", "Is Sintra worth a day?"); err != nil {
		t.Fatal(err)
	}

	var server, llm sdktrace.ReadOnlySpan
	for _, s := range rec.Ended() {
		switch s.SpanKind() {
		case trace.SpanKindServer:
			server = s
		case trace.SpanKindClient:
			llm = s
		}
	}
	if server == nil || llm == nil {
		t.Fatalf("want a server and an LLM span, got %d spans", len(rec.Ended()))
	}
	if llm.Parent().SpanID() != server.SpanContext().SpanID() {
		t.Error("the LLM span is not a child of the server span")
	}
	if server.Parent().IsValid() {
		t.Error("the server span must be a root")
	}
	got := map[string]string{}
	for _, kv := range server.Attributes() {
		got[string(kv.Key)] = kv.Value.String()
	}
	for k, want := range map[string]string{
		"session.id": "s-9", "user.id": "bob", "openinference.span.kind": "CHAIN",
		"input.value": "Is Sintra worth a day?", "input.mime_type": "text/plain",
		"output.value": "You said: Is Sintra worth a day?", "output.mime_type": "text/plain",
	} {
		if got[k] != want {
			t.Errorf("server span %s = %q, want %q", k, got[k], want)
		}
	}
	for _, kv := range llm.Attributes() {
		if kv.Key == "openinference.span.kind" && kv.Value.AsString() != "LLM" {
			t.Errorf("LLM span kind = %s", kv.Value.AsString())
		}
	}
}
