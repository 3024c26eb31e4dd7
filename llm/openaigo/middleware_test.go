package openaigo_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/sessiontrace/sessiontrace"
	"github.com/sessiontrace/sessiontrace/internal/spantest"
	"github.com/sessiontrace/sessiontrace/llm/openai/openaitest"
	"github.com/sessiontrace/sessiontrace/llm/openaigo"
)

// TestPassThrough sends requests the middleware does not trace: they reach
// the server as they were, and no span is made.
func TestPassThrough(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	_, _ = h.client.Models.List(ctx)                                                                                                            // GET …/models
	_, _ = h.client.Chat.Completions.Get(ctx, "chatcmpl-1")                                                                                     // GET …/chat/completions/{id}
	_, _ = h.client.Moderations.New(ctx, openai.ModerationNewParams{Input: openai.ModerationNewParamsInputUnion{OfString: openai.String("x")}}) // POST …/moderations
	if _, err := h.client.Chat.Completions.New(sessiontrace.WithSuppression(ctx), chat("quiet")); err != nil {
		t.Fatal(err)
	}
	if spans := h.rec.Ended(); len(spans) != 0 {
		t.Errorf("spans %v, want none", spantest.Names(spans))
	}
	var got []string
	for _, r := range h.srv.Requests() {
		got = append(got, r.Method+" "+r.Path)
	}
	want := []string{"GET /v1/models", "GET /v1/chat/completions/chatcmpl-1", "POST /v1/moderations", "POST /v1/chat/completions"}
	if strings.Join(got, ", ") != strings.Join(want, ", ") {
		t.Errorf("the server got %v, want %v", got, want)
	}
}

// TestTracerProvider checks where the spans go: to WithTracerProvider's,
// else to the provider of the span in the context (as its child), else to
// the global one.
func TestTracerProvider(t *testing.T) {
	srv := openaitest.NewServer()
	t.Cleanup(srv.Close)
	client := func(opts ...openaigo.Option) openai.Client {
		return openai.NewClient(option.WithBaseURL(srv.URL+"/v1/"), option.WithAPIKey("test"),
			option.WithHTTPClient(srv.HTTPClient()), option.WithMiddleware(openaigo.Middleware(opts...)))
	}

	t.Run("from the context", func(t *testing.T) {
		tp, rec := spantest.NewProvider(t)
		ctx, parent := tp.Tracer("app").Start(context.Background(), "handler")
		c := client()
		if _, err := c.Chat.Completions.New(ctx, chat("hi")); err != nil {
			t.Fatal(err)
		}
		parent.End()
		s := spantest.Named(t, rec, "ChatCompletion")
		if s.Parent().SpanID() != parent.SpanContext().SpanID() || s.InstrumentationScope().Name != openaigo.ScopeName ||
			s.InstrumentationScope().Version != openaigo.Version() {
			t.Errorf("parent %v, scope %+v", s.Parent().SpanID(), s.InstrumentationScope())
		}
	})

	t.Run("global", func(t *testing.T) {
		tp, rec := spantest.NewProvider(t)
		prev := otel.GetTracerProvider()
		otel.SetTracerProvider(tp)
		t.Cleanup(func() { otel.SetTracerProvider(prev) })
		c := client() // made before any span exists: looked up at each request
		if _, err := c.Chat.Completions.New(context.Background(), chat("hi")); err != nil {
			t.Fatal(err)
		}
		spantest.Only(t, rec)
	})

	t.Run("option beats the context", func(t *testing.T) {
		tp, rec := spantest.NewProvider(t)
		ctxTP, ctxRec := spantest.NewProvider(t)
		ctx, parent := ctxTP.Tracer("app").Start(context.Background(), "handler")
		c := client(openaigo.WithTracerProvider(tp), nil)
		if _, err := c.Chat.Completions.New(ctx, chat("hi")); err != nil {
			t.Fatal(err)
		}
		parent.End()
		if s := spantest.Only(t, rec); s.Parent().SpanID() != parent.SpanContext().SpanID() {
			t.Errorf("parent %v", s.Parent().SpanID())
		}
		spantest.Named(t, ctxRec, "handler")
	})
}

// TestSampledOut sends a call whose span is not sampled: nothing is
// recorded, and the turn bound in the context still gets the exchange.
func TestSampledOut(t *testing.T) {
	h := newHarness(t)
	remote := trace.ContextWithRemoteSpanContext(context.Background(), trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: trace.TraceID{1}, SpanID: trace.SpanID{2}, // not sampled
	}))
	resp, err := h.client.Chat.Completions.New(remote, chat("unseen"))
	if err != nil || resp.Choices[0].Message.Content != "You said: unseen" {
		t.Fatalf("the caller got %v, %v", resp, err)
	}
	if spans := h.rec.Ended(); len(spans) != 0 {
		t.Errorf("spans %v, want none", spantest.Names(spans))
	}

	for _, stream := range []bool{false, true} {
		tp, rec := spantest.NewProvider(t)
		ctx, turn := sessiontrace.StartTurn(context.Background(), "turn", sessiontrace.WithTracerProvider(tp))
		client := h.newClient(h.srv.URL, h.srv.HTTPClient(), openaigo.WithTracerProvider(noop.NewTracerProvider()))
		if stream {
			_, err = readStream(client.Chat.Completions.NewStreaming(ctx, chat("streamed, unseen")))
		} else {
			_, err = client.Chat.Completions.New(ctx, chat("unseen"))
		}
		if err != nil {
			t.Fatal(err)
		}
		turn.End()
		text := map[bool]string{false: "unseen", true: "streamed, unseen"}[stream]
		spantest.Want(t, spantest.Only(t, rec), map[string]any{
			"input.value":  text,
			"output.value": "You said: " + text,
		})
	}
}

// TestTurnCapture checks what the turn bound in the context gets: the
// first call's last user message and the latest call's answer, only from
// calls that succeeded and were not cut short.
func TestTurnCapture(t *testing.T) {
	for _, c := range []struct {
		name       string
		opts       []openaigo.Option
		calls      func(ctx context.Context, h *harness)
		in, out    string
		noCaptured bool
	}{
		{
			name: "two calls",
			calls: func(ctx context.Context, h *harness) {
				_, _ = h.client.Chat.Completions.New(ctx, chat("first question"))
				_, _ = readStream(h.client.Chat.Completions.NewStreaming(ctx, chat("second question")))
			},
			in: "first question", out: "You said: second question",
		},
		{
			name: "a failed call, then one that succeeds",
			calls: func(ctx context.Context, h *harness) {
				h.srv.Enqueue(openaitest.Reply{Fault: openaitest.FaultBadGateway})
				_, _ = h.client.Chat.Completions.New(ctx, chat("failed"), option.WithMaxRetries(0))
				_, _ = h.client.Chat.Completions.New(ctx, chat("again"))
			},
			in: "again", out: "You said: again",
		},
		{
			name: "a stream closed early",
			calls: func(ctx context.Context, h *harness) {
				h.srv.Enqueue(openaitest.Reply{Content: "a b c d e f", ChunkDelay: 5 * time.Millisecond})
				readChunks(2)(nil, h.client.Chat.Completions.NewStreaming(ctx, chat("cut")), nil)
			},
			noCaptured: true,
		},
		{
			name: "without turn capture",
			opts: []openaigo.Option{openaigo.WithoutTurnCapture()},
			calls: func(ctx context.Context, h *harness) {
				_, _ = h.client.Chat.Completions.New(ctx, chat("background"))
			},
			noCaptured: true,
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t, c.opts...)
			ctx, turn := sessiontrace.StartTurn(context.Background(), "turn", sessiontrace.WithTracerProvider(h.tp))
			c.calls(ctx, h)
			turn.End()
			want := map[string]any{"input.value": c.in, "output.value": c.out, "input.mime_type": "text/plain"}
			if c.noCaptured {
				want = map[string]any{"input.value": nil, "output.value": nil}
			}
			spantest.Want(t, spantest.Named(t, h.rec, "turn"), want)
		})
	}
}

// TestProvider checks llm.provider: "azure" for Azure hosts, "openai"
// otherwise, WithProvider's whatever the host.
func TestProvider(t *testing.T) {
	srv := openaitest.NewServer()
	t.Cleanup(srv.Close)
	for _, c := range []struct {
		host string
		opts []openaigo.Option
		want string
	}{
		{"my-resource.openai.azure.com", nil, "azure"},
		{"My-Resource.OpenAI.Azure.com", nil, "azure"},
		{"my-resource.cognitiveservices.azure.com", nil, "azure"},
		{"my-project.services.ai.azure.com", nil, "azure"},
		{"api.openai.com", nil, "openai"},
		{"openai.azure.com.example.org", nil, "openai"},
		{"my-resource.openai.azure.com", []openaigo.Option{openaigo.WithProvider("groq")}, "groq"},
		{"api.openai.com", []openaigo.Option{openaigo.WithProvider("")}, "openai"},
	} {
		t.Run(c.host, func(t *testing.T) {
			tp, rec := spantest.NewProvider(t)
			// Every host name is dialled at the fake server.
			transport := &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
				return (&net.Dialer{}).DialContext(ctx, network, strings.TrimPrefix(srv.URL, "http://"))
			}}
			t.Cleanup(transport.CloseIdleConnections)
			client := openai.NewClient(
				option.WithBaseURL("http://"+c.host+"/openai/deployments/gpt-4o-mini/"),
				option.WithQuery("api-version", "2024-10-21"),
				option.WithAPIKey("test"),
				option.WithHTTPClient(&http.Client{Transport: transport}),
				option.WithMiddleware(openaigo.Middleware(append([]openaigo.Option{openaigo.WithTracerProvider(tp)}, c.opts...)...)),
			)
			if _, err := client.Chat.Completions.New(context.Background(), chat("hi")); err != nil {
				t.Fatal(err)
			}
			spantest.Want(t, spantest.Only(t, rec), map[string]any{"llm.provider": c.want, "llm.system": "openai"})
		})
	}
}

// TestMasking checks that the TraceConfig reaches the spans, bodies
// included; internal/oiattr's tests cover every rule.
func TestMasking(t *testing.T) {
	const redacted = sessiontrace.RedactedValue
	for _, c := range []struct {
		name  string
		cfg   sessiontrace.TraceConfig
		check func(t *testing.T, s sdktrace.ReadOnlySpan)
	}{
		{"hide inputs", sessiontrace.TraceConfig{HideInputs: true}, func(t *testing.T, s sdktrace.ReadOnlySpan) {
			spantest.Want(t, s, map[string]any{"input.value": redacted, "input.mime_type": nil,
				"llm.input_messages.0.message.content": nil, "llm.tools.0.tool.json_schema": nil,
				"output.value": spantest.String(s, "output.value")})
		}},
		{"hide outputs", sessiontrace.TraceConfig{HideOutputs: true}, func(t *testing.T, s sdktrace.ReadOnlySpan) {
			spantest.Want(t, s, map[string]any{"output.value": redacted, "output.mime_type": nil,
				"llm.output_messages.0.message.content": nil, "llm.token_count.completion": 1})
		}},
		{"hide input text", sessiontrace.TraceConfig{HideInputText: true}, func(t *testing.T, s sdktrace.ReadOnlySpan) {
			in := spantest.String(s, "input.value")
			if strings.Contains(in, "Thanks!") || !strings.Contains(in, redacted) || !strings.Contains(in, "get_weather") {
				t.Errorf("input.value = %s", in)
			}
			spantest.Want(t, s, map[string]any{"llm.input_messages.4.message.content": redacted,
				"llm.input_messages.1.message.contents.0.message_content.text": redacted,
				"llm.output_messages.0.message.content":                        "Rain.",
			})
		}},
		{"hide output text", sessiontrace.TraceConfig{HideOutputText: true}, func(t *testing.T, s sdktrace.ReadOnlySpan) {
			if out := spantest.String(s, "output.value"); strings.Contains(out, "Rain.") || !strings.Contains(out, redacted) {
				t.Errorf("output.value = %s", out)
			}
			spantest.Want(t, s, map[string]any{"llm.output_messages.0.message.content": redacted,
				"llm.input_messages.4.message.content": "Thanks! <And> tomorrow?"})
		}},
		{"hide images", sessiontrace.TraceConfig{HideInputImages: true}, func(t *testing.T, s sdktrace.ReadOnlySpan) {
			if in := spantest.String(s, "input.value"); strings.Contains(in, "cat.png") {
				t.Errorf("input.value = %s", in)
			}
			spantest.Want(t, s, map[string]any{"llm.input_messages.1.message.contents.1.message_content.type": nil})
		}},
		{"hide parameters and tools", sessiontrace.TraceConfig{HideLLMInvocationParameters: true, HideLLMTools: true}, func(t *testing.T, s sdktrace.ReadOnlySpan) {
			spantest.Want(t, s, map[string]any{"llm.invocation_parameters": nil, "llm.tools.0.tool.json_schema": nil})
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t, openaigo.WithTraceConfig(c.cfg))
			h.srv.Enqueue(openaitest.Reply{Content: "Rain."})
			if _, err := h.client.Chat.Completions.New(context.Background(), richChat()); err != nil {
				t.Fatal(err)
			}
			c.check(t, h.only(t))
		})
	}

	t.Run("environment", func(t *testing.T) {
		t.Setenv("OPENINFERENCE_HIDE_INPUTS", "true")
		tp, rec := spantest.NewProvider(t)
		h := newHarness(t)
		client := openai.NewClient(option.WithBaseURL(h.srv.URL+"/v1/"), option.WithAPIKey("test"), option.WithHTTPClient(h.srv.HTTPClient()),
			option.WithMiddleware(openaigo.Middleware(openaigo.WithTracerProvider(tp))))
		if _, err := client.Chat.Completions.New(context.Background(), chat("secret")); err != nil {
			t.Fatal(err)
		}
		spantest.Want(t, spantest.Only(t, rec), map[string]any{"input.value": redacted})
	})
}

func TestGenAISemconv(t *testing.T) {
	h := newHarness(t, openaigo.WithTraceConfig(sessiontrace.TraceConfig{EnableGenAISemconv: true}))
	ctx := sessiontrace.WithSession(context.Background(), "sess-9")
	params := chat("hi")
	params.Temperature = openai.Float(0.3)
	params.MaxCompletionTokens = openai.Int(50)
	if _, err := h.client.Chat.Completions.New(ctx, params); err != nil {
		t.Fatal(err)
	}
	spantest.Want(t, h.only(t), map[string]any{
		"gen_ai.operation.name":          "chat",
		"gen_ai.provider.name":           "openai",
		"gen_ai.request.model":           "gpt-4o-mini",
		"gen_ai.response.model":          "gpt-4o-mini",
		"gen_ai.response.id":             "chatcmpl-1",
		"gen_ai.response.finish_reasons": []string{"stop"},
		"gen_ai.conversation.id":         "sess-9",
		"gen_ai.usage.input_tokens":      1,
		"gen_ai.usage.output_tokens":     3,
		"gen_ai.request.temperature":     0.3,
		"gen_ai.request.max_tokens":      50,
	})
}

// TestConcurrentCalls shares one client between goroutines: each span
// describes its own call.
func TestConcurrentCalls(t *testing.T) {
	h := newHarness(t)
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Go(func() {
			text := fmt.Sprintf("question %d", i)
			if i%2 == 0 {
				_, _ = h.client.Chat.Completions.New(context.Background(), chat(text))
			} else {
				_, _ = readStream(h.client.Chat.Completions.NewStreaming(context.Background(), chat(text)))
			}
		})
	}
	wg.Wait()
	spans := h.rec.Ended()
	if len(spans) != 16 {
		t.Fatalf("%d spans", len(spans))
	}
	for _, s := range spans {
		in := spantest.String(s, "llm.input_messages.0.message.content")
		if out := spantest.String(s, "llm.output_messages.0.message.content"); out != "You said: "+in {
			t.Errorf("span of %q answered %q", in, out)
		}
	}
}
