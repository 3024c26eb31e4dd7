// Command gin is a chat server on Gin whose every turn shows up in Arize
// Phoenix (or any OpenTelemetry backend) as part of one conversation:
//
//   - phoenix.Register sets up tracing: OTLP export, sessiontrace's span
//     processor, and the global TracerProvider and propagators;
//   - otelgin makes the server span, and ginsession, registered after it,
//     reads the session and the user, puts them on the span and binds it as
//     the turn;
//   - the go-openai client, wrapped by sessiontrace, records each call as an
//     LLM span and fills the turn's input and output.
//
// Run it and talk to it:
//
//	go run ./examples/gin
//	curl -s localhost:8080/chat -H 'X-Session-ID: s-1' -H 'X-User-ID: alice' -d '{"message":"hi"}'
//	curl -sN localhost:8080/chat/stream -H 'X-Session-ID: s-1' -d '{"message":"and now?"}'
//
// Offline by default: the model is a fake OpenAI server on 127.0.0.1 that
// answers "You said: …", and each finished turn is printed instead of
// exported. OPENAI_API_KEY uses the OpenAI API (model OPENAI_MODEL, default
// gpt-4o-mini); PHOENIX_COLLECTOR_ENDPOINT (or OTEL_EXPORTER_OTLP_ENDPOINT)
// exports the spans over OTLP, with the other variables phoenix.Register
// reads (PHOENIX_API_KEY, PHOENIX_PROJECT_NAME, ...). ADDR is the listen
// address, default 127.0.0.1:8080. SIGINT or SIGTERM stops the server
// gracefully and sends the last spans.
package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
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
	"github.com/gin-gonic/gin"
	"github.com/sashabaranov/go-openai"
	"go.opentelemetry.io/contrib/instrumentation/github.com/gin-gonic/gin/otelgin"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/sessiontrace/sessiontrace/ginsession"
	oiopenai "github.com/sessiontrace/sessiontrace/llm/openai"
	"github.com/sessiontrace/sessiontrace/llm/openai/openaitest"
	"github.com/sessiontrace/sessiontrace/middleware"
	"github.com/sessiontrace/sessiontrace/phoenix"
)

func main() {
	gin.SetMode(gin.ReleaseMode)
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
	opts := []phoenix.Option{phoenix.WithProjectName("sessiontrace-gin")}
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

	// The model: the OpenAI API, or a fake OpenAI server on 127.0.0.1.
	model := cmp.Or(os.Getenv("OPENAI_MODEL"), openai.GPT4oMini)
	var cfg openai.ClientConfig
	backend := "the OpenAI API"
	if key := os.Getenv("OPENAI_API_KEY"); key != "" {
		cfg = openai.DefaultConfig(key)
	} else {
		fake := openaitest.NewServer()
		defer fake.Close()
		cfg, backend = fake.ClientConfig(), "a fake OpenAI server"
	}
	b := newBot(oiopenai.NewClientWithConfig(cfg), model)

	addr := cmp.Or(os.Getenv("ADDR"), "127.0.0.1:8080")
	srv := &http.Server{Addr: addr, Handler: newRouter(tp, b), ReadHeaderTimeout: 5 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.ListenAndServe() }()
	fmt.Printf("chat server on http://%s/chat, model %s via %s\n", addr, model, backend)
	select {
	case err := <-served:
		return err // the address is taken, most likely
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return srv.Shutdown(shutdown)
}

// newRouter is the whole integration: otelgin first, so that the server span
// exists when ginsession runs; ginsession reads the session from
// X-Session-ID or the oi_session_id cookie (minted for a browser that has
// none) and the user from X-User-ID. A request that arrives with a
// traceparent still makes a turn Phoenix can read: the middleware starts it
// as a new root span, linked to the caller's trace.
func newRouter(tp trace.TracerProvider, b *bot) *gin.Engine {
	r := gin.New()
	r.Use(
		gin.Recovery(),
		otelgin.Middleware("chat", otelgin.WithTracerProvider(tp)),
		ginsession.Middleware(middleware.WithSessionCookie(middleware.SessionCookie{})),
	)
	r.POST("/chat", b.chat)
	r.POST("/chat/stream", b.chatStream)
	return r
}

const (
	systemPrompt = "You are a concise travel assistant."
	maxHistory   = 20   // messages remembered per session
	maxSessions  = 1000 // sessions remembered; past it, one is forgotten
)

// bot answers chat messages through the wrapped client, remembering the
// recent exchanges of each session in memory.
type bot struct {
	client *oiopenai.Client
	model  string

	mu      sync.Mutex
	history map[string][]openai.ChatCompletionMessage // by session ID
}

func newBot(client *oiopenai.Client, model string) *bot {
	return &bot{client: client, model: model, history: map[string][]openai.ChatCompletionMessage{}}
}

// request is what the model gets for a new message: the system prompt, the
// session's history and the message.
func (b *bot) request(session, message string) openai.ChatCompletionRequest {
	b.mu.Lock()
	defer b.mu.Unlock()
	msgs := []openai.ChatCompletionMessage{{Role: openai.ChatMessageRoleSystem, Content: systemPrompt}}
	msgs = append(msgs, b.history[session]...)
	msgs = append(msgs, openai.ChatCompletionMessage{Role: openai.ChatMessageRoleUser, Content: message})
	return openai.ChatCompletionRequest{Model: b.model, Messages: msgs}
}

// remember appends an exchange to the session's history. A request without
// a session has none.
func (b *bot) remember(session, message, reply string) {
	if session == "" {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	h, known := b.history[session]
	if !known && len(b.history) >= maxSessions {
		for s := range b.history {
			delete(b.history, s)
			break
		}
	}
	h = append(h,
		openai.ChatCompletionMessage{Role: openai.ChatMessageRoleUser, Content: message},
		openai.ChatCompletionMessage{Role: openai.ChatMessageRoleAssistant, Content: reply})
	b.history[session] = h[max(0, len(h)-maxHistory):]
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

// readMessage binds {"message": "..."} (as JSON, whatever the Content-Type
// says), answering 400 to a bad or empty one.
func readMessage(c *gin.Context) (string, bool) {
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, 64<<10)
	var req chatRequest
	if err := c.ShouldBindJSON(&req); err != nil || strings.TrimSpace(req.Message) == "" {
		c.String(http.StatusBadRequest, `send {"message": "..."}`)
		return "", false
	}
	return req.Message, true
}

// chat serves POST /chat: {"message": "..."} in, {"reply": "...",
// "session_id": "..."} out. c.Request.Context() carries the session, the
// user and the turn: pass it to the client. c itself, used as a
// context.Context, does not see them unless the engine's
// ContextWithFallback is on.
func (b *bot) chat(c *gin.Context) {
	message, ok := readMessage(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	session := ginsession.SessionID(c)
	resp, err := b.client.CreateChatCompletion(ctx, b.request(session, message))
	if err != nil || len(resp.Choices) == 0 {
		// The error is on the LLM span; the client learns no internals.
		c.String(http.StatusBadGateway, "the model is unavailable")
		return
	}
	reply := resp.Choices[0].Message.Content
	b.remember(session, message, reply)
	c.JSON(http.StatusOK, chatResponse{Reply: reply, SessionID: session})
}

// chatStream serves POST /chat/stream: the reply as server-sent events, each
// piece of text a JSON string on a "data:" line, then "data: [DONE]". Gin's
// c.Stream calls the step function, flushing after each call, until it
// returns false.
func (b *bot) chatStream(c *gin.Context) {
	message, ok := readMessage(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	session := ginsession.SessionID(c)
	req := b.request(session, message)
	req.StreamOptions = &openai.StreamOptions{IncludeUsage: true} // token counts for the LLM span
	stream, err := b.client.CreateChatCompletionStream(ctx, req)
	if err != nil {
		c.String(http.StatusBadGateway, "the model is unavailable")
		return
	}
	defer stream.Close() // ends the LLM span, also when the client leaves early

	c.Header("Content-Type", "text/event-stream")
	var reply strings.Builder
	c.Stream(func(w io.Writer) bool {
		chunk, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			b.remember(session, message, reply.String())
			fmt.Fprint(w, "data: [DONE]\n\n")
			return false
		}
		if err != nil {
			return false // on the LLM span; the client sees no [DONE]
		}
		if len(chunk.Choices) == 0 || chunk.Choices[0].Delta.Content == "" {
			return true // the usage chunk, or one without text
		}
		piece := chunk.Choices[0].Delta.Content
		reply.WriteString(piece)
		data, _ := json.Marshal(piece)
		_, err = fmt.Fprintf(w, "data: %s\n\n", data)
		return err == nil // false: the client went away
	})
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
