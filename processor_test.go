package sessiontrace_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
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
