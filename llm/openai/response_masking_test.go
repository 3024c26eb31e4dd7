package openai_test

import (
	"context"
	"testing"

	"github.com/sashabaranov/go-openai"

	"github.com/sessiontrace/sessiontrace"
	"github.com/sessiontrace/sessiontrace/internal/spantest"
	oiopenai "github.com/sessiontrace/sessiontrace/llm/openai"
	"github.com/sessiontrace/sessiontrace/llm/openai/openaitest"
)

// Each masking flag on a Responses span, with Wrap and with the wire
// bodies, plain and streamed: what a flag hides is hidden in the messages
// and inside input.value and output.value (which echoes the instructions).
func TestResponseMasking(t *testing.T) {
	const small = "data:image/png;base64,iVBORw0KGgo="
	req := openai.CreateResponseRequest{
		Model:        "gpt-4.1",
		Instructions: "Secret rules",
		Input: []any{
			map[string]any{"role": "user", "content": []any{
				map[string]any{"type": "input_text", "text": "Secret question"},
				map[string]any{"type": "input_image", "image_url": small},
			}},
			map[string]any{"type": "function_call_output", "call_id": "c1", "output": "Secret tool result"},
		},
		Tools: []openai.ResponseTool{responseWeatherTool},
	}
	for _, tc := range []struct {
		name      string
		set       func(*sessiontrace.TraceConfig)
		value     map[string]any
		inHas     []string // input.value
		inHasNot  []string
		outHas    []string // output.value
		outHasNot []string
	}{
		{"HideInputText", func(c *sessiontrace.TraceConfig) { c.HideInputText = true },
			map[string]any{in0 + "content": redacted, "llm.input_messages.1.message.contents.0.message_content.text": redacted,
				"llm.input_messages.2.message.content": redacted, out0 + "content": "The answer"},
			[]string{small, `"model":"gpt-4.1"`, "get_weather"}, []string{"Secret"},
			[]string{"The answer"}, []string{"Secret"}},
		{"HideInputImages", func(c *sessiontrace.TraceConfig) { c.HideInputImages = true },
			map[string]any{"llm.input_messages.1.message.contents.1.message_content.type": nil, "llm.input_messages.1.message.contents.0.message_content.text": "Secret question"},
			[]string{"Secret question"}, []string{small}, nil, nil},
		{"HideOutputText", func(c *sessiontrace.TraceConfig) { c.HideOutputText = true },
			map[string]any{out0 + "content": redacted, in0 + "content": "Secret rules"},
			[]string{"Secret question"}, nil, []string{`"status":"completed"`}, []string{"The answer"}},
		{"HideInputMessages", func(c *sessiontrace.TraceConfig) { c.HideInputMessages = true },
			map[string]any{"input.value": redacted, in0 + "role": nil, "llm.tools.0.tool.json_schema": mustJSON(responseWeatherTool)},
			nil, nil, []string{"The answer"}, []string{"Secret rules"}},
		{"HideInputs", func(c *sessiontrace.TraceConfig) { c.HideInputs = true },
			map[string]any{"input.value": redacted, "input.mime_type": nil, in0 + "role": nil, "llm.tools.0.tool.json_schema": nil},
			nil, nil, []string{"The answer"}, []string{"Secret rules"}},
		{"HideOutputs", func(c *sessiontrace.TraceConfig) { c.HideOutputs = true },
			map[string]any{"output.value": redacted, "output.mime_type": nil, out0 + "role": nil, in0 + "content": "Secret rules"},
			nil, nil, nil, nil},
		{"HideOutputMessages", func(c *sessiontrace.TraceConfig) { c.HideOutputMessages = true },
			map[string]any{"output.value": redacted, out0 + "role": nil},
			nil, nil, nil, nil},
		{"HideLLMInvocationParameters and HideLLMTools", func(c *sessiontrace.TraceConfig) { c.HideLLMInvocationParameters, c.HideLLMTools = true, true },
			map[string]any{"llm.invocation_parameters": nil, "llm.tools.0.tool.json_schema": nil, in0 + "content": "Secret rules"},
			nil, nil, nil, nil},
		{"Base64ImageMaxLength", func(c *sessiontrace.TraceConfig) { c.Base64ImageMaxLength = 10 },
			map[string]any{"llm.input_messages.1.message.contents.1.message_content.image.image.url": redacted},
			[]string{"Secret question"}, []string{small}, nil, nil},
	} {
		for _, mode := range []string{"wrapped", "wire", "stream"} {
			t.Run(tc.name+"/"+mode, func(t *testing.T) {
				h := newHarness(t)
				h.srv.Enqueue(openaitest.Reply{Content: "The answer"})
				cfg := sessiontrace.DefaultTraceConfig()
				tc.set(&cfg)
				opts := []oiopenai.Option{oiopenai.WithTracerProvider(h.tp), oiopenai.WithTraceConfig(cfg)}
				var err error
				switch mode {
				case "wrapped":
					_, err = oiopenai.Wrap(h.srv.Client(), opts...).CreateResponse(context.Background(), req)
				case "wire":
					_, err = oiopenai.NewClientWithConfig(h.srv.ClientConfig(), opts...).CreateResponse(context.Background(), req)
				case "stream":
					err = readStream(context.Background(), oiopenai.NewClientWithConfig(h.srv.ClientConfig(), opts...), req)
				}
				if err != nil {
					t.Fatal(err)
				}
				sp := h.only(t)
				spantest.Want(t, sp, tc.value)
				wantTexts(t, "input.value", spantest.String(sp, "input.value"), tc.inHas, tc.inHasNot)
				wantTexts(t, "output.value", spantest.String(sp, "output.value"), tc.outHas, tc.outHasNot)
			})
		}
	}
}
