// Command langchaingo is a chat server built with langchaingo whose every
// turn shows up in Arize Phoenix (or any OpenTelemetry backend) as part of
// one conversation:
//
//   - phoenix.Register sets up tracing: OTLP export, sessiontrace's span
//     processor, and the global TracerProvider and propagators;
//   - otelhttp makes the server span, and sessiontrace's middleware inside it
//     reads the session and the user, puts them on the span and binds it as
//     the turn;
//   - each session's langchaingo agent (an OpenAI functions agent with a
//     calculator and a conversation memory) runs wrapped by sessiontrace's
//     llm/langchaingo, so that every request is one trace, server span →
//     AGENT → LLM (→ TOOL → LLM), whose turn shows the user's message and
//     the agent's answer.
//
// Run it and talk to it:
//
//	go run ./examples/langchaingo
//	curl -s localhost:8080/chat -H 'X-Session-ID: s-1' -H 'X-User-ID: alice' -d '{"message":"I am Alice."}'
//	curl -sN localhost:8080/chat/stream -H 'X-Session-ID: s-1' -d '{"message":"What is 17 times 23?"}'
//
// Offline by default: langchaingo's OpenAI backend talks to a fake OpenAI
// server on 127.0.0.1 that answers "You said: …", and each finished turn is
// printed instead of exported. OPENAI_API_KEY uses the OpenAI API (model
// OPENAI_MODEL, default gpt-4o-mini); PHOENIX_COLLECTOR_ENDPOINT (or
// OTEL_EXPORTER_OTLP_ENDPOINT) exports the spans over OTLP, with the other
// variables phoenix.Register reads (PHOENIX_API_KEY, PHOENIX_PROJECT_NAME,
// ...). ADDR is the listen address, default 127.0.0.1:8080. SIGINT or
// SIGTERM stops the server gracefully and sends the last spans.
package main

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	semconv "github.com/Arize-ai/openinference/go/openinference-semantic-conventions"
	"github.com/tmc/langchaingo/agents"
	"github.com/tmc/langchaingo/chains"
	"github.com/tmc/langchaingo/llms"
	"github.com/tmc/langchaingo/llms/openai"
	"github.com/tmc/langchaingo/memory"
	"github.com/tmc/langchaingo/prompts"
	"github.com/tmc/langchaingo/tools"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/sessiontrace/sessiontrace"
	"github.com/sessiontrace/sessiontrace/llm/langchaingo"
	"github.com/sessiontrace/sessiontrace/llm/openai/openaitest"
	"github.com/sessiontrace/sessiontrace/middleware"
	"github.com/sessiontrace/sessiontrace/phoenix"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx); err != nil {
		log.Fatal(err)
	}
}

// run serves until ctx is done, then lets the requests in flight finish and
// sends the last spans.
func run(ctx context.Context) error {
	// Tracing. Without a collector to send to, print each turn instead of
	// trying Phoenix's default address.
	opts := []phoenix.Option{phoenix.WithProjectName("sessiontrace-langchaingo")}
	if os.Getenv("PHOENIX_COLLECTOR_ENDPOINT") == "" && os.Getenv("OTEL_EXPORTER_OTLP_ENDPOINT") == "" {
		opts = append(opts, phoenix.WithExporter(turnPrinter{os.Stdout}), phoenix.WithSyncExport())
	}
	tp, err := phoenix.Register(ctx, opts...)
	if err != nil {
		return err // a malformed endpoint or header list
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := tp.Shutdown(ctx); err != nil {
			log.Printf("sending the last spans: %v", err)
		}
	}()

	// The model: langchaingo's OpenAI backend, on the OpenAI API or on a
	// fake OpenAI server on 127.0.0.1.
	model := cmp.Or(os.Getenv("OPENAI_MODEL"), "gpt-4o-mini")
	llmOpts := []openai.Option{openai.WithModel(model)}
	backend := "the OpenAI API"
	if key := os.Getenv("OPENAI_API_KEY"); key != "" {
		llmOpts = append(llmOpts, openai.WithToken(key))
	} else {
		fake := openaitest.NewServer()
		defer fake.Close()
		llmOpts = append(llmOpts, openai.WithBaseURL(fake.URL+"/v1"), openai.WithToken("test"), openai.WithHTTPClient(fake.HTTPClient()))
		backend = "a fake OpenAI server"
	}
	llm, err := openai.New(llmOpts...)
	if err != nil {
		return err
	}
	b := newBot(llm, model)

	addr := cmp.Or(os.Getenv("ADDR"), "127.0.0.1:8080")
	srv := &http.Server{Addr: addr, Handler: newHandler(tp, b), ReadHeaderTimeout: 5 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.ListenAndServe() }()
	fmt.Printf("chat server on http://%s/chat, model %s via %s (langchaingo)\n", addr, model, backend)
	select {
	case err := <-served:
		return err // the address is taken, most likely
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return srv.Shutdown(shutdown)
}

// newHandler is the HTTP side, as in the net/http example: otelhttp
// outside, so that the server span exists when the middleware runs; the
// middleware inside, reading the session from X-Session-ID or the
// oi_session_id cookie (minted for a browser that has none) and the user
// from X-User-ID. A request that arrives with a traceparent still makes a
// turn Phoenix can read: the middleware starts it as a new root span,
// linked to the caller's trace.
func newHandler(tp trace.TracerProvider, b *bot) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /chat", b.serveChat)
	mux.HandleFunc("POST /chat/stream", b.serveStream)
	return otelhttp.NewHandler(
		middleware.Handler(mux, middleware.WithSessionCookie(middleware.SessionCookie{})),
		"chat",
		otelhttp.WithTracerProvider(tp),
	)
}

// systemPrompt opens every conversation.
const systemPrompt = "You are a concise travel assistant. Use the calculator for arithmetic."

// maxSessions bounds how many conversations the bot remembers; past it, an
// arbitrary one is forgotten.
const maxSessions = 1000

// bot keeps one langchaingo agent per session: an OpenAI functions agent
// with a calculator, run by an executor whose memory holds the
// conversation. The model, the tool and each executor are wrapped: that is
// all the tracing the application does.
type bot struct {
	model *langchaingo.Model
	tools []tools.Tool

	mu       sync.Mutex
	sessions map[string]*conversation
}

// conversation is a session's agent; mu keeps two requests of one session
// from interleaving in its memory.
type conversation struct {
	mu    sync.Mutex
	agent *langchaingo.Chain
}

// newBot wraps llm and the calculator. The wrappers start their spans with
// the TracerProvider of the span in the call's context (the server span's),
// so they need no provider of their own.
func newBot(llm llms.Model, modelName string) *bot {
	return &bot{
		// langchaingo's backends keep their model name private: name it.
		model:    langchaingo.WrapModel(llm, langchaingo.WithModelName(modelName)),
		tools:    []tools.Tool{langchaingo.WrapTool(tools.Calculator{})},
		sessions: map[string]*conversation{},
	}
}

// conversation returns the session's conversation; a request without a
// session gets a fresh one with nothing remembered.
func (b *bot) conversation(session string) *conversation {
	b.mu.Lock()
	defer b.mu.Unlock()
	if c := b.sessions[session]; c != nil {
		return c
	}
	agent := agents.NewOpenAIFunctionsAgent(b.model, b.tools,
		agents.NewOpenAIOption().WithSystemMessage(systemPrompt),
		agents.NewOpenAIOption().WithExtraMessages([]prompts.MessageFormatter{
			prompts.NewSystemMessagePromptTemplate("Conversation so far:\n{{.history}}", []string{"history"}),
		}))
	executor := agents.NewExecutor(agent,
		agents.WithMemory(memory.NewConversationWindowBuffer(10)),
		agents.WithMaxIterations(4))
	c := &conversation{agent: langchaingo.WrapChain(executor)}
	if session != "" {
		if len(b.sessions) >= maxSessions {
			for k := range b.sessions {
				delete(b.sessions, k)
				break
			}
		}
		b.sessions[session] = c
	}
	return c
}

// reply runs the session's agent on message. The wrapped executor, model and
// tool record the AGENT, LLM and TOOL spans; the executor's span fills the
// turn's input and output with the message and the answer.
func (b *bot) reply(ctx context.Context, message string, opts ...chains.ChainCallOption) (string, error) {
	c := b.conversation(sessiontrace.SessionID(ctx))
	c.mu.Lock()
	defer c.mu.Unlock()
	return chains.Run(ctx, c.agent, message, opts...)
}

// serveChat implements POST /chat: {"message": "..."} in,
// {"reply": "...", "session_id": "..."} out.
func (b *bot) serveChat(w http.ResponseWriter, r *http.Request) {
	message, ok := decode(w, r)
	if !ok {
		return
	}
	reply, err := b.reply(r.Context(), message)
	if err != nil {
		// The error is on the spans; the client gets no internals.
		http.Error(w, "the model is unavailable", http.StatusBadGateway)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(chatResponse{Reply: reply, SessionID: sessiontrace.SessionID(r.Context())})
}

// serveStream implements POST /chat/stream: the reply as server-sent
// events, one "data:" line per piece, then "data: [DONE]".
func (b *bot) serveStream(w http.ResponseWriter, r *http.Request) {
	message, ok := decode(w, r)
	if !ok {
		return
	}
	flusher, _ := w.(http.Flusher)
	w.Header().Set("Content-Type", "text/event-stream")
	_, err := b.reply(r.Context(), message, chains.WithStreamingFunc(func(ctx context.Context, chunk []byte) error {
		if len(chunk) == 0 || isToolCallDelta(chunk) {
			return nil
		}
		data, _ := json.Marshal(string(chunk))
		if _, err := fmt.Fprintf(w, "data: %s\n\n", data); err != nil {
			return err
		}
		if flusher != nil {
			flusher.Flush()
		}
		return ctx.Err()
	}))
	if err == nil {
		fmt.Fprint(w, "data: [DONE]\n\n")
	}
}

// isToolCallDelta reports whether a streamed chunk is not text but the JSON
// of a tool-call fragment, which langchaingo's OpenAI backend hands to the
// streaming function too ([{"id":…,"type":"function","function":{…}}]).
func isToolCallDelta(chunk []byte) bool {
	return bytes.HasPrefix(chunk, []byte(`[{"`)) && bytes.Contains(chunk, []byte(`"function":`)) && json.Valid(chunk)
}

// chatRequest is the body of POST /chat and POST /chat/stream.
type chatRequest struct {
	Message string `json:"message"`
}

// chatResponse is the answer to POST /chat.
type chatResponse struct {
	Reply     string `json:"reply"`
	SessionID string `json:"session_id,omitempty"`
}

// decode reads {"message": "..."} whatever the Content-Type says (curl -d
// sends a form type), answering 400 to a bad or empty one.
func decode(w http.ResponseWriter, r *http.Request) (string, bool) {
	var req chatRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10)).Decode(&req); err != nil || strings.TrimSpace(req.Message) == "" {
		http.Error(w, `send {"message": "..."}`, http.StatusBadRequest)
		return "", false
	}
	return req.Message, true
}

// turnPrinter is the exporter used offline: it prints each finished turn (a
// root span) in one line, as Phoenix's Sessions view would list it, and
// drops the other spans.
type turnPrinter struct{ w io.Writer }

func (p turnPrinter) ExportSpans(_ context.Context, spans []sdktrace.ReadOnlySpan) error {
	for _, s := range spans {
		if s.Parent().IsValid() {
			continue
		}
		var session, user, input, output string
		for _, kv := range s.Attributes() {
			switch kv.Key {
			case semconv.SessionID:
				session = kv.Value.AsString()
			case semconv.UserID:
				user = kv.Value.AsString()
			case semconv.InputValue:
				input = kv.Value.AsString()
			case semconv.OutputValue:
				output = kv.Value.AsString()
			}
		}
		fmt.Fprintf(p.w, "turn  session=%q user=%q  %q → %q\n", session, user, input, output)
	}
	return nil
}

func (turnPrinter) Shutdown(context.Context) error { return nil }
