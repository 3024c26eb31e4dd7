package openai_test

import (
	"encoding/json"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.uber.org/goleak"

	"github.com/sessiontrace/sessiontrace"
	"github.com/sessiontrace/sessiontrace/internal/spantest"
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
	h := &harness{srv: openaitest.NewServer()}
	h.tp, h.rec = spantest.NewProvider(t)
	t.Cleanup(h.srv.Close)
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
	return spantest.Only(t, h.rec)
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// wrapWith wraps the harness's server anew with cfg (and opts).
func wrapWith(h *harness, cfg sessiontrace.TraceConfig, opts ...oiopenai.Option) *oiopenai.Client {
	return oiopenai.Wrap(h.srv.Client(), append([]oiopenai.Option{
		oiopenai.WithTracerProvider(h.tp), oiopenai.WithTraceConfig(cfg)}, opts...)...)
}

func jsonUnmarshal(s string, v any) error { return json.Unmarshal([]byte(s), v) }
