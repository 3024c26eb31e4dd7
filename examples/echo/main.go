// Command echo is a chat server on Echo whose every turn shows up in Arize
// Phoenix (or any OpenTelemetry backend) as part of one conversation:
//
//   - phoenix.Register sets up tracing: OTLP export, sessiontrace's span
//     processor, and the global TracerProvider and propagators;
//   - otelecho makes the server span, and echosession, registered after it,
//     reads the session and the user, puts them on the span and binds it as
//     the turn;
//   - the go-openai client, wrapped by sessiontrace, records each call as an
//     LLM span and fills the turn's input and output.
//
// Run it and talk to it:
//
//	go run ./examples/echo
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
	"github.com/labstack/echo/v4"
	echomw "github.com/labstack/echo/v4/middleware"
	"github.com/sashabaranov/go-openai"
	"go.opentelemetry.io/contrib/instrumentation/github.com/labstack/echo/otelecho"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/sessiontrace/sessiontrace/echosession"
	oiopenai "github.com/sessiontrace/sessiontrace/llm/openai"
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
	opts := []phoenix.Option{phoenix.WithProjectName("sessiontrace-echo")}
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
	srv := &http.Server{Addr: addr, Handler: newServer(tp, b), ReadHeaderTimeout: 5 * time.Second}
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

// newServer is the whole integration: otelecho first, so that the server
// span exists when echosession runs; echosession reads the session from
// X-Session-ID or the oi_session_id cookie (minted for a browser that has
// none) and the user from X-User-ID; its options are those of package
// middleware, passed in Config.Options. A request that arrives with a
// traceparent still makes a turn Phoenix can read: the middleware starts it
// as a new root span, linked to the caller's trace. Health checks are no
// turn: both skip them.
//
// otelecho v0.60.0 is the newest release of OpenTelemetry's Echo
// instrumentation the Go module proxy serves; it works with OpenTelemetry
// v1.47. Upstream has since replaced it with Labstack's echo-opentelemetry;
// otelhttp.NewHandler around the whole server is the other choice.
func newServer(tp trace.TracerProvider, b *bot) *echo.Echo {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	health := func(c echo.Context) bool { return c.Path() == "/healthz" }
	e.Use(
		echomw.Recover(),
		echomw.BodyLimit("64K"),
		otelecho.Middleware("chat", otelecho.WithTracerProvider(tp), otelecho.WithSkipper(health)),
		echosession.MiddlewareWithConfig(echosession.Config{
			Skipper: health,
			Options: []middleware.Option{middleware.WithSessionCookie(middleware.SessionCookie{})},
		}),
	)
	e.GET("/healthz", func(c echo.Context) error { return c.NoContent(http.StatusNoContent) })
	e.POST("/chat", b.chat)
	e.POST("/chat/stream", b.chatStream)
	return e
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

// errNoMessage answers a bad or empty request body.
var errNoMessage = echo.NewHTTPError(http.StatusBadRequest, `send {"message": "..."}`)

// readMessage decodes {"message": "..."} whatever the Content-Type says:
// c.Bind would go by it, and curl -d sends a form type.
func readMessage(c echo.Context) (string, error) {
	var req chatRequest
	if err := json.NewDecoder(c.Request().Body).Decode(&req); err != nil || strings.TrimSpace(req.Message) == "" {
		return "", errNoMessage
	}
	return req.Message, nil
}

// chat serves POST /chat: {"message": "..."} in, {"reply": "...",
// "session_id": "..."} out. c.Request().Context() carries the session, the
// user and the turn: pass it to the client.
func (b *bot) chat(c echo.Context) error {
	message, err := readMessage(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	session := echosession.SessionID(c)
	resp, err := b.client.CreateChatCompletion(ctx, b.request(session, message))
	if err != nil || len(resp.Choices) == 0 {
		// The error is on the LLM span; the client learns no internals.
		return echo.NewHTTPError(http.StatusBadGateway, "the model is unavailable")
	}
	reply := resp.Choices[0].Message.Content
	b.remember(session, message, reply)
	return c.JSON(http.StatusOK, chatResponse{Reply: reply, SessionID: session})
}

// chatStream serves POST /chat/stream: the reply as server-sent events, each
// piece of text a JSON string on a "data:" line, then "data: [DONE]",
// written to Echo's response and flushed piece by piece.
func (b *bot) chatStream(c echo.Context) error {
	message, err := readMessage(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	session := echosession.SessionID(c)
	req := b.request(session, message)
	req.StreamOptions = &openai.StreamOptions{IncludeUsage: true} // token counts for the LLM span
	stream, err := b.client.CreateChatCompletionStream(ctx, req)
	if err != nil {
		return echo.NewHTTPError(http.StatusBadGateway, "the model is unavailable")
	}
	defer stream.Close() // ends the LLM span, also when the client leaves early

	w := c.Response()
	w.Header().Set(echo.HeaderContentType, "text/event-stream")
	w.WriteHeader(http.StatusOK)
	var reply strings.Builder
	for {
		chunk, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil // on the LLM span; the client sees no [DONE]
		}
		if len(chunk.Choices) == 0 || chunk.Choices[0].Delta.Content == "" {
			continue // the usage chunk, or one without text
		}
		piece := chunk.Choices[0].Delta.Content
		reply.WriteString(piece)
		data, _ := json.Marshal(piece)
		if _, err := fmt.Fprintf(w, "data: %s\n\n", data); err != nil {
			return nil // the client went away
		}
		w.Flush()
	}
	b.remember(session, message, reply.String())
	_, err = fmt.Fprint(w, "data: [DONE]\n\n")
	return err
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
