package openaigo

import (
	"cmp"
	"encoding/json"
	"errors"

	semconv "github.com/Arize-ai/openinference/go/openinference-semantic-conventions"

	"github.com/sessiontrace/sessiontrace/internal/oiattr"
	"github.com/sessiontrace/sessiontrace/internal/openaiwire"
)

// responsesEndpoint is POST …/responses, the Responses API, plain and
// streamed. internal/openaiwire maps its bodies and events, as it does for
// sessiontrace's go-openai wrapper.
var responsesEndpoint = endpoint{
	span:      "Response",
	kind:      semconv.SpanKindLLM,
	request:   responsesRequest,
	response:  responsesResponse,
	newStream: func() streamAnswer { return &responsesStream{} },
}

// responsesRequest describes a Responses request (see
// openaiwire.ResponsesRequest); its conversation names the session, and
// its user, else its safety_identifier, the user. Whether it asks for a
// stream is read from the invocation parameters, the request without its
// input: the body is read once.
func responsesRequest(call *oiattr.Call, body []byte) request {
	var r request
	r.session, r.user = openaiwire.ResponsesRequest(call, body)
	var params struct {
		Stream bool `json:"stream"`
	}
	_ = json.Unmarshal([]byte(call.InvocationParameters), &params)
	r.stream = params.Stream
	return r
}

// responsesResponse adds the answer of a response object to call. A body
// that is not JSON is an error, as for openai-go; so is a response whose
// status is "failed", though openai-go returns it without one.
func responsesResponse(call *oiattr.Call, body []byte) error {
	if err := decodeBody(body, new(json.RawMessage)); err != nil {
		return err
	}
	return failureError(openaiwire.ResponsesResponse(call, body))
}

// failureError is the span's error for what a Responses body or event
// reports as failed: the API's message. nil for none.
func failureError(f *openaiwire.Failure) error {
	if f == nil {
		return nil
	}
	return errors.New(f.Message)
}

// responsesStream folds the events of a Responses stream with
// openaiwire.ResponsesStream. An "error" or response.failed event does not
// end the stream, for openai-go either: the span ends when the stream does,
// with status ERROR and the API's message.
type responsesStream struct {
	events openaiwire.ResponsesStream
}

// delta is what is read of every event: the rest only when the event
// carries more (openaiwire reads that from the data).
type delta struct {
	Type        string `json:"type"`
	OutputIndex int    `json:"output_index"`
	Delta       string `json:"delta"`
}

func (s *responsesStream) add(event string, data []byte) (bool, error) {
	var d delta
	if err := decodeBody(data, &d); err != nil {
		return false, err
	}
	return s.events.Add(cmp.Or(d.Type, event), d.OutputIndex, d.Delta, data), nil
}

func (s *responsesStream) complete() bool { return s.events.Done() }

func (s *responsesStream) describe(call *oiattr.Call) error {
	s.events.Answer(call)
	return failureError(s.events.Failure())
}
