package openaigo_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"go.opentelemetry.io/otel/codes"

	"github.com/sessiontrace/sessiontrace/internal/spantest"
	"github.com/sessiontrace/sessiontrace/llm/openai/openaitest"
	"github.com/sessiontrace/sessiontrace/llm/openaigo"
)

// TestFailedStatus answers with a failed status, without retries: the
// caller gets openai-go's error, the span says ERROR with the status code
// and the body the server sent.
func TestFailedStatus(t *testing.T) {
	for _, c := range []struct {
		name        string
		status      int
		contentType string
		body        string
		stream      bool
	}{
		{"bad request", http.StatusBadRequest, "application/json",
			`{"error":{"message":"Unknown parameter: 'foo'.","type":"invalid_request_error","param":"foo","code":"unknown_parameter"}}`, false},
		{"server error", http.StatusInternalServerError, "application/json",
			`{"error":{"message":"The server had an error.","type":"server_error"}}`, false},
		{"bad gateway, HTML", http.StatusBadGateway, "text/html", "<html><body>502 Bad Gateway</body></html>\n", false},
		{"no body", http.StatusServiceUnavailable, "text/plain", "", false},
		{"stream refused", http.StatusTooManyRequests, "application/json",
			`{"error":{"message":"Rate limit reached.","type":"requests","code":"rate_limit_exceeded"}}`, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t)
			client := h.rawServer(t, replyWith(c.status, c.contentType, c.body, nil))
			var err error
			if c.stream {
				_, err = readStream(client.Chat.Completions.NewStreaming(context.Background(), chat("hi"), option.WithMaxRetries(0)))
			} else {
				_, err = client.Chat.Completions.New(context.Background(), chat("hi"), option.WithMaxRetries(0))
			}
			var apiErr *openai.Error
			if !errors.As(err, &apiErr) || apiErr.StatusCode != c.status {
				t.Fatalf("the caller's error: %v", err)
			}
			s := h.only(t)
			want := strings.TrimSpace(c.body)
			if want == "" {
				want = http.StatusText(c.status)
			}
			if s.Status().Code != codes.Error || s.Status().Description != want {
				t.Errorf("status %v, want ERROR %q", s.Status(), want)
			}
			if spantest.Events(s, "exception") != 1 {
				t.Errorf("events %v", eventNames(s.Events()))
			}
			spantest.Want(t, s, map[string]any{
				"http.response.status_code":             c.status,
				"input.value":                           spantest.String(s, "input.value"),
				"llm.input_messages.0.message.content":  "hi",
				"output.value":                          nil,
				"llm.output_messages.0.message.content": nil,
			})
		})
	}
}

// TestRetriesOneSpanPerTry lets openai-go retry two rate-limited tries:
// three sibling spans under the caller's, the first two failed with 429.
func TestRetriesOneSpanPerTry(t *testing.T) {
	for _, stream := range []bool{false, true} {
		t.Run(map[bool]string{false: "plain", true: "stream"}[stream], func(t *testing.T) {
			h := newHarness(t)
			h.srv.Enqueue(openaitest.Reply{Fault: openaitest.FaultRateLimit}, openaitest.Reply{Fault: openaitest.FaultRateLimit},
				openaitest.Reply{Content: "At last."})
			ctx, parent := h.tp.Tracer("app").Start(context.Background(), "caller")
			var content string
			var err error
			if stream {
				content, err = readStream(h.client.Chat.Completions.NewStreaming(ctx, chat("hi")))
			} else {
				var resp *openai.ChatCompletion
				if resp, err = h.client.Chat.Completions.New(ctx, chat("hi")); err == nil {
					content = resp.Choices[0].Message.Content
				}
			}
			parent.End()
			if err != nil || content != "At last." {
				t.Fatalf("the caller got %q, %v", content, err)
			}
			var tries []spanInfo
			for _, s := range h.rec.Ended() {
				if s.Name() == "ChatCompletion" {
					if s.Parent().SpanID() != parent.SpanContext().SpanID() {
						t.Errorf("a try's parent is %v, not the caller's span", s.Parent().SpanID())
					}
					tries = append(tries, spanInfo{s.Status().Code, spantest.Attrs(s)["http.response.status_code"].AsInt64()})
				}
			}
			want := []spanInfo{{codes.Error, 429}, {codes.Error, 429}, {codes.Ok, 0}}
			if len(tries) != 3 || tries[0] != want[0] || tries[1] != want[1] || tries[2] != want[2] {
				t.Errorf("tries %v, want %v", tries, want)
			}
		})
	}
}

type spanInfo struct {
	status codes.Code
	code   int64
}

func TestTransportError(t *testing.T) {
	h := newHarness(t)
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close() // nothing listens there any more
	client := h.newClient(srv.URL, http.DefaultClient)
	_, err := client.Chat.Completions.New(context.Background(), chat("hi"), option.WithMaxRetries(0))
	if err == nil {
		t.Fatal("no error")
	}
	s := h.only(t)
	if s.Status().Code != codes.Error || !strings.Contains(err.Error(), s.Status().Description) {
		t.Errorf("status %v; the caller's error %v", s.Status(), err)
	}
}

// TestOddResponses answers 200 with bodies that are not what the endpoint
// returns.
func TestOddResponses(t *testing.T) {
	for _, c := range []struct {
		name, contentType, body string
		callerErr               bool
		status                  codes.Code
	}{
		{"no choices", "application/json", `{"id":"c-1","object":"chat.completion","choices":[]}`, false, codes.Ok},
		{"null choices and usage", "application/json", `{"id":"c-1","choices":null,"usage":null}`, false, codes.Ok},
		{"not JSON", "application/json", `{"id": "c-1", choices`, true, codes.Error},
		{"HTML", "text/html", "<html>maintenance</html>", true, codes.Error},
		{"empty", "application/json", "", true, codes.Error},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t)
			client := h.rawServer(t, replyWith(http.StatusOK, c.contentType, c.body, nil))
			_, err := client.Chat.Completions.New(context.Background(), chat("hi"))
			if (err != nil) != c.callerErr {
				t.Errorf("the caller's error: %v", err)
			}
			s := h.only(t)
			if s.Status().Code != c.status {
				t.Errorf("status %v, want %v", s.Status(), c.status)
			}
			spantest.Want(t, s, map[string]any{
				"llm.output_messages.0.message.role": nil,
				"llm.token_count.total":              nil,
			})
			if c.body != "" && spantest.String(s, "output.value") != c.body {
				t.Errorf("output.value = %q", spantest.String(s, "output.value"))
			}
		})
	}
}

// TestRequestBodies sends bodies openai-go sends as they are: one that is
// not JSON, one the SDK cannot rewind (no GetBody: it does not retry), one
// whose GetBody hands back the same reader. The server gets every byte.
func TestRequestBodies(t *testing.T) {
	const body = `{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]}`
	for _, c := range []struct {
		name   string
		body   any
		sent   string
		params string
	}{
		{"not JSON", []byte("not json at all"), "not json at all", ""},
		{"a reader the SDK cannot rewind", struct{ io.Reader }{strings.NewReader(body)}, body, `{"model":"gpt-4o-mini"}`},
		{"a bytes.Reader", bytes.NewReader([]byte(body)), body, `{"model":"gpt-4o-mini"}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t)
			var got []byte
			client := h.rawServer(t, replyWith(http.StatusOK, "application/json", `{"id":"c-1","choices":[]}`, &got))
			if _, err := client.Chat.Completions.New(context.Background(), openai.ChatCompletionNewParams{},
				option.WithRequestBody("application/json", c.body)); err != nil {
				t.Fatal(err)
			}
			if string(got) != c.sent {
				t.Errorf("the server got %q, want %q", got, c.sent)
			}
			s := h.only(t)
			spantest.Want(t, s, map[string]any{"input.value": c.sent})
			if p := spantest.String(s, "llm.invocation_parameters"); c.params != "" && !spantest.SameJSON(t, p, c.params) || c.params == "" && p != "" {
				t.Errorf("invocation parameters %q, want %q", p, c.params)
			}
		})
	}

	t.Run("no retry without a way back", func(t *testing.T) {
		h := newHarness(t)
		h.srv.Enqueue(openaitest.Reply{Fault: openaitest.FaultRateLimit}, openaitest.Reply{Content: "never"})
		_, err := h.client.Chat.Completions.New(context.Background(), openai.ChatCompletionNewParams{},
			option.WithRequestBody("application/json", struct{ io.Reader }{strings.NewReader(body)}))
		var apiErr *openai.Error
		if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusTooManyRequests {
			t.Fatalf("the caller's error: %v", err)
		}
		spantest.Want(t, h.only(t), map[string]any{"http.response.status_code": 429, "input.value": body})
	})
}

// TestMiddlewareFaults calls the middleware with what a broken transport
// returns: nothing, a response without a body, a body that fails.
func TestMiddlewareFaults(t *testing.T) {
	readErr := errors.New("connection reset")
	for _, c := range []struct {
		name    string
		resp    *http.Response
		err     error
		stream  bool
		status  codes.Code
		message string
	}{
		{"no response and no error", nil, nil, false, codes.Error, "openaigo: no response and no error from the transport"},
		{"nil body", &http.Response{StatusCode: http.StatusOK}, nil, false, codes.Error, "unexpected end of JSON input"},
		{"nil body, stream", &http.Response{StatusCode: http.StatusOK}, nil, true, codes.Ok, ""},
		{"failing body", &http.Response{StatusCode: http.StatusOK, Body: io.NopCloser(io.MultiReader(strings.NewReader(`{"id":`), errReader{readErr}))},
			nil, false, codes.Error, "connection reset"},
		{"failing stream", &http.Response{StatusCode: http.StatusOK, Body: io.NopCloser(io.MultiReader(strings.NewReader("data: {}\n\n"), errReader{readErr}))},
			nil, true, codes.Error, "connection reset"},
		{"closed body", &http.Response{StatusCode: http.StatusOK, Body: closedBody(t)}, nil, false, codes.Error, "http: read on closed response body"},
		{"closed body, stream", &http.Response{StatusCode: http.StatusOK, Body: closedBody(t)}, nil, true, codes.Error, "http: read on closed response body"},
		{"transport error", nil, readErr, false, codes.Error, "connection reset"},
	} {
		t.Run(c.name, func(t *testing.T) {
			tp, rec := spantest.NewProvider(t)
			mw := openaigo.Middleware(openaigo.WithTracerProvider(tp))
			body := `{"model":"m","messages":[]}`
			if c.stream {
				body = `{"model":"m","stream":true}`
			}
			req := httptest.NewRequest(http.MethodPost, "http://127.0.0.1/v1/chat/completions", strings.NewReader(body))
			resp, err := mw(req, func(*http.Request) (*http.Response, error) { return c.resp, c.err })
			if resp != c.resp || err != c.err {
				t.Errorf("the middleware returned %v, %v; the transport %v, %v", resp, err, c.resp, c.err)
			}
			if resp != nil && resp.Body != nil {
				_, _ = io.Copy(io.Discard, resp.Body)
				_ = resp.Body.Close()
			}
			s := spantest.Only(t, rec)
			if s.Status().Code != c.status || s.Status().Description != c.message {
				t.Errorf("status %v, want %v %q", s.Status(), c.status, c.message)
			}
		})
	}
}

// closedBody is the body of a real response that was closed already.
func closedBody(t *testing.T) io.ReadCloser {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "data") }))
	t.Cleanup(srv.Close)
	resp, err := srv.Client().Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	return resp.Body
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }
