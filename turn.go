package sessiontrace

import (
	"context"
	"strings"

	semconv "github.com/Arize-ai/openinference/go/openinference-semantic-conventions"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/sessiontrace/sessiontrace/internal/oiattr"
	"github.com/sessiontrace/sessiontrace/internal/turn"
)

// ScopeName is the instrumentation scope of the spans this package starts.
const ScopeName = "github.com/sessiontrace/sessiontrace"

// TurnOption configures StartTurn.
type TurnOption interface{ apply(*turnConfig) }

type turnConfig struct {
	tp   trace.TracerProvider
	kind string
}

type turnOptionFunc func(*turnConfig)

func (f turnOptionFunc) apply(c *turnConfig) { f(c) }

// WithTracerProvider makes StartTurn use tp. Without it StartTurn uses the
// provider of the span already in its context, as otelhttp does, and the
// global provider when there is none. A nil tp is ignored.
func WithTracerProvider(tp trace.TracerProvider) TurnOption {
	return turnOptionFunc(func(c *turnConfig) {
		if tp != nil {
			c.tp = tp
		}
	})
}

// WithSpanKind sets the turn span's openinference.span.kind (default
// "CHAIN"; "AGENT" suits an agent loop; the semconv.SpanKind* constants name
// them all). The kind is upper-cased, as backends compare it exactly; an
// empty kind keeps the default. middleware.WithSpanKind behaves the same.
func WithSpanKind(kind string) TurnOption {
	return turnOptionFunc(func(c *turnConfig) {
		if kind != "" {
			c.kind = strings.ToUpper(kind)
		}
	})
}

// StartTurn starts a span that stands for one exchange with the user, for
// code without an HTTP server (queue workers, CLIs, bots), and binds it as
// the turn of the returned context. The span carries
// openinference.span.kind and the context's attributes; end it yourself.
// Phoenix shows a turn only when its span is the root of its trace, so
// start it from a context that holds no span.
func StartTurn(ctx context.Context, name string, opts ...TurnOption) (context.Context, trace.Span) {
	c := turnConfig{kind: semconv.SpanKindChain}
	for _, o := range opts {
		if o != nil {
			o.apply(&c)
		}
	}
	if c.tp == nil {
		c.tp = providerOf(ctx)
	}
	attrs := append([]attribute.KeyValue{attribute.String(semconv.OpenInferenceSpanKind, c.kind)}, contextAttributes(ctx)...)
	ctx, span := c.tp.Tracer(ScopeName).Start(ctx, name, trace.WithAttributes(attrs...))
	return BindTurn(ctx, span), span
}

// BindTurn marks span as the turn of the returned context: SetInput,
// SetOutput and the LLM wrappers' automatic capture write to it. The
// middleware binds the HTTP server span this way.
func BindTurn(ctx context.Context, span trace.Span) context.Context {
	return turn.Bind(ctx, span)
}

// SetInput records value as the turn's input.value (mime text/plain). It
// writes to the bound turn, or to the current span when none is bound, and
// always wins over the wrappers' automatic capture. Masking follows the
// environment at the time of the call (OPENINFERENCE_HIDE_INPUTS and
// _INPUT_TEXT). An empty value is ignored.
func SetInput(ctx context.Context, value string) {
	attrs := oiattr.TurnInput(value, TraceConfigFromEnv())
	if attrs == nil {
		return
	}
	if t := turn.FromContext(ctx); t != nil {
		t.SetInput(attrs)
		return
	}
	trace.SpanFromContext(ctx).SetAttributes(attrs...)
}

// SetOutput records value as the turn's output.value (mime text/plain), like
// SetInput. Masking follows OPENINFERENCE_HIDE_OUTPUTS and _OUTPUT_TEXT.
func SetOutput(ctx context.Context, value string) {
	attrs := oiattr.TurnOutput(value, TraceConfigFromEnv())
	if attrs == nil {
		return
	}
	if t := turn.FromContext(ctx); t != nil {
		t.SetOutput(attrs)
		return
	}
	trace.SpanFromContext(ctx).SetAttributes(attrs...)
}

// providerOf is the TracerProvider of the span in ctx, or the global one
// when ctx holds no valid span.
func providerOf(ctx context.Context) trace.TracerProvider {
	if span := trace.SpanFromContext(ctx); span.SpanContext().IsValid() {
		return span.TracerProvider()
	}
	return otel.GetTracerProvider()
}
