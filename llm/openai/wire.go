package openai

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"

	"github.com/sashabaranov/go-openai"
)

// The bodies of a call as they went over the wire. go-openai's only way into
// its transport is ClientConfig.HTTPClient, so NewClientWithConfig puts a
// wireRecorder there, in front of the caller's own HTTPDoer. A traced call
// passes a new exchange down in the context it gives go-openai; the
// recorder fills it as the request goes out and the response comes back.
// A request whose context carries no exchange (every method that is not
// traced) goes through untouched.

// exchangeKey is the context key of the exchange a traced call records.
type exchangeKey struct{}

// exchange is what the wireRecorder saw of one traced call.
type exchange struct {
	stream   bool // a streamed call: its response is left to go-openai
	request  string
	sent     bool // request holds the body that was sent
	response string
	received bool // response holds the body of a successful response
}

// record returns ctx carrying a new exchange for the recorder of c's
// client, or ctx and nil when c was made by Wrap and has no recorder.
func (c *Client) record(ctx context.Context, stream bool) (context.Context, *exchange) {
	if !c.wire {
		return ctx, nil
	}
	x := &exchange{stream: stream}
	return context.WithValue(ctx, exchangeKey{}, x), x
}

// wireRecorder is the HTTPDoer of a Client made by NewClientWithConfig. It
// sends every request with next and, for a traced call, records the request
// body and, unless the call is streamed or its status is a failure, the
// response body. What go-openai reads is exactly what the server sent.
type wireRecorder struct {
	next openai.HTTPDoer
}

func newWireRecorder(next openai.HTTPDoer) *wireRecorder {
	if next == nil {
		next = http.DefaultClient // what openai.DefaultConfig gives: a plain http.Client
	}
	return &wireRecorder{next: next}
}

// Do sends req with the doer it wraps.
func (w *wireRecorder) Do(req *http.Request) (*http.Response, error) {
	x, _ := req.Context().Value(exchangeKey{}).(*exchange)
	if x == nil || req.Body == nil {
		return w.next.Do(req)
	}
	x.request, x.sent = requestBody(req)
	resp, err := w.next.Do(req)
	// go-openai reads the body of a failed status into its error, which the
	// span records; streams are read as the caller reads them.
	if err != nil || x.stream || resp.StatusCode < http.StatusOK || resp.StatusCode >= http.StatusBadRequest {
		return resp, err
	}
	b, err := io.ReadAll(resp.Body) // go-openai reads it all too
	resp.Body.Close()
	resp.Body = io.NopCloser(io.MultiReader(bytes.NewReader(b), errReader{err}))
	if err == nil {
		x.response, x.received = string(b), true
	}
	return resp, nil
}

// requestBody returns the body of req, leaving req able to send it. go-openai
// builds its requests from bytes, so GetBody gives a second reader over
// them; a request without GetBody is read and given the bytes back.
func requestBody(req *http.Request) (string, bool) {
	var b strings.Builder
	if req.GetBody != nil {
		body, err := req.GetBody()
		if err != nil {
			return "", false
		}
		defer body.Close()
		_, err = io.Copy(&b, body)
		return b.String(), err == nil
	}
	_, err := io.Copy(&b, req.Body)
	req.Body.Close()
	req.Body = io.NopCloser(io.MultiReader(strings.NewReader(b.String()), errReader{err}))
	return b.String(), err == nil
}

// errReader returns err, or io.EOF for nil: what is left of a body after its
// bytes, so that a reader that failed keeps failing the same way.
type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) {
	if r.err == nil {
		return 0, io.EOF
	}
	return 0, r.err
}
