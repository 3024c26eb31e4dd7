package sessiontrace_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/sessiontrace/sessiontrace"
	"github.com/sessiontrace/sessiontrace/internal/spantest"
)

// A span started by another library (otelhttp's client transport) under
// WithSession carries the session.
func TestProcessorStampsOtelhttpClientSpan(t *testing.T) {
	tp, rec := spantest.NewProvider(t, sessiontrace.NewSpanProcessor())
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	client := &http.Client{Transport: otelhttp.NewTransport(http.DefaultTransport, otelhttp.WithTracerProvider(tp))}

	ctx := sessiontrace.WithUser(sessiontrace.WithSession(context.Background(), "sess-42"), "alice")
	ctx = sessiontrace.WithTags(ctx, "prod")
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

	spans := rec.Ended()
	if len(spans) != 1 {
		t.Fatalf("got %d spans", len(spans))
	}
	if spans[0].SpanKind() != trace.SpanKindClient {
		t.Fatalf("span kind = %v, want client", spans[0].SpanKind())
	}
	got := spantest.Values(spans[0].Attributes())
	if got["session.id"] != "sess-42" || got["user.id"] != "alice" {
		t.Errorf("client span attributes = %v", got)
	}
	if tags, _ := got["tag.tags"].([]string); len(tags) != 1 || tags[0] != "prod" {
		t.Errorf("tag.tags = %v", got["tag.tags"])
	}
}

func TestProcessorLeavesPlainContextsAlone(t *testing.T) {
	tp, rec := spantest.NewProvider(t, sessiontrace.NewSpanProcessor())
	ctx, parent := tp.Tracer("t").Start(context.Background(), "parent")
	_, child := tp.Tracer("t").Start(ctx, "child")
	child.End()
	parent.End()
	for _, s := range rec.Ended() {
		for _, kv := range s.Attributes() {
			t.Errorf("%s: unexpected attribute %s", s.Name(), kv.Key)
		}
	}
}

// Each span takes the attributes of the context it was started in, so
// concurrent requests never see each other's session.
func TestProcessorUsesTheStartContext(t *testing.T) {
	tp, rec := spantest.NewProvider(t, sessiontrace.NewSpanProcessor())
	tr := tp.Tracer("t")
	ctx := sessiontrace.WithSession(context.Background(), "a")
	ctx, root := tr.Start(ctx, "root")
	_, inA := tr.Start(ctx, "in-a")
	_, inB := tr.Start(sessiontrace.WithSession(ctx, "b"), "in-b")
	inB.End()
	inA.End()
	root.End()

	want := map[string]string{"root": "a", "in-a": "a", "in-b": "b"}
	for _, s := range rec.Ended() {
		if got := spantest.Values(s.Attributes())["session.id"]; got != want[s.Name()] {
			t.Errorf("%s: session.id = %v, want %s", s.Name(), got, want[s.Name()])
		}
	}
}

func TestProcessorLifecycle(t *testing.T) {
	p := sessiontrace.NewSpanProcessor()
	if err := p.ForceFlush(context.Background()); err != nil {
		t.Error(err)
	}
	if err := p.Shutdown(context.Background()); err != nil {
		t.Error(err)
	}
}

// llmSpan ends a span of kind LLM made by tracer name, as another
// instrumentor would, with the attributes given.
func llmSpan(ctx context.Context, tp trace.TracerProvider, name string, status codes.Code, attrs ...attribute.KeyValue) {
	_, span := tp.Tracer(name).Start(ctx, "llm call")
	span.SetAttributes(attribute.String("openinference.span.kind", "LLM"))
	span.SetAttributes(attrs...)
	span.SetStatus(status, "")
	span.End()
}

func messages(prefix string, kv ...string) []attribute.KeyValue {
	var attrs []attribute.KeyValue
	for i := 0; i+1 < len(kv); i += 2 {
		attrs = append(attrs, attribute.String(prefix+"."+strconv.Itoa(i/2)+".message.role", kv[i]), attribute.String(prefix+"."+strconv.Itoa(i/2)+".message.content", kv[i+1]))
	}
	return attrs
}

// LLM spans made by anybody fill the turn they start in, through the
// processor: the last user message of the first call, the answer of the
// latest; failed calls, other kinds, sessiontrace's own wrappers (which
// fill the turn themselves) and spans outside the turn do not count.
func TestProcessorFillsTheTurnFromAnyLLMSpan(t *testing.T) {
	tp, rec := spantest.NewProvider(t, sessiontrace.NewSpanProcessor())
	ctx, turnSpan := sessiontrace.StartTurn(context.Background(), "turn", sessiontrace.WithTracerProvider(tp))

	first := append(messages("llm.input_messages", "system", "be brief", "user", "first question", "assistant", "earlier", "user", "second question"),
		messages("llm.output_messages", "assistant", "first answer")...)
	llmSpan(ctx, tp, "github.com/Arize-ai/openinference/go/openinference-instrumentation-openai-go", codes.Unset, first...)
	llmSpan(ctx, tp, "hand-made", codes.Ok,
		attribute.String("llm.input_messages.0.message.role", "user"),
		attribute.String("llm.input_messages.0.message.contents.1.message_content.type", "text"),
		attribute.String("llm.input_messages.0.message.contents.1.message_content.text", "part two"),
		attribute.String("llm.input_messages.0.message.contents.0.message_content.type", "text"),
		attribute.String("llm.input_messages.0.message.contents.0.message_content.text", "part one"),
		attribute.String("llm.output_messages.0.message.role", "assistant"),
		attribute.String("llm.output_messages.0.message.contents.0.message_content.type", "text"),
		attribute.String("llm.output_messages.0.message.contents.0.message_content.text", "final answer"),
	)
	// None of these may change the turn now.
	llmSpan(ctx, tp, "hand-made", codes.Error, append(messages("llm.input_messages", "user", "failed"), messages("llm.output_messages", "assistant", "failed answer")...)...)
	llmSpan(ctx, tp, "github.com/sessiontrace/sessiontrace/llm/openai", codes.Ok, messages("llm.output_messages", "assistant", "counted by the wrapper itself")...)
	_, chain := tp.Tracer("hand-made").Start(ctx, "chain", trace.WithAttributes(attribute.String("openinference.span.kind", "CHAIN"), attribute.String("output.value", "not an LLM")))
	chain.End()
	llmSpan(context.Background(), tp, "hand-made", codes.Ok, messages("llm.output_messages", "assistant", "outside the turn")...)
	turnSpan.End()

	spantest.Want(t, spantest.Named(t, rec, "turn"), map[string]any{
		"input.value":      "second question",
		"input.mime_type":  "text/plain",
		"output.value":     "final answer",
		"output.mime_type": "text/plain",
	})
}

// The official OpenInference Go instrumentors record the last user message
// as a plain input.value: without messages, that is what the turn gets.
func TestProcessorReadsPlainValuesWithoutMessages(t *testing.T) {
	tp, rec := spantest.NewProvider(t, sessiontrace.NewSpanProcessor())
	ctx, turnSpan := sessiontrace.StartTurn(context.Background(), "turn", sessiontrace.WithTracerProvider(tp))
	llmSpan(ctx, tp, "official", codes.Unset, attribute.String("input.value", "what is the weather?"), attribute.String("output.value", "Sunny."))
	llmSpan(ctx, tp, "json", codes.Unset, attribute.String("input.value", `{"messages":[]}`), attribute.String("input.mime_type", "application/json"),
		attribute.String("output.value", `{"choices":[]}`), attribute.String("output.mime_type", "application/json"))
	turnSpan.End()
	spantest.Want(t, spantest.Named(t, rec, "turn"), map[string]any{"input.value": "what is the weather?", "output.value": "Sunny."})
}

// SetInput and SetOutput win over what LLM spans say, and the processor's
// masking is the environment's at construction.
func TestProcessorCaptureKeepsTheRules(t *testing.T) {
	t.Setenv("OPENINFERENCE_HIDE_OUTPUT_TEXT", "true")
	tp, rec := spantest.NewProvider(t, sessiontrace.NewSpanProcessor())
	ctx, turnSpan := sessiontrace.StartTurn(context.Background(), "turn", sessiontrace.WithTracerProvider(tp))
	sessiontrace.SetInput(ctx, "typed by the user")
	llmSpan(ctx, tp, "hand-made", codes.Ok, append(messages("llm.input_messages", "user", "rewritten prompt"), messages("llm.output_messages", "assistant", "secret answer")...)...)
	turnSpan.End()
	spantest.Want(t, spantest.Named(t, rec, "turn"), map[string]any{"input.value": "typed by the user", "output.value": "__REDACTED__"})
}

// LLM spans of many turns, started and ended by many goroutines at once
// (spans outside any turn among them), each fill their own turn; run with
// -race.
func TestProcessorFillsConcurrentTurns(t *testing.T) {
	tp, rec := spantest.NewProvider(t, sessiontrace.NewSpanProcessor())
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n := strconv.Itoa(i)
			llmSpan(context.Background(), tp, "hand-made", codes.Ok, messages("llm.output_messages", "assistant", "outside "+n)...)
			ctx, turnSpan := sessiontrace.StartTurn(context.Background(), "turn "+n, sessiontrace.WithTracerProvider(tp))
			llmSpan(ctx, tp, "hand-made", codes.Ok, append(messages("llm.input_messages", "user", "question "+n), messages("llm.output_messages", "assistant", "answer "+n)...)...)
			turnSpan.End()
		}()
	}
	wg.Wait()
	for i := range 16 {
		n := strconv.Itoa(i)
		spantest.Want(t, spantest.Named(t, rec, "turn "+n), map[string]any{"input.value": "question " + n, "output.value": "answer " + n})
	}
}
