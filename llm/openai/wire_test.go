package openai_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/sashabaranov/go-openai"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/codes"

	"github.com/sessiontrace/sessiontrace"
	"github.com/sessiontrace/sessiontrace/internal/spantest"
	oiopenai "github.com/sessiontrace/sessiontrace/llm/openai"
)

// Bodies as a real server may send them: fields go-openai's types do not
// know (message.refusal as null, logprobs, annotations, a top-level
// x_request_meta), keys in an odd order, odd spacing, a number that float32
// would round.
const (
	chatWire = `{"model":"gpt-4o-2024-08-06","id":"chatcmpl-w1", "object":"chat.completion","created":1735689600,
  "choices":[ {"index":0,"finish_reason":"stop","logprobs":{"content":[{"token":"Bon","logprob":-0.0001,"bytes":[66,111,110],"top_logprobs":[]}]},
     "message":{"content":"Bonjour <toi> & salut","role":"assistant","refusal":null,"annotations":[]}} ],
  "usage":{"total_tokens":12,"prompt_tokens":9,"completion_tokens":3,"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0}},
  "x_request_meta":{"region":"eu-1","latency_ms":123.4560},"system_fingerprint":"fp_1"}` + "\n"
	completionWire = `{"id":"cmpl-w1","object":"text_completion","created":1735689600,"model":"gpt-3.5-turbo-instruct",
  "choices":[{"text":"Paris","index":0,"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":4,"completion_tokens":1,"total_tokens":5},"x_extra":true}`
	embeddingWire = `{"object":"list","data":[{"object":"embedding","index":0,"embedding":[0.0123456789,-1e-7,3]}],
  "model":"text-embedding-3-small","usage":{"prompt_tokens":2,"total_tokens":2},"x_extra":"kept"}`
)

// wireServer answers every POST with the body of its path and keeps what
// it received.
type wireServer struct {
	*httptest.Server
	mu       sync.Mutex
	received map[string][]byte
}

func newWireServer(t *testing.T, replies map[string]string) *wireServer {
	w := &wireServer{received: map[string][]byte{}}
	w.Server = httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.mu.Lock()
		w.received[r.URL.Path] = body
		w.mu.Unlock()
		reply, ok := replies[r.URL.Path]
		if !ok {
			http.NotFound(rw, r)
			return
		}
		rw.Header().Set("Content-Type", "application/json")
		io.WriteString(rw, reply)
	}))
	t.Cleanup(w.Close)
	return w
}

func (w *wireServer) body(path string) string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return string(w.received[path])
}

// countingDoer is a caller's own HTTP client: it counts what it sends and
// keeps the bodies it saw.
type countingDoer struct {
	next   *http.Client
	mu     sync.Mutex
	calls  int
	bodies []string
}

func (d *countingDoer) Do(r *http.Request) (*http.Response, error) {
	var body string
	if r.Body != nil {
		b, _ := io.ReadAll(r.Body)
		body = string(b)
		r.Body = io.NopCloser(strings.NewReader(body))
	}
	d.mu.Lock()
	d.calls++
	d.bodies = append(d.bodies, body)
	d.mu.Unlock()
	return d.next.Do(r)
}

// wireConfig points go-openai at srv, sending with doer (nil: none set,
// which NewClientWithConfig takes as a plain http.Client).
func wireConfig(srv *wireServer, doer openai.HTTPDoer) openai.ClientConfig {
	cfg := openai.DefaultConfig("test-key")
	cfg.BaseURL = srv.URL + "/v1"
	cfg.HTTPClient = doer
	return cfg
}

var wireReplies = map[string]string{
	"/v1/chat/completions": chatWire,
	"/v1/completions":      completionWire,
	"/v1/embeddings":       embeddingWire,
}

// wireCall is one traced call of each kind, with what it returns.
var wireCalls = []struct {
	name, path string
	do         func(context.Context, *oiopenai.Client) (any, error)
}{
	{"chat", "/v1/chat/completions", func(ctx context.Context, c *oiopenai.Client) (any, error) {
		req := richRequest()
		req.Messages[1].MultiContent = req.Messages[1].MultiContent[:2] // no image over the limit
		return c.CreateChatCompletion(ctx, req)
	}},
	{"completion", "/v1/completions", func(ctx context.Context, c *oiopenai.Client) (any, error) {
		return c.CreateCompletion(ctx, openai.CompletionRequest{Model: "gpt-3.5-turbo-instruct", Prompt: "Capital of France?", MaxTokens: 5})
	}},
	{"embeddings", "/v1/embeddings", func(ctx context.Context, c *oiopenai.Client) (any, error) {
		return c.CreateEmbeddings(ctx, openai.EmbeddingRequest{Model: "text-embedding-3-small", Input: []string{"red"}, ExtraBody: map[string]any{"input_type": "query"}})
	}},
}

// With NewClientWithConfig, input.value is what the server received and
// output.value what it sent, byte for byte; the caller's HTTPClient still
// sends, once per call, the very same request.
func TestWireBodies(t *testing.T) {
	for _, call := range wireCalls {
		t.Run(call.name, func(t *testing.T) {
			srv := newWireServer(t, wireReplies)
			tp, rec := spantest.NewProvider(t)
			doer := &countingDoer{next: srv.Client()}
			c := oiopenai.NewClientWithConfig(wireConfig(srv, doer), oiopenai.WithTracerProvider(tp),
				oiopenai.WithTraceConfig(sessiontrace.DefaultTraceConfig()))
			if _, err := call.do(context.Background(), c); err != nil {
				t.Fatal(err)
			}
			s := spantest.Only(t, rec)
			received := srv.body(call.path)
			if got := spantest.String(s, "input.value"); got != received {
				t.Errorf("input.value\n got %s\nsent %s", got, received)
			}
			if got := spantest.String(s, "output.value"); got != wireReplies[call.path] {
				t.Errorf("output.value\n got %q\nwant %q", got, wireReplies[call.path])
			}
			spantest.Want(t, s, map[string]any{"input.mime_type": "application/json", "output.mime_type": "application/json"})
			if doer.calls != 1 || doer.bodies[0] != received {
				t.Errorf("the caller's client sent %d requests %q; the server got %q", doer.calls, doer.bodies, received)
			}
		})
	}
}

// A streamed call records the request as sent and, as output, the answer
// assembled from its chunks.
func TestWireStream(t *testing.T) {
	srv := newWireServer(t, nil)
	srv.Config.Handler = http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		srv.mu.Lock()
		srv.received[r.URL.Path] = body
		srv.mu.Unlock()
		rw.Header().Set("Content-Type", "text/event-stream")
		for _, word := range []string{"Bon", "jour"} {
			io.WriteString(rw, `data: {"id":"c1","object":"chat.completion.chunk","model":"m","choices":[{"index":0,"delta":{"content":"`+word+`"}}]}`+"\n\n")
		}
		io.WriteString(rw, `data: {"id":"c1","object":"chat.completion.chunk","model":"m","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}`+"\n\ndata: [DONE]\n\n")
	})
	tp, rec := spantest.NewProvider(t)
	c := oiopenai.NewClientWithConfig(wireConfig(srv, nil), oiopenai.WithTracerProvider(tp))
	s, err := c.CreateChatCompletionStream(context.Background(), userRequest("Say hello in French"))
	if err != nil {
		t.Fatal(err)
	}
	drain(t, s)
	s.Close()
	sp := spantest.Only(t, rec)
	if got, sent := spantest.String(sp, "input.value"), srv.body("/v1/chat/completions"); got != sent || !strings.Contains(got, `"stream":true`) {
		t.Errorf("input.value\n got %s\nsent %s", got, sent)
	}
	var out openai.ChatCompletionResponse
	if err := json.Unmarshal([]byte(spantest.String(sp, "output.value")), &out); err != nil || out.Choices[0].Message.Content != "Bonjour" {
		t.Errorf("output.value %s (%v)", spantest.String(sp, "output.value"), err)
	}
}

// Wrap cannot see the wire: it records encoding/json of go-openai's request
// and response.
func TestWrapEncodesTypes(t *testing.T) {
	srv := newWireServer(t, wireReplies)
	tp, rec := spantest.NewProvider(t)
	c := oiopenai.Wrap(openai.NewClientWithConfig(wireConfig(srv, srv.Client())), oiopenai.WithTracerProvider(tp))
	req := userRequest("Say hello in French")
	resp, err := c.CreateChatCompletion(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	s := spantest.Only(t, rec)
	if got, want := spantest.String(s, "input.value"), mustJSON(req); got != want {
		t.Errorf("input.value\n got %s\nwant %s", got, want)
	}
	if got, want := spantest.String(s, "output.value"), mustJSON(resp); got != want {
		t.Errorf("output.value\n got %s\nwant %s", got, want)
	}
	if strings.Contains(spantest.String(s, "output.value"), "x_request_meta") {
		t.Error("Wrap recorded a field go-openai does not decode")
	}
}

// Under a flag that hides text, the wire bodies are re-encoded without it;
// the fields go-openai does not know stay. A body that is not JSON cannot be
// masked and is redacted.
func TestWireMasking(t *testing.T) {
	garbled := strings.TrimSpace(chatWire) + ` trailing words, not JSON` // go-openai decodes the first value only
	for _, tc := range []struct {
		name        string
		set         func(*sessiontrace.TraceConfig)
		reply       string
		in, out     []string // must survive in input.value / output.value
		inGone      []string
		outGone     []string
		outRedacted bool
	}{
		{"HideInputText", func(c *sessiontrace.TraceConfig) { c.HideInputText = true }, chatWire,
			[]string{`"content":"__REDACTED__"`, `"text":"__REDACTED__"`, `"url":"https://example.com/cat.png"`, `"tool_choice":"auto"`, `"max_completion_tokens":100`},
			[]string{chatWire}, []string{"You are terse.", "What is in these images?", "tomorrow"}, nil, false},
		{"HideInputImages", func(c *sessiontrace.TraceConfig) { c.HideInputImages = true }, chatWire,
			[]string{`"url":"__REDACTED__"`, `"detail":"low"`, "You are terse."},
			[]string{chatWire}, []string{"cat.png"}, nil, false},
		{"Base64ImageMaxLength", func(c *sessiontrace.TraceConfig) { c.Base64ImageMaxLength = 30 }, chatWire,
			[]string{"https://example.com/cat.png", `"url":"__REDACTED__"`},
			[]string{chatWire}, []string{"data:image"}, nil, false},
		{"HideOutputText", func(c *sessiontrace.TraceConfig) { c.HideOutputText = true }, chatWire,
			[]string{"You are terse."},
			[]string{`"content":"__REDACTED__"`, `"x_request_meta":{"region":"eu-1","latency_ms":123.4560}`, `"logprob":-0.0001`, `"refusal":null`, `"annotations":[]`},
			nil, []string{"Bonjour"}, false},
		{"HideOutputText on a body that is not JSON", func(c *sessiontrace.TraceConfig) { c.HideOutputText = true }, garbled,
			nil, nil, nil, []string{"Bonjour"}, true},
		{"no flag, body that is not JSON", func(*sessiontrace.TraceConfig) {}, garbled,
			nil, []string{garbled}, nil, nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newWireServer(t, map[string]string{"/v1/chat/completions": tc.reply})
			tp, rec := spantest.NewProvider(t)
			cfg := sessiontrace.DefaultTraceConfig()
			tc.set(&cfg)
			c := oiopenai.NewClientWithConfig(wireConfig(srv, nil), oiopenai.WithTracerProvider(tp), oiopenai.WithTraceConfig(cfg))
			req := richRequest()
			req.Messages[1].MultiContent[2].ImageURL.URL = "data:image/png;base64," + strings.Repeat("B", 40)
			if _, err := c.CreateChatCompletion(context.Background(), req); err != nil {
				t.Fatal(err)
			}
			s := spantest.Only(t, rec)
			in, out := spantest.String(s, "input.value"), spantest.String(s, "output.value")
			wantTexts(t, "input.value", in, tc.in, tc.inGone)
			wantTexts(t, "output.value", out, tc.out, tc.outGone)
			if tc.outRedacted {
				spantest.Want(t, s, map[string]any{"output.value": redacted, "output.mime_type": nil})
			}
			var v any
			if !tc.outRedacted && tc.reply == chatWire && json.Unmarshal([]byte(out), &v) != nil {
				t.Errorf("output.value is not JSON: %s", out)
			}
		})
	}
}

// A failed status reaches go-openai untouched: its error, the span's
// status code, and the request as sent.
func TestWireFailedStatus(t *testing.T) {
	srv := newWireServer(t, nil)
	tp, rec := spantest.NewProvider(t)
	c := oiopenai.NewClientWithConfig(wireConfig(srv, nil), oiopenai.WithTracerProvider(tp))
	bare := openai.NewClientWithConfig(wireConfig(srv, srv.Client()))
	_, err := c.CreateChatCompletion(context.Background(), userRequest("hi"))
	_, bareErr := bare.CreateChatCompletion(context.Background(), userRequest("hi"))
	if err == nil || err.Error() != bareErr.Error() {
		t.Fatalf("error %v, bare client's %v", err, bareErr)
	}
	s := spantest.Only(t, rec)
	if s.Status().Code != codes.Error {
		t.Errorf("status %v", s.Status())
	}
	spantest.Want(t, s, map[string]any{"http.response.status_code": 404, "output.value": nil,
		"input.value": srv.body("/v1/chat/completions")})
}

// Methods that are not traced go through the caller's client untouched.
func TestWirePassThrough(t *testing.T) {
	srv := newWireServer(t, map[string]string{"/v1/models": `{"object":"list","data":[{"id":"m1","object":"model"}]}`})
	tp, rec := spantest.NewProvider(t)
	doer := &countingDoer{next: srv.Client()}
	c := oiopenai.NewClientWithConfig(wireConfig(srv, doer), oiopenai.WithTracerProvider(tp))
	models, err := c.ListModels(context.Background())
	if err != nil || len(models.Models) != 1 || models.Models[0].ID != "m1" {
		t.Fatalf("%v %v", models, err)
	}
	if doer.calls != 1 || len(rec.Ended()) != 0 {
		t.Errorf("%d requests, %d spans", doer.calls, len(rec.Ended()))
	}
}

// Without WithTracerProvider, a call made under a span records into that
// span's provider, not the global one, as otelhttp does.
func TestTracerProviderFromContext(t *testing.T) {
	srv := newWireServer(t, wireReplies)
	global, globalRec := spantest.NewProvider(t)
	old := otel.GetTracerProvider()
	otel.SetTracerProvider(global)
	defer otel.SetTracerProvider(old)
	tp, rec := spantest.NewProvider(t)
	ctx, parent := tp.Tracer("test").Start(context.Background(), "parent")

	for _, c := range []*oiopenai.Client{
		oiopenai.NewClientWithConfig(wireConfig(srv, nil)),
		oiopenai.Wrap(openai.NewClientWithConfig(wireConfig(srv, srv.Client()))),
	} {
		for _, call := range wireCalls {
			if _, err := call.do(ctx, c); err != nil {
				t.Fatal(call.name, err)
			}
		}
	}
	parent.End()
	if n := len(globalRec.Ended()); n != 0 {
		t.Errorf("%d spans went to the global provider", n)
	}
	spans := rec.Ended()
	if len(spans) != 2*len(wireCalls)+1 {
		t.Fatalf("spans %v", spantest.Names(spans))
	}
	for _, s := range spans[:len(spans)-1] {
		if s.Parent().SpanID() != parent.SpanContext().SpanID() || s.InstrumentationScope().Name != oiopenai.ScopeName {
			t.Errorf("%s: parent %v scope %s", s.Name(), s.Parent().SpanID(), s.InstrumentationScope().Name)
		}
	}
}
