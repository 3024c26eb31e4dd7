// Package llmwrap is what the LLM wrappers (llm/openai, llm/openaigo and
// llm/langchaingo) share of their setup: what their common options decide
// and the tracer each call starts its span with. Every wrapper keeps its
// own exported Option type and option functions, documented for its users,
// and stores what they set here.
package llmwrap

import (
	"context"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/trace"

	"github.com/sessiontrace/sessiontrace"
	"github.com/sessiontrace/sessiontrace/internal/oiattr"
)

// Config is what the common options decide for one wrapper. It is fixed
// when the wrapper is made and read-only afterwards.
type Config struct {
	// Tracer is set by WithTracerProvider; without it the tracer is looked
	// up at every call (see TracerFor), so that a wrapper made before
	// otel.SetTracerProvider still reports to the provider set later.
	Tracer trace.Tracer
	// Trace is the masking: the environment's, read once when the wrapper
	// is made, unless WithTraceConfig replaced it.
	Trace oiattr.TraceConfig
	// Provider is llm.provider; ProviderSet says WithProvider chose it, so
	// that a wrapper's own detection (Azure) does not override it.
	Provider    string
	ProviderSet bool
	// NoTurn is WithoutTurnCapture.
	NoTurn bool

	scope, version string
}

// New returns the defaults of a wrapper whose spans have the instrumentation
// scope name and version given: the tracer from each call's context, the
// masking of the environment, and provider as llm.provider.
func New(scope, version, provider string) Config {
	return Config{Trace: sessiontrace.TraceConfigFromEnv(), Provider: provider, scope: scope, version: version}
}

// SetTracerProvider makes the wrapper start its spans with tp. A nil tp is
// ignored.
func (c *Config) SetTracerProvider(tp trace.TracerProvider) {
	if tp != nil {
		c.Tracer = c.tracer(tp)
	}
}

// SetProvider sets llm.provider. An empty name is ignored.
func (c *Config) SetProvider(name string) {
	if name != "" {
		c.Provider, c.ProviderSet = name, true
	}
}

// TracerFor returns the tracer of a call made in ctx: the one of
// WithTracerProvider, else that of the provider of the span in ctx (as
// otelhttp does), else that of the global provider.
func (c *Config) TracerFor(ctx context.Context) trace.Tracer {
	if c.Tracer != nil {
		return c.Tracer
	}
	if span := trace.SpanFromContext(ctx); span.SpanContext().IsValid() {
		return c.tracer(span.TracerProvider())
	}
	return c.tracer(otel.GetTracerProvider())
}

func (c *Config) tracer(tp trace.TracerProvider) trace.Tracer {
	return tp.Tracer(c.scope, trace.WithInstrumentationVersion(c.version))
}
