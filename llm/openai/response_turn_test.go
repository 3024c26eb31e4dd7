package openai_test

import (
	"context"
	"testing"

	"github.com/sashabaranov/go-openai"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/sessiontrace/sessiontrace"
	"github.com/sessiontrace/sessiontrace/internal/spantest"
	oiopenai "github.com/sessiontrace/sessiontrace/llm/openai"
	"github.com/sessiontrace/sessiontrace/llm/openai/openaitest"
)

// readStream opens a Responses stream and reads it to its end.
func readStream(ctx context.Context, c *oiopenai.Client, req openai.CreateResponseRequest) error {
	s, err := c.CreateResponseStream(ctx, req)
	if err != nil {
		return err
	}
	defer s.Close()
	_, err = drainEvents(s)
	return err
}

// The turn gets the last user message of its first call and the answer of
// its latest successful one, plain or streamed; a failed stream and a
// client made WithoutTurnCapture leave it alone.
func TestResponseTurnCapture(t *testing.T) {
	h := newHarness(t)
	ctx, turn := sessiontrace.StartTurn(context.Background(), "turn", sessiontrace.WithTracerProvider(h.tp))
	first := openai.CreateResponseRequest{Model: "m", Instructions: "Be brief.", Input: []any{
		map[string]any{"role": "user", "content": "An earlier question"},
		map[string]any{"type": "message", "role": "assistant", "content": []any{map[string]any{"type": "output_text", "text": "An earlier answer"}}},
		map[string]any{"role": "user", "content": []any{
			map[string]any{"type": "input_text", "text": "Weather in Paris?"},
			map[string]any{"type": "input_image", "image_url": "https://example.com/p.jpg"},
		}},
	}}
	h.srv.Enqueue(openaitest.Reply{Content: "Let me look.", ToolCalls: []openai.ToolCall{{ID: "call_t", Function: openai.FunctionCall{Name: "get_weather", Arguments: "{}"}}}})
	if _, err := h.client.CreateResponse(ctx, first); err != nil {
		t.Fatal(err)
	}
	h.srv.Enqueue(openaitest.Reply{Content: "Sunny, 21°C."})
	followUp := openai.CreateResponseRequest{Model: "m", PreviousResponseID: "resp_1",
		Input: []any{openai.ResponseFunctionCallOutput{Type: "function_call_output", CallID: "call_t", Output: "sunny"}}}
	if err := readStream(ctx, h.client, followUp); err != nil {
		t.Fatal(err)
	}
	h.srv.Enqueue(openaitest.Reply{Content: "broken answer", Fault: openaitest.FaultStreamError})
	if err := readStream(ctx, h.client, followUp); err != nil {
		t.Fatal(err) // response.failed is an event, not an error of Recv
	}
	quiet := wrapWith(h, sessiontrace.DefaultTraceConfig(), oiopenai.WithoutTurnCapture())
	if _, err := quiet.CreateResponse(ctx, openai.CreateResponseRequest{Model: "m", Input: "classify this"}); err != nil {
		t.Fatal(err)
	}
	turn.End()
	spantest.Want(t, spantest.Named(t, h.rec, "turn"), map[string]any{
		"input.value":      "Weather in Paris?",
		"input.mime_type":  "text/plain",
		"output.value":     "Sunny, 21°C.",
		"output.mime_type": "text/plain",
	})
}

// Under WithSuppression the calls pass through untraced, and work.
func TestResponseSuppressed(t *testing.T) {
	h := newHarness(t)
	ctx := sessiontrace.WithSuppression(context.Background())
	ctx, turn := sessiontrace.StartTurn(ctx, "turn", sessiontrace.WithTracerProvider(h.tp))
	resp, err := h.client.CreateResponse(ctx, openai.CreateResponseRequest{Model: "m", Input: "hi"})
	if err != nil || resp.GetOutputText() != "You said: hi" {
		t.Fatal(resp, err)
	}
	s, err := h.client.CreateResponseStream(ctx, openai.CreateResponseRequest{Model: "m", Input: "hi"})
	if err != nil {
		t.Fatal(err)
	}
	events, err := drainEvents(s)
	if err != nil || len(events) == 0 {
		t.Fatal(len(events), err)
	}
	_ = s.Header()
	s.Close()
	turn.End()
	ts := h.only(t) // the turn only
	spantest.Want(t, ts, map[string]any{"input.value": nil, "output.value": nil})
}

// Sampled out: no span is recorded, but the turn still gets its text; with
// no turn either, a stream is go-openai's.
func TestResponseSampledOut(t *testing.T) {
	h := newHarness(t)
	never := sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.NeverSample()), sdktrace.WithSpanProcessor(h.rec))
	defer never.Shutdown(context.Background())
	for _, c := range []*oiopenai.Client{
		oiopenai.Wrap(h.srv.Client(), oiopenai.WithTracerProvider(never)),
		oiopenai.NewClientWithConfig(h.srv.ClientConfig(), oiopenai.WithTracerProvider(never)),
	} {
		for _, stream := range []bool{false, true} {
			h.rec.Reset()
			ctx, turn := sessiontrace.StartTurn(context.Background(), "turn", sessiontrace.WithTracerProvider(h.tp))
			req := openai.CreateResponseRequest{Model: "m", Input: "plain"}
			if stream {
				req.Input = "streamed"
				if err := readStream(ctx, c, req); err != nil {
					t.Fatal(err)
				}
			} else if _, err := c.CreateResponse(ctx, req); err != nil {
				t.Fatal(err)
			}
			turn.End()
			spantest.Want(t, h.only(t), map[string]any{"input.value": req.Input, "output.value": "You said: " + req.Input.(string)})
		}
		h.rec.Reset()
		if _, err := c.CreateResponse(context.Background(), openai.CreateResponseRequest{Model: "m", Input: "x"}); err != nil {
			t.Fatal(err)
		}
		if err := readStream(context.Background(), c, openai.CreateResponseRequest{Model: "m", Input: "x"}); err != nil {
			t.Fatal(err)
		}
		if n := len(h.rec.Ended()); n != 0 {
			t.Errorf("%d spans recorded", n)
		}
	}
}
