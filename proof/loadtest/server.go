package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/sashabaranov/go-openai"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	oiopenai "github.com/sessiontrace/sessiontrace/llm/openai"
	"github.com/sessiontrace/sessiontrace/llm/openai/openaitest"
	"github.com/sessiontrace/sessiontrace/middleware"
	"github.com/sessiontrace/sessiontrace/phoenix"
	"github.com/sessiontrace/sessiontrace/proof/internal/chatbot"
)

const (
	model       = openai.GPT4oMini
	projectName = "sessiontrace-loadtest"
)

// Batch processor settings, the same for both servers: four times the
// SDK's default queue (2048), its default batch (512). At the rate two
// shared cores reach (about 10,000 spans/s) spans start to be dropped only
// with a queue of 256 (-queue 256 -batch 128 loses about 2% of the
// traces); 8192 leaves a wide margin for GC pauses and a busy machine
// while bounding what a dead collector makes the process hold. Every
// healthy run checks the SDK's own drop count and the exported span count.
// The -queue and -batch flags change them, to find what a rate needs.
var (
	queueSize   = 8192
	exportBatch = 512
)

func batchOptions() []sdktrace.BatchSpanProcessorOption {
	return []sdktrace.BatchSpanProcessorOption{
		sdktrace.WithMaxQueueSize(queueSize),
		sdktrace.WithMaxExportBatchSize(exportBatch),
	}
}

// sut is the server under test: the load suite's chat app
// (proof/internal/chatbot), with or without sessiontrace, listening on
// 127.0.0.1.
type sut struct {
	URL  string // http://127.0.0.1:<port>
	tp   *sdktrace.TracerProvider
	srv  *http.Server
	fake *openaitest.Server
	logs *logCounter // the HTTP server's error log
}

// startSUT assembles and starts the server. With sessiontrace it is set up
// as examples/nethttp is: phoenix.Register exporting OTLP/HTTP with its
// batch processor, otelhttp around the middleware, chatbot with the
// go-openai client made by NewClientWithConfig; extra options go to
// phoenix.Register after these. The baseline drops what
// sessiontrace adds: a plain SDK TracerProvider with the same exporter and
// batch processor, otelhttp alone, the bare go-openai client.
func startSUT(ctx context.Context, withSessiontrace bool, endpoint string, responder func(openaitest.Request) openaitest.Reply, extra ...phoenix.Option) (*sut, error) {
	s := &sut{
		fake: openaitest.NewServer(openaitest.WithoutRecording(), openaitest.WithResponder(responder)),
		logs: &logCounter{},
	}
	mux := http.NewServeMux()
	var handler http.Handler
	if withSessiontrace {
		tp, err := phoenix.Register(ctx, append([]phoenix.Option{
			phoenix.WithEndpoint(endpoint),
			phoenix.WithProtocol(phoenix.HTTPProtobuf),
			phoenix.WithProjectName(projectName),
			phoenix.WithoutGlobal(),
			phoenix.WithBatchOptions(batchOptions()...)}, extra...)...)
		if err != nil {
			s.fake.Close()
			return nil, err
		}
		s.tp = tp
		// The wrapper reads the OPENINFERENCE_* masking variables here, as
		// in a user's program.
		bot := chatbot.New(oiopenai.NewClientWithConfig(s.fake.ClientConfig(), oiopenai.WithTracerProvider(tp)), model)
		mux.Handle("POST /chat", bot)
		mux.HandleFunc("POST /chat/stream", bot.ServeStream)
		handler = otelhttp.NewHandler(middleware.Handler(mux), "chat", otelhttp.WithTracerProvider(tp))
	} else {
		exp, err := otlptracehttp.New(ctx, otlptracehttp.WithEndpointURL(endpoint))
		if err != nil {
			s.fake.Close()
			return nil, err
		}
		res := resource.NewSchemaless(phoenix.ProjectNameKey.String(projectName))
		s.tp = sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp, batchOptions()...), sdktrace.WithResource(res))
		mux.Handle("POST /chat", &bareBot{client: s.fake.Client(), history: map[string][]openai.ChatCompletionMessage{}})
		handler = otelhttp.NewHandler(mux, "chat", otelhttp.WithTracerProvider(s.tp))
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		s.fake.Close()
		s.tp.Shutdown(ctx)
		return nil, err
	}
	s.srv = &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 5 * time.Second,
		ErrorLog:          log.New(s.logs, "", 0),
	}
	s.URL = "http://" + ln.Addr().String()
	go s.srv.Serve(ln)
	return s, nil
}

// shutdownTimes is how long each part of a bounded shutdown took.
type shutdownTimes struct {
	Server, Tracer       time.Duration
	ServerErr, TracerErr error
	Deadline             time.Duration // given to the TracerProvider
}

// shutdown stops the HTTP server (5 s to finish requests in flight), then
// the TracerProvider with the given deadline, then the fake model. It
// reports how long the first two took.
func (s *sut) shutdown(tpDeadline time.Duration) shutdownTimes {
	t := shutdownTimes{Deadline: tpDeadline}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	start := time.Now()
	if err := s.srv.Shutdown(ctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		t.ServerErr = err
	}
	t.Server = time.Since(start)
	cancel()

	ctx, cancel = context.WithTimeout(context.Background(), tpDeadline)
	start = time.Now()
	t.TracerErr = s.tp.Shutdown(ctx)
	t.Tracer = time.Since(start)
	cancel()

	s.fake.Close()
	return t
}

// logCounter is an HTTP server's error log: it counts lines and keeps the
// first few, so that a panic in a handler ("http: panic serving ...") fails
// the run.
type logCounter struct {
	mu     sync.Mutex
	lines  int
	panics int
	first  []string
}

func (l *logCounter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines++
	if strings.Contains(string(p), "panic") {
		l.panics++
	}
	if len(l.first) < 5 {
		l.first = append(l.first, strings.TrimSpace(string(p)))
	}
	return len(p), nil
}

func (l *logCounter) summary() (lines, panics int, first []string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.lines, l.panics, append([]string(nil), l.first...)
}

// bareBot is chatbot.Bot's POST /chat without sessiontrace, for the
// baseline: chatbot.New only takes the wrapped client. An application
// without sessiontrace still keeps each conversation, so the session comes
// from the X-Session-ID header, and the history kept and sent is the same
// as chatbot's.
type bareBot struct {
	client *openai.Client

	mu      sync.Mutex
	history map[string][]openai.ChatCompletionMessage
}

const maxHistory = 20 // as chatbot's

func (b *bareBot) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var req chatbot.Request
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10)).Decode(&req); err != nil || strings.TrimSpace(req.Message) == "" {
		http.Error(w, `send {"message": "..."}`, http.StatusBadRequest)
		return
	}
	session := r.Header.Get("X-Session-ID")
	b.mu.Lock()
	msgs := make([]openai.ChatCompletionMessage, 0, len(b.history[session])+2)
	msgs = append(msgs, openai.ChatCompletionMessage{Role: openai.ChatMessageRoleSystem, Content: chatbot.SystemPrompt})
	msgs = append(msgs, b.history[session]...)
	msgs = append(msgs, openai.ChatCompletionMessage{Role: openai.ChatMessageRoleUser, Content: req.Message})
	b.mu.Unlock()

	resp, err := b.client.CreateChatCompletion(r.Context(), openai.ChatCompletionRequest{Model: model, Messages: msgs})
	if err != nil || len(resp.Choices) == 0 {
		http.Error(w, "the model is unavailable", http.StatusBadGateway)
		return
	}
	reply := resp.Choices[0].Message.Content
	if session != "" {
		b.mu.Lock()
		h := append(b.history[session],
			openai.ChatCompletionMessage{Role: openai.ChatMessageRoleUser, Content: req.Message},
			openai.ChatCompletionMessage{Role: openai.ChatMessageRoleAssistant, Content: reply})
		if len(h) > maxHistory {
			h = h[len(h)-maxHistory:]
		}
		b.history[session] = h
		b.mu.Unlock()
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(chatbot.Response{Reply: reply, SessionID: session})
}

// describeBatch is the batch configuration as the report prints it.
func describeBatch() string {
	return fmt.Sprintf("batch span processor: queue %d spans, batches of %d, SDK default timeouts", queueSize, exportBatch)
}
