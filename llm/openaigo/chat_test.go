package openaigo_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/openai/openai-go/v3/shared"
	goopenai "github.com/sashabaranov/go-openai"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/sessiontrace/sessiontrace"
	"github.com/sessiontrace/sessiontrace/internal/spantest"
	"github.com/sessiontrace/sessiontrace/llm/openai/openaitest"
	"github.com/sessiontrace/sessiontrace/llm/openaigo"
)

// weatherTool is a function tool with a JSON schema.
var weatherTool = openai.ChatCompletionFunctionTool(shared.FunctionDefinitionParam{
	Name:        "get_weather",
	Description: openai.String("Current weather of a city."),
	Parameters: shared.FunctionParameters{
		"type":       "object",
		"properties": map[string]any{"city": map[string]any{"type": "string"}},
		"required":   []string{"city"},
	},
})

// richChat has every kind of message: system, multi-part user with an
// image, an assistant tool call, the tool's answer, a named user.
func richChat() openai.ChatCompletionNewParams {
	return openai.ChatCompletionNewParams{
		Model: "gpt-4o-mini",
		Messages: []openai.ChatCompletionMessageParamUnion{
			openai.SystemMessage("You are terse."),
			openai.UserMessage([]openai.ChatCompletionContentPartUnionParam{
				openai.TextContentPart("What is in this image?"),
				openai.ImageContentPart(openai.ChatCompletionContentPartImageImageURLParam{URL: "https://example.com/cat.png", Detail: "low"}),
			}),
			{OfAssistant: &openai.ChatCompletionAssistantMessageParam{
				ToolCalls: []openai.ChatCompletionMessageToolCallUnionParam{{OfFunction: &openai.ChatCompletionMessageFunctionToolCallParam{
					ID:       "call_1",
					Function: openai.ChatCompletionMessageFunctionToolCallFunctionParam{Name: "get_weather", Arguments: `{"city":"Paris"}`},
				}}},
			}},
			openai.ToolMessage("sunny, 21°C", "call_1"),
			{OfUser: &openai.ChatCompletionUserMessageParam{
				Name:    openai.String("alice"),
				Content: openai.ChatCompletionUserMessageParamContentUnion{OfString: openai.String("Thanks! <And> tomorrow?")},
			}},
		},
		Tools:               []openai.ChatCompletionToolUnionParam{weatherTool},
		ToolChoice:          openai.ChatCompletionToolChoiceOptionUnionParam{OfAuto: openai.String("auto")},
		Temperature:         openai.Float(0.5),
		MaxCompletionTokens: openai.Int(100),
		User:                openai.String("u-1"),
	}
}

func TestChatCompletion(t *testing.T) {
	h := newHarness(t)
	h.srv.Enqueue(openaitest.Reply{
		Content: "Rain, 14°C.",
		Model:   "gpt-4o-mini-2024-07-18",
		Usage: &goopenai.Usage{
			PromptTokens: 50, CompletionTokens: 10, TotalTokens: 60,
			PromptTokensDetails:     &goopenai.PromptTokensDetails{CachedTokens: 20, AudioTokens: 3},
			CompletionTokensDetails: &goopenai.CompletionTokensDetails{ReasoningTokens: 4, AudioTokens: 2},
		},
	})
	ctx := sessiontrace.WithAttributes(context.Background(), sessiontrace.Attributes{
		SessionID: "sess-1", UserID: "user-1", Metadata: map[string]any{"plan": "pro"}, Tags: []string{"beta"},
	})
	resp, err := h.client.Chat.Completions.New(ctx, richChat())
	if err != nil {
		t.Fatal(err)
	}
	if resp.Choices[0].Message.Content != "Rain, 14°C." {
		t.Fatalf("the caller got %q", resp.Choices[0].Message.Content)
	}

	s := h.only(t)
	if s.Name() != "ChatCompletion" || s.SpanKind() != trace.SpanKindClient || s.Status().Code != codes.Ok {
		t.Errorf("span %q kind %v status %v", s.Name(), s.SpanKind(), s.Status())
	}
	sent := string(h.srv.Requests()[0].Body)
	spantest.Want(t, s, map[string]any{
		"openinference.span.kind": "LLM",
		"llm.system":              "openai",
		"llm.provider":            "openai",
		"llm.model_name":          "gpt-4o-mini-2024-07-18",
		"session.id":              "sess-1",
		"user.id":                 "user-1",
		"metadata":                `{"plan":"pro"}`,
		"tag.tags":                []string{"beta"},
		"input.value":             sent,
		"input.mime_type":         "application/json",
		"output.mime_type":        "application/json",

		"llm.input_messages.0.message.role":                                       "system",
		"llm.input_messages.0.message.content":                                    "You are terse.",
		"llm.input_messages.1.message.role":                                       "user",
		"llm.input_messages.1.message.contents.0.message_content.type":            "text",
		"llm.input_messages.1.message.contents.0.message_content.text":            "What is in this image?",
		"llm.input_messages.1.message.contents.1.message_content.type":            "image",
		"llm.input_messages.1.message.contents.1.message_content.image.image.url": "https://example.com/cat.png",
		"llm.input_messages.2.message.role":                                       "assistant",
		"llm.input_messages.2.message.tool_calls.0.tool_call.id":                  "call_1",
		"llm.input_messages.2.message.tool_calls.0.tool_call.function.name":       "get_weather",
		"llm.input_messages.2.message.tool_calls.0.tool_call.function.arguments":  `{"city":"Paris"}`,
		"llm.input_messages.3.message.role":                                       "tool",
		"llm.input_messages.3.message.tool_call_id":                               "call_1",
		"llm.input_messages.3.message.content":                                    "sunny, 21°C",
		"llm.input_messages.4.message.name":                                       "alice",
		"llm.input_messages.4.message.content":                                    "Thanks! <And> tomorrow?",
		"llm.output_messages.0.message.role":                                      "assistant",
		"llm.output_messages.0.message.content":                                   "Rain, 14°C.",
		"llm.finish_reason":                                                       "stop",

		"llm.token_count.prompt":                       50,
		"llm.token_count.completion":                   10,
		"llm.token_count.total":                        60,
		"llm.token_count.prompt_details.cache_read":    20,
		"llm.token_count.prompt_details.audio":         3,
		"llm.token_count.completion_details.reasoning": 4,
		"llm.token_count.completion_details.audio":     2,
		"llm.token_count.prompt_details.cache_write":   nil,
		"http.response.status_code":                    nil,
	})
	attrs := spantest.Attrs(s)
	if !spantest.SameJSON(t, attrs["llm.tools.0.tool.json_schema"].AsString(),
		`{"type":"function","function":{"name":"get_weather","description":"Current weather of a city.","parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}}`) {
		t.Errorf("tool schema = %s", attrs["llm.tools.0.tool.json_schema"].AsString())
	}
	if !spantest.SameJSON(t, attrs["llm.invocation_parameters"].AsString(),
		`{"model":"gpt-4o-mini","tool_choice":"auto","temperature":0.5,"max_completion_tokens":100,"user":"u-1"}`) {
		t.Errorf("invocation parameters = %s", attrs["llm.invocation_parameters"].AsString())
	}
}

// rawServer serves handler on 127.0.0.1 and returns a client of it whose
// middleware records to h.
func (h *harness) rawServer(t *testing.T, handler http.HandlerFunc, opts ...openaigo.Option) openai.Client {
	t.Helper()
	srv := httptest.NewServer(handler)
	t.Cleanup(srv.Close)
	return h.newClient(srv.URL, srv.Client(), opts...)
}

// replyWith is a handler that answers every request with status, the
// content type and body, and keeps the body it received in got.
func replyWith(status int, contentType, body string, got *[]byte) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if got != nil {
			*got = b
		}
		w.Header().Set("Content-Type", contentType)
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}
}

// TestChatBodiesAsSent checks that input.value and output.value are the
// bodies byte for byte, with what openai-go's types do not know, and that
// what the SDK sends and decodes is unchanged.
func TestChatBodiesAsSent(t *testing.T) {
	h := newHarness(t)
	const answer = `{ "id": "chatcmpl-x", "object": "chat.completion", "model": "m-2",
  "choices": [ { "index": 0, "message": { "role": "assistant", "content": "Hi <there>", "extra": [1, 2.50] },
    "finish_reason": "stop", "vendor_score": 0.9 } ],
  "usage": { "prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5 }, "vendor": { "region": "eu" } }`
	var got []byte
	client := h.rawServer(t, replyWith(http.StatusOK, "application/json", answer, &got))
	resp, err := client.Chat.Completions.New(context.Background(), chat("hello"),
		option.WithJSONSet("prompt_cache_key", "k-1"), option.WithJSONSet("vendor_option", map[string]any{"x": 1}))
	if err != nil {
		t.Fatal(err)
	}
	if resp.Choices[0].Message.Content != "Hi <there>" || resp.JSON.ExtraFields["vendor"].Raw() != `{ "region": "eu" }` {
		t.Errorf("the SDK decoded %+v", resp)
	}
	s := h.only(t)
	spantest.Want(t, s, map[string]any{
		"input.value":                               string(got),
		"output.value":                              answer,
		"llm.model_name":                            "m-2",
		"llm.output_messages.0.message.content":     "Hi <there>",
		"llm.token_count.total":                     5,
		"llm.token_count.prompt_details.cache_read": nil,
	})
	if !spantest.SameJSON(t, spantest.String(s, "llm.invocation_parameters"),
		`{"model":"gpt-4o-mini","prompt_cache_key":"k-1","vendor_option":{"x":1}}`) {
		t.Errorf("invocation parameters = %s", spantest.String(s, "llm.invocation_parameters"))
	}
}
