// Package chatbottest runs an example's chat handler against the fake model
// with every span recorded, and checks what Phoenix would read from it.
package chatbottest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/sessiontrace/sessiontrace"
	"github.com/sessiontrace/sessiontrace/internal/chatbot"
	oiopenai "github.com/sessiontrace/sessiontrace/llm/openai"
	"github.com/sessiontrace/sessiontrace/llm/openai/openaitest"
	"github.com/sessiontrace/sessiontrace/sessiontracetest"
)

// Harness is an example server under test.
type Harness struct {
	Fake  *openaitest.Server      // the model
	Spans *tracetest.SpanRecorder // every ended span
	URL   string                  // the server's base URL
}

// Start serves newHandler(bot, tp) on loopback, with a bot on the fake model
// and a TracerProvider that has sessiontrace's processor and records spans.
// Everything stops when the test ends.
func Start(t *testing.T, newHandler func(*chatbot.Bot, trace.TracerProvider) http.Handler) *Harness {
	t.Helper()
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(sessiontrace.NewSpanProcessor()), sdktrace.WithSpanProcessor(rec))
	fake := openaitest.NewServer()
	t.Cleanup(fake.Close)
	srv := httptest.NewServer(newHandler(chatbot.New(oiopenai.Wrap(fake.Client(), oiopenai.WithTracerProvider(tp)), "gpt-4o-mini"), tp))
	t.Cleanup(srv.Close)
	return &Harness{Fake: fake, Spans: rec, URL: srv.URL}
}

// CheckConversations plays two interleaved sessions against POST /chat and
// checks that each trace's root is the server span with the session, the
// user and the plain-text turn, that nothing mixes, and that the bot used
// each session's history.
func (h *Harness) CheckConversations(t *testing.T) {
	t.Helper()
	for _, turn := range []struct{ session, user, msg string }{
		{"s-a", "alice", "one"}, {"s-b", "bob", "two"}, {"s-a", "alice", "three"},
	} {
		reply, err := chatbot.Post(context.Background(), h.URL+"/chat", turn.session, turn.user, turn.msg)
		if err != nil {
			t.Fatal(err)
		}
		if reply != "You said: "+turn.msg {
			t.Errorf("reply = %q", reply)
		}
	}
	if err := sessiontracetest.Check(h.Spans.Ended()); err != nil {
		t.Error(err)
	}
	sessions := sessiontracetest.Sessions(h.Spans.Ended())
	if len(sessions) != 2 {
		t.Fatalf("sessions = %+v", sessions)
	}
	a, b := sessions[0], sessions[1]
	if a.ID != "s-a" || a.Traces != 2 || a.UserID != "alice" || b.ID != "s-b" || b.Traces != 1 || b.UserID != "bob" {
		t.Fatalf("sessions = %+v", sessions)
	}
	if a.Turns[1].Input != "three" || a.Turns[1].Output != "You said: three" {
		t.Errorf("turn = %+v", a.Turns[1])
	}
	if len(h.Fake.Requests()[2].Chat.Messages) != 4 { // system, user, assistant, user
		t.Error("the session's history was not used")
	}
}
