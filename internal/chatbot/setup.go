package chatbot

import (
	"context"
	"fmt"
	"io"
	"os"
	"sync"

	semconv "github.com/Arize-ai/openinference/go/openinference-semantic-conventions"
	"github.com/sashabaranov/go-openai"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	oiopenai "github.com/sessiontrace/sessiontrace/llm/openai"
	"github.com/sessiontrace/sessiontrace/llm/openai/openaitest"
	"github.com/sessiontrace/sessiontrace/phoenix"
)

// Env is what an example server runs on.
type Env struct {
	TracerProvider *sdktrace.TracerProvider
	// Client is the model's go-openai client, not yet wrapped: the go-openai
	// examples wrap it, the langchaingo example points its own backend at
	// BaseURL.
	Client  *openai.Client
	Model   string
	BaseURL string // the fake server's /v1 URL, or "" for the real API
	Backend string // what the model is, for a log line
	close   []func()
}

// Close flushes the spans and stops the fake model.
func (e *Env) Close() {
	for i := len(e.close) - 1; i >= 0; i-- {
		e.close[i]()
	}
}

// Wrapped returns the client wrapped by sessiontrace.
func (e *Env) Wrapped() *oiopenai.Client {
	return oiopenai.Wrap(e.Client, oiopenai.WithTracerProvider(e.TracerProvider))
}

// setup prepares tracing and the model for an example server named service:
// spans go to Phoenix (or any OTLP collector) when PHOENIX_COLLECTOR_ENDPOINT
// or OTEL_EXPORTER_OTLP_ENDPOINT is set, and a line per finished turn is
// written to log either way; the model is the OpenAI API when OPENAI_API_KEY
// is set, an embedded fake server otherwise.
func setup(ctx context.Context, service string, log io.Writer) (*Env, error) {
	e := &Env{}
	opts := []phoenix.Option{
		phoenix.WithProjectName(service),
		phoenix.WithSpanProcessor(turnLog{w: log}),
	}
	if os.Getenv("PHOENIX_COLLECTOR_ENDPOINT") == "" && os.Getenv("OTEL_EXPORTER_OTLP_ENDPOINT") == "" {
		opts = append(opts, phoenix.WithExporter(discard{}))
	}
	tp, err := phoenix.Register(ctx, opts...)
	if err != nil {
		return nil, err
	}
	e.TracerProvider = tp
	e.close = append(e.close, func() { tp.Shutdown(context.Background()) })

	e.Model = os.Getenv("OPENAI_MODEL")
	if e.Model == "" {
		e.Model = openai.GPT4oMini
	}
	if key := os.Getenv("OPENAI_API_KEY"); key != "" {
		e.Client, e.Backend = openai.NewClient(key), "the OpenAI API"
		return e, nil
	}
	fake := openaitest.NewServer()
	e.close = append(e.close, fake.Close)
	e.Client, e.BaseURL, e.Backend = fake.Client(), fake.URL+"/v1", "an embedded fake OpenAI server"
	return e, nil
}

// turnLog writes one line per finished root span: the turn as Phoenix will
// show it.
type turnLog struct {
	discard
	w io.Writer
}

var logMu sync.Mutex

func (l turnLog) OnEnd(s sdktrace.ReadOnlySpan) {
	if s.Parent().IsValid() || l.w == nil {
		return
	}
	var session, user, in, out string
	for _, kv := range s.Attributes() {
		switch kv.Key {
		case semconv.SessionID:
			session = kv.Value.AsString()
		case semconv.UserID:
			user = kv.Value.AsString()
		case semconv.InputValue:
			in = kv.Value.AsString()
		case semconv.OutputValue:
			out = kv.Value.AsString()
		}
	}
	logMu.Lock()
	defer logMu.Unlock()
	fmt.Fprintf(l.w, "turn  session=%q user=%q trace=%s\n      in:  %q\n      out: %q\n",
		session, user, s.SpanContext().TraceID(), in, out)
}

// discard is a span processor and exporter that drops everything.
type discard struct{}

func (discard) OnStart(context.Context, sdktrace.ReadWriteSpan)            {}
func (discard) OnEnd(sdktrace.ReadOnlySpan)                                {}
func (discard) ExportSpans(context.Context, []sdktrace.ReadOnlySpan) error { return nil }
func (discard) Shutdown(context.Context) error                             { return nil }
func (discard) ForceFlush(context.Context) error                           { return nil }
