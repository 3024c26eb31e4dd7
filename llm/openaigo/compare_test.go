package openaigo_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"slices"
	"testing"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/responses"
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
// (and go-openai sends a chat's "stream": false), and so does a Responses
// output.value, whose response echoes the request's tools; a chat stream's
// output.value is the answer assembled in each wrapper's shape, whose
// messages and counts are compared as attributes.
func TestSameAttributesAsGoOpenAI(t *testing.T) {
	ctx := sessiontrace.WithUser(sessiontrace.WithSession(context.Background(), "sess-1"), "user-1")
	reply := openaitest.Reply{Content: "Lisbon, then Sintra.", ToolCalls: []goopenai.ToolCall{{
		ID: "call_9", Type: goopenai.ToolTypeFunction, Function: goopenai.FunctionCall{Name: "get_weather", Arguments: `{"city":"Lisbon"}`},
	}}}
	schema := json.RawMessage(`{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}`)
	chatReq := goopenai.ChatCompletionRequest{
		Model: "gpt-4o-mini",
		Messages: []goopenai.ChatCompletionMessage{
			{Role: "system", Content: "You are terse."},
			{Role: "user", Content: "Where should I go?"},
		},
		Tools: []goopenai.Tool{{Type: goopenai.ToolTypeFunction, Function: &goopenai.FunctionDefinition{
			Name: "get_weather", Description: "Current weather of a city.", Parameters: schema,
		}}},
		Temperature:         0.5,
		MaxCompletionTokens: 64,
	}
	chatParams := openai.ChatCompletionNewParams{
		Model: "gpt-4o-mini",
		Messages: []openai.ChatCompletionMessageParamUnion{
			openai.SystemMessage("You are terse."),
			openai.UserMessage("Where should I go?"),
		},
		Tools:               []openai.ChatCompletionToolUnionParam{weatherTool},
		Temperature:         openai.Float(0.5),
		MaxCompletionTokens: openai.Int(64),
	}
	responseReq := goopenai.CreateResponseRequest{
		Model: "gpt-4.1-mini", Instructions: "Be brief.", Input: "Weather in Lisbon?", MaxOutputTokens: 64,
		Tools: []goopenai.ResponseTool{goopenai.NewResponseFunctionTool(goopenai.FunctionDefinition{Name: "get_weather", Parameters: schema})},
	}
	responseParams := responses.ResponseNewParams{
		Model: "gpt-4.1-mini", Instructions: openai.String("Be brief."),
		Input:           responses.ResponseNewParamsInputUnion{OfString: openai.String("Weather in Lisbon?")},
		MaxOutputTokens: openai.Int(64),
		Tools: []responses.ToolUnionParam{{OfFunction: &responses.FunctionToolParam{Name: "get_weather",
			Parameters: map[string]any{"type": "object", "properties": map[string]any{"city": map[string]any{"type": "string"}}, "required": []string{"city"}}}}},
	}

	for _, c := range []struct {
		name            string
		goOpenAI        func(*oiopenai.Client) error
		openaiGo        func(openai.Client) error
		assembledOutput bool // output.value is the answer each wrapper assembles
	}{
		{
			name: "chat",
			goOpenAI: func(c *oiopenai.Client) error {
				_, err := c.CreateChatCompletion(ctx, chatReq)
				return err
			},
			openaiGo: func(c openai.Client) error {
				_, err := c.Chat.Completions.New(ctx, chatParams)
				return err
			},
		},
		{
			name: "chat stream",
			goOpenAI: func(c *oiopenai.Client) error {
				req := chatReq
				req.StreamOptions = &goopenai.StreamOptions{IncludeUsage: true}
				s, err := c.CreateChatCompletionStream(ctx, req)
				if err != nil {
					return err
				}
				defer s.Close()
				return drain(s.Recv)
			},
			openaiGo: func(c openai.Client) error {
				p := chatParams
				p.StreamOptions = openai.ChatCompletionStreamOptionsParam{IncludeUsage: openai.Bool(true)}
				_, err := readStream(c.Chat.Completions.NewStreaming(ctx, p))
				return err
			},
			assembledOutput: true,
		},
		{
			name: "response",
			goOpenAI: func(c *oiopenai.Client) error {
				_, err := c.CreateResponse(ctx, responseReq)
				return err
			},
			openaiGo: func(c openai.Client) error {
				_, err := c.Responses.New(ctx, responseParams)
				return err
			},
		},
		{
			name: "response stream",
			goOpenAI: func(c *oiopenai.Client) error {
				s, err := c.CreateResponseStream(ctx, responseReq)
				if err != nil {
					return err
				}
				defer s.Close()
				return drain(s.Recv)
			},
			openaiGo: func(c openai.Client) error {
				s := c.Responses.NewStreaming(ctx, responseParams)
				defer s.Close()
				for s.Next() {
				}
				return s.Err()
			},
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			// go-openai, through the wrapper that records the wire.
			srvA := openaitest.NewServer()
			t.Cleanup(srvA.Close)
			srvA.Enqueue(reply)
			tpA, recA := spantest.NewProvider(t)
			if err := c.goOpenAI(oiopenai.NewClientWithConfig(srvA.ClientConfig(),
				oiopenai.WithTracerProvider(tpA), oiopenai.WithTraceConfig(sessiontrace.DefaultTraceConfig()))); err != nil {
				t.Fatal(err)
			}
			// openai-go, through the middleware.
			h := newHarness(t)
			h.srv.Enqueue(reply)
			if err := c.openaiGo(h.client); err != nil {
				t.Fatal(err)
			}
			compareSpans(t, spantest.Only(t, recA), h.only(t), c.assembledOutput)
		})
	}
}

// drain reads a go-openai stream to io.EOF, returning any other error.
func drain[T any](recv func() (T, error)) error {
	for {
		if _, err := recv(); errors.Is(err, io.EOF) {
			return nil
		} else if err != nil {
			return err
		}
	}
}

// compareSpans checks that the openai-go span b says what the go-openai
// span a says.
func compareSpans(t *testing.T, a, b sdktrace.ReadOnlySpan, assembledOutput bool) {
	t.Helper()
	if a.Name() != b.Name() || a.SpanKind() != b.SpanKind() || a.Status() != b.Status() {
		t.Errorf("go-openai span %q %v %v, openai-go span %q %v %v", a.Name(), a.SpanKind(), a.Status(), b.Name(), b.SpanKind(), b.Status())
	}
	if ea, eb := eventNames(a.Events()), eventNames(b.Events()); !slices.Equal(ea, eb) {
		t.Errorf("events: go-openai %v, openai-go %v", ea, eb)
	}
	want, got := spantest.Attrs(a), spantest.Attrs(b)
	var sentParams map[string]any
	if err := json.Unmarshal([]byte(want["llm.invocation_parameters"].AsString()), &sentParams); err != nil {
		t.Fatal(err)
	}
	if sentParams["stream"] == false {
		delete(sentParams, "stream")
	}
	params, _ := json.Marshal(sentParams)
	same := map[string]string{
		"llm.invocation_parameters":    string(params),
		"llm.tools.0.tool.json_schema": want["llm.tools.0.tool.json_schema"].AsString(),
	}
	if !assembledOutput {
		same["output.value"] = want["output.value"].AsString()
	}
	for k, w := range same {
		if !spantest.SameJSON(t, w, got[k].AsString()) {
			t.Errorf("%s: go-openai %s, openai-go %s", k, w, got[k].AsString())
		}
	}
	if _, ok := got["input.value"]; !ok {
		t.Error("openai-go span has no input.value")
	}
	skip := map[string]bool{"input.value": true, "output.value": true}
	for _, k := range slices.Sorted(maps.Keys(want)) {
		if _, ok := same[k]; ok || skip[k] {
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
}

func eventNames(events []sdktrace.Event) []string {
	var names []string
	for _, e := range events {
		names = append(names, e.Name)
	}
	return names
}
