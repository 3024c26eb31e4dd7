package langchaingo_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	goopenai "github.com/sashabaranov/go-openai"
	"github.com/tmc/langchaingo/llms"
	"github.com/tmc/langchaingo/llms/openai"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/sessiontrace/sessiontrace"
	"github.com/sessiontrace/sessiontrace/internal/spantest"
	"github.com/sessiontrace/sessiontrace/llm/langchaingo"
	"github.com/sessiontrace/sessiontrace/llm/openai/openaitest"
)

// openAIModel is langchaingo's own OpenAI backend pointed at a fake server.
func openAIModel(t *testing.T) (*openaitest.Server, *openai.LLM) {
	t.Helper()
	srv := openaitest.NewServer()
	t.Cleanup(srv.Close)
	llm, err := openai.New(
		openai.WithBaseURL(srv.URL+"/v1"),
		openai.WithToken("test"),
		openai.WithModel("gpt-4o-mini"),
		openai.WithHTTPClient(srv.HTTPClient()),
	)
	if err != nil {
		t.Fatal(err)
	}
	return srv, llm
}

func TestOpenAIBackendPlain(t *testing.T) {
	srv, llm := openAIModel(t)
	tp, sr := spantest.NewProvider(t)
	model := langchaingo.WrapModel(llm, langchaingo.WithTracerProvider(tp), langchaingo.WithTraceConfig(sessiontrace.DefaultTraceConfig()))
	srv.Enqueue(openaitest.Reply{Content: "Paris.", Usage: &goopenai.Usage{
		PromptTokens: 12, CompletionTokens: 2, TotalTokens: 14,
		PromptTokensDetails:     &goopenai.PromptTokensDetails{CachedTokens: 4},
		CompletionTokensDetails: &goopenai.CompletionTokensDetails{ReasoningTokens: 1},
	}})

	ctx := sessiontrace.WithSession(context.Background(), "s-ctx")
	msgs := []llms.MessageContent{
		llms.TextParts(llms.ChatMessageTypeSystem, "Be brief."),
		llms.TextParts(llms.ChatMessageTypeHuman, "Capital of France?"),
	}
	resp, err := model.GenerateContent(ctx, msgs, llms.WithTemperature(0.2), llms.WithMaxTokens(50))
	if err != nil {
		t.Fatal(err)
	}
	if got := resp.Choices[0].Content; got != "Paris." {
		t.Fatalf("content = %q", got)
	}
	s := spantest.Only(t, sr)
	if s.Name() != "GenerateContent" || s.Status().Code != codes.Ok {
		t.Errorf("span %q status %v", s.Name(), s.Status())
	}
	if s.InstrumentationScope().Name != langchaingo.ScopeName {
		t.Errorf("scope = %q", s.InstrumentationScope().Name)
	}
	spantest.Want(t, s, map[string]any{
		"openinference.span.kind":                      "LLM",
		"llm.system":                                   "openai",
		"llm.provider":                                 "openai",
		"session.id":                                   "s-ctx",
		"llm.invocation_parameters":                    `{"max_tokens":50,"temperature":0.2}`,
		"input.mime_type":                              "application/json",
		"input.value":                                  `{"messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Capital of France?"}]}`,
		"llm.input_messages.0.message.role":            "system",
		"llm.input_messages.0.message.content":         "Be brief.",
		"llm.input_messages.1.message.role":            "user",
		"llm.input_messages.1.message.content":         "Capital of France?",
		"output.value":                                 `{"messages":[{"role":"assistant","content":"Paris."}]}`,
		"output.mime_type":                             "application/json",
		"llm.output_messages.0.message.role":           "assistant",
		"llm.output_messages.0.message.content":        "Paris.",
		"llm.token_count.prompt":                       12,
		"llm.token_count.completion":                   2,
		"llm.token_count.total":                        14,
		"llm.token_count.prompt_details.cache_read":    4,
		"llm.token_count.completion_details.reasoning": 1,
		"llm.finish_reason":                            "stop",
		"llm.model_name":                               nil, // the backend keeps its default model private
		"llm.tools.0.tool.json_schema":                 nil,
		"llm.token_count.prompt_details.cache_write":   nil,
		"llm.input_messages.0.message.contents.0.message_content.type": nil,
	})
}

func TestOpenAIBackendModelName(t *testing.T) {
	srv, llm := openAIModel(t)
	tp, sr := spantest.NewProvider(t)
	model := langchaingo.WrapModel(llm, langchaingo.WithTracerProvider(tp), langchaingo.WithModelName("gpt-4o-mini"))
	ctx := context.Background()
	if _, err := model.Call(ctx, "hi"); err != nil {
		t.Fatal(err)
	}
	if _, err := model.Call(ctx, "hi", llms.WithModel("gpt-4.1")); err != nil {
		t.Fatal(err)
	}
	spans := sr.Ended()
	if len(spans) != 2 {
		t.Fatalf("%d spans, want 2 (Call must not nest spans)", len(spans))
	}
	spantest.Want(t, spans[0], map[string]any{"llm.model_name": "gpt-4o-mini"})
	spantest.Want(t, spans[1], map[string]any{"llm.model_name": "gpt-4.1"})
	if got := srv.Requests()[1].Chat.Model; got != "gpt-4.1" {
		t.Errorf("request model = %q", got)
	}
}

func TestOpenAIBackendStreamed(t *testing.T) {
	srv, llm := openAIModel(t)
	tp, sr := spantest.NewProvider(t)
	model := langchaingo.WrapModel(llm, langchaingo.WithTracerProvider(tp), langchaingo.WithTraceConfig(sessiontrace.DefaultTraceConfig()))
	srv.Enqueue(openaitest.Reply{Content: "The capital is Paris."})

	var chunks []string
	resp, err := model.GenerateContent(context.Background(), human("Capital of France?"),
		llms.WithStreamingFunc(func(_ context.Context, chunk []byte) error {
			chunks = append(chunks, string(chunk))
			return nil
		}))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(chunks, ""); got != "The capital is Paris." {
		t.Errorf("caller got chunks %q", chunks)
	}
	if resp.Choices[0].Content != "The capital is Paris." {
		t.Errorf("content = %q", resp.Choices[0].Content)
	}
	s := spantest.Only(t, sr)
	var first int
	for _, e := range s.Events() {
		if e.Name == "First Token Stream Event" {
			first++
		}
	}
	if first != 1 {
		t.Errorf("%d first-token events, want 1", first)
	}
	spantest.Want(t, s, map[string]any{
		"llm.invocation_parameters":             `{"stream":true}`,
		"output.value":                          `{"messages":[{"role":"assistant","content":"The capital is Paris."}]}`,
		"llm.output_messages.0.message.content": "The capital is Paris.",
		// The backend turns on usage for streams itself; the fake server
		// counts words.
		"llm.token_count.prompt":     3,
		"llm.token_count.completion": 4,
		"llm.token_count.total":      7,
	})
	if s.Status().Code != codes.Ok {
		t.Errorf("status %v", s.Status())
	}
}

func TestOpenAIBackendTools(t *testing.T) {
	srv, llm := openAIModel(t)
	tp, sr := spantest.NewProvider(t)
	model := langchaingo.WrapModel(llm, langchaingo.WithTracerProvider(tp), langchaingo.WithTraceConfig(sessiontrace.DefaultTraceConfig()))
	weather := llms.Tool{Type: "function", Function: &llms.FunctionDefinition{
		Name: "get_weather", Description: "Weather in a city",
		Parameters: map[string]any{"type": "object", "properties": map[string]any{"city": map[string]any{"type": "string"}}},
	}}
	srv.Enqueue(
		openaitest.Reply{ToolCalls: []goopenai.ToolCall{{ID: "call_w", Function: goopenai.FunctionCall{Name: "get_weather", Arguments: `{"city":"Paris"}`}}}},
		openaitest.Reply{Content: "Sunny, 21°C."},
	)
	ctx := context.Background()
	history := human("Weather in Paris?")
	resp, err := model.GenerateContent(ctx, history, llms.WithTools([]llms.Tool{weather}))
	if err != nil {
		t.Fatal(err)
	}
	call := resp.Choices[0].ToolCalls[0]
	history = append(history,
		llms.MessageContent{Role: llms.ChatMessageTypeAI, Parts: []llms.ContentPart{call}},
		llms.MessageContent{Role: llms.ChatMessageTypeTool, Parts: []llms.ContentPart{
			llms.ToolCallResponse{ToolCallID: call.ID, Name: "get_weather", Content: "sunny, 21"},
		}},
	)
	if _, err := model.GenerateContent(ctx, history, llms.WithTools([]llms.Tool{weather})); err != nil {
		t.Fatal(err)
	}
	spans := sr.Ended()
	if len(spans) != 2 {
		t.Fatalf("%d spans", len(spans))
	}
	schema, _ := json.Marshal(weather)
	spantest.Want(t, spans[0], map[string]any{
		"llm.tools.0.tool.json_schema":                                            string(schema),
		"llm.output_messages.0.message.role":                                      "assistant",
		"llm.output_messages.0.message.tool_calls.0.tool_call.id":                 "call_w",
		"llm.output_messages.0.message.tool_calls.0.tool_call.function.name":      "get_weather",
		"llm.output_messages.0.message.tool_calls.0.tool_call.function.arguments": `{"city":"Paris"}`,
		"llm.output_messages.0.message.content":                                   nil,
	})
	spantest.Want(t, spans[1], map[string]any{
		"llm.input_messages.1.message.role":                                      "assistant",
		"llm.input_messages.1.message.tool_calls.0.tool_call.id":                 "call_w",
		"llm.input_messages.1.message.tool_calls.0.tool_call.function.name":      "get_weather",
		"llm.input_messages.1.message.tool_calls.0.tool_call.function.arguments": `{"city":"Paris"}`,
		"llm.input_messages.2.message.role":                                      "tool",
		"llm.input_messages.2.message.tool_call_id":                              "call_w",
		"llm.input_messages.2.message.content":                                   "sunny, 21",
		"llm.output_messages.0.message.content":                                  "Sunny, 21°C.",
	})
	// The tool answer reached the server as langchaingo sent it.
	if got := srv.Requests()[1].Chat.Messages[2].ToolCallID; got != "call_w" {
		t.Errorf("tool_call_id on the wire = %q", got)
	}
}

func TestOpenAIBackendStreamedTools(t *testing.T) {
	srv, llm := openAIModel(t)
	tp, sr := spantest.NewProvider(t)
	model := langchaingo.WrapModel(llm, langchaingo.WithTracerProvider(tp))
	srv.Enqueue(openaitest.Reply{ToolCalls: []goopenai.ToolCall{{ID: "call_1", Function: goopenai.FunctionCall{Name: "lookup", Arguments: `{"query":"langchaingo tracing"}`}}}})
	_, err := model.GenerateContent(context.Background(), human("look it up"),
		llms.WithStreamingFunc(func(context.Context, []byte) error { return nil }))
	if err != nil {
		t.Fatal(err)
	}
	spantest.Want(t, spantest.Only(t, sr), map[string]any{
		"llm.output_messages.0.message.tool_calls.0.tool_call.id":                 "call_1",
		"llm.output_messages.0.message.tool_calls.0.tool_call.function.name":      "lookup",
		"llm.output_messages.0.message.tool_calls.0.tool_call.function.arguments": `{"query":"langchaingo tracing"}`,
	})
}

func TestOpenAIBackendErrors(t *testing.T) {
	for _, fault := range []openaitest.Fault{openaitest.FaultRateLimit, openaitest.FaultBadGateway, openaitest.FaultStreamError} {
		for _, streamed := range []bool{false, true} {
			t.Run(fault.String()+map[bool]string{false: "", true: "/stream"}[streamed], func(t *testing.T) {
				srv, llm := openAIModel(t)
				tp, sr := spantest.NewProvider(t)
				model := langchaingo.WrapModel(llm, langchaingo.WithTracerProvider(tp))
				srv.Enqueue(openaitest.Reply{Content: "one two three four", Fault: fault})
				var opts []llms.CallOption
				if streamed {
					opts = append(opts, llms.WithStreamingFunc(func(context.Context, []byte) error { return nil }))
				}
				ctx, turnSpan := sessiontrace.StartTurn(context.Background(), "turn", sessiontrace.WithTracerProvider(tp))
				resp, err := model.GenerateContent(ctx, human("hi"), opts...)
				turnSpan.End()
				if fault == openaitest.FaultStreamError && streamed {
					// langchaingo's stream reader skips the error event and
					// returns what arrived before it without an error; the
					// wrapper passes that on and records it as it is.
					if err != nil {
						t.Fatalf("langchaingo now reports mid-stream errors (%v): assert the error path here", err)
					}
					spantest.Want(t, sr.Ended()[0], map[string]any{"llm.output_messages.0.message.content": resp.Choices[0].Content})
					return
				}
				if err == nil {
					t.Fatalf("no error; resp %+v", resp)
				}
				var llmSpan, root sdktrace.ReadOnlySpan
				for _, s := range sr.Ended() {
					switch s.Name() {
					case "GenerateContent":
						llmSpan = s
					case "turn":
						root = s
					}
				}
				if llmSpan == nil {
					t.Fatal("no LLM span")
				}
				if llmSpan.Status().Code != codes.Error || llmSpan.Status().Description != err.Error() {
					t.Errorf("status %+v, want Error %q", llmSpan.Status(), err)
				}
				var exc bool
				for _, e := range llmSpan.Events() {
					exc = exc || e.Name == "exception"
				}
				if !exc {
					t.Error("no exception event")
				}
				spantest.Want(t, llmSpan, map[string]any{"output.value": nil, "llm.token_count.total": nil})
				// A failed call captures nothing into the turn.
				spantest.Want(t, root, map[string]any{"input.value": nil, "output.value": nil})
			})
		}
	}
}

// The error is the backend's own, unchanged.
func TestErrorUnchanged(t *testing.T) {
	tp, _ := spantest.NewProvider(t)
	model := langchaingo.WrapModel(&fakeModel{err: errBoom}, langchaingo.WithTracerProvider(tp))
	if _, err := model.GenerateContent(context.Background(), human("hi")); err != errBoom {
		t.Errorf("err = %v, want errBoom itself", err)
	}
}

// A hand-written model that answers like langchaingo's Anthropic backend: a
// text block and a tool_use block come back as two choices, each carrying
// the call's usage under Anthropic's names.
func TestAnthropicStyleGenerationInfo(t *testing.T) {
	info := map[string]any{
		"InputTokens": 100, "OutputTokens": 20,
		"CacheCreationInputTokens": 30, "CacheReadInputTokens": 50,
		"ThinkingContent": "", "OutputContent": "Let me check.",
	}
	m := &fakeModel{replies: []*llms.ContentResponse{{Choices: []*llms.ContentChoice{
		{Content: "Let me check.", StopReason: "tool_use", GenerationInfo: info},
		{StopReason: "tool_use", GenerationInfo: info, ToolCalls: []llms.ToolCall{{
			ID: "toolu_1", Type: "function",
			FunctionCall: &llms.FunctionCall{Name: "get_weather", Arguments: `{"city":"Oslo"}`},
		}}},
	}}}}
	tp, sr := spantest.NewProvider(t)
	model := langchaingo.WrapModel(m, langchaingo.WithTracerProvider(tp),
		langchaingo.WithProvider("anthropic"), langchaingo.WithModelName("claude-sonnet-4"),
		langchaingo.WithTraceConfig(sessiontrace.TraceConfig{EnableGenAISemconv: true}))
	if _, err := model.GenerateContent(context.Background(), human("Weather in Oslo?")); err != nil {
		t.Fatal(err)
	}
	s := spantest.Only(t, sr)
	spantest.Want(t, s, map[string]any{
		"llm.provider":   "anthropic",
		"llm.system":     nil, // not detectable from a test type
		"llm.model_name": "claude-sonnet-4",
		// Anthropic's input_tokens leave the cache out; the prompt is all three.
		"llm.token_count.prompt":                                                  180,
		"llm.token_count.completion":                                              20,
		"llm.token_count.total":                                                   200,
		"llm.token_count.prompt_details.cache_read":                               50,
		"llm.token_count.prompt_details.cache_write":                              30,
		"llm.output_messages.0.message.content":                                   "Let me check.",
		"llm.output_messages.1.message.tool_calls.0.tool_call.id":                 "toolu_1",
		"llm.output_messages.1.message.tool_calls.0.tool_call.function.arguments": `{"city":"Oslo"}`,
		"gen_ai.operation.name":                                                   "chat",
		"gen_ai.provider.name":                                                    "anthropic",
		"gen_ai.request.model":                                                    "claude-sonnet-4",
		"gen_ai.usage.input_tokens":                                               180,
		"gen_ai.usage.output_tokens":                                              20,
	})
	if v := spantest.Attrs(s)["gen_ai.response.finish_reasons"].AsStringSlice(); len(v) != 2 || v[0] != "tool_use" {
		t.Errorf("finish reasons %v", v)
	}
}

func TestTokenCountShapes(t *testing.T) {
	for _, tc := range []struct {
		name string
		info map[string]any
		want map[string]any
	}{
		{"openai ints", map[string]any{"PromptTokens": 3, "CompletionTokens": 4, "TotalTokens": 7, "PromptAudioTokens": 1, "CompletionAudioTokens": 2},
			map[string]any{"llm.token_count.prompt": 3, "llm.token_count.completion": 4, "llm.token_count.total": 7,
				"llm.token_count.prompt_details.audio": 1, "llm.token_count.completion_details.audio": 2}},
		{"total computed", map[string]any{"PromptTokens": int32(3), "CompletionTokens": int64(4)},
			map[string]any{"llm.token_count.prompt": 3, "llm.token_count.completion": 4, "llm.token_count.total": 7}},
		{"floats from JSON", map[string]any{"PromptTokens": 3.0, "CompletionTokens": float32(4), "ReasoningTokens": json.Number("2")},
			map[string]any{"llm.token_count.prompt": 3, "llm.token_count.completion": 4, "llm.token_count.completion_details.reasoning": 2}},
		{"google snake case", map[string]any{"input_tokens": int32(5), "output_tokens": int32(6), "total_tokens": int32(11)},
			map[string]any{"llm.token_count.prompt": 5, "llm.token_count.completion": 6, "llm.token_count.total": 11}},
		{"zero is recorded", map[string]any{"PromptTokens": 0, "CompletionTokens": 0},
			map[string]any{"llm.token_count.prompt": 0, "llm.token_count.total": 0}},
		{"garbage is not a count", map[string]any{"PromptTokens": "many", "CompletionTokens": -1, "TotalTokens": 1.5},
			map[string]any{"llm.token_count.prompt": nil, "llm.token_count.total": nil}},
		{"none", nil, map[string]any{"llm.token_count.prompt": nil}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tp, sr := spantest.NewProvider(t)
			model := langchaingo.WrapModel(&fakeModel{replies: []*llms.ContentResponse{textReply("ok", tc.info)}}, langchaingo.WithTracerProvider(tp))
			if _, err := model.GenerateContent(context.Background(), human("hi")); err != nil {
				t.Fatal(err)
			}
			spantest.Want(t, spantest.Only(t, sr), tc.want)
		})
	}
}

func TestInputMessageParts(t *testing.T) {
	tp, sr := spantest.NewProvider(t)
	model := langchaingo.WrapModel(&fakeModel{replies: []*llms.ContentResponse{textReply("a cat", nil)}},
		langchaingo.WithTracerProvider(tp), langchaingo.WithTraceConfig(sessiontrace.DefaultTraceConfig()))
	png := []byte{0x89, 'P', 'N', 'G'}
	msgs := []llms.MessageContent{
		{Role: llms.ChatMessageTypeGeneric, Parts: []llms.ContentPart{llms.TextContent{Text: "hello"}}},
		{Role: llms.ChatMessageTypeHuman, Parts: []llms.ContentPart{
			llms.TextPart("What is in these?"),
			llms.ImageURLPart("https://example.com/cat.jpg"),
			llms.BinaryPart("image/png", png),
			llms.BinaryPart("application/pdf", []byte("%PDF")), // no OpenInference part type: left out
		}},
		{Role: llms.ChatMessageTypeFunction, Parts: []llms.ContentPart{llms.ToolCallResponse{Name: "legacy_fn", Content: "42"}}},
		{Role: "robot", Parts: []llms.ContentPart{&llms.TextContent{Text: "beep"}, (*llms.TextContent)(nil), nil}},
		{Role: llms.ChatMessageTypeAI, Parts: []llms.ContentPart{llms.ToolCall{ID: "c1"}}}, // no FunctionCall
	}
	if _, err := model.GenerateContent(context.Background(), msgs); err != nil {
		t.Fatal(err)
	}
	spantest.Want(t, spantest.Only(t, sr), map[string]any{
		"llm.input_messages.0.message.role":                                       "user",
		"llm.input_messages.0.message.content":                                    "hello",
		"llm.input_messages.1.message.role":                                       "user",
		"llm.input_messages.1.message.content":                                    nil,
		"llm.input_messages.1.message.contents.0.message_content.type":            "text",
		"llm.input_messages.1.message.contents.0.message_content.text":            "What is in these?",
		"llm.input_messages.1.message.contents.1.message_content.type":            "image",
		"llm.input_messages.1.message.contents.1.message_content.image.image.url": "https://example.com/cat.jpg",
		"llm.input_messages.1.message.contents.2.message_content.image.image.url": "data:image/png;base64,iVBORw==",
		"llm.input_messages.1.message.contents.3.message_content.type":            nil,
		"llm.input_messages.2.message.role":                                       "function",
		"llm.input_messages.2.message.name":                                       "legacy_fn",
		"llm.input_messages.2.message.content":                                    "42",
		"llm.input_messages.3.message.role":                                       "robot",
		"llm.input_messages.3.message.content":                                    "beep",
		"llm.input_messages.4.message.tool_calls.0.tool_call.id":                  "c1",
		"llm.input_messages.4.message.tool_calls.0.tool_call.function.name":       nil,
	})
}

func TestMasking(t *testing.T) {
	big := llms.BinaryPart("image/png", make([]byte, 30000))
	msgs := []llms.MessageContent{
		{Role: llms.ChatMessageTypeHuman, Parts: []llms.ContentPart{llms.TextPart("secret question"), llms.ImageURLPart("https://example.com/x.png"), big}},
	}
	tool := llms.Tool{Type: "function", Function: &llms.FunctionDefinition{Name: "f"}}
	for _, tc := range []struct {
		name string
		cfg  sessiontrace.TraceConfig
		want map[string]any
	}{
		{"inputs", sessiontrace.TraceConfig{HideInputs: true}, map[string]any{
			"input.value": "__REDACTED__", "input.mime_type": nil,
			"llm.input_messages.0.message.role": nil, "llm.tools.0.tool.json_schema": nil,
			"output.value": `{"messages":[{"role":"assistant","content":"secret answer"}]}`,
			"session.id":   "s1", "llm.token_count.total": 5,
		}},
		{"outputs", sessiontrace.TraceConfig{HideOutputs: true}, map[string]any{
			"output.value": "__REDACTED__", "output.mime_type": nil, "llm.output_messages.0.message.role": nil,
			"llm.input_messages.0.message.contents.0.message_content.text": "secret question",
		}},
		{"input text", sessiontrace.TraceConfig{HideInputText: true}, map[string]any{
			"llm.input_messages.0.message.contents.0.message_content.text": "__REDACTED__",
			"input.value":                           `{"messages":[{"content":[{"text":"__REDACTED__","type":"text"},{"type":"image_url","image_url":{"url":"https://example.com/x.png"}},{"type":"image_url","image_url":{"url":"__REDACTED__"}}],"role":"user"}]}`,
			"llm.output_messages.0.message.content": "secret answer",
		}},
		{"output text", sessiontrace.TraceConfig{HideOutputText: true}, map[string]any{
			"llm.output_messages.0.message.content": "__REDACTED__",
			"output.value":                          `{"messages":[{"content":"__REDACTED__","role":"assistant"}]}`,
		}},
		{"images", sessiontrace.TraceConfig{HideInputImages: true}, map[string]any{
			"llm.input_messages.0.message.contents.1.message_content.type": nil,
			"input.value": `{"messages":[{"content":[{"type":"text","text":"secret question"},{"image_url":{"url":"__REDACTED__"},"type":"image_url"},{"image_url":{"url":"__REDACTED__"},"type":"image_url"}],"role":"user"}]}`,
		}},
		{"base64 length", sessiontrace.TraceConfig{Base64ImageMaxLength: 50000}, map[string]any{
			"llm.input_messages.0.message.contents.2.message_content.image.image.url": "data:image/png;base64," + strings.Repeat("A", 40000),
		}},
		{"messages, parameters, tools", sessiontrace.TraceConfig{HideInputMessages: true, HideOutputMessages: true, HideLLMInvocationParameters: true, HideLLMTools: true}, map[string]any{
			"llm.input_messages.0.message.role": nil, "llm.output_messages.0.message.role": nil,
			"llm.invocation_parameters": nil, "llm.tools.0.tool.json_schema": nil,
			// The messages must not leak through input.value / output.value.
			"input.value": "__REDACTED__", "input.mime_type": nil,
			"output.value": "__REDACTED__", "output.mime_type": nil,
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tp, sr := spantest.NewProvider(t)
			model := langchaingo.WrapModel(&fakeModel{replies: []*llms.ContentResponse{textReply("secret answer", map[string]any{"PromptTokens": 3, "CompletionTokens": 2})}},
				langchaingo.WithTracerProvider(tp), langchaingo.WithTraceConfig(tc.cfg))
			ctx := sessiontrace.WithSession(context.Background(), "s1")
			if _, err := model.GenerateContent(ctx, msgs, llms.WithTools([]llms.Tool{tool}), llms.WithTemperature(0.5)); err != nil {
				t.Fatal(err)
			}
			spantest.Want(t, spantest.Only(t, sr), tc.want)
		})
	}
}

// The environment is read when the wrapper is made; code beats it.
func TestMaskingFromEnvironment(t *testing.T) {
	t.Setenv("OPENINFERENCE_HIDE_INPUTS", "true")
	tp, sr := spantest.NewProvider(t)
	fromEnv := langchaingo.WrapModel(&fakeModel{replies: []*llms.ContentResponse{textReply("ok", nil)}}, langchaingo.WithTracerProvider(tp))
	fromCode := langchaingo.WrapModel(&fakeModel{replies: []*llms.ContentResponse{textReply("ok", nil)}}, langchaingo.WithTracerProvider(tp),
		langchaingo.WithTraceConfig(sessiontrace.DefaultTraceConfig()))
	ctx := context.Background()
	_, _ = fromEnv.GenerateContent(ctx, human("hi"))
	_, _ = fromCode.GenerateContent(ctx, human("hi"))
	spans := sr.Ended()
	spantest.Want(t, spans[0], map[string]any{"input.value": "__REDACTED__"})
	spantest.Want(t, spans[1], map[string]any{"input.value": `{"messages":[{"role":"user","content":"hi"}]}`})
}

func TestSuppression(t *testing.T) {
	tp, sr := spantest.NewProvider(t)
	m := &fakeModel{replies: []*llms.ContentResponse{textReply("ok", nil)}}
	model := langchaingo.WrapModel(m, langchaingo.WithTracerProvider(tp))
	ctx := sessiontrace.WithSuppression(context.Background())
	ctx, turnSpan := sessiontrace.StartTurn(ctx, "turn", sessiontrace.WithTracerProvider(tp))
	streamed := 0
	resp, err := model.GenerateContent(ctx, human("grade this"), llms.WithMetadata(map[string]any{"session_id": "x"}),
		llms.WithStreamingFunc(func(context.Context, []byte) error { streamed++; return nil }))
	turnSpan.End()
	if err != nil || resp.Choices[0].Content != "ok" || streamed == 0 {
		t.Fatalf("resp %v err %v streamed %d", resp, err, streamed)
	}
	for _, s := range sr.Ended() {
		if s.Name() != "turn" {
			t.Errorf("span %q under suppression", s.Name())
		}
		spantest.Want(t, s, map[string]any{"input.value": nil, "output.value": nil})
	}
}

func TestTurnCapture(t *testing.T) {
	tp, sr := spantest.NewProvider(t)
	m := &fakeModel{replies: []*llms.ContentResponse{textReply("first answer", nil), textReply("final answer", nil)}}
	model := langchaingo.WrapModel(m, langchaingo.WithTracerProvider(tp), langchaingo.WithTraceConfig(sessiontrace.DefaultTraceConfig()))
	ctx, turnSpan := sessiontrace.StartTurn(context.Background(), "turn", sessiontrace.WithTracerProvider(tp))
	msgs := []llms.MessageContent{
		llms.TextParts(llms.ChatMessageTypeSystem, "sys"),
		llms.TextParts(llms.ChatMessageTypeHuman, "What's up?"),
	}
	_, _ = model.GenerateContent(ctx, msgs)
	_, _ = model.GenerateContent(ctx, append(msgs, llms.TextParts(llms.ChatMessageTypeHuman, "follow-up the model asked itself")))
	turnSpan.End()
	var root sdktrace.ReadOnlySpan
	for _, s := range sr.Ended() {
		if s.Name() == "turn" {
			root = s
		} else if s.Parent().SpanID() != turnSpan.SpanContext().SpanID() {
			t.Errorf("LLM span not under the turn")
		}
	}
	spantest.Want(t, root, map[string]any{
		"input.value": "What's up?", "input.mime_type": "text/plain",
		"output.value": "final answer", "output.mime_type": "text/plain",
	})

	// WithoutTurnCapture leaves the turn alone.
	tp2, sr2 := spantest.NewProvider(t)
	quiet := langchaingo.WrapModel(&fakeModel{replies: []*llms.ContentResponse{textReply("x", nil)}}, langchaingo.WithTracerProvider(tp2), langchaingo.WithoutTurnCapture())
	ctx, turnSpan = sessiontrace.StartTurn(context.Background(), "turn", sessiontrace.WithTracerProvider(tp2))
	_, _ = quiet.GenerateContent(ctx, human("hi"))
	turnSpan.End()
	for _, s := range sr2.Ended() {
		if s.Name() == "turn" {
			spantest.Want(t, s, map[string]any{"input.value": nil, "output.value": nil})
		}
	}
}

func TestPanicEndsSpan(t *testing.T) {
	tp, sr := spantest.NewProvider(t)
	model := langchaingo.WrapModel(&fakeModel{panics: "kaboom"}, langchaingo.WithTracerProvider(tp))
	func() {
		defer func() {
			if r := recover(); r != "kaboom" {
				t.Errorf("recovered %v, want the original panic", r)
			}
		}()
		_, _ = model.GenerateContent(context.Background(), human("hi"))
	}()
	s := spantest.Only(t, sr)
	if s.Status().Code != codes.Error || s.Status().Description != "panic: kaboom" {
		t.Errorf("status %+v", s.Status())
	}
}

func TestOddResponses(t *testing.T) {
	tp, sr := spantest.NewProvider(t)
	for _, resp := range []*llms.ContentResponse{nil, {}, {Choices: []*llms.ContentChoice{nil}}} {
		model := langchaingo.WrapModel(&fakeModel{replies: []*llms.ContentResponse{resp}}, langchaingo.WithTracerProvider(tp))
		got, err := model.GenerateContent(context.Background(), nil)
		if err != nil || got != resp {
			t.Errorf("GenerateContent changed the response: %v %v", got, err)
		}
	}
	for _, s := range sr.Ended() {
		if s.Status().Code != codes.Ok {
			t.Errorf("status %v", s.Status())
		}
	}
}

// Wrapping twice does not nest two LLM spans for one call, and the options
// reach the model as given.
func TestRewrapAndOptionsUnchanged(t *testing.T) {
	tp, sr := spantest.NewProvider(t)
	m := &fakeModel{replies: []*llms.ContentResponse{textReply("ok", nil)}}
	model := langchaingo.WrapModel(langchaingo.WrapModel(m), langchaingo.WithTracerProvider(tp))
	md := map[string]any{"thread_id": "t-1", "openai:use_legacy_max_tokens": true}
	opts := make([]llms.CallOption, 2, 8) // spare capacity: the wrapper must not write into it
	opts[0], opts[1] = llms.WithMetadata(md), llms.WithStopWords([]string{"\n"})
	if _, err := model.GenerateContent(context.Background(), human("hi"), opts...); err != nil {
		t.Fatal(err)
	}
	spantest.Only(t, sr)
	got := m.lastCall()
	if len(got.Metadata) != 2 || got.Metadata["thread_id"] != "t-1" || len(got.StopWords) != 1 || got.StreamingFunc != nil {
		t.Errorf("model got options %+v", got)
	}
	if opts[:3][2] != nil {
		t.Error("the wrapper wrote into the caller's options")
	}
}
