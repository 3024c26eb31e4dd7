package main

import (
	"net/http"
	"net/http/cookiejar"
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
