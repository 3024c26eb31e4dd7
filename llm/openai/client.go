package openai

import (
	"context"
	"errors"
	"sync"

	semconv "github.com/Arize-ai/openinference/go/openinference-semantic-conventions"
	"github.com/sashabaranov/go-openai"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/sessiontrace/sessiontrace"
	"github.com/sessiontrace/sessiontrace/internal/oiattr"
	"github.com/sessiontrace/sessiontrace/internal/turn"
)

// Span names, the same as the OpenInference Python instrumentor's.
const (
	spanChat       = "ChatCompletion"
	spanCompletion = "Completion"
	spanEmbeddings = "CreateEmbeddings"
)

// Client is a go-openai client whose chat, completion and embedding calls
// make OpenInference spans. Every other method of the embedded
// *openai.Client passes straight through, untraced.
//
// A Client is safe for concurrent use, as the client it wraps is.
type Client struct {
	*openai.Client

	cfg config
	// llmStart and embStart are the attributes every LLM or EMBEDDING span
	// starts with, built once.
	llmStart, embStart []attribute.KeyValue
}

// Wrap returns a Client that traces the calls of c. Wrap cannot see how c
// was configured, so llm.provider is "openai" unless WithProvider says
// otherwise; use NewClientWithConfig to have Azure detected. A nil c is
// replaced by a client with openai.DefaultConfig(""), which has no API key:
// its calls fail (and are traced as failures) instead of panicking.
func Wrap(c *openai.Client, opts ...Option) *Client {
	if c == nil {
		c = openai.NewClientWithConfig(openai.DefaultConfig(""))
	}
	return newClient(c, newConfig(opts))
}

// NewClientWithConfig makes a go-openai client from cfg and wraps it. An
// Azure configuration (APIType openai.APITypeAzure, APITypeAzureAD or
// APITypeCloudflareAzure) sets llm.provider to "azure" and
// openai.APITypeAnthropic sets "anthropic", unless WithProvider is given.
func NewClientWithConfig(cfg openai.ClientConfig, opts ...Option) *Client {
	c := newConfig(opts)
	if !c.providerSet {
		switch cfg.APIType {
		case openai.APITypeAzure, openai.APITypeAzureAD, openai.APITypeCloudflareAzure:
			c.provider = semconv.LLMProviderAzure
		case openai.APITypeAnthropic:
			c.provider = semconv.LLMProviderAnthropic
		}
	}
	return newClient(openai.NewClientWithConfig(cfg), c)
}

func newClient(oc *openai.Client, cfg config) *Client {
	static := func(kind string) []attribute.KeyValue {
		return []attribute.KeyValue{
			attribute.String(semconv.OpenInferenceSpanKind, kind),
			attribute.String(semconv.LLMSystem, semconv.LLMSystemOpenAI),
			attribute.String(semconv.LLMProvider, cfg.provider),
		}
	}
	return &Client{
		Client:   oc,
		cfg:      cfg,
		llmStart: static(semconv.SpanKindLLM),
		embStart: static(semconv.SpanKindEmbedding),
	}
}

// start starts a client span carrying the static attributes and those of
// the context.
func (c *Client) start(ctx context.Context, name string, static []attribute.KeyValue) (context.Context, trace.Span) {
	opts := [3]trace.SpanStartOption{
		trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(static...),
	}
	n := 2
	if ca := sessiontrace.ContextAttributes(ctx); len(ca) > 0 {
		opts[n] = trace.WithAttributes(ca...)
		n++
	}
	return c.cfg.getTracer().Start(ctx, name, opts[:n]...)
}

// attrPool recycles the attribute slices of ended spans. SetAttributes
// copies what it is given, so a slice is free again once the span has it;
// a 20-message chat span needs about 4 KiB of them.
var attrPool sync.Pool // of *[]attribute.KeyValue

// newAttrs returns an empty slice with room for n attributes.
func newAttrs(n int) []attribute.KeyValue {
	if p, ok := attrPool.Get().(*[]attribute.KeyValue); ok && cap(*p) >= n {
		return (*p)[:0]
	}
	return make([]attribute.KeyValue, 0, n)
}

// freeAttrs gives attrs, just handed to span.SetAttributes, back to the
// pool, without the strings it holds. Only the OpenTelemetry SDK's spans are
// known to copy what SetAttributes gets; another implementation may keep
// the slice, so its slices are left to the garbage collector.
func freeAttrs(span trace.Span, attrs []attribute.KeyValue) {
	if _, sdk := span.(sdktrace.ReadWriteSpan); !sdk || cap(attrs) > 1024 {
		return
	}
	clear(attrs)
	attrs = attrs[:0]
	attrPool.Put(&attrs)
}

// succeed sets attrs and status OK, and ends the span.
func succeed(span trace.Span, attrs []attribute.KeyValue) {
	span.SetAttributes(attrs...)
	freeAttrs(span, attrs)
	span.SetStatus(codes.Ok, "")
	span.End()
}

// fail records err on the span (status ERROR, exception event, and the HTTP
// status code when the error carries one) beside attrs, and ends it.
func fail(span trace.Span, attrs []attribute.KeyValue, err error) {
	if code := httpStatusCode(err); code > 0 {
		attrs = append(attrs, attribute.Int(oiattr.HTTPResponseStatusCode, code))
	}
	span.SetAttributes(attrs...)
	freeAttrs(span, attrs)
	oiattr.RecordError(span, err)
	span.End()
}

// httpStatusCode returns the HTTP status of a go-openai error, or 0. Errors
// in the middle of a stream wrap an *openai.APIError whose code is 0: the
// status line had already said 200.
func httpStatusCode(err error) int {
	var apiErr *openai.APIError
	if errors.As(err, &apiErr) {
		return apiErr.HTTPStatusCode
	}
	var reqErr *openai.RequestError
	if errors.As(err, &reqErr) {
		return reqErr.HTTPStatusCode
	}
	return 0
}

// captureTurn gives the turn bound in ctx the user's last message and the
// assistant's answer of a successful chat call.
func (c *Client) captureTurn(ctx context.Context, userText, assistantText string) {
	c.capture(c.turnOf(ctx), userText, assistantText)
}

// turnOf returns the turn that calls made in ctx report to, or nil.
func (c *Client) turnOf(ctx context.Context) *turn.State {
	if c.cfg.noTurn {
		return nil
	}
	return turn.FromContext(ctx)
}

func (c *Client) capture(t *turn.State, userText, assistantText string) {
	if t != nil {
		t.Capture(oiattr.TurnInput(userText, c.cfg.trace), oiattr.TurnOutput(assistantText, c.cfg.trace))
	}
}

// modelName is the response's model, else the request's.
func modelName(resp, req string) string {
	if resp != "" {
		return resp
	}
	return req
}
