package langchaingo

import (
	"context"
	"reflect"
	"slices"

	semconv "github.com/Arize-ai/openinference/go/openinference-semantic-conventions"
	"github.com/tmc/langchaingo/agents"
	"github.com/tmc/langchaingo/callbacks"
	"github.com/tmc/langchaingo/chains"
	"github.com/tmc/langchaingo/prompts"
	"github.com/tmc/langchaingo/schema"
	"go.opentelemetry.io/otel/attribute"

	"github.com/sessiontrace/sessiontrace"
	"github.com/sessiontrace/sessiontrace/internal/oiattr"
	"github.com/sessiontrace/sessiontrace/internal/turn"
)

// Chain is a chains.Chain that records a CHAIN span (AGENT for an
// *agents.Executor) around each call of the chain it wraps. Make one with
// WrapChain and run it with chains.Call, chains.Run or chains.Predict as
// usual: memory and callbacks keep working.
type Chain struct {
	chain    chains.Chain
	cfg      *config
	kind     string
	name     string
	template *prompts.PromptTemplate // of an LLMChain, for llm.prompt_template.*
}

var (
	_ chains.Chain           = (*Chain)(nil)
	_ callbacks.HandlerHaver = (*Chain)(nil)
)

// WrapChain returns c wrapped so that each Call records a span named after
// c's type ("LLMChain", "AgentExecutor" for an *agents.Executor, ...) with
// openinference.span.kind CHAIN, or AGENT for an *agents.Executor. The
// inputs and outputs maps are recorded as JSON input.value and output.value.
//
// The span's context is passed to c, so wrapped models, tools and
// retrievers used inside it nest under it. When c is an LLMChain over a
// prompts.PromptTemplate, its spans below also carry
// llm.prompt_template.template and .variables.
//
// When c takes one string from its caller and returns one string (an
// agent's "input" and "output", an LLMChain's one variable and "text"; keys
// that its memory fills do not count), they become the turn's input and
// output: that reads better in Phoenix's Sessions view than the prompt the
// chain sends to the model. WithoutTurnCapture turns this off.
//
// A nil c gives a Chain whose calls return an error.
func WrapChain(c chains.Chain, opts ...Option) *Chain {
	if w, ok := c.(*Chain); ok && w != nil {
		c = w.chain
	}
	w := &Chain{chain: c, cfg: newConfig(opts), kind: semconv.SpanKindChain, name: typeName(c)}
	if c == nil {
		w.chain = nilChain{}
	}
	switch c := c.(type) {
	case *agents.Executor:
		w.kind, w.name = semconv.SpanKindAgent, "AgentExecutor"
	case *chains.LLMChain:
		if c != nil {
			w.template = promptTemplate(c.Prompt)
		}
	case chains.LLMChain:
		w.template = promptTemplate(c.Prompt)
	}
	return w
}

func promptTemplate(p prompts.FormatPrompter) *prompts.PromptTemplate {
	switch p := p.(type) {
	case prompts.PromptTemplate:
		return &p
	case *prompts.PromptTemplate:
		return p
	}
	return nil
}

func typeName(v any) string {
	t := reflect.TypeOf(v)
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil || t.Name() == "" {
		return "Chain"
	}
	return t.Name()
}

// Call runs the wrapped chain inside the span and returns its outputs and
// error unchanged. Under sessiontrace.WithSuppression it only runs the chain.
// Like any chains.Chain, it is meant to be run through chains.Call, Run or
// Predict.
func (c *Chain) Call(ctx context.Context, inputs map[string]any, options ...chains.ChainCallOption) (map[string]any, error) {
	if sessiontrace.IsSuppressed(ctx) {
		return c.chain.Call(ctx, inputs, options...)
	}
	cfg := c.cfg.Trace
	attrs := make([]attribute.KeyValue, 0, 8)
	attrs = oiattr.SpanKind(attrs, c.kind)
	attrs = oiattr.Input(attrs, oiattr.JSON(inputs), semconv.MimeTypeJSON, cfg)
	ctx, span := c.cfg.start(ctx, c.name, attrs)
	defer endOnPanic(span)

	t := turn.FromContext(ctx)
	if c.cfg.NoTurn {
		t = nil
	}
	if t != nil {
		t.Capture(oiattr.TurnInput(singleString(inputs, c.userKeys(ctx)), cfg), nil)
	}
	if c.template != nil {
		ctx = sessiontrace.WithPromptTemplate(ctx, sessiontrace.PromptTemplate{
			Template:  c.template.Template,
			Variables: variables(inputs, c.template.InputVariables),
		})
	}

	outputs, err := c.chain.Call(ctx, inputs, options...)
	if err != nil {
		end(span, err)
		return outputs, err
	}
	span.SetAttributes(oiattr.Output(make([]attribute.KeyValue, 0, 2), oiattr.JSON(outputs), semconv.MimeTypeJSON, cfg)...)
	end(span, nil)
	if t != nil {
		t.Capture(nil, oiattr.TurnOutput(singleString(outputs, c.chain.GetOutputKeys()), cfg))
	}
	return outputs, nil
}

// userKeys are the chain's input keys that its memory does not fill: what
// the caller gives, as chains.Run sees it.
func (c *Chain) userKeys(ctx context.Context) []string {
	keys := c.chain.GetInputKeys()
	if len(keys) < 2 {
		return keys
	}
	mem := c.chain.GetMemory()
	if mem == nil {
		return keys
	}
	fromMemory := mem.MemoryVariables(ctx)
	out := keys[:0:0]
	for _, k := range keys {
		if !slices.Contains(fromMemory, k) {
			out = append(out, k)
		}
	}
	return out
}

// singleString returns the value of the one key in keys when it is a
// string, or "".
func singleString(values map[string]any, keys []string) string {
	if len(keys) != 1 {
		return ""
	}
	s, _ := values[keys[0]].(string)
	return s
}

// variables picks the template's variables out of the chain's inputs.
func variables(inputs map[string]any, names []string) map[string]any {
	if len(names) == 0 {
		return nil
	}
	out := make(map[string]any, len(names))
	for _, n := range names {
		if v, ok := inputs[n]; ok {
			out[n] = v
		}
	}
	return out
}

// GetMemory returns the wrapped chain's memory.
func (c *Chain) GetMemory() schema.Memory { return c.chain.GetMemory() } //nolint:ireturn

// GetInputKeys returns the wrapped chain's input keys.
func (c *Chain) GetInputKeys() []string { return c.chain.GetInputKeys() }

// GetOutputKeys returns the wrapped chain's output keys.
func (c *Chain) GetOutputKeys() []string { return c.chain.GetOutputKeys() }

// GetCallbackHandler returns the wrapped chain's callbacks handler, or nil,
// so that chains.Call still runs its callbacks.
func (c *Chain) GetCallbackHandler() callbacks.Handler { //nolint:ireturn
	if h, ok := c.chain.(callbacks.HandlerHaver); ok {
		return h.GetCallbackHandler()
	}
	return nil
}
