package langchaingo

import (
	"context"

	semconv "github.com/Arize-ai/openinference/go/openinference-semantic-conventions"
	"github.com/tmc/langchaingo/tools"
	"go.opentelemetry.io/otel/attribute"

	"github.com/sessiontrace/sessiontrace"
	"github.com/sessiontrace/sessiontrace/internal/oiattr"
)

// Tool is a tools.Tool that records an OpenInference TOOL span around each
// call of the tool it wraps. Make one with WrapTool.
type Tool struct {
	tool   tools.Tool
	cfg    *config
	params string
}

var _ tools.Tool = (*Tool)(nil)

// Parameterized is implemented by tools that know the JSON schema of their
// input. WrapTool records it as tool.parameters; langchaingo's tools.Tool
// itself takes a plain string and says nothing about it.
type Parameterized interface {
	Parameters() any
}

// WrapTool returns t wrapped so that each Call records a span named after
// the tool with openinference.span.kind TOOL, tool.name, tool.description,
// tool.parameters when t implements Parameterized, the input as input.value
// and the result as output.value (both text/plain, subject to HideInputs /
// HideOutputs). Give the wrapped tool to an agent in place of t. A nil t
// gives a Tool with no name whose calls return an error.
func WrapTool(t tools.Tool, opts ...Option) *Tool {
	if w, ok := t.(*Tool); ok && w != nil {
		t = w.tool
	}
	if t == nil {
		t = nilTool{}
	}
	w := &Tool{tool: t, cfg: newConfig(opts)}
	if p, ok := t.(Parameterized); ok {
		if v := p.Parameters(); v != nil {
			w.params = oiattr.JSON(v)
		}
	}
	return w
}

// Name returns the wrapped tool's name.
func (t *Tool) Name() string { return t.tool.Name() }

// Description returns the wrapped tool's description.
func (t *Tool) Description() string { return t.tool.Description() }

// Call runs the wrapped tool inside the span and returns its result and
// error unchanged. Under sessiontrace.WithSuppression it only runs the tool.
func (t *Tool) Call(ctx context.Context, input string) (string, error) {
	if sessiontrace.IsSuppressed(ctx) {
		return t.tool.Call(ctx, input)
	}
	cfg := t.cfg.Trace
	name := t.tool.Name()
	attrs := make([]attribute.KeyValue, 0, 8)
	attrs = oiattr.SpanKind(attrs, semconv.SpanKindTool)
	attrs = append(attrs,
		attribute.String(semconv.ToolName, name),
		attribute.String(semconv.ToolDescription, t.tool.Description()))
	if t.params != "" {
		attrs = append(attrs, attribute.String(semconv.ToolParameters, t.params))
	}
	attrs = oiattr.Input(attrs, input, semconv.MimeTypeText, cfg)
	attrs = oiattr.GenAIAttributes(attrs, oiattr.GenAI{
		Operation:      oiattr.OperationExecuteTool,
		ConversationID: sessiontrace.SessionID(ctx),
	}, cfg)
	if name == "" {
		name = "Tool"
	}
	ctx, span := t.cfg.start(ctx, name, attrs)
	defer endOnPanic(span)

	out, err := t.tool.Call(ctx, input)
	if err == nil {
		span.SetAttributes(oiattr.Output(make([]attribute.KeyValue, 0, 2), out, semconv.MimeTypeText, cfg)...)
	}
	end(span, err)
	return out, err
}
