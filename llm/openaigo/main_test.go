package openaigo_test

import (
	"net/http"
	"testing"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.uber.org/goleak"

	"github.com/sessiontrace/sessiontrace"
	"github.com/sessiontrace/sessiontrace/internal/spantest"
	"github.com/sessiontrace/sessiontrace/llm/openai/openaitest"
	"github.com/sessiontrace/sessiontrace/llm/openaigo"
)

// TestMain fails the package when a test leaves a goroutine behind: streams
// closed early or cancelled must not leak their connection's goroutines.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// harness is a fake server, a span recorder and an openai-go client with
// the middleware, for one test; everything is closed when the test ends.
type harness struct {
	srv    *openaitest.Server
	rec    *tracetest.SpanRecorder
	tp     *sdktrace.TracerProvider
	client openai.Client
}

// newHarness starts openaitest and a client of it whose middleware has
// opts after a recording provider and the default TraceConfig.
func newHarness(t testing.TB, opts ...openaigo.Option) *harness {
	t.Helper()
	h := &harness{srv: openaitest.NewServer()}
	t.Cleanup(h.srv.Close)
	h.tp, h.rec = spantest.NewProvider(t)
	h.client = h.newClient(h.srv.URL, h.srv.HTTPClient(), opts...)
	return h
}

// newClient returns an openai-go client of the server at url, sending
// with hc, its middleware made with the harness's provider and opts.
func (h *harness) newClient(url string, hc *http.Client, opts ...openaigo.Option) openai.Client {
	opts = append([]openaigo.Option{
		openaigo.WithTracerProvider(h.tp),
		openaigo.WithTraceConfig(sessiontrace.DefaultTraceConfig()),
	}, opts...)
	return openai.NewClient(
		option.WithBaseURL(url+"/v1/"),
		option.WithAPIKey("test"),
		option.WithHTTPClient(hc),
		option.WithMiddleware(openaigo.Middleware(opts...)),
	)
}

// only returns the one span that ended, failing the test when there is not
// exactly one.
func (h *harness) only(t testing.TB) sdktrace.ReadOnlySpan {
	t.Helper()
	return spantest.Only(t, h.rec)
}

// chat is a chat request of one user message.
func chat(text string) openai.ChatCompletionNewParams {
	return openai.ChatCompletionNewParams{
		Model:    "gpt-4o-mini",
		Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage(text)},
	}
}
