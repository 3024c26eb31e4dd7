package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/sessiontrace/sessiontrace"

	"github.com/sessiontrace/sessiontrace/llm/openai/openaitest"
	"github.com/sessiontrace/sessiontrace/llm/openaigo"
	"github.com/sessiontrace/sessiontrace/sessiontracetest"
)

// start serves the example's handler on 127.0.0.1 with a fake model called
// through api (apiChat or apiResponses), and a TracerProvider that records
// every span and has sessiontrace's span processor, as the one
// phoenix.Register builds.
func start(t *testing.T, api string) (*httptest.Server, *openaitest.Server, *tracetest.SpanRecorder) {
	t.Helper()
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(
		sdktrace.WithSpanProcessor(sessiontrace.NewSpanProcessor()),
		sdktrace.WithSpanProcessor(rec),
	)
	fake := openaitest.NewServer()
	t.Cleanup(fake.Close)
	// The middleware takes the provider of the server span: it needs no
	// option.
	client := openai.NewClient(append(fakeModel(fake), option.WithMiddleware(openaigo.Middleware()))...)
	srv := httptest.NewServer(newHandler(tp, newBot(client, "gpt-4o-mini", api)))
	t.Cleanup(srv.Close)
	return srv, fake, rec
}

// newRequest is a chat request to url (ending in /chat or /chat/stream) as
// session and user; either header is left out when empty.
func newRequest(t *testing.T, url, session, user, message string) *http.Request {
	t.Helper()
	body, _ := json.Marshal(chatRequest{Message: message})
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if session != "" {
		req.Header.Set("X-Session-ID", session)
	}
	if user != "" {
		req.Header.Set("X-User-ID", user)
	}
	return req
}

// do sends req and returns the answer: the JSON of /chat, or the pieces of
// a /chat/stream joined, which must end with [DONE]. A status other than 200
// fails the test.
func do(t *testing.T, c *http.Client, req *http.Request) chatResponse {
	t.Helper()
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s: status %d", req.URL.Path, resp.StatusCode)
	}
	var answer chatResponse
	if resp.Header.Get("Content-Type") != "text/event-stream" {
		if err := json.NewDecoder(resp.Body).Decode(&answer); err != nil {
			t.Fatal(err)
		}
		return answer
	}
	done := false
	for sc := bufio.NewScanner(resp.Body); sc.Scan(); {
		line := sc.Text()
		if line == "" {
			continue // the blank line after each event
		}
		data, ok := strings.CutPrefix(line, "data: ")
		if !ok || done {
			t.Fatalf("stream: unexpected line %q", line)
		}
		if data == "[DONE]" {
			done = true
			continue
		}
		var piece string
		if err := json.Unmarshal([]byte(data), &piece); err != nil {
			t.Fatalf("stream: %q is not a JSON string", data)
		}
		answer.Reply += piece
	}
	if !done {
		t.Fatal("stream: no data: [DONE]")
	}
	return answer
}

// conversation is what a person reads in Phoenix's Sessions view.
type conversation struct {
	ID, User string
	Turns    []string // "input → output"
}

func conversations(spans []sdktrace.ReadOnlySpan) []conversation {
	var out []conversation
	for _, s := range sessiontracetest.Sessions(spans) {
		c := conversation{ID: s.ID, User: s.UserID}
		for _, turn := range s.Turns {
			c.Turns = append(c.Turns, turn.Input+" → "+turn.Output)
		}
		out = append(out, c)
	}
	return out
}

func traces(spans []sdktrace.ReadOnlySpan) int {
	ids := map[trace.TraceID]bool{}
	for _, s := range spans {
		ids[s.SpanContext().TraceID()] = true
	}
	return len(ids)
}

// sentMessages counts the messages of a request to the model, the system
// prompt (or instructions) included.
func sentMessages(r openaitest.Request) int {
	if r.Response != nil {
		items, _ := r.Response.Input.([]any)
		return len(items) + 1
	}
	return len(r.Chat.Messages)
}

// Two users talk at once, one turn of them streamed: Phoenix shows two
// complete conversations, one trace per turn, and the bot answered each
// turn knowing its own session's history; with either API.
func TestConversations(t *testing.T) {
	for _, api := range []string{apiChat, apiResponses} {
		t.Run(api, func(t *testing.T) { testConversations(t, api) })
	}
}

func testConversations(t *testing.T, api string) {
	srv, fake, rec := start(t, api)
	for _, turn := range []struct{ path, session, user, message string }{
		{"/chat", "s-a", "alice", "Where should I stay in Lisbon?"},
		{"/chat", "s-b", "bob", "When do the maples turn in Kyoto?"},
		{"/chat/stream", "s-a", "alice", "Which day trip from there?"},
	} {
		got := do(t, srv.Client(), newRequest(t, srv.URL+turn.path, turn.session, turn.user, turn.message))
		if want := "You said: " + turn.message; got.Reply != want {
			t.Errorf("%s: reply %q, want %q", turn.path, got.Reply, want)
		}
		if turn.path == "/chat" && got.SessionID != turn.session {
			t.Errorf("session_id %q, want %q", got.SessionID, turn.session)
		}
	}

	spans := rec.Ended()
	if err := sessiontracetest.Check(spans); err != nil {
		t.Error(err)
	}
	want := []conversation{
		{"s-a", "alice", []string{
			"Where should I stay in Lisbon? → You said: Where should I stay in Lisbon?",
			"Which day trip from there? → You said: Which day trip from there?",
		}},
		{"s-b", "bob", []string{"When do the maples turn in Kyoto? → You said: When do the maples turn in Kyoto?"}},
	}
	if got := conversations(spans); !reflect.DeepEqual(got, want) {
		t.Errorf("Phoenix shows\n%+v\nwant\n%+v", got, want)
	}
	if n := traces(spans); n != 3 {
		t.Errorf("%d traces for 3 turns", n)
	}
	// system, alice's first message, the answer, her second message
	if n := sentMessages(fake.Requests()[2]); n != 4 {
		t.Errorf("alice's second turn sent %d messages, want 4: her history was lost", n)
	}
	name := map[string]string{apiChat: "ChatCompletion", apiResponses: "Response"}[api]
	llm := 0
	for _, s := range spans {
		if s.Name() == name {
			llm++
		}
	}
	if llm != 3 {
		t.Errorf("%d %s spans for 3 turns", llm, name)
	}
}

// A browser sends no IDs: it gets a session in a cookie and keeps it, so
// its turns form one conversation.
func TestBrowserKeepsItsSession(t *testing.T) {
	srv, _, rec := start(t, apiChat)
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar}
	first := do(t, browser, newRequest(t, srv.URL+"/chat", "", "", "first question"))
	second := do(t, browser, newRequest(t, srv.URL+"/chat", "", "", "second question"))
	if first.SessionID == "" || second.SessionID != first.SessionID {
		t.Fatalf("session_id %q then %q: want one minted session", first.SessionID, second.SessionID)
	}
	if cookies := jar.Cookies(newRequest(t, srv.URL, "", "", "").URL); len(cookies) != 1 || cookies[0].Value != first.SessionID {
		t.Errorf("cookies %v, want oi_session_id=%s", cookies, first.SessionID)
	}

	spans := rec.Ended()
	if err := sessiontracetest.Check(spans); err != nil {
		t.Error(err)
	}
	want := []conversation{{first.SessionID, "", []string{
		"first question → You said: first question",
		"second question → You said: second question",
	}}}
	if got := conversations(spans); !reflect.DeepEqual(got, want) {
		t.Errorf("Phoenix shows\n%+v\nwant\n%+v", got, want)
	}
}

// A request from a page with OpenTelemetry web instrumentation carries a
// traceparent. The server span joins the caller's trace, and the turn is a
// new root linked to it, so Phoenix still shows the whole turn.
func TestIncomingTraceparent(t *testing.T) {
	prev := otel.GetTextMapPropagator()
	otel.SetTextMapPropagator(propagation.TraceContext{}) // as phoenix.Register does
	t.Cleanup(func() { otel.SetTextMapPropagator(prev) })
	srv, _, rec := start(t, apiChat)

	req := newRequest(t, srv.URL+"/chat/stream", "s-web", "carol", "Is Sintra worth a day?")
	req.Header.Set("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
	do(t, srv.Client(), req)

	spans := rec.Ended()
	if err := sessiontracetest.Check(spans); err != nil {
		t.Error(err)
	}
	want := []conversation{{"s-web", "carol", []string{"Is Sintra worth a day? → You said: Is Sintra worth a day?"}}}
	if got := conversations(spans); !reflect.DeepEqual(got, want) {
		t.Errorf("Phoenix shows\n%+v\nwant\n%+v", got, want)
	}
	caller := "00f067aa0ba902b7"
	for _, s := range spans {
		switch {
		case s.SpanKind() == trace.SpanKindServer && s.Parent().SpanID().String() != caller:
			t.Errorf("server span's parent %s, want the caller's %s", s.Parent().SpanID(), caller)
		case !s.Parent().IsValid() && (len(s.Links()) != 1 || s.Links()[0].SpanContext.SpanID().String() != caller):
			t.Errorf("turn %q: links %v, want one to the caller's span %s", s.Name(), s.Links(), caller)
		}
	}
}

// A request without a message gets 400, and the model is never called.
func TestBadRequests(t *testing.T) {
	srv, fake, _ := start(t, apiChat)
	for _, path := range []string{"/chat", "/chat/stream"} {
		for _, body := range []string{``, `not json`, `{}`, `{"message": "  "}`} {
			resp, err := http.Post(srv.URL+path, "application/json", strings.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusBadRequest {
				t.Errorf("%s %q: status %d, want 400", path, body, resp.StatusCode)
			}
		}
	}
	if n := len(fake.Requests()); n != 0 {
		t.Errorf("%d model calls", n)
	}
}

// Offline, each turn is printed in one line; the LLM span under it is not.
func TestTurnPrinter(t *testing.T) {
	srv, _, rec := start(t, apiChat)
	do(t, srv.Client(), newRequest(t, srv.URL+"/chat", "s-1", "alice", "hi"))
	var out strings.Builder
	if err := (turnPrinter{&out}).ExportSpans(context.Background(), rec.Ended()); err != nil {
		t.Fatal(err)
	}
	if want := `turn  session="s-1" user="alice"  "hi" → "You said: hi"` + "\n"; out.String() != want {
		t.Errorf("printed %q, want %q", out.String(), want)
	}
}

// When the model fails the client gets 502, or, once a stream has begun,
// no [DONE]; the LLM spans say it failed. openai-go tries a rate-limited
// call three times, and each try is a failed LLM span under the turn. With
// either API.
func TestModelFails(t *testing.T) {
	for _, api := range []string{apiChat, apiResponses} {
		t.Run(api, func(t *testing.T) {
			srv, fake, rec := start(t, api)
			refused := openaitest.Reply{Fault: openaitest.FaultRateLimit}
			fake.Enqueue(refused, refused, refused, refused, refused, refused,
				openaitest.Reply{Content: "one two three four", Fault: openaitest.FaultStreamError})
			for _, tc := range []struct {
				path   string
				status int
			}{{"/chat", http.StatusBadGateway}, {"/chat/stream", http.StatusBadGateway}, {"/chat/stream", http.StatusOK}} {
				resp, err := srv.Client().Do(newRequest(t, srv.URL+tc.path, "s-f", "", "hi"))
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != tc.status || strings.Contains(string(body), "[DONE]") {
					t.Errorf("%s: status %d, body %q", tc.path, resp.StatusCode, body)
				}
			}
			failed := 0
			for _, s := range rec.Ended() {
				if s.SpanKind() == trace.SpanKindClient && s.Status().Code == codes.Error {
					failed++
					if !s.Parent().IsValid() {
						t.Errorf("a failed try %q is not under the turn", s.Name())
					}
				}
			}
			if failed != 7 {
				t.Errorf("%d failed LLM spans, want 7: three tries of each refused call, and the stream that broke", failed)
			}
		})
	}
}
