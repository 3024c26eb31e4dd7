package langchaingo

import (
	"context"
	"sync/atomic"

	semconv "github.com/Arize-ai/openinference/go/openinference-semantic-conventions"
	"github.com/tmc/langchaingo/llms"
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
	if w.cfg.Provider != "" {
		w.provider = w.cfg.Provider
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
	cfg := m.cfg.Trace
	ctx = metadataContext(ctx, co.Metadata)
	model := co.Model
	if model == "" {
		model = m.cfg.modelName
	}
	msgs := inputMessages(messages, cfg)
	call := oiattr.Call{
		Kind:                 semconv.SpanKindLLM,
		System:               m.system,
		Provider:             m.provider,
		RequestModel:         model,
		Input:                oiattr.MessagesJSON(msgs),
		InputBody:            oiattr.BodyMessages,
		OutputBody:           oiattr.BodyMessages,
		InvocationParameters: invocationJSON(&co, streamed),
		InputMessages:        msgs,
		Tools:                toolSchemas(&co),
		Operation:            oiattr.OperationChat,
		Session:              sessiontrace.SessionID(ctx),
		MaxTokens:            co.MaxTokens,
	}
	if co.Temperature != 0 {
		call.Temperature = &co.Temperature
	}
	ctx, span := m.cfg.start(ctx, "GenerateContent", call.StartAttributes())
	defer func() {
		if r := recover(); r != nil {
			span.SetAttributes(call.Attributes(cfg)...) // the request, at least
			endPanicked(span, r)
		}
	}()

	if streamed {
		// Appended last, so it wraps whatever streaming functions the
		// caller's options set; the caller's slice is not written to.
		options = append(options[:len(options):len(options)], firstToken(span))
	}
	resp, err := m.model.GenerateContent(ctx, messages, options...)
	if err != nil {
		span.SetAttributes(call.Attributes(cfg)...)
		end(span, err)
		return resp, err
	}
	var choices []*llms.ContentChoice
	if resp != nil {
		choices = resp.Choices
	}
	out := outputMessages(choices)
	call.OutputMessages = out
	call.Output = oiattr.MessagesJSON(out)
	call.Usage = usage(choices)
	call.ResponseModel = responseModel(choices)
	call.FinishReasons = finishReasons(choices)
	span.SetAttributes(call.Attributes(cfg)...)
	end(span, nil)

	if !m.cfg.NoTurn {
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
