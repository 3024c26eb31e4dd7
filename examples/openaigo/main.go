// Command openaigo is a chat server on net/http that calls the model with
// openai-go v3, the official OpenAI Go SDK, and whose every turn shows up in
// Arize Phoenix (or any OpenTelemetry backend) as part of one conversation:
//
//   - phoenix.Register sets up tracing: OTLP export, sessiontrace's span
//     processor, and the global TracerProvider and propagators;
//   - otelhttp makes the server span, and sessiontrace's middleware inside it
//     reads the session and the user, puts them on the span and binds it as
//     the turn;
//   - the openai-go client, given sessiontrace's middleware with
//     option.WithMiddleware, records each call as an LLM span (one per try:
//     openai-go retries itself) and fills the turn's input and output.
//
// Run it and talk to it:
//
//	go run ./examples/openaigo
//	curl -s localhost:8080/chat -H 'X-Session-ID: s-1' -H 'X-User-ID: alice' -d '{"message":"hi"}'
//	curl -sN localhost:8080/chat/stream -H 'X-Session-ID: s-1' -d '{"message":"and now?"}'
//
// With -api responses the bot talks to the model through the Responses API
// (client.Responses.New, NewStreaming) instead of chat completions: the
// spans are named Response, and Phoenix shows the same conversations.
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
	"flag"
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
	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/openai/openai-go/v3/responses"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/sessiontrace/sessiontrace"
	"github.com/sessiontrace/sessiontrace/llm/openai/openaitest"
	"github.com/sessiontrace/sessiontrace/llm/openaigo"
	"github.com/sessiontrace/sessiontrace/middleware"
	"github.com/sessiontrace/sessiontrace/phoenix"
)

func main() {
	api := flag.String("api", apiChat, "the OpenAI API the bot calls: "+apiChat+" (chat completions) or "+apiResponses)
	flag.Parse()
	if *api != apiChat && *api != apiResponses {
		log.Fatalf("-api %q: want %s or %s", *api, apiChat, apiResponses)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *api); err != nil {
		log.Fatal(err)
	}
}

// run serves until ctx is done, then lets the requests in flight finish and
// sends the last spans.
func run(ctx context.Context, api string) error {
	// Tracing. Without a collector to send to, print each turn instead of
	// trying Phoenix's default address.
	opts := []phoenix.Option{phoenix.WithProjectName("sessiontrace-openaigo")}
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

	// The model: the OpenAI API, or a fake OpenAI server on 127.0.0.1. The
	// middleware is all the client needs to be traced.
	model := cmp.Or(os.Getenv("OPENAI_MODEL"), "gpt-4o-mini")
	clientOpts := []option.RequestOption{option.WithMiddleware(openaigo.Middleware())}
	backend := "the OpenAI API"
	if key := os.Getenv("OPENAI_API_KEY"); key != "" {
		clientOpts = append(clientOpts, option.WithAPIKey(key))
	} else {
		fake := openaitest.NewServer()
		defer fake.Close()
		clientOpts = append(clientOpts, fakeModel(fake)...)
		backend = "a fake OpenAI server"
	}
	b := newBot(openai.NewClient(clientOpts...), model, api)

	addr := cmp.Or(os.Getenv("ADDR"), "127.0.0.1:8080")
	srv := &http.Server{Addr: addr, Handler: newHandler(tp, b), ReadHeaderTimeout: 5 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.ListenAndServe() }()
	if api == apiResponses {
		backend += " (Responses API)"
	}
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

// fakeModel points an openai-go client at the fake server.
func fakeModel(fake *openaitest.Server) []option.RequestOption {
	return []option.RequestOption{
		option.WithBaseURL(fake.URL + "/v1/"),
		option.WithAPIKey("test"),
		option.WithHTTPClient(fake.HTTPClient()),
	}
}

// newHandler is the whole HTTP integration: otelhttp outside, so that the server
// span exists when the middleware runs; the middleware inside, reading the
// session from X-Session-ID or the oi_session_id cookie (minted for a browser
// that has none) and the user from X-User-ID. A request that arrives with a
// traceparent still makes a turn Phoenix can read: the middleware starts it
// as a new root span, linked to the caller's trace.
func newHandler(tp trace.TracerProvider, b *bot) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /chat", b.chat)
	mux.HandleFunc("POST /chat/stream", b.chatStream)
	return otelhttp.NewHandler(
		middleware.Handler(mux, middleware.WithSessionCookie(middleware.SessionCookie{})),
		"chat",
		otelhttp.WithTracerProvider(tp),
	)
}

// The APIs the bot can call.
const (
	apiChat      = "chat"      // chat completions
	apiResponses = "responses" // the Responses API
)

const (
	systemPrompt = "You are a concise travel assistant."
	maxHistory   = 20   // messages remembered per session (ten exchanges)
	maxSessions  = 1000 // sessions remembered; past it, one is forgotten
)

// bot answers chat messages through the traced client, with chat
// completions or the Responses API, remembering the recent exchanges of
// each session in memory.
type bot struct {
	client openai.Client
	model  string
	api    string // apiChat or apiResponses

	mu      sync.Mutex
	history map[string][]exchange // by session ID
}

// exchange is one message and its reply.
type exchange struct{ message, reply string }

func newBot(client openai.Client, model, api string) *bot {
	return &bot{client: client, model: model, api: api, history: map[string][]exchange{}}
}

// past returns the session's remembered exchanges.
func (b *bot) past(session string) []exchange {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.history[session]
}

// request is what the model gets for a new message: the system prompt, the
// session's history and the message.
func (b *bot) request(session, message string) openai.ChatCompletionNewParams {
	msgs := []openai.ChatCompletionMessageParamUnion{openai.SystemMessage(systemPrompt)}
	for _, e := range b.past(session) {
		msgs = append(msgs, openai.UserMessage(e.message), openai.AssistantMessage(e.reply))
	}
	msgs = append(msgs, openai.UserMessage(message))
	return openai.ChatCompletionNewParams{Model: b.model, Messages: msgs}
}

// responsesRequest is request for the Responses API: the system prompt as
// the instructions, the history and the message as input items.
func (b *bot) responsesRequest(session, message string) responses.ResponseNewParams {
	var input responses.ResponseInputParam
	for _, e := range b.past(session) {
		input = append(input,
			responses.ResponseInputItemParamOfMessage(e.message, responses.EasyInputMessageRoleUser),
			responses.ResponseInputItemParamOfMessage(e.reply, responses.EasyInputMessageRoleAssistant))
	}
	input = append(input, responses.ResponseInputItemParamOfMessage(message, responses.EasyInputMessageRoleUser))
	return responses.ResponseNewParams{
		Model:        b.model,
		Instructions: openai.String(systemPrompt),
		Input:        responses.ResponseNewParamsInputUnion{OfInputItemList: input},
	}
}

// reply asks the model for the answer to message.
func (b *bot) reply(ctx context.Context, session, message string) (string, error) {
	if b.api == apiResponses {
		resp, err := b.client.Responses.New(ctx, b.responsesRequest(session, message))
		if err != nil {
			return "", err
		}
		return resp.OutputText(), nil
	}
	resp, err := b.client.Chat.Completions.New(ctx, b.request(session, message))
	if err == nil && len(resp.Choices) == 0 {
		err = errors.New("no choices")
	}
	if err != nil {
		return "", err
	}
	return resp.Choices[0].Message.Content, nil
}

// replyStream asks the model for the answer to message as a stream, and
// gives each piece of text to emit as it arrives. It returns the error that
// cut the stream (the model's, or emit's), or nil at its end. openai-go
// reports a call the API refused at the first Next, before any text.
func (b *bot) replyStream(ctx context.Context, session, message string, emit func(piece string) error) error {
	if b.api == apiResponses {
		stream := b.client.Responses.NewStreaming(ctx, b.responsesRequest(session, message))
		defer stream.Close() // ends the LLM span, also when the client leaves early
		for stream.Next() {
			switch event := stream.Current(); event.Type {
			case "response.output_text.delta":
				if err := emit(event.Delta); err != nil {
					return err
				}
			case "error", "response.failed":
				return errors.New("the response failed") // its error is on the LLM span
			}
		}
		return stream.Err()
	}
	params := b.request(session, message)
	params.StreamOptions = openai.ChatCompletionStreamOptionsParam{IncludeUsage: openai.Bool(true)} // token counts for the LLM span
	stream := b.client.Chat.Completions.NewStreaming(ctx, params)
	defer stream.Close() // ends the LLM span, also when the client leaves early
	for stream.Next() {
		chunk := stream.Current()
		if len(chunk.Choices) == 0 || chunk.Choices[0].Delta.Content == "" {
			continue // the usage chunk, or one without text
		}
		if err := emit(chunk.Choices[0].Delta.Content); err != nil {
			return err
		}
	}
	return stream.Err()
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
	h = append(h, exchange{message, reply})
	b.history[session] = h[max(0, len(h)-maxHistory/2):]
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

// readMessage decodes {"message": "..."} whatever the Content-Type says
// (curl -d sends a form type), answering 400 to a bad or empty one.
func readMessage(w http.ResponseWriter, r *http.Request) (string, bool) {
	var req chatRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10)).Decode(&req); err != nil || strings.TrimSpace(req.Message) == "" {
		http.Error(w, `send {"message": "..."}`, http.StatusBadRequest)
		return "", false
	}
	return req.Message, true
}

// chat serves POST /chat: {"message": "..."} in, {"reply": "...",
// "session_id": "..."} out. The request's context carries the session, the
// user and the turn: pass it to the client.
func (b *bot) chat(w http.ResponseWriter, r *http.Request) {
	message, ok := readMessage(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	session := sessiontrace.SessionID(ctx)
	reply, err := b.reply(ctx, session, message)
	if err != nil {
		// The error is on the LLM span; the client learns no internals.
		http.Error(w, "the model is unavailable", http.StatusBadGateway)
		return
	}
	b.remember(session, message, reply)
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(chatResponse{Reply: reply, SessionID: session})
}

// chatStream serves POST /chat/stream: the reply as server-sent events, each
// piece of text a JSON string on a "data:" line, then "data: [DONE]".
func (b *bot) chatStream(w http.ResponseWriter, r *http.Request) {
	message, ok := readMessage(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	session := sessiontrace.SessionID(ctx)
	rc := http.NewResponseController(w)
	started := false // the status line is sent: an error can no longer be answered
	start := func() {
		if !started {
			w.Header().Set("Content-Type", "text/event-stream")
			started = true
		}
	}
	var reply strings.Builder
	err := b.replyStream(ctx, session, message, func(piece string) error {
		start()
		reply.WriteString(piece)
		data, _ := json.Marshal(piece)
		if _, err := fmt.Fprintf(w, "data: %s\n\n", data); err != nil {
			return err // the client went away
		}
		return rc.Flush()
	})
	switch {
	case err != nil && !started:
		http.Error(w, "the model is unavailable", http.StatusBadGateway)
		return
	case err != nil:
		return // on the LLM span; the client sees no [DONE]
	}
	b.remember(session, message, reply.String())
	start()
	fmt.Fprint(w, "data: [DONE]\n\n")
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
