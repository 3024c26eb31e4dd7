package openaigo

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"

	semconv "github.com/Arize-ai/openinference/go/openinference-semantic-conventions"
	"github.com/openai/openai-go/v3/option"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/sessiontrace/sessiontrace"
	"github.com/sessiontrace/sessiontrace/internal/oiattr"
	"github.com/sessiontrace/sessiontrace/internal/turn"
)

// Event names on stream spans, the same as llm/openai's.
const (
	// eventFirstToken marks the first event that carries content (or a
	// tool call, a refusal), as the OpenInference instrumentors do.
	eventFirstToken = "First Token Stream Event"
	// eventClosedEarly marks a stream the caller closed before it ended.
	eventClosedEarly = "Stream Closed Early"
)

// Middleware returns an openai-go middleware that makes an OpenInference
// span of every model call a client sends through it:
//
//	client := openai.NewClient(option.WithMiddleware(openaigo.Middleware()))
//
// It traces POST requests whose path ends in /chat/completions,
// /responses, /completions or /embeddings (the OpenAI layout, /v1/…, and
// the Azure one, /openai/deployments/{name}/…); every other request passes
// through untouched and untraced, and so does every request under
// sessiontrace.WithSuppression. What the SDK sends and receives is never
// changed: the middleware reads the request body and hands it on as it
// was, reads the response body of a call that is not streamed and hands
// the SDK the same bytes, and lets a stream through byte for byte as the
// SDK reads it. The SDK's results and errors reach the caller unchanged.
//
// Requests to an Azure OpenAI host (a host name ending in
// .openai.azure.com, .cognitiveservices.azure.com or
// .services.ai.azure.com) get llm.provider "azure" unless WithProvider
// says otherwise.
//
// One Middleware may serve any number of clients at once.
func Middleware(opts ...Option) option.Middleware {
	m := &middleware{cfg: newConfig(opts)}
	return m.serve
}

// middleware is what Middleware returns the serve method of.
type middleware struct {
	cfg config
}

// endpoint is one traced API path: its span and how to read its bodies.
type endpoint struct {
	span string // the span name, the same as llm/openai's
	kind string // the OpenInference span kind
	// request describes the request body in call and says what else it
	// asks for.
	request func(call *oiattr.Call, body []byte) request
	// response adds the answer of a successful response body to call. An
	// error is the span's: a body openai-go cannot decode either, or a
	// failure the body reports.
	response func(call *oiattr.Call, body []byte) error
	// newStream returns what folds the events of a streamed answer, or is
	// nil for an endpoint that does not stream.
	newStream func() streamAnswer
}

// request is what a request body says besides what the span records of
// it.
type request struct {
	stream bool // "stream": true
	// session and user are the IDs the body names (a Responses request's
	// conversation, user or safety_identifier, a chat request's user), as
	// openaiwire reads them: "" for none, or for one the middleware's rule
	// refuses.
	session, user string
}

// route returns the endpoint req is a call of, or nil.
func route(req *http.Request) *endpoint {
	if req.Method != http.MethodPost || req.URL == nil {
		return nil
	}
	path := strings.TrimSuffix(req.URL.Path, "/")
	switch {
	case strings.HasSuffix(path, "/chat/completions"):
		return &chatEndpoint
	case strings.HasSuffix(path, "/completions"):
		return &completionEndpoint
	case strings.HasSuffix(path, "/embeddings"):
		return &embeddingsEndpoint
	case strings.HasSuffix(path, "/responses"):
		return &responsesEndpoint
	}
	return nil
}

// azureHosts are the ends of the host names of Azure's OpenAI endpoints:
// Azure OpenAI resources, Cognitive Services multi-service resources and
// Azure AI Foundry.
var azureHosts = []string{".openai.azure.com", ".cognitiveservices.azure.com", ".services.ai.azure.com"}

// provider returns llm.provider of a request to u.
func (m *middleware) provider(u *url.URL) string {
	if !m.cfg.ProviderSet {
		host := u.Hostname()
		for _, suffix := range azureHosts {
			if len(host) > len(suffix) && strings.EqualFold(host[len(host)-len(suffix):], suffix) {
				return semconv.LLMProviderAzure
			}
		}
	}
	return m.cfg.Provider
}

// serve is the middleware: it runs once for every try of a request, so
// that each try the SDK makes gets a span of its own.
func (m *middleware) serve(req *http.Request, next option.MiddlewareNext) (*http.Response, error) {
	ep := route(req)
	if ep == nil || sessiontrace.IsSuppressed(req.Context()) {
		return next(req)
	}
	x, req := m.begin(req, ep)
	resp, err := next(req)
	return x.finish(resp, err)
}

// exchange is one traced try: its span, and what is known of the call.
type exchange struct {
	m    *middleware
	ep   *endpoint
	ctx  context.Context
	span trace.Span
	turn *turn.State // nil when no turn is to be filled
	call oiattr.Call
	// passive: the span is sampled out and no turn wants the answer, so
	// nothing is read.
	passive bool
	stream  bool
}

// begin starts the span of a try and describes its request. It returns the
// request to send: req in the span's context, so that the HTTP client's
// own spans nest under the LLM span.
func (m *middleware) begin(req *http.Request, ep *endpoint) (*exchange, *http.Request) {
	x := &exchange{m: m, ep: ep}
	x.call = oiattr.Call{Kind: ep.kind, System: semconv.LLMSystemOpenAI, Provider: m.provider(req.URL)}
	opts := []trace.SpanStartOption{trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(x.call.StartAttributes()...)}
	if ca := sessiontrace.ContextAttributes(req.Context()); len(ca) > 0 {
		opts = append(opts, trace.WithAttributes(ca...))
	}
	x.ctx, x.span = m.cfg.TracerFor(req.Context()).Start(req.Context(), ep.span, opts...)
	if !m.cfg.NoTurn {
		x.turn = turn.FromContext(x.ctx)
	}
	if !x.span.IsRecording() && x.turn == nil {
		x.passive = true
		return x, req.WithContext(x.ctx)
	}
	body, sent := requestBody(req)
	x.call.Input = string(body)
	r := ep.request(&x.call, body)
	x.stream = r.stream
	x.ctx = requestIDs(x.ctx, x.span, r.session, r.user)
	x.call.Session = sessiontrace.SessionID(x.ctx)
	req = req.WithContext(x.ctx)
	req.Body = sent
	return x, req
}

// requestIDs returns ctx carrying the session and user a request names, for
// those ctx does not carry (the context always wins), and sets them on
// span, which started without them: the spans under it (the HTTP client's)
// get them through sessiontrace's span processor, as if the caller had set
// them with sessiontrace.WithSession and WithUser.
func requestIDs(ctx context.Context, span trace.Span, session, user string) context.Context {
	if session != "" && sessiontrace.SessionID(ctx) == "" {
		ctx = sessiontrace.WithSession(ctx, session)
		span.SetAttributes(attribute.String(semconv.SessionID, session))
	}
	if user != "" && sessiontrace.UserID(ctx) == "" {
		ctx = sessiontrace.WithUser(ctx, user)
		span.SetAttributes(attribute.String(semconv.UserID, user))
	}
	return ctx
}

// errNoResponse is recorded for a transport that returned neither a
// response nor an error.
var errNoResponse = errors.New("openaigo: no response and no error from the transport")

// finish records the outcome of a try and returns it unchanged, except for
// the body of a response, which it may have read and replaced with a
// reader of the same bytes (and the same read error at their end).
func (x *exchange) finish(resp *http.Response, err error) (*http.Response, error) {
	switch {
	case x.passive:
		x.span.End()
	case err != nil:
		x.end(err, false)
	case resp == nil:
		x.end(errNoResponse, false)
	case resp.StatusCode >= http.StatusBadRequest:
		// openai-go turns the body into its error; the span keeps it as
		// the error's text, with the status code.
		body, readErr := responseBody(resp)
		x.call.StatusCode = resp.StatusCode
		x.end(statusError{resp.StatusCode, body, readErr}, false)
	case x.stream && x.ep.newStream != nil:
		if resp.Body == nil {
			x.end(nil, false) // openai-go reads no events from it either
			break
		}
		resp.Body = &streamBody{body: resp.Body, x: x, answer: x.ep.newStream()}
	default:
		body, readErr := responseBody(resp)
		if readErr != nil {
			x.end(readErr, false)
			break
		}
		x.call.Output = string(body)
		x.end(x.ep.response(&x.call, body), false)
	}
	return resp, err
}

// end sets the attributes of the call on the span and ends it: status OK
// when err is nil, else status ERROR with an exception event. A stream the
// caller closed before its end gets the "Stream Closed Early" event. A
// successful call that was not cut short fills the turn.
func (x *exchange) end(err error, early bool) {
	if x.span.IsRecording() {
		if early {
			x.span.AddEvent(eventClosedEarly)
		}
		x.span.SetAttributes(x.call.Attributes(x.m.cfg.Trace)...)
		if err != nil {
			oiattr.RecordError(x.span, err)
		} else {
			x.span.SetStatus(codes.Ok, "")
		}
	}
	x.span.End()
	if err == nil && !early && x.turn != nil {
		var answer string
		if out := x.call.OutputMessages; len(out) > 0 {
			answer = out[0].Text()
		}
		tc := x.m.cfg.Trace
		x.turn.Capture(oiattr.TurnInput(oiattr.LastUserText(x.call.InputMessages), tc), oiattr.TurnOutput(answer, tc))
	}
}

// statusError is the span's error for a response with a failed status: the
// body the server sent is its text.
type statusError struct {
	code    int
	body    []byte
	readErr error // the body could not be read to its end
}

func (e statusError) Error() string {
	if s := strings.TrimSpace(string(e.body)); s != "" {
		return s
	}
	if e.readErr != nil {
		return http.StatusText(e.code) + ": " + e.readErr.Error()
	}
	return http.StatusText(e.code)
}

// requestBody reads the body of req, and returns it and the body to send in
// its place: a reader of the same bytes, and of the same read error at
// their end. It reads req.Body rather than what req.GetBody returns:
// openai-go's GetBody for a *bytes.Reader body rewinds and returns that
// very reader, which reading through it would leave empty for the
// transport.
func requestBody(req *http.Request) ([]byte, io.ReadCloser) {
	if req.Body == nil || req.Body == http.NoBody {
		return nil, req.Body
	}
	b, err := readAll(req.Body, req.ContentLength)
	_ = req.Body.Close()
	return b, bodyOf(b, err)
}

// responseBody reads the whole body of resp and gives resp a reader of the
// same bytes, and of the same read error at their end: openai-go reads it
// all too.
func responseBody(resp *http.Response) ([]byte, error) {
	if resp.Body == nil {
		return nil, nil
	}
	b, err := readAll(resp.Body, resp.ContentLength)
	_ = resp.Body.Close()
	resp.Body = bodyOf(b, err)
	return b, err
}

// readAll is io.ReadAll with room for the length the message announces
// (-1 when unknown), so that a body is read into one buffer.
func readAll(r io.Reader, length int64) ([]byte, error) {
	if length < 0 || length > 64<<20 {
		length = 0 // unknown, or not worth trusting: let the buffer grow
	}
	buf := bytes.NewBuffer(make([]byte, 0, length+bytes.MinRead))
	_, err := buf.ReadFrom(r)
	return buf.Bytes(), err
}

// bodyOf returns a body that reads b, then fails with err when it is not
// nil. A plain bytes.Reader when it is nil: a MultiReader's WriteTo, which
// the transport uses to send a request body, takes a 32 KiB buffer each
// time.
func bodyOf(b []byte, err error) io.ReadCloser {
	if err == nil {
		return io.NopCloser(bytes.NewReader(b))
	}
	return io.NopCloser(io.MultiReader(bytes.NewReader(b), errReader{err}))
}

// errReader returns err, or io.EOF for nil: what is left of a body after
// its bytes, so that a reader that failed keeps failing the same way.
type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) {
	if r.err == nil {
		return 0, io.EOF
	}
	return 0, r.err
}
