package openai

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/sashabaranov/go-openai"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/sessiontrace/sessiontrace"
)

type discardExporter struct{}

func (discardExporter) ExportSpans(context.Context, []sdktrace.ReadOnlySpan) error { return nil }
func (discardExporter) Shutdown(context.Context) error                             { return nil }

// BenchmarkChatSpanWork measures what the wrapper adds to a chat call of 20
// messages without the network: the span, its attributes and the export
// snapshot. "wire" has the bodies from the wire recorder (NewClientWithConfig),
// "wrapped" encodes them (Wrap). BenchmarkRequestMarshal is what go-openai
// itself spends encoding the same request, for scale.
func BenchmarkChatSpanWork(b *testing.B) {
	c := spanWorkClient(b)
	req := benchRequest()
	resp := openai.ChatCompletionResponse{ID: "chatcmpl-1", Object: "chat.completion", Created: 1, Model: "gpt-4o-mini",
		Choices: []openai.ChatCompletionChoice{{Message: openai.ChatCompletionMessage{Role: "assistant", Content: strings.Repeat("word ", 30)}, FinishReason: "stop"}},
		Usage:   openai.Usage{PromptTokens: 500, CompletionTokens: 30, TotalTokens: 530}}
	ctx := sessiontrace.WithUser(sessiontrace.WithSession(context.Background(), "s"), "u")
	spanWork(b, encodeJSON(req), encodeJSON(resp), func(x *exchange) {
		ctx, span := c.start(ctx, spanChat, c.llmStart)
		call := c.chatCall(ctx, &req, x, false)
		c.chatAnswer(&call, x, &resp)
		c.end(span, &call, nil)
		c.captureTurn(ctx, call.InputMessages, call.OutputMessages)
	})
}

// spanWorkClient returns a client whose spans go to an SDK provider that
// samples and snapshots every span, and exports nowhere.
func spanWorkClient(b *testing.B) *Client {
	tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.AlwaysSample()),
		sdktrace.WithSpanProcessor(sessiontrace.NewSpanProcessor()), sdktrace.WithSyncer(discardExporter{}))
	b.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	return Wrap(openai.NewClient(""), WithTracerProvider(tp), WithTraceConfig(sessiontrace.DefaultTraceConfig()))
}

// spanWork runs work as two sub-benchmarks: "wire", given an exchange
// holding the request and response bodies, and "wrapped", given none.
func spanWork(b *testing.B, request, response string, work func(*exchange)) {
	wire := &exchange{request: request, sent: true, response: response, received: true}
	for _, mode := range []struct {
		name string
		x    *exchange
	}{{"wire", wire}, {"wrapped", nil}} {
		b.Run(mode.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				work(mode.x)
			}
		})
	}
}

func BenchmarkRequestMarshal(b *testing.B) {
	req := benchRequest()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := json.Marshal(req); err != nil {
			b.Fatal(err)
		}
	}
}

func benchRequest() openai.ChatCompletionRequest {
	msgs := []openai.ChatCompletionMessage{{Role: "system", Content: "You are a helpful travel assistant. Answer briefly, name concrete places, and ask one follow-up question when the request is vague."}}
	for len(msgs) < 20 {
		msgs = append(msgs, openai.ChatCompletionMessage{Role: "user", Content: "I am planning a trip to Lisbon in the spring with two friends. What neighbourhoods should we stay in, and is three days enough to see the city?"})
		if len(msgs) < 20 {
			msgs = append(msgs, openai.ChatCompletionMessage{Role: "assistant", Content: "Alfama and Baixa are central and walkable; Príncipe Real is quieter. Three days covers the centre, Belém and a day trip to Sintra. Do you prefer nightlife or calm evenings?"})
		}
	}
	return openai.ChatCompletionRequest{Model: "gpt-4o-mini", Messages: msgs, Temperature: 0.2}
}

// BenchmarkResponseSpanWork is BenchmarkChatSpanWork for a Responses call
// with an input of 20 message items: the wrapper's own work without the
// network, most of which is reading the request and response JSON.
func BenchmarkResponseSpanWork(b *testing.B) {
	c := spanWorkClient(b)
	chat := benchRequest()
	items := make([]any, len(chat.Messages))
	for i, m := range chat.Messages {
		items[i] = openai.ResponseInputMessage{Type: "message", Role: m.Role, Content: m.Content}
	}
	req := openai.CreateResponseRequest{Model: "gpt-4.1-mini", Input: items}
	resp := openai.CreateResponseResponse{ID: "resp_1", Object: "response", Created: 1, Model: "gpt-4.1-mini", Status: "completed",
		Output: []any{map[string]any{"type": "message", "id": "msg_1", "role": "assistant", "status": "completed",
			"content": []any{map[string]any{"type": "output_text", "text": strings.Repeat("word ", 30), "annotations": []any{}}}}},
		Usage: &openai.ResponseUsage{InputTokens: 500, OutputTokens: 30, TotalTokens: 530}}
	ctx := sessiontrace.WithUser(sessiontrace.WithSession(context.Background(), "s"), "u")
	spanWork(b, encodeJSON(req), encodeJSON(resp), func(x *exchange) {
		ctx, span := c.start(ctx, spanResponse, c.llmStart)
		call := c.responseCall(ctx, &req, x, false)
		_ = c.responseAnswer(&call, x, &resp)
		c.end(span, &call, nil)
		c.captureTurn(ctx, call.InputMessages, call.OutputMessages)
	})
}
