package openai

import (
	"cmp"
	"context"
	"encoding/json"

	semconv "github.com/Arize-ai/openinference/go/openinference-semantic-conventions"
	"github.com/sashabaranov/go-openai"

	"github.com/sessiontrace/sessiontrace"
	"github.com/sessiontrace/sessiontrace/internal/oiattr"
	"github.com/sessiontrace/sessiontrace/internal/openaiwire"
)

// CreateResponse calls the wrapped client's CreateResponse (the Responses
// API) inside a span named Response (kind LLM) and returns its response and
// error unchanged. The span describes the call from the request and
// response bodies as the OpenInference Python instrumentor does (see the
// package documentation); a response whose status is "failed" gives the
// span status ERROR, though the call itself returns no error. The request's
// conversation, user and safety_identifier name the session and the user
// when the context does not. On success the turn bound in ctx, if any,
// gets the last user message and the answer (see WithoutTurnCapture).
// Under sessiontrace.WithSuppression the call passes straight through.
func (c *Client) CreateResponse(ctx context.Context, req openai.CreateResponseRequest) (openai.CreateResponseResponse, error) {
	if sessiontrace.IsSuppressed(ctx) {
		return c.Client.CreateResponse(ctx, req)
	}
	ctx = withResponseIDs(ctx, &req)
	ctx, span := c.start(ctx, spanResponse, c.llmStart)
	recording := span.IsRecording()
	if !recording && c.turnOf(ctx) == nil {
		// Sampled out, and no turn needs the answer.
		resp, err := c.Client.CreateResponse(ctx, req)
		span.End()
		return resp, err
	}
	sendCtx, x := c.record(ctx, false)
	resp, err := c.Client.CreateResponse(sendCtx, req)
	call := c.responseCall(ctx, &req, x, false)
	var failed error
	if err == nil {
		failed = c.responseAnswer(&call, x, &resp)
	}
	if recording {
		c.end(span, &call, cmp.Or(err, failed))
	} else {
		span.End()
	}
	if err == nil && failed == nil {
		c.captureTurn(ctx, call.InputMessages, call.OutputMessages)
	}
	return resp, err
}

// withResponseIDs is withRequestIDs with the session and user a Responses
// request names, read from go-openai's fields: Conversation is an any, a
// string or an object with an "id" (go-openai's ResponseConversation, a
// map, ...), read as the JSON go-openai sends.
func withResponseIDs(ctx context.Context, req *openai.CreateResponseRequest) context.Context {
	var session string
	switch conv := req.Conversation.(type) {
	case nil:
	case string:
		session = openaiwire.ID(conv)
	default:
		if b, err := json.Marshal(conv); err == nil {
			session = openaiwire.ConversationID(b)
		}
	}
	return withRequestIDs(ctx, session, openaiwire.UserID(req.User, req.SafetyIdentifier))
}

// responseCall describes the request side of a Responses call, streamed or
// not. input.value is the body the recorder saw or, when it saw none (a
// client given to Wrap, a call go-openai refused before sending),
// encoding/json of req as go-openai sends it. The messages and tools come
// from go-openai's types when the input has a shape typedInput knows, and
// everything else from the body openaiwire reads: then the body without its
// input, instructions and tools, a few hundred bytes, instead of the whole.
func (c *Client) responseCall(ctx context.Context, req *openai.CreateResponseRequest, x *exchange, stream bool) oiattr.Call {
	call := c.newCall(semconv.SpanKindLLM)
	sent := *req
	sent.Stream = sent.Stream || stream // go-openai sets it for a stream
	if x != nil && x.sent {
		call.Input = x.request
	} else {
		call.Input = encodeJSON(sent)
	}
	if msgs, ok := typedInput(req); ok {
		// The rest of the request is encoded without go-openai's MarshalJSON,
		// which merges ExtraBody (typedInput refuses a request that has one)
		// and costs encoding/json a second pass over its result.
		type plain openai.CreateResponseRequest
		rest := plain(sent)
		rest.Input, rest.Instructions, rest.Tools = nil, "", nil
		openaiwire.ResponsesRequest(&call, []byte(encodeJSON(&rest)))
		call.InputMessages, call.Tools = msgs, toolSchemas(req.Tools)
	} else {
		openaiwire.ResponsesRequest(&call, []byte(call.Input))
	}
	call.Session = sessiontrace.SessionID(ctx)
	return call
}

// responseAnswer adds the answer of a plain Responses call to call: the
// body the recorder saw or encoding/json of resp as output.value, the rest
// from resp as go-openai decoded it. It returns the failure a response with
// status "failed" reports, as an error.
func (c *Client) responseAnswer(call *oiattr.Call, x *exchange, resp *openai.CreateResponseResponse) error {
	if x != nil && x.received {
		call.Output = x.response
	} else {
		call.Output = encodeJSON(resp)
	}
	return failureError(typedAnswer(call, resp))
}

// failureError is the error a span records for a Responses call that
// failed in the body rather than in its status line (a response with
// status "failed", an error event of a stream): an *openai.APIError, the
// type go-openai reports the API's errors with, holding the code and
// message the API gave. nil for none.
func failureError(f *openaiwire.Failure) error {
	if f == nil {
		return nil
	}
	e := &openai.APIError{Message: f.Message}
	if f.Code != "" {
		e.Code = f.Code
	}
	return e
}
