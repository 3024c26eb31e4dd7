package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/sessiontrace/sessiontrace"
	"github.com/sessiontrace/sessiontrace/internal/chatbot"
	"github.com/sessiontrace/sessiontrace/internal/sessionview"
	oiopenai "github.com/sessiontrace/sessiontrace/llm/openai"
	"github.com/sessiontrace/sessiontrace/llm/openai/openaitest"
)

// Two sessions, interleaved: each trace's root is the server span with the
// session, user and plain-text turn; nothing mixes.
func TestConversations(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(sessiontrace.NewSpanProcessor()), sdktrace.WithSpanProcessor(rec))
	fake := openaitest.NewServer()
	defer fake.Close()
	bot := chatbot.New(oiopenai.Wrap(fake.Client(), oiopenai.WithTracerProvider(tp)), "gpt-4o-mini")
	srv := httptest.NewServer(newHandler(bot, tp))
	defer srv.Close()

	ctx := context.Background()
	for _, turn := range []struct{ session, user, msg string }{
		{"s-a", "alice", "one"}, {"s-b", "bob", "two"}, {"s-a", "alice", "three"},
	} {
		reply, err := chatbot.Post(ctx, srv.URL+"/chat", turn.session, turn.user, turn.msg)
		if err != nil {
			t.Fatal(err)
		}
		if reply != "You said: "+turn.msg {
			t.Errorf("reply = %q", reply)
		}
	}
	view, problems := sessionview.Build(rec.Ended())
	for _, p := range problems {
		t.Error(p)
	}
	a, _ := view.Session("s-a")
	b, _ := view.Session("s-b")
	if a.Traces != 2 || a.User != "alice" || b.Traces != 1 || b.User != "bob" {
		t.Fatalf("sessions = %+v", view.Sessions)
	}
	if a.Turns[1].Input != "three" || a.Turns[1].Output != "You said: three" {
		t.Errorf("turn = %+v", a.Turns[1])
	}
	if len(fake.Requests()[2].Chat.Messages) != 4 {
		t.Error("session history was not used")
	}
}

// curl -d sends application/x-www-form-urlencoded: the JSON is read anyway.
func TestFormContentTypeStillReadsJSON(t *testing.T) {
	tp := sdktrace.NewTracerProvider()
	fake := openaitest.NewServer()
	defer fake.Close()
	srv := httptest.NewServer(newHandler(chatbot.New(oiopenai.Wrap(fake.Client(), oiopenai.WithTracerProvider(tp)), "m"), tp))
	defer srv.Close()
	resp, err := http.Post(srv.URL+"/chat", "application/x-www-form-urlencoded", strings.NewReader(`{"message":"hi"}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("status = %d", resp.StatusCode)
	}
}
