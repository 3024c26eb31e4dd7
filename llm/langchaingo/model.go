package langchaingo

import (
	"context"
	"sync/atomic"

	semconv "github.com/Arize-ai/openinference/go/openinference-semantic-conventions"
	"github.com/tmc/langchaingo/llms"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/sessiontrace/sessiontrace"
	"github.com/sessiontrace/sessiontrace/internal/oiattr"
	"github.com/sessiontrace/sessiontrace/internal/turn"
)

// firstTokenEvent is the span event OpenInference expects when the first
// content of a streamed answer arrives.
const firstTokenEvent = "First Token Stream Event"

// Model is an llms.Model that records an OpenInference LLM span around each
// call of the model it wraps. Make one with WrapModel; it is safe for
// concurrent use when the wrapped model is.
type Model struct {
	model            llms.Model
	cfg              *config
	system, provider string
}

var (
	_ llms.Model          = (*Model)(nil)
	_ llms.ReasoningModel = (*Model)(nil)
)

// WrapModel returns m wrapped so that each GenerateContent and Call records
// an LLM span named "GenerateContent": the messages, tools, invocation
// parameters, output messages, token counts, llm.provider (WithProvider, or
// detected from m's package) and llm.model_name (the call's llms.WithModel,
// else WithModelName), plus session.id, user.id and metadata from the
// context and from the call's llms.WithMetadata (see the package
// documentation). The call's options reach m unchanged.
//
// Wrapping a *Model again rewraps its model with the new options instead of
// nesting two LLM spans for one call. A nil m gives a Model whose calls
// return an error (and record it).
func WrapModel(m llms.Model, opts ...Option) *Model {
	if w, ok := m.(*Model); ok && w != nil {
		m = w.model
	}
	if m == nil {
		m = nilModel{}
	}
	w := &Model{model: m, cfg: newConfig(opts)}
	w.system, w.provider = detectProvider(m)
	if w.cfg.provider != "" {
		w.provider = w.cfg.provider
	}
	return w
}

// Call generates a reply to a single prompt through GenerateContent (so the
// call records one span), as langchaingo's own backends do.
func (m *Model) Call(ctx context.Context, prompt string, options ...llms.CallOption) (string, error) {
	return llms.GenerateFromSinglePrompt(ctx, m, prompt, options...)
}

// SupportsReasoning reports whether the wrapped model is an
// llms.ReasoningModel that supports reasoning.
func (m *Model) SupportsReasoning() bool {
	r, ok := m.model.(llms.ReasoningModel)
	return ok && r.SupportsReasoning()
}

// GenerateContent calls the wrapped model inside an LLM span and returns its
// response and error unchanged. Under sessiontrace.WithSuppression it only
// calls the model. A streamed call (llms.WithStreamingFunc) still delivers
// every chunk to the caller's function and adds a "First Token Stream Event"
// at the first non-empty chunk. After a successful call the turn bound to ctx
// gets the last user message as its input (first call of the turn only) and
// the reply text as its output, unless WithoutTurnCapture was given.
func (m *Model) GenerateContent(ctx context.Context, messages []llms.MessageContent, options ...llms.CallOption) (*llms.ContentResponse, error) {
	if sessiontrace.IsSuppressed(ctx) {
		return m.model.GenerateContent(ctx, messages, options...)
	}
	var co llms.CallOptions
	for _, o := range options {
		if o != nil {
			o(&co)
		}
	}
	streamed := co.StreamingFunc != nil || co.StreamingReasoningFunc != nil
	cfg := m.cfg.trace
	ctx = metadataContext(ctx, co.Metadata)

	msgs := inputMessages(messages, cfg)
	model := co.Model
	if model == "" {
		model = m.cfg.modelName
	}
	schemas := toolSchemas(&co)
	attrs := make([]attribute.KeyValue, 0, 12+6*len(msgs)+len(schemas))
	attrs = oiattr.SpanKind(attrs, semconv.SpanKindLLM)
	attrs = oiattr.Model(attrs, m.system, m.provider, model)
	attrs = oiattr.InvocationParameters(attrs, invocationJSON(&co, streamed), cfg)
	var body string
	if !cfg.HidesInputBody(oiattr.BodyMessages) { // skip encoding what is redacted
		body = oiattr.MessagesJSON(msgs, false, cfg)
	}
	attrs = oiattr.InputBody(attrs, body, oiattr.BodyMessages, cfg)
	attrs = oiattr.InputMessages(attrs, msgs, cfg)
	attrs = oiattr.Tools(attrs, schemas, cfg)
	ctx, span := m.cfg.start(ctx, "GenerateContent", attrs)
	defer endOnPanic(span)

	if streamed {
		// Appended last, so it wraps whatever streaming functions the
		// caller's options set; the caller's slice is not written to.
		options = append(options[:len(options):len(options)], firstToken(span))
	}
	resp, err := m.model.GenerateContent(ctx, messages, options...)
	if err != nil {
		end(span, err)
		return resp, err
	}
	var choices []*llms.ContentChoice
	if resp != nil {
		choices = resp.Choices
	}
	out := outputMessages(choices)
	u := usage(choices)
	respModel := responseModel(choices)
	attrs = make([]attribute.KeyValue, 0, 8+4*len(out))
	if respModel != "" {
		attrs = oiattr.Model(attrs, "", "", respModel)
	}
	body = ""
	if !cfg.HidesOutputBody(oiattr.BodyMessages) {
		body = oiattr.MessagesJSON(out, true, cfg)
	}
	attrs = oiattr.OutputBody(attrs, body, oiattr.BodyMessages, cfg)
	attrs = oiattr.OutputMessages(attrs, out, cfg)
	attrs = oiattr.TokenCounts(attrs, u)
	if len(choices) > 0 && choices[0] != nil {
		attrs = oiattr.FinishReason(attrs, choices[0].StopReason)
	}
	if cfg.EnableGenAISemconv {
		g := oiattr.GenAI{
			Operation:      oiattr.OperationChat,
			Provider:       m.provider,
			RequestModel:   model,
			ResponseModel:  respModel,
			FinishReasons:  finishReasons(choices),
			ConversationID: sessiontrace.SessionID(ctx),
			Usage:          u,
			MaxTokens:      co.MaxTokens,
		}
		if co.Temperature != 0 {
			g.Temperature = &co.Temperature
		}
		attrs = oiattr.GenAIAttributes(attrs, g, cfg)
	}
	span.SetAttributes(attrs...)
	end(span, nil)

	if !m.cfg.noTurn {
		if t := turn.FromContext(ctx); t != nil {
			t.Capture(oiattr.TurnInput(oiattr.LastUserText(msgs), cfg), oiattr.TurnOutput(replyText(choices), cfg))
		}
	}
	return resp, nil
}

// firstToken returns a call option that wraps the streaming functions so
// that the first non-empty chunk adds the first-token event to span.
func firstToken(span trace.Span) llms.CallOption {
	var seen atomic.Bool
	mark := func(chunk []byte) {
		if len(chunk) > 0 && !seen.Load() && seen.CompareAndSwap(false, true) {
			span.AddEvent(firstTokenEvent)
		}
	}
	return func(o *llms.CallOptions) {
		if f := o.StreamingFunc; f != nil {
			o.StreamingFunc = func(ctx context.Context, chunk []byte) error {
				mark(chunk)
				return f(ctx, chunk)
			}
		}
		if f := o.StreamingReasoningFunc; f != nil {
			o.StreamingReasoningFunc = func(ctx context.Context, reasoning, chunk []byte) error {
				mark(reasoning)
				mark(chunk)
				return f(ctx, reasoning, chunk)
			}
		}
	}
}
