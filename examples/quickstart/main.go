// Command quickstart serves a small chat API with sessiontrace, plays a
// scripted conversation in two sessions against it, and prints what Phoenix's
// Sessions view would show: each session's user, trace count, token totals
// and turns.
//
//	go run ./examples/quickstart
//
// Offline by default: the model is an embedded fake OpenAI server. With
// OPENAI_API_KEY set it talks to the real API (OPENAI_MODEL, default
// gpt-4o-mini); with PHOENIX_COLLECTOR_ENDPOINT (or
// OTEL_EXPORTER_OTLP_ENDPOINT) set it also exports the spans to Phoenix or
// any OTLP collector (PHOENIX_API_KEY and PHOENIX_PROJECT_NAME are
// honoured).
package main

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/sashabaranov/go-openai"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/sessiontrace/sessiontrace"
	oiopenai "github.com/sessiontrace/sessiontrace/llm/openai"
	"github.com/sessiontrace/sessiontrace/llm/openai/openaitest"
	"github.com/sessiontrace/sessiontrace/middleware"
	"github.com/sessiontrace/sessiontrace/phoenix"
	"github.com/sessiontrace/sessiontrace/sessiontracetest"
)

// script is the conversation played against the server: two users, each in
// a session of their own, taking turns.
var script = []struct{ session, user, message string }{
	{"trip-lisbon-4821", "alice", "I'm planning three days in Lisbon in May. Where should I stay?"},
	{"trip-kyoto-7310", "bob", "What is the best month to see the maples in Kyoto?"},
	{"trip-lisbon-4821", "alice", "Which day trip would you pick from there?"},
	{"trip-kyoto-7310", "bob", "And how do I avoid the crowds at Tofuku-ji?"},
	{"trip-lisbon-4821", "alice", "Great. How do I get there by train?"},
}

// answers are the fake model's replies to the script, so the offline run
// reads like a real conversation.
var answers = map[string]string{
	script[0].message: "Stay in Alfama or Baixa: walkable, central, and close to the trams.",
	script[1].message: "Mid-November to early December, when the maples turn red.",
	script[2].message: "Sintra: palaces, gardens and a 40-minute train ride.",
	script[3].message: "Go at opening time on a weekday and see Tsutenkyo bridge first.",
	script[4].message: "Take the Sintra line from Rossio station; trains leave every 20 minutes.",
}

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, out io.Writer) error {
	// Tracing: phoenix.Register, with the spans also kept in memory for the
	// summary. Offline they are only kept; with a collector configured they
	// are exported to it too.
	spans := tracetest.NewInMemoryExporter()
	opts := []phoenix.Option{phoenix.WithProjectName("sessiontrace-quickstart")}
	exporting := os.Getenv("PHOENIX_COLLECTOR_ENDPOINT") != "" || os.Getenv("OTEL_EXPORTER_OTLP_ENDPOINT") != ""
	if exporting {
		opts = append(opts, phoenix.WithSpanProcessor(sdktrace.NewSimpleSpanProcessor(spans)))
	} else {
		opts = append(opts, phoenix.WithExporter(spans), phoenix.WithSyncExport())
	}
	tp, err := phoenix.Register(ctx, opts...)
	if err != nil {
		return err
	}
	defer tp.Shutdown(context.Background()) // sends the last spans

	// The model: the OpenAI API when a key is set, a fake OpenAI server on
	// 127.0.0.1 otherwise, scripted to answer the script.
	model, backend := cmp.Or(os.Getenv("OPENAI_MODEL"), openai.GPT4oMini), "the OpenAI API"
	var cfg openai.ClientConfig
	if key := os.Getenv("OPENAI_API_KEY"); key != "" {
		cfg = openai.DefaultConfig(key)
	} else {
		fake := openaitest.NewServer(openaitest.WithResponder(func(r openaitest.Request) openaitest.Reply {
			if r.Chat != nil && len(r.Chat.Messages) > 0 {
				if a, ok := answers[r.Chat.Messages[len(r.Chat.Messages)-1].Content]; ok {
					return openaitest.Reply{Content: a}
				}
			}
			return openaitest.DefaultResponder(r)
		}))
		defer fake.Close()
		cfg, backend = fake.ClientConfig(), "an embedded fake OpenAI server"
	}
	client := oiopenai.NewClientWithConfig(cfg)

	// The chat server: otelhttp outside, sessiontrace's middleware inside, so
	// that the server span exists when the middleware puts the session on it
	// and binds it as the turn.
	handler := otelhttp.NewHandler(middleware.Handler(newChat(client, model)), "chat")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	defer srv.Shutdown(context.Background())
	url := "http://" + ln.Addr().String() + "/chat"

	fmt.Fprintf(out, "Chat server on %s, model %s via %s.\n\n", url, model, backend)
	for _, turn := range script {
		reply, err := ask(ctx, url, turn.session, turn.user, turn.message)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "%-5s> %s\n  bot> %s\n", turn.user, turn.message, reply)
	}

	// ForceFlush first: Shutdown would empty the in-memory exporter.
	if err := tp.ForceFlush(ctx); err != nil {
		return err
	}
	recorded := spans.GetSpans().Snapshots()
	sessions := sessiontracetest.Sessions(recorded)
	fmt.Fprintf(out, "\nWhat Phoenix's Sessions view shows (%d spans, %d sessions):\n\n", len(recorded), len(sessions))
	printSessions(out, sessions)
	if exporting {
		fmt.Fprintf(out, "\nExported to %s, project sessiontrace-quickstart.\n",
			cmp.Or(os.Getenv("PHOENIX_COLLECTOR_ENDPOINT"), os.Getenv("OTEL_EXPORTER_OTLP_ENDPOINT")))
	}
	if err := sessiontracetest.Check(recorded); err != nil {
		for _, problem := range strings.Split(err.Error(), "\n") {
			fmt.Fprintln(out, "problem:", problem)
		}
		return errors.New("the traces do not form clean sessions")
	}
	return nil
}

const systemPrompt = "You are a concise travel assistant."

// newChat is the chat endpoint: {"message": "..."} in, {"reply": "..."}
// out, each session's history kept in memory (without the bound a
// long-running server needs; see examples/nethttp). The request's context
// carries the session and the turn: the wrapped client records the call
// and fills the turn's input and output.
func newChat(client *oiopenai.Client, model string) http.HandlerFunc {
	var mu sync.Mutex
	history := map[string][]openai.ChatCompletionMessage{}
	return func(w http.ResponseWriter, r *http.Request) {
		var req struct{ Message string }
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Message == "" {
			http.Error(w, `send {"message": "..."}`, http.StatusBadRequest)
			return
		}
		session := sessiontrace.SessionID(r.Context())
		mu.Lock()
		msgs := append([]openai.ChatCompletionMessage{{Role: openai.ChatMessageRoleSystem, Content: systemPrompt}}, history[session]...)
		mu.Unlock()
		msgs = append(msgs, openai.ChatCompletionMessage{Role: openai.ChatMessageRoleUser, Content: req.Message})

		resp, err := client.CreateChatCompletion(r.Context(), openai.ChatCompletionRequest{Model: model, Messages: msgs})
		if err != nil || len(resp.Choices) == 0 {
			http.Error(w, "the model is unavailable", http.StatusBadGateway)
			return
		}
		answer := resp.Choices[0].Message
		mu.Lock()
		history[session] = append(msgs[1:], answer)
		mu.Unlock()
		json.NewEncoder(w).Encode(map[string]string{"reply": answer.Content})
	}
}

// ask posts message to the chat server at url as session and user, and
// returns the reply.
func ask(ctx context.Context, url, session, user, message string) (string, error) {
	body, _ := json.Marshal(map[string]string{"message": message})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("X-Session-ID", session)
	req.Header.Set("X-User-ID", user)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("POST %s: %s", url, resp.Status)
	}
	var answer struct{ Reply string }
	err = json.NewDecoder(resp.Body).Decode(&answer)
	return answer.Reply, err
}

// printSessions writes each session as a person reads it: its user, traces
// and tokens, then its turns, each cut to one line of about 100
// characters as Phoenix's list cuts them.
func printSessions(w io.Writer, sessions []sessiontracetest.Session) {
	for _, s := range sessions {
		fmt.Fprintf(w, "session %s  user %s  %d traces  %d tokens (%d prompt + %d completion)\n",
			s.ID, s.UserID, s.Traces, s.PromptTokens+s.CompletionTokens, s.PromptTokens, s.CompletionTokens)
		for i, t := range s.Turns {
			fmt.Fprintf(w, "  %d. %s\n     → %s\n", i+1, oneLine(t.Input), oneLine(t.Output))
		}
	}
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 100 {
		s = s[:97] + "..."
	}
	return s
}
