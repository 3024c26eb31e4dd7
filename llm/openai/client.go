package openai

import (
	"context"
	"encoding/json"
	"errors"

	semconv "github.com/Arize-ai/openinference/go/openinference-semantic-conventions"
	"github.com/sashabaranov/go-openai"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/sessiontrace/sessiontrace"
	"github.com/sessiontrace/sessiontrace/internal/oiattr"
	"github.com/sessiontrace/sessiontrace/internal/turn"
)

// Span names, the same as the OpenInference Python instrumentor's.
const (
	spanChat       = "ChatCompletion"
	spanCompletion = "Completion"
	spanEmbeddings = "CreateEmbeddings"
	spanResponse   = "Response"
)

// Client is a go-openai client whose chat, Responses, completion and
// embedding calls make OpenInference spans. Every other method of the
// embedded *openai.Client passes straight through, untraced.
//
// A Client is safe for concurrent use, as the client it wraps is.
type Client struct {
	*openai.Client

	cfg config
	// wire is set when the client sends through a wireRecorder (NewClient,
	// NewClientWithConfig): the spans record the bodies as they were sent.
	wire bool
	// llmStart and embStart are the attributes every LLM or EMBEDDING span
	// starts with, built once.
	llmStart, embStart []attribute.KeyValue
}

// Wrap returns a Client that traces the calls of c. Wrap cannot see how c
// was configured: llm.provider is "openai" unless WithProvider says
// otherwise, and input.value and output.value are encoding/json of
// go-openai's request and response, not the bodies that went over the wire
// (NewClientWithConfig records those, and detects Azure). A nil c is
// replaced by a client with openai.DefaultConfig(""), which has no API key:
// its calls fail (and are traced as failures) instead of panicking.
func Wrap(c *openai.Client, opts ...Option) *Client {
	if c == nil {
		c = openai.NewClientWithConfig(openai.DefaultConfig(""))
	}
	return newClient(c, newConfig(opts))
}

// NewClient is NewClientWithConfig(openai.DefaultConfig(authToken), opts...):
// a client of the OpenAI API whose spans record the request and response
// bodies as they went over the wire. An empty authToken gives a client
// whose calls fail, as go-openai's would.
func NewClient(authToken string, opts ...Option) *Client {
	return NewClientWithConfig(openai.DefaultConfig(authToken), opts...)
}

// NewClientWithConfig makes a go-openai client from cfg and wraps it. The
// client sends through cfg.HTTPClient as go-openai would (a nil one means a
// plain http.Client), but through a recorder in front of it, so that
// input.value and output.value are the request and response bodies byte
// for byte, fields go-openai's types do not know included. Requests of
// methods that are not traced pass the recorder untouched.
//
// An Azure configuration (APIType openai.APITypeAzure, APITypeAzureAD or
// APITypeCloudflareAzure) sets llm.provider to "azure" and
// openai.APITypeAnthropic sets "anthropic", unless WithProvider is given.
func NewClientWithConfig(cfg openai.ClientConfig, opts ...Option) *Client {
	c := newConfig(opts)
	if !c.ProviderSet {
		switch cfg.APIType {
		case openai.APITypeAzure, openai.APITypeAzureAD, openai.APITypeCloudflareAzure:
			c.Provider = semconv.LLMProviderAzure
		case openai.APITypeAnthropic:
			c.Provider = semconv.LLMProviderAnthropic
		}
	}
	cfg.HTTPClient = newWireRecorder(cfg.HTTPClient)
	client := newClient(openai.NewClientWithConfig(cfg), c)
	client.wire = true
	return client
}

func newClient(oc *openai.Client, cfg config) *Client {
	c := &Client{Client: oc, cfg: cfg}
	llm, emb := c.newCall(semconv.SpanKindLLM), c.newCall(semconv.SpanKindEmbedding)
	c.llmStart, c.embStart = llm.StartAttributes(), emb.StartAttributes()
	return c
}

// newCall returns the description of a call of the given span kind, with
// what every call of c shares.
func (c *Client) newCall(kind string) oiattr.Call {
	return oiattr.Call{Kind: kind, System: semconv.LLMSystemOpenAI, Provider: c.cfg.Provider}
}

// start starts a client span carrying the start attributes and those of the
// context.
func (c *Client) start(ctx context.Context, name string, static []attribute.KeyValue) (context.Context, trace.Span) {
	opts := []trace.SpanStartOption{trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(static...)}
	if ca := sessiontrace.ContextAttributes(ctx); len(ca) > 0 {
		opts = append(opts, trace.WithAttributes(ca...))
	}
	return c.cfg.TracerFor(ctx).Start(ctx, name, opts...)
}

// end sets the attributes of call on span and ends it: status OK when err
// is nil, else status ERROR with an exception event for err and the HTTP
// status code when the error carries one.
func (c *Client) end(span trace.Span, call *oiattr.Call, err error) {
	call.StatusCode = httpStatusCode(err)
	span.SetAttributes(call.Attributes(c.cfg.Trace)...)
	if err != nil {
		oiattr.RecordError(span, err)
	} else {
		span.SetStatus(codes.Ok, "")
	}
	span.End()
}

// httpStatusCode returns the HTTP status of a go-openai error, or 0. Errors
// in the middle of a stream wrap an *openai.APIError whose code is 0: the
// status line had already said 200.
func httpStatusCode(err error) int {
	var apiErr *openai.APIError
	if errors.As(err, &apiErr) {
		return apiErr.HTTPStatusCode
	}
	var reqErr *openai.RequestError
	if errors.As(err, &reqErr) {
		return reqErr.HTTPStatusCode
	}
	return 0
}

// requestBody returns input.value of a call: the body the wire recorder
// saw, or, when it saw none (a client given to Wrap, or a call go-openai
// refused before sending), encode() — encoding/json of the request as
// go-openai sends it. Nothing is encoded for a body that is redacted anyway.
func (c *Client) requestBody(x *exchange, b oiattr.Body, encode func() string) string {
	if x != nil && x.sent {
		return x.request
	}
	if c.cfg.Trace.HidesInputBody(b) {
		return ""
	}
	return encode()
}

// responseBody is requestBody for output.value and the response v.
func (c *Client) responseBody(x *exchange, b oiattr.Body, v any) string {
	if x != nil && x.received {
		return x.response
	}
	if c.cfg.Trace.HidesOutputBody(b) {
		return ""
	}
	return encodeJSON(v)
}

// encodeJSON is json.Marshal as go-openai encodes its requests, or "" for
// a value it cannot encode (go-openai then fails the call too).
func encodeJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(b)
}

// withRequestIDs returns ctx carrying the session and user a request names
// (already checked with openaiwire.ID; "" for none), for those ctx does not
// carry: the context always wins. Called before the span starts, so that
// the span carries them and, through sessiontrace's span processor, so do
// the spans under it (the HTTP client span of the call), as if the caller
// had set them with sessiontrace.WithSession and WithUser.
func withRequestIDs(ctx context.Context, session, user string) context.Context {
	if session != "" && sessiontrace.SessionID(ctx) == "" {
		ctx = sessiontrace.WithSession(ctx, session)
	}
	if user != "" && sessiontrace.UserID(ctx) == "" {
		ctx = sessiontrace.WithUser(ctx, user)
	}
	return ctx
}

// captureTurn gives the turn bound in ctx the text of the last user message
// of in and of the first answer of out, from a successful chat call.
func (c *Client) captureTurn(ctx context.Context, in, out []oiattr.Message) {
	t := c.turnOf(ctx)
	if t == nil {
		return
	}
	var answer string
	if len(out) > 0 {
		answer = out[0].Text()
	}
	t.Capture(oiattr.TurnInput(oiattr.LastUserText(in), c.cfg.Trace), oiattr.TurnOutput(answer, c.cfg.Trace))
}

// turnOf returns the turn that calls made in ctx report to, or nil.
func (c *Client) turnOf(ctx context.Context) *turn.State {
	if c.cfg.NoTurn {
		return nil
	}
	return turn.FromContext(ctx)
}
