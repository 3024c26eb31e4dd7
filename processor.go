package sessiontrace

import (
	"context"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// SpanProcessor is an sdktrace.SpanProcessor that stamps the context's
// attributes (ContextAttributes) on every span when it starts: HTTP client
// spans, database spans and framework spans too, so that one WithSession
// reaches the whole trace. It exports nothing itself; register it beside
// your exporting processor. It is safe for concurrent use.
type SpanProcessor struct{}

var _ sdktrace.SpanProcessor = (*SpanProcessor)(nil)

// NewSpanProcessor returns the processor. Register it with
// sdktrace.WithSpanProcessor; order relative to the exporting processor does
// not matter, since attributes are set at start.
func NewSpanProcessor() *SpanProcessor { return &SpanProcessor{} }

// OnStart sets ContextAttributes(parent) on span. A context without
// attributes costs one context lookup and no allocation.
func (*SpanProcessor) OnStart(parent context.Context, span sdktrace.ReadWriteSpan) {
	if attrs := contextAttributes(parent); len(attrs) > 0 {
		span.SetAttributes(attrs...)
	}
}

// OnEnd does nothing.
func (*SpanProcessor) OnEnd(sdktrace.ReadOnlySpan) {}

// Shutdown does nothing and returns nil.
func (*SpanProcessor) Shutdown(context.Context) error { return nil }

// ForceFlush does nothing and returns nil.
func (*SpanProcessor) ForceFlush(context.Context) error { return nil }
