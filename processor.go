package sessiontrace

import (
	"context"
	"strings"
	"sync"

	semconv "github.com/Arize-ai/openinference/go/openinference-semantic-conventions"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/sessiontrace/sessiontrace/internal/oiattr"
	"github.com/sessiontrace/sessiontrace/internal/turn"
)

// SpanProcessor is an sdktrace.SpanProcessor that stamps the context's
// attributes (ContextAttributes) on every span when it starts: HTTP client
// spans, database spans and framework spans too, so that one WithSession
// reaches the whole trace. It also fills the turn from LLM spans that
// sessiontrace's own wrappers did not make: any span of kind LLM that
// starts inside a bound turn (see BindTurn) and ends without ERROR gives
// the turn its input (the last user message of the first such call) and
// output (the assistant's text of the latest), read from its OpenInference
// attributes, so that the official OpenInference Go instrumentors and
// hand-made LLM spans fill turns too. Explicit SetInput / SetOutput still
// win, and masking follows the environment read when the processor was
// made (TraceConfigFromEnv).
//
// It exports nothing itself; register it beside your exporting processor
// (phoenix.Register does). It is safe for concurrent use.
type SpanProcessor struct {
	cfg TraceConfig
	// open holds the turn of each span started inside one and not ended
	// yet, by span ID: OnEnd has no context to find it in. A span that is
	// never ended keeps its entry.
	open sync.Map // trace.SpanID → *turn.State
}

var _ sdktrace.SpanProcessor = (*SpanProcessor)(nil)

// NewSpanProcessor returns the processor, with the masking of the
// environment as it is now. Register it with sdktrace.WithSpanProcessor;
// order relative to the exporting processor does not matter.
func NewSpanProcessor() *SpanProcessor { return &SpanProcessor{cfg: TraceConfigFromEnv()} }

// wrapperScopes is the scope name prefix of sessiontrace's LLM wrappers,
// which fill the turn themselves: their spans are never counted twice.
const wrapperScopes = ScopeName + "/llm/"

// OnStart sets ContextAttributes(parent) on span, and notes the turn bound
// in parent, if any. A context without attributes or turn costs two context
// lookups and no allocation.
func (p *SpanProcessor) OnStart(parent context.Context, span sdktrace.ReadWriteSpan) {
	if attrs := contextAttributes(parent); len(attrs) > 0 {
		span.SetAttributes(attrs...)
	}
	if t := turn.FromContext(parent); t != nil && !strings.HasPrefix(span.InstrumentationScope().Name, wrapperScopes) {
		p.open.Store(span.SpanContext().SpanID(), t)
	}
}

// OnEnd gives the turn of an LLM span that ended without ERROR what the
// span says (see turn.Texts).
func (p *SpanProcessor) OnEnd(s sdktrace.ReadOnlySpan) {
	v, ok := p.open.LoadAndDelete(s.SpanContext().SpanID())
	if !ok || s.Status().Code == codes.Error || !isLLM(s) {
		return
	}
	input, output := turn.Texts(s.Attributes())
	v.(*turn.State).Capture(oiattr.TurnInput(input, p.cfg), oiattr.TurnOutput(output, p.cfg))
}

func isLLM(s sdktrace.ReadOnlySpan) bool {
	for _, kv := range s.Attributes() {
		if kv.Key == semconv.OpenInferenceSpanKind {
			return kv.Value.AsString() == semconv.SpanKindLLM
		}
	}
	return false
}

// Shutdown does nothing and returns nil.
func (*SpanProcessor) Shutdown(context.Context) error { return nil }

// ForceFlush does nothing and returns nil.
func (*SpanProcessor) ForceFlush(context.Context) error { return nil }
