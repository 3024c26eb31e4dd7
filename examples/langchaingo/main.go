// Command langchaingo is a chat server built with langchaingo and
// sessiontrace: otelhttp makes the server span, sessiontrace's middleware
// puts the session and user on it and binds it as the turn, and each
// session's langchaingo agent (an OpenAI functions agent with a calculator
// and a conversation memory) runs wrapped, so every request is one trace —
// server span → AGENT → LLM (→ TOOL → LLM) — in the session's conversation.
//
//	go run ./examples/langchaingo        # listens on 127.0.0.1:8080
//	curl -s localhost:8080/chat -H 'X-Session-ID: s-1' -H 'X-User-ID: alice' -d '{"message":"I am Alice."}'
//	curl -sN localhost:8080/chat/stream -H 'X-Session-ID: s-1' -d '{"message":"What is 17 times 23?"}'
//
// Offline by default (an embedded fake OpenAI server that echoes you);
// OPENAI_API_KEY uses the real API through langchaingo's OpenAI backend,
// PHOENIX_COLLECTOR_ENDPOINT (or OTEL_EXPORTER_OTLP_ENDPOINT) exports the
// spans. ADDR changes the listen address.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/tmc/langchaingo/agents"
	"github.com/tmc/langchaingo/chains"
	"github.com/tmc/langchaingo/llms"
	"github.com/tmc/langchaingo/llms/openai"
	"github.com/tmc/langchaingo/memory"
	"github.com/tmc/langchaingo/prompts"
	"github.com/tmc/langchaingo/tools"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/trace"

	"github.com/sessiontrace/sessiontrace"
	"github.com/sessiontrace/sessiontrace/internal/chatbot"
	"github.com/sessiontrace/sessiontrace/llm/langchaingo"
	"github.com/sessiontrace/sessiontrace/middleware"
)

func main() {
	chatbot.Main("sessiontrace-langchaingo", func(env *chatbot.Env) (http.Handler, error) {
		// langchaingo's own OpenAI backend: the real API (OPENAI_API_KEY,
		// read by langchaingo) or the embedded fake server.
		opts := []openai.Option{openai.WithModel(env.Model)}
		if env.BaseURL != "" {
			opts = append(opts, openai.WithBaseURL(env.BaseURL), openai.WithToken("test"))
		}
		llm, err := openai.New(opts...)
		if err != nil {
			return nil, err
		}
		return newHandler(newBot(llm, env.Model, env.TracerProvider), env.TracerProvider), nil
	})
}

// newHandler is the HTTP side: otelhttp outside, the middleware inside. A
// browser without a session gets one in a cookie; API clients send
// X-Session-ID and X-User-ID. Every request starts a new trace, so each turn
// is a root span in Phoenix.
func newHandler(b *bot, tp trace.TracerProvider) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /chat", b.serveChat)
	mux.HandleFunc("POST /chat/stream", b.serveStream)
	return otelhttp.NewHandler(
		middleware.Handler(mux, middleware.WithSessionCookie(middleware.SessionCookie{})),
		"chat",
		otelhttp.WithTracerProvider(tp),
		otelhttp.WithPublicEndpointFn(func(*http.Request) bool { return true }),
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
	tp    trace.TracerProvider

	mu       sync.Mutex
	sessions map[string]*conversation
}

// conversation is a session's agent; mu keeps two requests of one session
// from interleaving in its memory.
type conversation struct {
	mu    sync.Mutex
	agent *langchaingo.Chain
}

func newBot(llm llms.Model, modelName string, tp trace.TracerProvider) *bot {
	return &bot{
		// langchaingo's backends keep their model name private: name it.
		model:    langchaingo.WrapModel(llm, langchaingo.WithTracerProvider(tp), langchaingo.WithModelName(modelName)),
		tools:    []tools.Tool{langchaingo.WrapTool(tools.Calculator{}, langchaingo.WithTracerProvider(tp))},
		tp:       tp,
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
	c := &conversation{agent: langchaingo.WrapChain(executor, langchaingo.WithTracerProvider(b.tp))}
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
	json.NewEncoder(w).Encode(chatbot.Response{Reply: reply, SessionID: sessiontrace.SessionID(r.Context())})
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

// decode reads the body of a chat request.
func decode(w http.ResponseWriter, r *http.Request) (string, bool) {
	var req chatbot.Request
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10)).Decode(&req); err != nil || strings.TrimSpace(req.Message) == "" {
		http.Error(w, `send {"message": "..."}`, http.StatusBadRequest)
		return "", false
	}
	return req.Message, true
}
