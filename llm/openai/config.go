package openai

import (
	"context"

	semconv "github.com/Arize-ai/openinference/go/openinference-semantic-conventions"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/trace"

	"github.com/sessiontrace/sessiontrace"
	"github.com/sessiontrace/sessiontrace/internal/oiattr"
)

// ScopeName is the instrumentation scope name of the spans this package
// starts: its import path.
const ScopeName = "github.com/sessiontrace/sessiontrace/llm/openai"

// config is what the options decide for one Client.
type config struct {
	// tracer is set when a TracerProvider was given; otherwise the provider
	// is looked up at every call (see tracerFor), so that a Client made
	// before otel.SetTracerProvider still reports to the provider set later.
	tracer      trace.Tracer
	trace       oiattr.TraceConfig
	provider    string
	providerSet bool
	noTurn      bool
}

// Option configures a Client made by Wrap, NewClient or NewClientWithConfig.
type Option interface {
	apply(*config)
}

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

// newConfig applies opts over the defaults: the TracerProvider of the
// call's context or the global one, the TraceConfig of the environment (read now, once) and the
// provider "openai". Nil options are skipped.
func newConfig(opts []Option) config {
	c := config{
		trace:    sessiontrace.TraceConfigFromEnv(),
		provider: semconv.LLMProviderOpenAI,
	}
	for _, o := range opts {
		if o != nil {
			o.apply(&c)
		}
	}
	return c
}

// tracerFor returns the tracer of a call made in ctx: the one of
// WithTracerProvider, else that of the provider of the span in ctx (as
// otelhttp does), else that of the global provider.
func (c *config) tracerFor(ctx context.Context) trace.Tracer {
	if c.tracer != nil {
		return c.tracer
	}
	if span := trace.SpanFromContext(ctx); span.SpanContext().IsValid() {
		return newTracer(span.TracerProvider())
	}
	return newTracer(otel.GetTracerProvider())
}

func newTracer(tp trace.TracerProvider) trace.Tracer {
	return tp.Tracer(ScopeName, trace.WithInstrumentationVersion(Version()))
}

// WithTracerProvider makes the Client start its spans with tp. Without it
// each call takes the provider of the span already in its context, and
// when there is none the global TracerProvider. A nil tp is ignored.
func WithTracerProvider(tp trace.TracerProvider) Option {
	return optionFunc(func(c *config) {
		if tp != nil {
			c.tracer = newTracer(tp)
		}
	})
}

// WithTraceConfig sets what the Client's spans may record. Without it the
// Client uses sessiontrace.TraceConfigFromEnv, read once when the Client is
// made. Code beats environment: cfg replaces the environment entirely.
func WithTraceConfig(cfg sessiontrace.TraceConfig) Option {
	return optionFunc(func(c *config) {
		c.trace = cfg
	})
}

// WithProvider sets llm.provider, the company or service that hosts the
// model ("openai", "azure", "groq", "deepseek", ...). The default is
// "openai", or "azure" when NewClientWithConfig is given an Azure config.
// An empty name is ignored.
func WithProvider(name string) Option {
	return optionFunc(func(c *config) {
		if name != "" {
			c.provider, c.providerSet = name, true
		}
	})
}

// WithoutTurnCapture stops the Client from writing the last user message and
// the assistant's answer to the turn bound in the context (see
// sessiontrace.BindTurn). Use it for calls that are not the conversation
// itself, such as summarising or classifying in the background.
func WithoutTurnCapture() Option {
	return optionFunc(func(c *config) { c.noTurn = true })
}
