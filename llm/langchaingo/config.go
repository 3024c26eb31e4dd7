package langchaingo

import (
	"context"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/sessiontrace/sessiontrace"
	"github.com/sessiontrace/sessiontrace/internal/llmwrap"
	"github.com/sessiontrace/sessiontrace/internal/oiattr"
)

// ScopeName is the instrumentation scope of the spans this package starts.
const ScopeName = "github.com/sessiontrace/sessiontrace/llm/langchaingo"

// Option configures a wrapper. Options are shared by every Wrap function;
// one that does not apply to a wrapper is ignored by it.
type Option interface {
	apply(*config)
}

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

// config is fixed when a wrapper is made and read-only afterwards, so that
// one wrapper can serve concurrent calls.
type config struct {
	llmwrap.Config        // the provider has no default: see WithProvider
	modelName      string // WithModelName
}

func newConfig(opts []Option) *config {
	c := &config{Config: llmwrap.New(ScopeName, Version(), "")}
	for _, o := range opts {
		if o != nil {
			o.apply(c)
		}
	}
	return c
}

// WithTracerProvider makes the wrapper start its spans with tp. Without it
// each call takes the provider of the span already in its context, as
// otelhttp does, and when there is none the global one
// (otel.GetTracerProvider at the time of the call). A nil tp is ignored.
func WithTracerProvider(tp trace.TracerProvider) Option {
	return optionFunc(func(c *config) { c.SetTracerProvider(tp) })
}

// WithTraceConfig sets what the wrapper masks. Without it the wrapper reads
// the OPENINFERENCE_* environment variables once, when it is made
// (sessiontrace.TraceConfigFromEnv): code beats environment.
func WithTraceConfig(cfg sessiontrace.TraceConfig) Option {
	return optionFunc(func(c *config) { c.Trace = cfg })
}

// WithProvider sets llm.provider ("openai", "azure", "anthropic", "google",
// "aws", ...) on LLM and embedding spans. Without it WrapModel and
// WrapEmbedder detect the provider from the package of the wrapped value's
// type (langchaingo's llms/openai, llms/anthropic, llms/googleai,
// llms/bedrock, llms/mistral, llms/cohere) and record none when the package
// is not one of those. An empty name is ignored.
func WithProvider(name string) Option {
	return optionFunc(func(c *config) { c.SetProvider(name) })
}

// WithModelName sets llm.model_name (embedding.model_name for WrapEmbedder)
// for calls whose options name no model (llms.WithModel). langchaingo's
// backends keep their default model private, so this is the way to record
// it. An empty name is ignored.
func WithModelName(name string) Option {
	return optionFunc(func(c *config) {
		if name != "" {
			c.modelName = name
		}
	})
}

// WithoutTurnCapture stops WrapModel (and WrapChain) from filling the turn's
// input.value and output.value (see sessiontrace.BindTurn). Use it for a
// model whose calls are not the conversation, such as a summariser or a
// grader.
func WithoutTurnCapture() Option {
	return optionFunc(func(c *config) { c.NoTurn = true })
}

// start starts a span in ctx with attrs and the context's own attributes
// (session.id, user.id, metadata, ...), so that spans carry them even when
// sessiontrace.SpanProcessor is not registered.
func (c *config) start(ctx context.Context, name string, attrs []attribute.KeyValue) (context.Context, trace.Span) {
	attrs = append(attrs, sessiontrace.ContextAttributes(ctx)...)
	return c.TracerFor(ctx).Start(ctx, name, trace.WithAttributes(attrs...))
}

// end ends span with status OK, or ERROR and an exception event for err.
func end(span trace.Span, err error) {
	if err != nil {
		oiattr.RecordError(span, err)
	} else {
		span.SetStatus(codes.Ok, "")
	}
	span.End()
}

// endOnPanic, deferred right after a span starts, ends the span as failed
// when the wrapped call panics, and lets the panic go on: the span of a
// crashing call is still exported.
func endOnPanic(span trace.Span) {
	if r := recover(); r != nil {
		endPanicked(span, r)
	}
}

// endPanicked ends span as failed by the panic value r, and panics again
// with r.
func endPanicked(span trace.Span, r any) {
	oiattr.RecordError(span, panicError{r})
	span.End()
	panic(r)
}

type panicError struct{ v any }

func (p panicError) Error() string { return "panic: " + formatAny(p.v) }
