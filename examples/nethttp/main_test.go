package main

import (
	"context"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/sessiontrace/sessiontrace/internal/chatbot"
	"github.com/sessiontrace/sessiontrace/internal/chatbot/chatbottest"
	"github.com/sessiontrace/sessiontrace/sessiontracetest"
)

func TestConversations(t *testing.T) {
	chatbottest.Start(t, newHandler).CheckConversations(t)
}

// A browser (a cookie jar, no headers) keeps one session across turns, the
// bot remembers the conversation, and the traces form one clean session.
func TestBrowserConversation(t *testing.T) {
	h := chatbottest.Start(t, newHandler)
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}
	for _, msg := range []string{"first question", "second question"} {
		resp, err := client.Post(h.URL+"/chat", "application/json", strings.NewReader(`{"message":"`+msg+`"}`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d", resp.StatusCode)
		}
	}

	if n := len(h.Fake.Requests()[1].Chat.Messages); n != 4 { // system, user, assistant, user
		t.Errorf("second call had %d messages: the session's history was lost", n)
	}
	if err := sessiontracetest.Check(h.Spans.Ended()); err != nil {
		t.Error(err)
	}
	sessions := sessiontracetest.Sessions(h.Spans.Ended())
	if len(sessions) != 1 || sessions[0].Traces != 2 || sessions[0].UserID != "" { // a browser sends no user
		t.Fatalf("sessions = %+v", sessions)
	}
	if got := sessions[0].Turns[1].Input; got != "second question" {
		t.Errorf("second turn input = %q", got)
	}
}

// The go-openai wrapper inside otelhttp + the real middleware: the LLM span
// is a child of the server span, and the server span (the turn) carries the
// session, the user and the plain-text input and output.
func TestLLMSpanUnderServerSpan(t *testing.T) {
	h := chatbottest.Start(t, newHandler)
	if _, err := chatbot.Post(context.Background(), h.URL+"/chat", "s-9", "bob", "Is Sintra worth a day?"); err != nil {
		t.Fatal(err)
	}

	var server, llm sdktrace.ReadOnlySpan
	for _, s := range h.Spans.Ended() {
		switch s.SpanKind() {
		case trace.SpanKindServer:
			server = s
		case trace.SpanKindClient:
			llm = s
		}
	}
	if server == nil || llm == nil {
		t.Fatalf("want a server and an LLM span, got %d spans", len(h.Spans.Ended()))
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
