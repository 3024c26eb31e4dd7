package openaigo_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/sessiontrace/sessiontrace"
	"github.com/sessiontrace/sessiontrace/internal/alternate"
	"github.com/sessiontrace/sessiontrace/llm/openai/openaitest"
	"github.com/sessiontrace/sessiontrace/llm/openaigo"
)

// The benchmarks compare openai-go's own client ("bare") with one whose
// middleware traces ("traced"), against openaitest on loopback, with a
// real SDK TracerProvider that samples every span and an exporter that
// drops them; a third client ("floor") has floorMiddleware, the least
// reading of the same bytes with encoding/json, for scale.
// BenchmarkChatCompletion and BenchmarkChatCompletionStream run the three
// as sub-benchmarks (for proof/bench and benchstat); the Ratio benchmarks
// alternate the bare client with one of the others within one benchmark
// and report the median ratio, the figure to trust on a noisy machine:
//
//	go test -run '^$' -bench Ratio -benchtime 2000x -count 5 ./llm/openaigo/
//
// BenchmarkMiddlewareWork is the middleware's own work, without the
// network.

// discard is an exporter that drops spans: the SDK still builds the
// read-only snapshot of each span, so the attribute work is measured, but
// nothing is kept.
type discard struct{}

func (discard) ExportSpans(context.Context, []sdktrace.ReadOnlySpan) error { return nil }
func (discard) Shutdown(context.Context) error                             { return nil }

// benchProvider returns the TracerProvider of the traced clients.
func benchProvider(b *testing.B) *sdktrace.TracerProvider {
	tp := sdktrace.NewTracerProvider(
		sdktrace.WithSampler(sdktrace.AlwaysSample()),
		sdktrace.WithSpanProcessor(sessiontrace.NewSpanProcessor()),
		sdktrace.WithSyncer(discard{}),
	)
	b.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	return tp
}

// benchMiddleware returns the middleware of the traced clients.
func benchMiddleware(b *testing.B) option.Middleware {
	return openaigo.Middleware(openaigo.WithTracerProvider(benchProvider(b)), openaigo.WithTraceConfig(sessiontrace.DefaultTraceConfig()))
}

// clients are the clients of a benchmark: openai-go's own, one with the
// middleware, and one with floorMiddleware.
type clients struct {
	bare, traced, floor openai.Client
}

// benchClients returns the clients of srv.
func benchClients(b *testing.B, srv *openaitest.Server) clients {
	opts := []option.RequestOption{
		option.WithBaseURL(srv.URL + "/v1/"),
		option.WithAPIKey("test"),
		option.WithHTTPClient(srv.HTTPClient()),
	}
	with := func(mw option.Middleware) openai.Client {
		return openai.NewClient(append(slices.Clone(opts), option.WithMiddleware(mw))...)
	}
	return clients{openai.NewClient(opts...), with(benchMiddleware(b)), with(floorMiddleware(benchProvider(b)))}
}

// conversation is a 20-message chat: a system prompt and nine and a half
// exchanges of a few sentences each (the same as llm/openai's benchmarks).
func conversation() []openai.ChatCompletionMessageParamUnion {
	msgs := []openai.ChatCompletionMessageParamUnion{openai.SystemMessage(
		"You are a helpful travel assistant. Answer briefly, name concrete places, and ask one follow-up question when the request is vague.")}
	for len(msgs) < 20 {
		msgs = append(msgs, openai.UserMessage(
			"I am planning a trip to Lisbon in the spring with two friends. What neighbourhoods should we stay in, and is three days enough to see the city?"))
		if len(msgs) < 20 {
			msgs = append(msgs, openai.AssistantMessage(
				"Alfama and Baixa are central and walkable; Príncipe Real is quieter. Three days covers the centre, Belém and a day trip to Sintra. Do you prefer nightlife or calm evenings?"))
		}
	}
	return msgs
}

// benchCall is one call of a benchmark, made with the client given.
type benchCall func(b *testing.B, c openai.Client)

// chatBench starts openaitest and returns the clients of it and a chat
// call of the 20-message conversation.
func chatBench(b *testing.B) (c clients, call benchCall) {
	srv := openaitest.NewServer(openaitest.WithoutRecording())
	b.Cleanup(srv.Close)
	params := openai.ChatCompletionNewParams{Model: "gpt-4o-mini", Messages: conversation(), Temperature: openai.Float(0.2)}
	ctx := sessiontrace.WithUser(sessiontrace.WithSession(context.Background(), "sess-bench"), "user-bench")
	return benchClients(b, srv), func(b *testing.B, c openai.Client) {
		if _, err := c.Chat.Completions.New(ctx, params); err != nil {
			b.Fatal(err)
		}
	}
}

// streamBench is chatBench for a streamed answer of 500 chunks with the
// usage chunk, read to its end.
func streamBench(b *testing.B) (c clients, call benchCall) {
	const chunks = 500
	answer := strings.TrimSpace(strings.Repeat("Lisbon is lovely in spring. ", chunks/5))
	srv := openaitest.NewServer(openaitest.WithoutRecording(), openaitest.WithResponder(func(openaitest.Request) openaitest.Reply {
		return openaitest.Reply{Content: answer, Chunks: chunks}
	}))
	b.Cleanup(srv.Close)
	params := openai.ChatCompletionNewParams{
		Model:         "gpt-4o-mini",
		Messages:      conversation(),
		StreamOptions: openai.ChatCompletionStreamOptionsParam{IncludeUsage: openai.Bool(true)},
	}
	ctx := sessiontrace.WithUser(sessiontrace.WithSession(context.Background(), "sess-bench"), "user-bench")
	return benchClients(b, srv), func(b *testing.B, c openai.Client) {
		s := c.Chat.Completions.NewStreaming(ctx, params)
		n := 0
		for s.Next() {
			n++
		}
		if err := s.Err(); err != nil {
			b.Fatal(err)
		}
		s.Close()
		if n < chunks {
			b.Fatalf("%d chunks", n)
		}
	}
}

// sideBySide runs call with each client as a sub-benchmark of its own,
// bare first.
func sideBySide(b *testing.B, cs clients, call benchCall) {
	for _, c := range []struct {
		name   string
		client openai.Client
	}{{"bare", cs.bare}, {"traced", cs.traced}, {"floor", cs.floor}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				call(b, c.client)
			}
		})
	}
}

func BenchmarkChatCompletion(b *testing.B) {
	c, call := chatBench(b)
	sideBySide(b, c, call)
}

func BenchmarkChatCompletionStream(b *testing.B) {
	c, call := streamBench(b)
	sideBySide(b, c, call)
}

// BenchmarkChatCompletionRatio and BenchmarkChatCompletionStreamRatio run
// the bare and the traced call in alternation, in rounds of ten calls of
// each, and report the median over the rounds of traced time / bare time:
// on a shared, noisy machine a slow patch then slows both sides of a round
// alike.
func BenchmarkChatCompletionRatio(b *testing.B) {
	c, call := chatBench(b)
	ratio(b, c.bare, c.traced, call)
}

func BenchmarkChatCompletionStreamRatio(b *testing.B) {
	c, call := streamBench(b)
	ratio(b, c.bare, c.traced, call)
}

// BenchmarkChatCompletionFloorRatio and
// BenchmarkChatCompletionStreamFloorRatio are the same with floorMiddleware
// in place of the middleware: the floor of the two ratios above.
func BenchmarkChatCompletionFloorRatio(b *testing.B) {
	c, call := chatBench(b)
	ratio(b, c.bare, c.floor, call)
}

func BenchmarkChatCompletionStreamFloorRatio(b *testing.B) {
	c, call := streamBench(b)
	ratio(b, c.bare, c.floor, call)
}

// ratio runs call with bare and traced in alternating rounds of ten calls
// of each, b.N calls of each in all (an op is one call of each), and reports
// the median ratio and the median time of a call of each.
func ratio(b *testing.B, bare, traced openai.Client, call benchCall) {
	const perRound = 10
	b.ReportAllocs()
	alternate.Rounds(b, max(b.N, perRound)/perRound, perRound,
		func() { call(b, bare) }, func() { call(b, traced) }, "bare-µs/call", "traced-µs/call")
}

// BenchmarkMiddlewareWork is what the middleware adds to a chat call of 20
// messages without the network: reading and describing the request, the
// span, its attributes and the export snapshot, reading and describing the
// response. BenchmarkSDKMarshal is what openai-go itself spends encoding
// the same request, for scale.
func BenchmarkMiddlewareWork(b *testing.B) {
	mw := benchMiddleware(b)
	reqBody, err := json.Marshal(openai.ChatCompletionNewParams{Model: "gpt-4o-mini", Messages: conversation(), Temperature: openai.Float(0.2)})
	if err != nil {
		b.Fatal(err)
	}
	respBody := []byte(`{"id":"chatcmpl-1","object":"chat.completion","created":1735689600,"model":"gpt-4o-mini","choices":[{"index":0,"message":{"role":"assistant","content":"` +
		strings.Repeat("Sintra is a day trip. ", 6) + `","refusal":null},"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":500,"completion_tokens":30,"total_tokens":530,` +
		`"prompt_tokens_details":{"audio_tokens":0,"cached_tokens":0},"completion_tokens_details":{"audio_tokens":0,"reasoning_tokens":0}}}`)
	ctx := sessiontrace.WithUser(sessiontrace.WithSession(context.Background(), "sess-bench"), "user-bench")
	next := func(r *http.Request) (*http.Response, error) {
		_, _ = io.Copy(io.Discard, r.Body)
		return &http.Response{StatusCode: http.StatusOK, Header: http.Header{"Content-Type": {"application/json"}},
			ContentLength: int64(len(respBody)), Body: io.NopCloser(bytes.NewReader(respBody))}, nil
	}
	b.ReportAllocs()
	for b.Loop() {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://127.0.0.1/v1/chat/completions", bytes.NewReader(reqBody))
		if err != nil {
			b.Fatal(err)
		}
		resp, err := mw(req, next)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
	}
}

func BenchmarkSDKMarshal(b *testing.B) {
	params := openai.ChatCompletionNewParams{Model: "gpt-4o-mini", Messages: conversation(), Temperature: openai.Float(0.2)}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := json.Marshal(params); err != nil {
			b.Fatal(err)
		}
	}
}
