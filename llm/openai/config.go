package openai

import (
	semconv "github.com/Arize-ai/openinference/go/openinference-semantic-conventions"
	"go.opentelemetry.io/otel/trace"

	"github.com/sessiontrace/sessiontrace"
	"github.com/sessiontrace/sessiontrace/internal/llmwrap"
)

// ScopeName is the instrumentation scope name of the spans this package
// starts: its import path.
const ScopeName = "github.com/sessiontrace/sessiontrace/llm/openai"

// config is what the options decide for one Client.
type config struct{ llmwrap.Config }

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
	c := config{llmwrap.New(ScopeName, Version(), semconv.LLMProviderOpenAI)}
	for _, o := range opts {
		if o != nil {
			o.apply(&c)
		}
	}
	return c
}

// WithTracerProvider makes the Client start its spans with tp. Without it
// each call takes the provider of the span already in its context, and
// when there is none the global TracerProvider. A nil tp is ignored.
func WithTracerProvider(tp trace.TracerProvider) Option {
	return optionFunc(func(c *config) { c.SetTracerProvider(tp) })
}

// WithTraceConfig sets what the Client's spans may record. Without it the
// Client uses sessiontrace.TraceConfigFromEnv, read once when the Client is
// made. Code beats environment: cfg replaces the environment entirely.
func WithTraceConfig(cfg sessiontrace.TraceConfig) Option {
	return optionFunc(func(c *config) { c.Trace = cfg })
}

// WithProvider sets llm.provider, the company or service that hosts the
// model ("openai", "azure", "groq", "deepseek", ...). The default is
// "openai", or "azure" when NewClientWithConfig is given an Azure config.
// An empty name is ignored.
func WithProvider(name string) Option {
	return optionFunc(func(c *config) { c.SetProvider(name) })
}

// WithoutTurnCapture stops the Client from writing the last user message and
// the assistant's answer to the turn bound in the context (see
// sessiontrace.BindTurn). Use it for calls that are not the conversation
// itself, such as summarising or classifying in the background.
func WithoutTurnCapture() Option {
	return optionFunc(func(c *config) { c.NoTurn = true })
}
