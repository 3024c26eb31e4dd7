package openai_test

import (
	"context"
	"encoding/json"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.uber.org/goleak"

	"github.com/sessiontrace/sessiontrace"
	oiopenai "github.com/sessiontrace/sessiontrace/llm/openai"
	"github.com/sessiontrace/sessiontrace/llm/openai/openaitest"
)

// TestMain fails the package when a test leaves a goroutine behind: streams
// closed early or cancelled must not leak their connection's goroutines.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// harness is a fake server, a span recorder and a wrapped client for one
// test; everything is closed when the test ends.
type harness struct {
	srv    *openaitest.Server
	rec    *tracetest.SpanRecorder
	tp     *sdktrace.TracerProvider
	client *oiopenai.Client
}

func newHarness(t testing.TB, opts ...oiopenai.Option) *harness {
	t.Helper()
	h := &harness{srv: openaitest.NewServer(), rec: tracetest.NewSpanRecorder()}
	h.tp = sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(h.rec))
	t.Cleanup(func() {
		h.srv.Close()
		_ = h.tp.Shutdown(context.Background())
	})
	opts = append([]oiopenai.Option{
		oiopenai.WithTracerProvider(h.tp),
		oiopenai.WithTraceConfig(sessiontrace.DefaultTraceConfig()),
	}, opts...)
	h.client = oiopenai.Wrap(h.srv.Client(), opts...)
	return h
}

// only returns the one span that ended, failing the test when there is not
// exactly one.
func (h *harness) only(t testing.TB) sdktrace.ReadOnlySpan {
	t.Helper()
	spans := h.rec.Ended()
	if len(spans) != 1 {
		t.Fatalf("got %d ended spans, want 1", len(spans))
	}
	return spans[0]
}

// attrs returns a span's attributes by key.
func attrs(s sdktrace.ReadOnlySpan) map[string]attribute.Value {
	m := make(map[string]attribute.Value, len(s.Attributes()))
	for _, kv := range s.Attributes() {
		m[string(kv.Key)] = kv.Value
	}
	return m
}

// wantAttrs checks that each key has the value given (string, int, bool or
// []string), and that keys given as absent are not there.
func wantAttrs(t testing.TB, got map[string]attribute.Value, want map[string]any) {
	t.Helper()
	for k, w := range want {
		v, ok := got[k]
		if w == nil {
			if ok {
				t.Errorf("%s = %q, want it absent", k, v.String())
			}
			continue
		}
		if !ok {
			t.Errorf("%s missing, want %v", k, w)
			continue
		}
		var g any
		switch w.(type) {
		case string:
			g = v.AsString()
		case int:
			g = int(v.AsInt64())
		case bool:
			g = v.AsBool()
		case []string:
			g = v.AsStringSlice()
		default:
			t.Fatalf("wantAttrs: unsupported type %T for %s", w, k)
		}
		if gj, wj := mustJSON(g), mustJSON(w); gj != wj {
			t.Errorf("%s = %s, want %s", k, gj, wj)
		}
	}
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// sameJSON reports whether two JSON texts hold the same value.
func sameJSON(t testing.TB, a, b string) bool {
	t.Helper()
	var va, vb any
	if err := json.Unmarshal([]byte(a), &va); err != nil {
		t.Fatalf("not JSON: %v: %s", err, a)
	}
	if err := json.Unmarshal([]byte(b), &vb); err != nil {
		t.Fatalf("not JSON: %v: %s", err, b)
	}
	return mustJSON(va) == mustJSON(vb)
}

func hasEvent(s sdktrace.ReadOnlySpan, name string) int {
	n := 0
	for _, e := range s.Events() {
		if e.Name == name {
			n++
		}
	}
	return n
}

// wrapWith wraps the harness's server anew with cfg (and opts).
func wrapWith(h *harness, cfg sessiontrace.TraceConfig, opts ...oiopenai.Option) *oiopenai.Client {
	return oiopenai.Wrap(h.srv.Client(), append([]oiopenai.Option{
		oiopenai.WithTracerProvider(h.tp), oiopenai.WithTraceConfig(cfg)}, opts...)...)
}

func jsonUnmarshal(s string, v any) error { return json.Unmarshal([]byte(s), v) }
