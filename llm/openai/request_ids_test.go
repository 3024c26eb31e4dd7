package openai_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/sashabaranov/go-openai"
	"go.opentelemetry.io/otel/trace"

	"github.com/sessiontrace/sessiontrace"
	"github.com/sessiontrace/sessiontrace/internal/spantest"
	oiopenai "github.com/sessiontrace/sessiontrace/llm/openai"
)

// The session and user a request names, when the context has none; the
// context always wins; an ID the middleware would refuse is none.
func TestSessionFromRequest(t *testing.T) {
	response := func(req openai.CreateResponseRequest) func(context.Context, *oiopenai.Client) error {
		return func(ctx context.Context, c *oiopenai.Client) error {
			req.Model, req.Input = "m", "hi"
			_, err := c.CreateResponse(ctx, req)
			return err
		}
	}
	responseStream := func(req openai.CreateResponseRequest) func(context.Context, *oiopenai.Client) error {
		return func(ctx context.Context, c *oiopenai.Client) error {
			req.Model, req.Input = "m", "hi"
			return readStream(ctx, c, req)
		}
	}
	chat := func(user string, stream bool) func(context.Context, *oiopenai.Client) error {
		return func(ctx context.Context, c *oiopenai.Client) error {
			req := userRequest("hi")
			req.User = user
			if !stream {
				_, err := c.CreateChatCompletion(ctx, req)
				return err
			}
			s, err := c.CreateChatCompletionStream(ctx, req)
			if err != nil {
				return err
			}
			defer s.Close()
			drain(t, s)
			return nil
		}
	}
	inContext := sessiontrace.WithUser(sessiontrace.WithSession(context.Background(), "ctx-session"), "ctx-user")
	for _, tc := range []struct {
		name          string
		ctx           context.Context
		call          func(context.Context, *oiopenai.Client) error
		session, user any // nil: absent
	}{
		{"conversation as a string", nil, response(openai.CreateResponseRequest{Conversation: "conv_1"}), "conv_1", nil},
		{"conversation as go-openai's type", nil, response(openai.CreateResponseRequest{Conversation: openai.ResponseConversation{ID: "conv_2"}}), "conv_2", nil},
		{"conversation as a pointer", nil, response(openai.CreateResponseRequest{Conversation: &openai.ResponseConversation{ID: "conv_3"}}), "conv_3", nil},
		{"conversation as a map", nil, response(openai.CreateResponseRequest{Conversation: map[string]any{"id": "conv_4"}}), "conv_4", nil},
		{"conversation of spaces", nil, response(openai.CreateResponseRequest{Conversation: "  "}), nil, nil},
		{"conversation with a space", nil, response(openai.CreateResponseRequest{Conversation: "conv 5"}), nil, nil},
		{"conversation with a newline", nil, response(openai.CreateResponseRequest{Conversation: "conv_6\nX-Injected: 1"}), nil, nil},
		{"conversation over 128 bytes", nil, response(openai.CreateResponseRequest{Conversation: "c" + strings.Repeat("x", 128)}), nil, nil},
		{"conversation of another shape", nil, response(openai.CreateResponseRequest{Conversation: 42}), nil, nil},
		{"user before safety_identifier", nil, response(openai.CreateResponseRequest{User: "alice", SafetyIdentifier: "h-1"}), nil, "alice"},
		{"safety_identifier", nil, response(openai.CreateResponseRequest{SafetyIdentifier: "h-2"}), nil, "h-2"},
		{"an invalid user, a valid safety_identifier", nil, response(openai.CreateResponseRequest{User: "Alice Smith", SafetyIdentifier: "h-3"}), nil, "h-3"},
		{"the context wins", inContext, response(openai.CreateResponseRequest{Conversation: "conv_7", User: "alice"}), "ctx-session", "ctx-user"},
		{"a stream", nil, responseStream(openai.CreateResponseRequest{Conversation: "conv_8", SafetyIdentifier: "h-4"}), "conv_8", "h-4"},
		{"a stream in a context", inContext, responseStream(openai.CreateResponseRequest{Conversation: "conv_9"}), "ctx-session", "ctx-user"},
		{"chat user", nil, chat("bob", false), nil, "bob"},
		{"chat user, invalid", nil, chat("bob\x00", false), nil, nil},
		{"chat user in a context", inContext, chat("bob", false), "ctx-session", "ctx-user"},
		{"chat stream user", nil, chat("carol", true), nil, "carol"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			ctx := tc.ctx
			if ctx == nil {
				ctx = context.Background()
			}
			if err := tc.call(ctx, h.client); err != nil {
				t.Fatal(err)
			}
			spantest.Want(t, h.only(t), map[string]any{"session.id": tc.session, "user.id": tc.user})
		})
	}
}

// The IDs from the request reach the spans under the LLM span too (here an
// HTTP client span, made by the caller's HTTP client), through the span
// processor, as if the caller had put them into the context.
func TestSessionFromRequestReachesChildSpans(t *testing.T) {
	h := newHarness(t)
	tp, rec := spantest.NewProvider(t, sessiontrace.NewSpanProcessor())
	cfg := h.srv.ClientConfig()
	cfg.HTTPClient = doerFunc(func(r *http.Request) (*http.Response, error) {
		_, span := tp.Tracer("http").Start(r.Context(), "POST", trace.WithSpanKind(trace.SpanKindClient))
		defer span.End()
		return h.srv.HTTPClient().Do(r)
	})
	c := oiopenai.NewClientWithConfig(cfg, oiopenai.WithTracerProvider(tp))
	if _, err := c.CreateResponse(context.Background(), openai.CreateResponseRequest{
		Model: "m", Input: "hi", Conversation: "conv_c", SafetyIdentifier: "h-c"}); err != nil {
		t.Fatal(err)
	}
	post, llm := spantest.Named(t, rec, "POST"), spantest.Named(t, rec, "Response")
	if post.Parent().SpanID() != llm.SpanContext().SpanID() {
		t.Error("the HTTP span is not under the LLM span")
	}
	for _, sp := range []string{"POST", "Response"} {
		spantest.Want(t, spantest.Named(t, rec, sp), map[string]any{"session.id": "conv_c", "user.id": "h-c"})
	}
}
