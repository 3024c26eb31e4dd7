package phoenix_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	coltrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/proto"

	"github.com/sessiontrace/sessiontrace"
	"github.com/sessiontrace/sessiontrace/phoenix"
)

// receiver collects what arrives at a local OTLP endpoint.
type receiver struct {
	mu      sync.Mutex
	headers []map[string]string
	spans   []*tracepb.ResourceSpans
}

func (r *receiver) add(h map[string]string, req *coltrace.ExportTraceServiceRequest) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.headers = append(r.headers, h)
	r.spans = append(r.spans, req.ResourceSpans...)
}

func (r *receiver) snapshot() ([]map[string]string, []*tracepb.ResourceSpans) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]map[string]string(nil), r.headers...), append([]*tracepb.ResourceSpans(nil), r.spans...)
}

func startHTTPReceiver(t *testing.T) (*receiver, string) {
	t.Helper()
	rec := &receiver{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/traces" || r.Header.Get("Content-Type") != "application/x-protobuf" {
			http.Error(w, "unexpected "+r.URL.Path+" "+r.Header.Get("Content-Type"), http.StatusUnsupportedMediaType)
			return
		}
		body, _ := io.ReadAll(r.Body)
		var req coltrace.ExportTraceServiceRequest
		if err := proto.Unmarshal(body, &req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		h := map[string]string{}
		for k := range r.Header {
			h[strings.ToLower(k)] = r.Header.Get(k)
		}
		rec.add(h, &req)
		w.Header().Set("Content-Type", "application/x-protobuf")
		out, _ := proto.Marshal(&coltrace.ExportTraceServiceResponse{})
		w.Write(out)
	}))
	t.Cleanup(srv.Close)
	return rec, srv.URL
}

type grpcReceiver struct {
	coltrace.UnimplementedTraceServiceServer
	rec *receiver
}

func (g grpcReceiver) Export(ctx context.Context, req *coltrace.ExportTraceServiceRequest) (*coltrace.ExportTraceServiceResponse, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	h := map[string]string{}
	for k, v := range md {
		h[k] = strings.Join(v, ",")
	}
	g.rec.add(h, req)
	return &coltrace.ExportTraceServiceResponse{}, nil
}

func startGRPCReceiver(t *testing.T) (*receiver, string) {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	rec := &receiver{}
	s := grpc.NewServer()
	coltrace.RegisterTraceServiceServer(s, grpcReceiver{rec: rec})
	go s.Serve(lis)
	t.Cleanup(s.Stop)
	return rec, lis.Addr().String()
}

// clearEnv makes the test independent of the machine's environment.
func clearEnv(t *testing.T) {
	for _, k := range []string{
		"PHOENIX_COLLECTOR_ENDPOINT", "PHOENIX_API_KEY", "PHOENIX_PROJECT_NAME", "PHOENIX_CLIENT_HEADERS",
		"OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_HEADERS",
		"OTEL_EXPORTER_OTLP_TRACES_HEADERS", "OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
		"OTEL_RESOURCE_ATTRIBUTES", "OTEL_SERVICE_NAME", "OTEL_PROPAGATORS", "SESSIONTRACE_SAMPLE_RATIO",
	} {
		t.Setenv(k, "")
	}
}

func resourceAttr(rs *tracepb.ResourceSpans, key string) string {
	for _, kv := range rs.GetResource().GetAttributes() {
		if kv.Key == key {
			return kv.GetValue().GetStringValue()
		}
	}
	return ""
}

func spanAttr(s *tracepb.Span, key string) string {
	for _, kv := range s.GetAttributes() {
		if kv.Key == key {
			return kv.GetValue().GetStringValue()
		}
	}
	return ""
}

func TestRegisterHTTPFromEnvironment(t *testing.T) {
	clearEnv(t)
	rec, url := startHTTPReceiver(t)
	t.Setenv("PHOENIX_COLLECTOR_ENDPOINT", url)
	t.Setenv("PHOENIX_API_KEY", "px-secret")
	t.Setenv("PHOENIX_PROJECT_NAME", "support-bot")
	t.Setenv("PHOENIX_CLIENT_HEADERS", "x-team=chat%20ops, x-env=test")
	t.Setenv("OTEL_EXPORTER_OTLP_HEADERS", "x-env=overridden-by-phoenix,x-otel=1")

	tp, err := phoenix.Register(context.Background(), phoenix.WithoutGlobal())
	if err != nil {
		t.Fatal(err)
	}
	ctx := sessiontrace.WithSession(context.Background(), "sess-1")
	_, span := tp.Tracer("test").Start(ctx, "turn")
	span.End()
	if err := tp.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}

	headers, spans := rec.snapshot()
	if len(headers) != 1 || len(spans) != 1 {
		t.Fatalf("got %d exports, %d resource spans", len(headers), len(spans))
	}
	h := headers[0]
	for k, want := range map[string]string{
		"authorization": "Bearer px-secret", "x-team": "chat ops", "x-env": "test", "x-otel": "1",
	} {
		if h[k] != want {
			t.Errorf("header %s = %q, want %q", k, h[k], want)
		}
	}
	if got := resourceAttr(spans[0], "openinference.project.name"); got != "support-bot" {
		t.Errorf("project = %q", got)
	}
	s := spans[0].ScopeSpans[0].Spans[0]
	if got := spanAttr(s, "session.id"); got != "sess-1" {
		t.Errorf("session.id = %q: the span processor is not registered", got)
	}
}

func TestRegisterGRPCWithOptions(t *testing.T) {
	clearEnv(t)
	t.Setenv("PHOENIX_PROJECT_NAME", "from-env")
	t.Setenv("PHOENIX_API_KEY", "env-key")
	rec, addr := startGRPCReceiver(t)

	tp, err := phoenix.Register(context.Background(),
		phoenix.WithoutGlobal(),
		phoenix.WithEndpoint("http://"+addr),
		phoenix.WithProtocol(phoenix.GRPC),
		phoenix.WithAPIKey("opt-key"),
		phoenix.WithProjectName("from-option"),
		phoenix.WithHeaders(map[string]string{"X-Custom": "yes"}),
	)
	if err != nil {
		t.Fatal(err)
	}
	_, span := tp.Tracer("test").Start(sessiontrace.WithUser(context.Background(), "u-1"), "turn")
	span.End()
	if err := tp.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	headers, spans := rec.snapshot()
	if len(spans) != 1 {
		t.Fatalf("got %d resource spans", len(spans))
	}
	if h := headers[0]; h["authorization"] != "Bearer opt-key" || h["x-custom"] != "yes" {
		t.Errorf("headers = %v", h)
	}
	if got := resourceAttr(spans[0], "openinference.project.name"); got != "from-option" {
		t.Errorf("project = %q (options must beat the environment)", got)
	}
	if got := spanAttr(spans[0].ScopeSpans[0].Spans[0], "user.id"); got != "u-1" {
		t.Errorf("user.id = %q", got)
	}
}

func TestRegisterArizeHeaders(t *testing.T) {
	clearEnv(t)
	rec, url := startHTTPReceiver(t)
	tp, err := phoenix.Register(context.Background(), phoenix.WithoutGlobal(),
		phoenix.WithEndpoint(url+"/v1/traces"), phoenix.WithArize("space-1", "ax-key"), phoenix.WithSyncExport())
	if err != nil {
		t.Fatal(err)
	}
	_, span := tp.Tracer("t").Start(context.Background(), "x")
	span.End()
	tp.Shutdown(context.Background())
	headers, _ := rec.snapshot()
	if len(headers) != 1 {
		t.Fatalf("%d exports", len(headers))
	}
	h := headers[0]
	if h["arize-space-id"] != "space-1" || h["authorization"] != "ax-key" || h["arize-interface"] != "otel" {
		t.Errorf("headers = %v", h)
	}
}

func TestRegisterSetsGlobalUnlessTold(t *testing.T) {
	clearEnv(t)
	_, url := startHTTPReceiver(t)
	before := otel.GetTracerProvider()
	t.Cleanup(func() { otel.SetTracerProvider(before) })
	tp, err := phoenix.Register(context.Background(), phoenix.WithEndpoint(url))
	if err != nil {
		t.Fatal(err)
	}
	defer tp.Shutdown(context.Background())
	if otel.GetTracerProvider() != tp {
		t.Error("Register did not set the global provider")
	}
}

func TestRegisterBadInput(t *testing.T) {
	cases := []struct {
		name string
		env  map[string]string
		opts []phoenix.Option
		want string
	}{
		{"bad scheme", nil, []phoenix.Option{phoenix.WithEndpoint("ftp://collector:21")}, "scheme"},
		{"no host", nil, []phoenix.Option{phoenix.WithEndpoint("http://")}, "no host"},
		{"bad port", nil, []phoenix.Option{phoenix.WithEndpoint("http://localhost:99999999")}, "port"},
		{"unparsable endpoint env", map[string]string{"PHOENIX_COLLECTOR_ENDPOINT": "http://[::1"}, nil, "invalid collector endpoint"},
		{"json protocol", map[string]string{"OTEL_EXPORTER_OTLP_PROTOCOL": "http/json"}, nil, "unsupported OTLP protocol"},
		{"bad protocol option", nil, []phoenix.Option{phoenix.WithProtocol("carrier-pigeon")}, "unsupported"},
		{"header without =", map[string]string{"PHOENIX_CLIENT_HEADERS": "x-token"}, nil, "PHOENIX_CLIENT_HEADERS"},
		{"header bad escape", map[string]string{"PHOENIX_CLIENT_HEADERS": "x=%zz"}, nil, "URL-encoded"},
		{"header bad name", map[string]string{"OTEL_EXPORTER_OTLP_HEADERS": "bad name=1"}, nil, "invalid header name"},
		{"option header CRLF", nil, []phoenix.Option{phoenix.WithHeaders(map[string]string{"x": "a\r\nb"})}, "control"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			clearEnv(t)
			for k, v := range c.env {
				t.Setenv(k, v)
			}
			tp, err := phoenix.Register(context.Background(), append(c.opts, phoenix.WithoutGlobal())...)
			if err == nil {
				tp.Shutdown(context.Background())
				t.Fatal("Register succeeded")
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q does not mention %q", err, c.want)
			}
		})
	}
}

// A header value never appears in an error: it may be a secret.
func TestRegisterErrorsDoNotEchoSecrets(t *testing.T) {
	clearEnv(t)
	t.Setenv("PHOENIX_CLIENT_HEADERS", "authorization=Bearer%20sk-verysecret,broken-entry-sk-verysecret")
	_, err := phoenix.Register(context.Background(), phoenix.WithoutGlobal())
	if err == nil || strings.Contains(err.Error(), "verysecret") {
		t.Errorf("error = %v", err)
	}
}

// A collector that accepts connections and never answers must not hold up
// span ends: export is batched, off the request path. The spans are ended
// while an export is known to be stuck in the black hole. Once the
// collector is gone, Shutdown finishes, and nothing of the pipeline is left
// running to report into a later test's error handler.
func TestBlackHoleCollectorDoesNotBlock(t *testing.T) {
	clearEnv(t)
	// The exporter reports its failures to the global handler: keep them
	// out of the test output.
	before := otel.GetErrorHandler()
	otel.SetErrorHandler(otel.ErrorHandlerFunc(func(error) {}))
	t.Cleanup(func() { otel.SetErrorHandler(before) })
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	accepted := make(chan net.Conn, 16)
	go func() {
		for {
			c, err := lis.Accept()
			if err != nil {
				return
			}
			accepted <- c // hold it open, never answer
		}
	}()
	stop := func() {
		lis.Close()
		for {
			select {
			case c := <-accepted:
				c.Close()
			default:
				return
			}
		}
	}
	t.Cleanup(stop)

	tp, err := phoenix.Register(context.Background(), phoenix.WithoutGlobal(),
		phoenix.WithEndpoint("http://"+lis.Addr().String()),
		phoenix.WithBatchOptions(sdktrace.WithBatchTimeout(time.Millisecond),
			// Short, so that the exporter gives up soon once the collector
			// is gone, and Shutdown below need not wait long.
			sdktrace.WithExportTimeout(time.Second), sdktrace.WithMaxQueueSize(64)))
	if err != nil {
		t.Fatal(err)
	}
	_, first := tp.Tracer("t").Start(context.Background(), "first")
	first.End()
	var conn net.Conn
	select {
	case conn = <-accepted:
	case <-time.After(10 * time.Second):
		t.Fatal("the exporter never connected")
	}
	accepted <- conn // keep it for stop

	// The exporter is now stuck; 10,000 spans still end (the queue drops
	// what it cannot hold). Were ending blocked, the test would time out.
	for range 10000 {
		_, span := tp.Tracer("t").Start(context.Background(), "x")
		span.End()
	}
	stop()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := tp.Shutdown(ctx); err != nil {
		t.Errorf("Shutdown after the collector went away: %v", err)
	}
}
