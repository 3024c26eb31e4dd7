//lint:file-ignore SA1019 the deprecated fields are still sent and must be recorded.

package openai_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/sashabaranov/go-openai"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/sessiontrace/sessiontrace"
	"github.com/sessiontrace/sessiontrace/internal/spantest"
	"github.com/sessiontrace/sessiontrace/llm/openai/openaitest"
)

const weatherSchema = `{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}`

var weatherTool = openai.Tool{
	Type: openai.ToolTypeFunction,
	Function: &openai.FunctionDefinition{
		Name:        "get_weather",
		Description: "Current weather of a city.",
		Parameters:  json.RawMessage(weatherSchema),
	},
}

// longImage is an inline image longer than the default
// Base64ImageMaxLength.
var longImage = "data:image/png;base64," + strings.Repeat("A", 40000)

// richRequest has every kind of message: system, multi-part user with a
// linked and an inline image, assistant tool call, tool answer, named user.
func richRequest() openai.ChatCompletionRequest {
	return openai.ChatCompletionRequest{
		Model: "gpt-4o-mini",
		Messages: []openai.ChatCompletionMessage{
			{Role: openai.ChatMessageRoleSystem, Content: "You are terse."},
			{Role: openai.ChatMessageRoleUser, MultiContent: []openai.ChatMessagePart{
				{Type: openai.ChatMessagePartTypeText, Text: "What is in these images?"},
				{Type: openai.ChatMessagePartTypeImageURL, ImageURL: &openai.ChatMessageImageURL{URL: "https://example.com/cat.png", Detail: openai.ImageURLDetailLow}},
				{Type: openai.ChatMessagePartTypeImageURL, ImageURL: &openai.ChatMessageImageURL{URL: longImage}},
			}},
			{Role: openai.ChatMessageRoleAssistant, ToolCalls: []openai.ToolCall{{
				ID: "call_1", Type: openai.ToolTypeFunction,
				Function: openai.FunctionCall{Name: "get_weather", Arguments: `{"city":"Paris"}`},
			}}},
			{Role: openai.ChatMessageRoleTool, ToolCallID: "call_1", Name: "get_weather", Content: "sunny, 21°C"},
			{Role: openai.ChatMessageRoleUser, Name: "alice", Content: "Thanks! <And> tomorrow?"},
		},
		Tools:               []openai.Tool{weatherTool},
		ToolChoice:          "auto",
		Temperature:         0.5,
		MaxCompletionTokens: 100,
		User:                "u-1",
	}
}

func TestChatCompletion(t *testing.T) {
	h := newHarness(t)
	h.srv.Enqueue(openaitest.Reply{
		Content: "Rain, 14°C.",
		Model:   "gpt-4o-mini-2024-07-18",
		Usage: &openai.Usage{
			PromptTokens: 50, CompletionTokens: 10, TotalTokens: 60,
			PromptTokensDetails:     &openai.PromptTokensDetails{CachedTokens: 20, AudioTokens: 3},
			CompletionTokensDetails: &openai.CompletionTokensDetails{ReasoningTokens: 4, AudioTokens: 2},
		},
	})
	ctx := sessiontrace.WithAttributes(context.Background(), sessiontrace.Attributes{
		SessionID: "sess-1", UserID: "user-1",
		Metadata: map[string]any{"plan": "pro"}, Tags: []string{"beta"},
	})
	req := richRequest()
	resp, err := h.client.CreateChatCompletion(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if got := resp.Choices[0].Message.Content; got != "Rain, 14°C." {
		t.Fatalf("answer %q", got)
	}

	s := h.only(t)
	if s.Name() != "ChatCompletion" || s.SpanKind() != trace.SpanKindClient {
		t.Errorf("span %q kind %v", s.Name(), s.SpanKind())
	}
	if s.Status().Code != codes.Ok {
		t.Errorf("status %v", s.Status())
	}
	got := spantest.Attrs(s)
	const in = "llm.input_messages."
	spantest.Want(t, s, map[string]any{
		"openinference.span.kind": "LLM",
		"llm.system":              "openai",
		"llm.provider":            "openai",
		"llm.model_name":          "gpt-4o-mini-2024-07-18",
		"session.id":              "sess-1",
		"user.id":                 "user-1",
		"metadata":                `{"plan":"pro"}`,
		"tag.tags":                []string{"beta"},
		"input.mime_type":         "application/json",
		"output.mime_type":        "application/json",

		in + "0.message.role":                                       "system",
		in + "0.message.content":                                    "You are terse.",
		in + "1.message.role":                                       "user",
		in + "1.message.content":                                    nil,
		in + "1.message.contents.0.message_content.type":            "text",
		in + "1.message.contents.0.message_content.text":            "What is in these images?",
		in + "1.message.contents.1.message_content.type":            "image",
		in + "1.message.contents.1.message_content.image.image.url": "https://example.com/cat.png",
		in + "1.message.contents.2.message_content.type":            "image",
		in + "1.message.contents.2.message_content.image.image.url": "__REDACTED__",
		in + "2.message.role":                                       "assistant",
		in + "2.message.tool_calls.0.tool_call.id":                  "call_1",
		in + "2.message.tool_calls.0.tool_call.function.name":       "get_weather",
		in + "2.message.tool_calls.0.tool_call.function.arguments":  `{"city":"Paris"}`,
		in + "3.message.role":                                       "tool",
		in + "3.message.tool_call_id":                               "call_1",
		in + "3.message.name":                                       "get_weather",
		in + "3.message.content":                                    "sunny, 21°C",
		in + "4.message.name":                                       "alice",
		in + "4.message.content":                                    "Thanks! <And> tomorrow?",

		"llm.output_messages.0.message.role":    "assistant",
		"llm.output_messages.0.message.content": "Rain, 14°C.",
		"llm.finish_reason":                     "stop",

		"llm.token_count.prompt":                       50,
		"llm.token_count.completion":                   10,
		"llm.token_count.total":                        60,
		"llm.token_count.prompt_details.cache_read":    20,
		"llm.token_count.prompt_details.audio":         3,
		"llm.token_count.completion_details.reasoning": 4,
		"llm.token_count.completion_details.audio":     2,
		"http.response.status_code":                    nil,
		"gen_ai.operation.name":                        nil, // off by default
	})

	if !spantest.SameJSON(t, got["llm.tools.0.tool.json_schema"].AsString(), mustJSON(weatherTool)) {
		t.Errorf("tool schema %s", got["llm.tools.0.tool.json_schema"].AsString())
	}

	var params map[string]any
	if err := json.Unmarshal([]byte(got["llm.invocation_parameters"].AsString()), &params); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"messages", "tools", "functions"} {
		if _, ok := params[k]; ok {
			t.Errorf("invocation parameters carry %s", k)
		}
	}
	if params["model"] != "gpt-4o-mini" || params["temperature"] != 0.5 || params["max_completion_tokens"] != 100.0 || params["tool_choice"] != "auto" {
		t.Errorf("invocation parameters %v", params)
	}

	// input.value is the body go-openai sent, with the long inline image
	// redacted.
	sent := h.srv.Requests()[0].Body
	var want map[string]any
	if err := json.Unmarshal(sent, &want); err != nil {
		t.Fatal(err)
	}
	img := want["messages"].([]any)[1].(map[string]any)["content"].([]any)[2].(map[string]any)["image_url"].(map[string]any)
	img["url"] = "__REDACTED__"
	if !spantest.SameJSON(t, got["input.value"].AsString(), mustJSON(want)) {
		t.Errorf("input.value\n got %s\nwant %s", got["input.value"].AsString(), mustJSON(want))
	}
	if !spantest.SameJSON(t, got["output.value"].AsString(), mustJSON(resp)) {
		t.Errorf("output.value %s", got["output.value"].AsString())
	}
}

// The input.value of an ordinary request is exactly what was sent.
func TestChatInputValueIsRequestBody(t *testing.T) {
	seed := 7
	for name, req := range map[string]openai.ChatCompletionRequest{
		"minimal": {Model: "m", Messages: []openai.ChatCompletionMessage{{Role: "user", Content: "hi"}}},
		"everything": func() openai.ChatCompletionRequest {
			r := richRequest()
			r.Messages[1].MultiContent = r.Messages[1].MultiContent[:2]
			r.Messages = append(r.Messages, openai.ChatCompletionMessage{
				Role: "assistant", Refusal: "no", ReasoningContent: "because",
				FunctionCall: &openai.FunctionCall{Name: "f", Arguments: "{}"},
			})
			r.Functions = []openai.FunctionDefinition{{Name: "f", Parameters: json.RawMessage(`{}`)}}
			r.Stop = []string{"\n\n"}
			r.Seed = &seed
			r.LogitBias = map[string]int{"1639": 6}
			r.Metadata = map[string]string{"a": "b"}
			r.ResponseFormat = &openai.ChatCompletionResponseFormat{Type: openai.ChatCompletionResponseFormatTypeJSONObject}
			r.ChatTemplateKwargs = map[string]any{"messages": nil}
			return r
		}(),
		"escapes": {Model: "m\"<&>", Messages: []openai.ChatCompletionMessage{{Role: "user", Content: "\x00\t\u2028 \xff é 😀 \"quoted\" \\ </script>"}}},
		"empty":   {Model: "m", Messages: []openai.ChatCompletionMessage{}},
	} {
		t.Run(name, func(t *testing.T) {
			h := newHarness(t)
			if _, err := h.client.CreateChatCompletion(context.Background(), req); err != nil {
				t.Fatal(err)
			}
			gotSpan := h.only(t)
			got := spantest.Attrs(gotSpan)["input.value"].AsString()
			if sent := string(h.srv.Requests()[0].Body); !spantest.SameJSON(t, got, sent) {
				t.Errorf("input.value\n got %s\nsent %s", got, sent)
			}
		})
	}
}

func TestChatToolCallAnswer(t *testing.T) {
	h := newHarness(t)
	h.srv.Enqueue(openaitest.Reply{ToolCalls: []openai.ToolCall{
		{ID: "call_a", Function: openai.FunctionCall{Name: "get_weather", Arguments: `{"city":"Paris"}`}},
		{ID: "call_b", Function: openai.FunctionCall{Name: "get_weather", Arguments: `{"city":"Oslo"}`}},
	}})
	req := openai.ChatCompletionRequest{Model: "gpt-4o", Tools: []openai.Tool{weatherTool},
		Messages: []openai.ChatCompletionMessage{{Role: "user", Content: "Weather in Paris and Oslo?"}}}
	if _, err := h.client.CreateChatCompletion(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	const out = "llm.output_messages.0.message."
	spantest.Want(t, h.only(t), map[string]any{
		out + "role":                                      "assistant",
		out + "content":                                   nil,
		out + "tool_calls.0.tool_call.id":                 "call_a",
		out + "tool_calls.0.tool_call.function.name":      "get_weather",
		out + "tool_calls.0.tool_call.function.arguments": `{"city":"Paris"}`,
		out + "tool_calls.1.tool_call.id":                 "call_b",
		out + "tool_calls.1.tool_call.function.arguments": `{"city":"Oslo"}`,
		"llm.finish_reason":                               "tool_calls",
		"llm.model_name":                                  "gpt-4o",
	})
}

// Usage without details, and a backend that reports no usage at all.
func TestChatUsageWithoutDetails(t *testing.T) {
	h := newHarness(t)
	h.srv.Enqueue(
		openaitest.Reply{Content: "a", Usage: &openai.Usage{PromptTokens: 5, CompletionTokens: 1, TotalTokens: 6}},
		openaitest.Reply{Content: "b", Usage: &openai.Usage{}},
	)
	req := openai.ChatCompletionRequest{Model: "m", Messages: []openai.ChatCompletionMessage{{Role: "user", Content: "x"}}}
	for range 2 {
		if _, err := h.client.CreateChatCompletion(context.Background(), req); err != nil {
			t.Fatal(err)
		}
	}
	spans := h.rec.Ended()
	spantest.Want(t, spans[0], map[string]any{
		"llm.token_count.prompt":                       5,
		"llm.token_count.total":                        6,
		"llm.token_count.prompt_details.cache_read":    nil,
		"llm.token_count.completion_details.reasoning": nil,
	})
	spantest.Want(t, spans[1], map[string]any{
		"llm.token_count.prompt": nil,
		"llm.token_count.total":  nil,
	})
}

func TestChatGenAISemconv(t *testing.T) {
	cfg := sessiontrace.DefaultTraceConfig()
	cfg.EnableGenAISemconv = true
	h := newHarness(t)
	h.client = wrapWith(h, cfg)
	h.srv.Enqueue(openaitest.Reply{Content: "hello there", Model: "gpt-4o-2024-08-06"})
	ctx := sessiontrace.WithSession(context.Background(), "sess-g")
	req := openai.ChatCompletionRequest{Model: "gpt-4o", Temperature: 0.25, MaxTokens: 64,
		Messages: []openai.ChatCompletionMessage{{Role: "user", Content: "say hello"}}}
	if _, err := h.client.CreateChatCompletion(ctx, req); err != nil {
		t.Fatal(err)
	}
	gotSpan := h.only(t)
	got := spantest.Attrs(gotSpan)
	spantest.Want(t, gotSpan, map[string]any{
		"gen_ai.operation.name":          "chat",
		"gen_ai.provider.name":           "openai",
		"gen_ai.request.model":           "gpt-4o",
		"gen_ai.response.model":          "gpt-4o-2024-08-06",
		"gen_ai.response.id":             "chatcmpl-1",
		"gen_ai.response.finish_reasons": []string{"stop"},
		"gen_ai.conversation.id":         "sess-g",
		"gen_ai.usage.input_tokens":      2,
		"gen_ai.usage.output_tokens":     2,
		"gen_ai.request.max_tokens":      64,
	})
	if got["gen_ai.request.temperature"].AsFloat64() != 0.25 {
		t.Errorf("temperature %v", got["gen_ai.request.temperature"].String())
	}
}
