package openaigo_test

import (
	"context"
	"encoding/json"
	"maps"
	"slices"
	"testing"

	"github.com/openai/openai-go/v3"
	goopenai "github.com/sashabaranov/go-openai"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/sessiontrace/sessiontrace"
	"github.com/sessiontrace/sessiontrace/internal/spantest"
	oiopenai "github.com/sessiontrace/sessiontrace/llm/openai"
	"github.com/sessiontrace/sessiontrace/llm/openai/openaitest"
)

// TestSameAttributesAsGoOpenAI sends the same calls through sessiontrace's
// go-openai wrapper and through this middleware, each to a fresh
// openaitest, and compares the spans: the same attributes with the same
// values, except what each SDK legitimately does its own way. input.value
// is each SDK's own encoding of the request; llm.invocation_parameters and
// the tool schemas hold the same JSON with the keys in each SDK's order
// (and go-openai sends "stream": false); a stream's output.value is the
// answer assembled in each wrapper's shape, whose messages and counts are
// compared as attributes.
func TestSameAttributesAsGoOpenAI(t *testing.T) {
	ctx := sessiontrace.WithUser(sessiontrace.WithSession(context.Background(), "sess-1"), "user-1")
	reply := openaitest.Reply{Content: "Lisbon, then Sintra.", ToolCalls: []goopenai.ToolCall{{
		ID: "call_9", Type: goopenai.ToolTypeFunction, Function: goopenai.FunctionCall{Name: "get_weather", Arguments: `{"city":"Lisbon"}`},
	}}}
	weather := goopenai.Tool{Type: goopenai.ToolTypeFunction, Function: &goopenai.FunctionDefinition{
		Name: "get_weather", Description: "Current weather of a city.",
		Parameters: json.RawMessage(`{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}`),
	}}

	for _, c := range []struct {
		name   string
		stream bool
	}{{"plain", false}, {"stream", true}} {
		t.Run(c.name, func(t *testing.T) {
			// go-openai, through the wrapper that records the wire.
			srvA := openaitest.NewServer()
			t.Cleanup(srvA.Close)
			srvA.Enqueue(reply)
			tpA, recA := spantest.NewProvider(t)
			wrapped := oiopenai.NewClientWithConfig(srvA.ClientConfig(),
				oiopenai.WithTracerProvider(tpA), oiopenai.WithTraceConfig(sessiontrace.DefaultTraceConfig()))
			req := goopenai.ChatCompletionRequest{
				Model: "gpt-4o-mini",
				Messages: []goopenai.ChatCompletionMessage{
					{Role: "system", Content: "You are terse."},
					{Role: "user", Content: "Where should I go?"},
				},
				Tools:               []goopenai.Tool{weather},
				Temperature:         0.5,
				MaxCompletionTokens: 64,
			}
			if c.stream {
				req.StreamOptions = &goopenai.StreamOptions{IncludeUsage: true}
				s, err := wrapped.CreateChatCompletionStream(ctx, req)
				if err != nil {
					t.Fatal(err)
				}
				for {
					if _, err := s.Recv(); err != nil {
						break
					}
				}
				s.Close()
			} else if _, err := wrapped.CreateChatCompletion(ctx, req); err != nil {
				t.Fatal(err)
			}

			// openai-go, through the middleware.
			h := newHarness(t)
			h.srv.Enqueue(reply)
			params := openai.ChatCompletionNewParams{
				Model: "gpt-4o-mini",
				Messages: []openai.ChatCompletionMessageParamUnion{
					openai.SystemMessage("You are terse."),
					openai.UserMessage("Where should I go?"),
				},
				Tools:               []openai.ChatCompletionToolUnionParam{weatherTool},
				Temperature:         openai.Float(0.5),
				MaxCompletionTokens: openai.Int(64),
			}
			if c.stream {
				params.StreamOptions = openai.ChatCompletionStreamOptionsParam{IncludeUsage: openai.Bool(true)}
				s := h.client.Chat.Completions.NewStreaming(ctx, params)
				for s.Next() {
				}
				s.Close()
			} else if _, err := h.client.Chat.Completions.New(ctx, params); err != nil {
				t.Fatal(err)
			}

			a, b := spantest.Only(t, recA), h.only(t)
			if a.Name() != b.Name() || a.SpanKind() != b.SpanKind() || a.Status() != b.Status() {
				t.Errorf("go-openai span %q %v %v, openai-go span %q %v %v", a.Name(), a.SpanKind(), a.Status(), b.Name(), b.SpanKind(), b.Status())
			}
			if ea, eb := eventNames(a.Events()), eventNames(b.Events()); !slices.Equal(ea, eb) {
				t.Errorf("events: go-openai %v, openai-go %v", ea, eb)
			}
			want, got := spantest.Attrs(a), spantest.Attrs(b)
			for _, k := range []string{"input.value", "llm.invocation_parameters"} {
				if _, ok := got[k]; !ok {
					t.Errorf("openai-go span has no %s", k)
				}
			}
			var sentParams map[string]any
			if err := json.Unmarshal([]byte(want["llm.invocation_parameters"].AsString()), &sentParams); err != nil {
				t.Fatal(err)
			}
			if sentParams["stream"] == false {
				delete(sentParams, "stream")
			}
			for _, k := range []string{"llm.invocation_parameters", "llm.tools.0.tool.json_schema"} {
				w := want[k].AsString()
				if k == "llm.invocation_parameters" {
					b, _ := json.Marshal(sentParams)
					w = string(b)
				}
				if !spantest.SameJSON(t, w, got[k].AsString()) {
					t.Errorf("%s: go-openai %s, openai-go %s", k, w, got[k].AsString())
				}
			}
			skip := map[string]bool{"input.value": true, "llm.invocation_parameters": true, "llm.tools.0.tool.json_schema": true, "output.value": c.stream}
			for _, k := range slices.Sorted(maps.Keys(want)) {
				if skip[k] {
					continue
				}
				if g, ok := got[k]; !ok {
					t.Errorf("%s = %s on the go-openai span, missing on the openai-go span", k, want[k].String())
				} else if g.String() != want[k].String() {
					t.Errorf("%s: go-openai %s, openai-go %s", k, want[k].String(), g.String())
				}
			}
			for k, v := range got {
				if _, ok := want[k]; !ok {
					t.Errorf("%s = %s on the openai-go span only", k, v.String())
				}
			}
		})
	}
}

func eventNames(events []sdktrace.Event) []string {
	var names []string
	for _, e := range events {
		names = append(names, e.Name)
	}
	return names
}
