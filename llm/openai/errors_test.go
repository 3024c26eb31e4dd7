package openai_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"reflect"
	"testing"

	"github.com/sashabaranov/go-openai"
	"go.opentelemetry.io/otel/codes"

	"github.com/sessiontrace/sessiontrace"
	"github.com/sessiontrace/sessiontrace/internal/spantest"
	oiopenai "github.com/sessiontrace/sessiontrace/llm/openai"
	"github.com/sessiontrace/sessiontrace/llm/openai/openaitest"
)

func userRequest(text string) openai.ChatCompletionRequest {
	return openai.ChatCompletionRequest{Model: "gpt-4o-mini",
		Messages: []openai.ChatCompletionMessage{{Role: openai.ChatMessageRoleUser, Content: text}}}
}

// wantFailed checks the span of a failed call.
func wantFailed(t *testing.T, h *harness, status int) {
	t.Helper()
	wantFailedModel(t, h, status, "llm.model_name", "gpt-4o-mini")
}

func wantFailedModel(t *testing.T, h *harness, status int, modelKey, model string) {
	t.Helper()
	s := h.only(t)
	if s.Status().Code != codes.Error || s.Status().Description == "" {
		t.Errorf("status %+v, want Error with a description", s.Status())
	}
	if spantest.Events(s, "exception") != 1 {
		t.Errorf("events %v, want one exception", s.Events())
	}
	want := map[string]any{"http.response.status_code": nil, modelKey: model, "session.id": "sess-err"}
	if status > 0 {
		want["http.response.status_code"] = status
	}
	spantest.Want(t, s, want)
}

// Each fault of the fake server, through each call: the error is the one
// go-openai returns, and the span says what failed.
func TestFaults(t *testing.T) {
	ctx := sessiontrace.WithSession(context.Background(), "sess-err")
	for _, tc := range []struct {
		fault   openaitest.Fault
		status  int
		errType any
	}{
		{openaitest.FaultRateLimit, 429, &openai.APIError{}},
		{openaitest.FaultBadGateway, 502, &openai.RequestError{}},
		{openaitest.FaultStreamError, 500, &openai.APIError{}}, // not streamed: a 500
	} {
		t.Run(tc.fault.String(), func(t *testing.T) {
			for _, call := range []struct {
				name, modelKey, model string
				do                    func(c interface{}, ctx context.Context) error
			}{
				{"chat", "llm.model_name", "gpt-4o-mini", func(c interface{}, ctx context.Context) error {
					_, err := c.(chatter).CreateChatCompletion(ctx, userRequest("hi"))
					return err
				}},
				{"completion", "llm.model_name", "gpt-3.5-turbo-instruct", func(c interface{}, ctx context.Context) error {
					_, err := c.(completer).CreateCompletion(ctx, openai.CompletionRequest{Model: "gpt-3.5-turbo-instruct", Prompt: "hi"})
					return err
				}},
				{"embeddings", "embedding.model_name", "text-embedding-3-small", func(c interface{}, ctx context.Context) error {
					_, err := c.(embedder).CreateEmbeddings(ctx, openai.EmbeddingRequest{Model: "text-embedding-3-small", Input: "hi"})
					return err
				}},
			} {
				if tc.fault == openaitest.FaultStreamError && call.name == "embeddings" {
					continue // the embeddings endpoint has no stream to break
				}
				t.Run(call.name, func(t *testing.T) {
					h := newHarness(t)
					h.srv.Enqueue(openaitest.Reply{Fault: tc.fault}, openaitest.Reply{Fault: tc.fault})
					bareErr := call.do(h.srv.Client(), ctx)
					err := call.do(h.client, ctx)
					if err == nil {
						t.Fatal("no error")
					}
					target := reflect.New(reflect.TypeOf(tc.errType)).Interface()
					if !errors.As(err, target) {
						t.Fatalf("error %T %v, want %T", err, err, tc.errType)
					}
					if !reflect.DeepEqual(err, bareErr) {
						t.Errorf("error %#v, bare client's %#v", err, bareErr)
					}
					wantFailedModel(t, h, tc.status, call.modelKey, call.model)
				})
			}
		})
	}
}

type chatter interface {
	CreateChatCompletion(context.Context, openai.ChatCompletionRequest) (openai.ChatCompletionResponse, error)
}
type completer interface {
	CreateCompletion(context.Context, openai.CompletionRequest) (openai.CompletionResponse, error)
}
type embedder interface {
	CreateEmbeddings(context.Context, openai.EmbeddingRequestConverter) (openai.EmbeddingResponse, error)
}

// doerFunc is an HTTP client that fails with a given error.
type doerFunc func(*http.Request) (*http.Response, error)

func (f doerFunc) Do(r *http.Request) (*http.Response, error) { return f(r) }

// The very error value go-openai returns comes back, for all five calls.
func TestErrorReturnedUnchanged(t *testing.T) {
	h := newHarness(t)
	errDown := errors.New("network down")
	cfg := openai.DefaultConfig("k")
	cfg.HTTPClient = doerFunc(func(*http.Request) (*http.Response, error) { return nil, errDown })
	c := oiopenai.NewClientWithConfig(cfg, oiopenai.WithTracerProvider(h.tp))
	ctx := context.Background()

	_, err := c.CreateChatCompletion(ctx, userRequest("hi"))
	if err != errDown {
		t.Errorf("chat: %v", err)
	}
	s, err := c.CreateChatCompletionStream(ctx, userRequest("hi"))
	if err != errDown || s != nil {
		t.Errorf("chat stream: %v, %v", s, err)
	}
	_, err = c.CreateCompletion(ctx, openai.CompletionRequest{Model: "m", Prompt: "p"})
	if err != errDown {
		t.Errorf("completion: %v", err)
	}
	cs, err := c.CreateCompletionStream(ctx, openai.CompletionRequest{Model: "m", Prompt: "p"})
	if err != errDown || cs != nil {
		t.Errorf("completion stream: %v, %v", cs, err)
	}
	_, err = c.CreateEmbeddings(ctx, openai.EmbeddingRequestStrings{Model: "m", Input: []string{"a"}})
	if err != errDown {
		t.Errorf("embeddings: %v", err)
	}
	spans := h.rec.Ended()
	if len(spans) != 5 {
		t.Fatalf("%d spans", len(spans))
	}
	for _, s := range spans {
		if s.Status().Code != codes.Error || spantest.Events(s, "exception") != 1 {
			t.Errorf("%s: status %v events %v", s.Name(), s.Status(), s.Events())
		}
		if _, ok := spantest.Attrs(s)["http.response.status_code"]; ok {
			t.Errorf("%s: a status code without a response", s.Name())
		}
	}

	// Errors go-openai raises before sending anything come back unchanged
	// too, and still make a failed span.
	streaming := userRequest("hi")
	streaming.Stream = true
	if _, err := c.CreateChatCompletion(ctx, streaming); err != openai.ErrChatCompletionStreamNotSupported {
		t.Errorf("Stream set: %v", err)
	}
	if _, err := c.CreateCompletion(ctx, openai.CompletionRequest{Model: "m", Prompt: 42}); err != openai.ErrCompletionRequestPromptTypeNotSupported {
		t.Errorf("bad prompt: %v", err)
	}
	if n := len(h.rec.Ended()); n != 7 {
		t.Errorf("%d spans, want 7", n)
	}
}

// An error event in the middle of a stream: Recv returns go-openai's error,
// the span keeps what arrived before it.
func TestStreamFault(t *testing.T) {
	h := newHarness(t)
	h.srv.Enqueue(openaitest.Reply{Content: "one two three four", Fault: openaitest.FaultStreamError})
	s, err := h.client.CreateChatCompletionStream(context.Background(), userRequest("count"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var text string
	for {
		chunk, err := s.Recv()
		if err != nil {
			var apiErr *openai.APIError
			if !errors.As(err, &apiErr) || apiErr.Type != "server_error" {
				t.Fatalf("Recv: %#v", err)
			}
			break
		}
		for _, c := range chunk.Choices {
			text += c.Delta.Content
		}
	}
	if text != "one two" {
		t.Errorf("received %q", text)
	}
	sp := h.only(t)
	if sp.Status().Code != codes.Error || spantest.Events(sp, "exception") != 1 || spantest.Events(sp, "First Token Stream Event") != 1 {
		t.Errorf("status %v events %v", sp.Status(), sp.Events())
	}
	spantest.Want(t, sp, map[string]any{
		"llm.output_messages.0.message.content": "one two",
		"http.response.status_code":             nil, // the status line said 200
	})
	// Later calls keep returning errors and change nothing.
	if _, err := s.Recv(); err == nil {
		t.Error("Recv after the error succeeded")
	}
	if len(h.rec.Ended()) != 1 {
		t.Error("span ended twice")
	}
}

// A stream without [DONE] looks like one with it: io.EOF, status OK.
func TestStreamWithoutDone(t *testing.T) {
	h := newHarness(t)
	h.srv.Enqueue(openaitest.Reply{Content: "all of it", Fault: openaitest.FaultNoDone})
	s, err := h.client.CreateChatCompletionStream(context.Background(), userRequest("x"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for {
		if _, err := s.Recv(); err != nil {
			if !errors.Is(err, io.EOF) {
				t.Fatal(err)
			}
			break
		}
	}
	sp := h.only(t)
	if sp.Status().Code != codes.Ok {
		t.Errorf("status %v", sp.Status())
	}
	spantest.Want(t, sp, map[string]any{"llm.output_messages.0.message.content": "all of it"})
}

// A stream refused before it starts: nil stream, go-openai's error, one
// failed span with the status code.
func TestStreamRateLimited(t *testing.T) {
	h := newHarness(t)
	h.srv.Enqueue(openaitest.Reply{Fault: openaitest.FaultRateLimit})
	ctx := sessiontrace.WithSession(context.Background(), "sess-err")
	s, err := h.client.CreateChatCompletionStream(ctx, userRequest("x"))
	var apiErr *openai.APIError
	if s != nil || !errors.As(err, &apiErr) || apiErr.HTTPStatusCode != 429 {
		t.Fatalf("%v, %#v", s, err)
	}
	wantFailed(t, h, 429)
}
