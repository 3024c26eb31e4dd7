package phoenix_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	coltrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"

	"github.com/sessiontrace/sessiontrace/phoenix"
)

// collectorLimit is the request size the OpenTelemetry Collector accepts
// over gRPC by default (grpc-go's server default), and the limit the HTTP
// receivers here apply too.
const collectorLimit = 4 << 20

// arrivals summarises what reached a receiver, span by span.
type arrivals struct {
	mu      sync.Mutex
	spans   map[string]arrival // by span ID
	largest int                // the largest request accepted, in bytes
	refused int                // requests refused as too large
	keep    bool               // keep the string attributes of each span
}

type arrival struct {
	name      string
	inputLen  int      // of input.value
	truncated []string // TruncatedKey
	strings   map[string]string
}

func newArrivals() *arrivals { return &arrivals{spans: map[string]arrival{}} }

func (a *arrivals) add(req *coltrace.ExportTraceServiceRequest, size int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.largest = max(a.largest, size)
	for _, rs := range req.ResourceSpans {
		for _, ss := range rs.ScopeSpans {
			for _, s := range ss.Spans {
				got := arrival{name: s.Name}
				if a.keep {
					got.strings = map[string]string{}
				}
				for _, kv := range s.Attributes {
					if a.keep {
						got.strings[kv.Key] = kv.GetValue().GetStringValue()
					}
					switch kv.Key {
					case "input.value":
						got.inputLen = len(kv.GetValue().GetStringValue())
					case string(phoenix.TruncatedKey):
						for _, v := range kv.GetValue().GetArrayValue().GetValues() {
							got.truncated = append(got.truncated, v.GetStringValue())
						}
					}
				}
				a.spans[string(s.SpanId)] = got
			}
		}
	}
}

func (a *arrivals) snapshot() (spans map[string]arrival, largest, refused int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.spans, a.largest, a.refused
}

// startLimitedHTTP is an OTLP/HTTP receiver on 127.0.0.1 that refuses a body
// over limit bytes with 413, as the Collector does over its
// max_request_body_size.
func startLimitedHTTP(t *testing.T, limit int) (*arrivals, string) {
	t.Helper()
	a := newArrivals()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, int64(limit)))
		if err != nil {
			a.mu.Lock()
			a.refused++
			a.mu.Unlock()
			http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
			return
		}
		var req coltrace.ExportTraceServiceRequest
		if err := proto.Unmarshal(body, &req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		a.add(&req, len(body))
		w.Header().Set("Content-Type", "application/x-protobuf")
	}))
	t.Cleanup(srv.Close)
	return a, srv.URL
}

type limitedGRPC struct {
	coltrace.UnimplementedTraceServiceServer
	a *arrivals
}

func (g limitedGRPC) Export(_ context.Context, req *coltrace.ExportTraceServiceRequest) (*coltrace.ExportTraceServiceResponse, error) {
	g.a.add(req, proto.Size(req))
	return &coltrace.ExportTraceServiceResponse{}, nil
}

// startLimitedGRPC is an OTLP/gRPC receiver on 127.0.0.1 with grpc-go's
// default limit on received messages, 4 MiB, as the Collector has.
func startLimitedGRPC(t *testing.T) (*arrivals, string) {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	a := newArrivals()
	s := grpc.NewServer()
	coltrace.RegisterTraceServiceServer(s, limitedGRPC{a: a})
	go s.Serve(lis)
	t.Cleanup(s.Stop)
	return a, "http://" + lis.Addr().String()
}

// endCalls ends calls LLM spans carrying a conversation of messages
// messages of about 1 KiB, as the go-openai wrapper records them. Every
// 100 spans it flushes the provider, as the time a real model takes to
// answer would pace them, so that the memory budget is not what this
// measures. It returns the errors of the flushes.
func endCalls(tp *sdktrace.TracerProvider, calls, messages int) []error {
	attrs := phoenix.ConversationAttrs(messages, 1024)
	tr := tp.Tracer("github.com/sessiontrace/sessiontrace/llm/openai")
	var errs []error
	for i := range calls {
		_, s := tr.Start(context.Background(), "ChatCompletion", trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(attrs...))
		s.End()
		if i%100 == 99 {
			if err := tp.ForceFlush(context.Background()); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errs
}

// Every span of 1,000 calls reaches a receiver that refuses requests over
// 4 MiB, over HTTP and over gRPC, whole, with 20, 100 and 1,000 messages
// of history (spans of about 45 KB, 225 KB and 1.1 MB: 1.4 GB in all per
// protocol, about 10 s of CPU). Under the race detector, ten times slower,
// and with -short, it sends 100 calls of each: the run without the race
// detector (.ci/run's Go 1.27 run) sends the 1,000.
func TestLongConversationsArriveWhole(t *testing.T) {
	clearEnv(t)
	calls := 1000
	if testing.Short() || raceDetector {
		calls = 100
	}
	for _, protocol := range []phoenix.Protocol{phoenix.HTTPProtobuf, phoenix.GRPC} {
		for _, messages := range []int{20, 100, 1000} {
			t.Run(string(protocol)+"/"+strconv.Itoa(messages)+" messages", func(t *testing.T) {
				errs := phoenix.WatchErrors(t)
				var a *arrivals
				var url string
				if protocol == phoenix.GRPC {
					a, url = startLimitedGRPC(t)
				} else {
					a, url = startLimitedHTTP(t, collectorLimit)
				}
				tp, err := phoenix.Register(context.Background(), phoenix.WithoutGlobal(),
					phoenix.WithEndpoint(url), phoenix.WithProtocol(protocol))
				if err != nil {
					t.Fatal(err)
				}
				if errs := endCalls(tp, calls, messages); errs != nil {
					t.Errorf("ForceFlush: %v", errs)
				}
				if err := tp.Shutdown(context.Background()); err != nil {
					t.Fatalf("Shutdown: %v", err)
				}

				spans, largest, refused := a.snapshot()
				if len(spans) != calls || refused > 0 {
					t.Errorf("%d of %d spans arrived, %d requests refused", len(spans), calls, refused)
				}
				if largest > collectorLimit {
					t.Errorf("a request of %d bytes was accepted over the %d limit", largest, collectorLimit)
				}
				want := inputLen(phoenix.ConversationAttrs(messages, 1024))
				for _, s := range spans {
					if s.inputLen != want || s.truncated != nil {
						t.Fatalf("a span arrived with input.value of %d bytes (want %d), truncated %v", s.inputLen, want, s.truncated)
					}
				}
				if all := errs.All(); len(all) > 0 {
					t.Errorf("errors reported: %v", all)
				}
				t.Logf("%d spans, largest request %d bytes", len(spans), largest)
			})
		}
	}
}

// The SDK's own batch processor, given the same spans and the same
// receiver, has its requests refused: the receiver does enforce its limit.
func TestPlainBatcherIsRefused(t *testing.T) {
	errs := phoenix.WatchErrors(t)
	a, url := startLimitedHTTP(t, collectorLimit)
	exp, err := otlptracehttp.New(context.Background(), otlptracehttp.WithEndpointURL(url+"/v1/traces"))
	if err != nil {
		t.Fatal(err)
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp))
	flushErrs := endCalls(tp, 1000, 20)
	tp.Shutdown(context.Background())
	spans, _, refused := a.snapshot()
	if refused == 0 || len(spans) == 1000 {
		t.Errorf("%d spans arrived, %d requests refused: the receiver does not enforce its limit", len(spans), refused)
	}
	if len(flushErrs)+len(errs.All()) == 0 {
		t.Error("no export error reported")
	}
	t.Logf("%d of 1000 spans arrived, %d requests refused", len(spans), refused)
}

// inputLen is the length of input.value in attrs.
func inputLen(attrs []attribute.KeyValue) int {
	for _, kv := range attrs {
		if kv.Key == "input.value" {
			return len(kv.Value.AsString())
		}
	}
	return 0
}

// clearLimitEnv is clearEnv with the variables of the export limits.
func clearLimitEnv(t *testing.T) {
	clearEnv(t)
	for _, k := range []string{"SESSIONTRACE_MAX_EXPORT_BYTES", "SESSIONTRACE_MEMORY_BUDGET_BYTES", "OTEL_BSP_MAX_QUEUE_SIZE"} {
		t.Setenv(k, "")
	}
}

// A span too big for any request arrives cut and marked, or, when its
// string values are not what makes it big, is dropped and reported; the
// spans beside it arrive as they are. The limit comes from the
// environment.
func TestSpanOverTheLimit(t *testing.T) {
	clearLimitEnv(t)
	const limit = 64 << 10
	t.Setenv("SESSIONTRACE_MAX_EXPORT_BYTES", strconv.Itoa(limit))
	errs := phoenix.WatchErrors(t)
	a, url := startLimitedHTTP(t, limit)
	a.keep = true
	tp, err := phoenix.Register(context.Background(), phoenix.WithoutGlobal(), phoenix.WithEndpoint(url))
	if err != nil {
		t.Fatal(err)
	}
	tr := tp.Tracer("t")
	for _, s := range []struct {
		name  string
		attrs []attribute.KeyValue
	}{
		{"small", []attribute.KeyValue{attribute.String("session.id", "s-1")}},
		{"conversation", phoenix.ConversationAttrs(100, 1024)},
		{"numbers", []attribute.KeyValue{attribute.Int64Slice("embedding", make([]int64, 100_000))}},
		{"small too", []attribute.KeyValue{attribute.String("session.id", "s-2")}},
	} {
		_, span := tr.Start(context.Background(), s.name, trace.WithAttributes(s.attrs...))
		span.End()
	}
	if err := tp.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}

	spans, largest, refused := a.snapshot()
	byName := map[string]arrival{}
	for _, s := range spans {
		byName[s.name] = s
	}
	if len(spans) != 3 || refused != 0 || largest > limit {
		t.Errorf("%d spans arrived %v, %d requests refused, the largest %d bytes", len(spans), byName, refused, largest)
	}
	for _, name := range []string{"small", "small too"} {
		if s, ok := byName[name]; !ok || s.truncated != nil || s.strings["session.id"] == "" {
			t.Errorf("span %q arrived as %+v", name, s)
		}
	}
	conv := byName["conversation"]
	if len(conv.truncated) == 0 || conv.truncated[0] != "input.value" {
		t.Errorf("the conversation arrived with %s = %v", phoenix.TruncatedKey, conv.truncated)
	}
	if v := conv.strings["input.value"]; !strings.HasSuffix(v, " bytes]") || !strings.Contains(v, "…[sessiontrace: cut ") {
		t.Errorf("input.value = …%q: not marked as cut", v[max(0, len(v)-60):])
	}
	if got := conv.strings["llm.input_messages.0.message.role"]; got != "system" {
		t.Errorf("a message's role = %q: short values must arrive whole", got)
	}
	d, reports, others := errs.Dropped()
	if d.TooLarge != 1 || d.Largest < 400_000 || d.MaxExportBytes != limit || d.Full != 0 || reports != 1 || others != nil {
		t.Errorf("reported %+v in %d reports, and %v; want the numbers span, once", d, reports, others)
	}
}

// startBlackHole listens on 127.0.0.1, accepts connections and never
// answers, until stop is called (or the test ends): then it closes them
// and refuses new ones.
func startBlackHole(t *testing.T) (url string, stop func()) {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := lis.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			lis.Close()
			mu.Lock()
			defer mu.Unlock()
			for _, c := range conns {
				c.Close()
			}
		})
	}
	t.Cleanup(stop)
	return "http://" + lis.Addr().String(), stop
}

func heapInUse() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse
}

// Against an endpoint that never answers, the spans waiting for export
// hold no more than the memory budget, however many end: 500 spans of
// 225 KB each (110 MB, each with strings of its own), an 8 MiB budget.
// The heap grows by the budget and what one stuck request holds, no more;
// the rest is dropped and reported, and ending a span never waits (the
// test would time out).
func TestMemoryBudgetHoldsAgainstABlackHole(t *testing.T) {
	clearLimitEnv(t)
	const budget = 8 << 20
	errs := phoenix.WatchErrors(t)
	url, stop := startBlackHole(t)
	conv := phoenix.ConversationAttrs(100, 1024)
	before := heapInUse()
	tp, err := phoenix.Register(context.Background(), phoenix.WithoutGlobal(), phoenix.WithEndpoint(url),
		phoenix.WithMemoryBudget(budget), phoenix.WithBatchOptions(sdktrace.WithBatchTimeout(time.Millisecond), sdktrace.WithExportTimeout(2*time.Second)))
	if err != nil {
		t.Fatal(err)
	}
	tr := tp.Tracer("t")
	attrs := make([]attribute.KeyValue, len(conv))
	for range 500 {
		for i, kv := range conv {
			attrs[i] = kv
			if kv.Value.Type() == attribute.STRING {
				attrs[i] = kv.Key.String(strings.Clone(kv.Value.AsString()))
			}
		}
		_, s := tr.Start(context.Background(), "ChatCompletion", trace.WithAttributes(attrs...))
		s.End()
	}
	clear(attrs)
	grown := int64(heapInUse()) - int64(before)
	// Once the endpoint refuses, what is queued fails fast: Shutdown ends
	// the export pipeline before the test does.
	stop()
	if err := tp.Shutdown(context.Background()); err != nil {
		t.Errorf("Shutdown: %v", err)
	}

	const margin = 8 << 20 // one stuck request (at most 4 MiB) and what the exporter builds for it
	if grown > budget+margin {
		t.Errorf("the heap grew by %.1f MiB with the exporter stuck, over the %d MiB budget + %d MiB", float64(grown)/(1<<20), budget>>20, margin>>20)
	}
	d, _, _ := errs.Dropped()
	if d.Full < 400 || d.MemoryBudget != budget {
		t.Errorf("reported %+v, want most of the 500 spans dropped as over the budget", d)
	}
	t.Logf("heap grew by %.1f MiB; %d spans dropped (%.0f MiB)", float64(grown)/(1<<20), d.Full, float64(d.FullBytes)/(1<<20))
}

// Bad limits are an error from Register that names the option or the
// variable; an option beats the variable.
func TestLimitsBadInput(t *testing.T) {
	cases := []struct {
		name string
		env  map[string]string
		opts []phoenix.Option
		want string // "" for no error
	}{
		{"export limit not a number", map[string]string{"SESSIONTRACE_MAX_EXPORT_BYTES": "4MiB"}, nil, "SESSIONTRACE_MAX_EXPORT_BYTES"},
		{"export limit zero", map[string]string{"SESSIONTRACE_MAX_EXPORT_BYTES": "0"}, nil, "SESSIONTRACE_MAX_EXPORT_BYTES"},
		{"budget negative", map[string]string{"SESSIONTRACE_MEMORY_BUDGET_BYTES": "-1"}, nil, "SESSIONTRACE_MEMORY_BUDGET_BYTES"},
		{"budget not a number", map[string]string{"SESSIONTRACE_MEMORY_BUDGET_BYTES": "1e9"}, nil, "SESSIONTRACE_MEMORY_BUDGET_BYTES"},
		{"export limit option", nil, []phoenix.Option{phoenix.WithMaxExportBytes(0)}, "WithMaxExportBytes"},
		{"budget option", nil, []phoenix.Option{phoenix.WithMemoryBudget(-5)}, "WithMemoryBudget"},
		{"blocking", nil, []phoenix.Option{phoenix.WithBatchOptions(sdktrace.WithBlocking())}, "WithBlocking"},
		{"queue size", nil, []phoenix.Option{phoenix.WithBatchOptions(sdktrace.WithMaxQueueSize(0))}, "queue size"},
		{"options beat the environment", map[string]string{"SESSIONTRACE_MAX_EXPORT_BYTES": "x", "SESSIONTRACE_MEMORY_BUDGET_BYTES": "x"},
			[]phoenix.Option{phoenix.WithMaxExportBytes(1 << 20), phoenix.WithMemoryBudget(1 << 20)}, ""},
		{"good values", map[string]string{"SESSIONTRACE_MAX_EXPORT_BYTES": " 1048576 ", "SESSIONTRACE_MEMORY_BUDGET_BYTES": "1073741824"}, nil, ""},
		{"blocking is fine when export is synchronous", nil, []phoenix.Option{phoenix.WithSyncExport(), phoenix.WithBatchOptions(sdktrace.WithBlocking())}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			clearLimitEnv(t)
			for k, v := range c.env {
				t.Setenv(k, v)
			}
			tp, err := phoenix.Register(context.Background(), append(c.opts, phoenix.WithoutGlobal())...)
			if err == nil {
				tp.Shutdown(context.Background())
			}
			switch {
			case c.want == "" && err != nil:
				t.Fatalf("Register: %v", err)
			case c.want != "" && err == nil:
				t.Fatal("Register succeeded")
			case c.want != "" && !strings.Contains(err.Error(), c.want):
				t.Errorf("error %q does not mention %q", err, c.want)
			}
		})
	}
}
