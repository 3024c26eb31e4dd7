package phoenix

import (
	"context"
	"syscall"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	coltrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"
)

// marshalClient is an otlptrace.Client that does what the OTLP exporters
// do with a request before sending it, marshal it, and then drops it: the
// export path without the network. With size set it measures the request
// instead (proto.Size), as an exact count of the bytes would.
type marshalClient struct{ size bool }

func (marshalClient) Start(context.Context) error { return nil }
func (marshalClient) Stop(context.Context) error  { return nil }
func (c marshalClient) UploadTraces(_ context.Context, rs []*tracepb.ResourceSpans) error {
	req := &coltrace.ExportTraceServiceRequest{ResourceSpans: rs}
	if c.size {
		proto.Size(req)
		return nil
	}
	_, err := proto.Marshal(req)
	return err
}

// shortSpans are spans like the load suite's: for each request an otelhttp
// server span (the turn, with session, user and the plain-text exchange)
// and an LLM span with a short conversation (up to 20 messages of one
// sentence; here 12 of 64 bytes).
func shortSpans(b *testing.B, n int) []sdktrace.ReadOnlySpan {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	server := tp.Tracer("go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp")
	llm := tp.Tracer("github.com/sessiontrace/sessiontrace/llm/openai")
	for i := range n / 2 {
		ctx, s := server.Start(context.Background(), "POST /chat", trace.WithSpanKind(trace.SpanKindServer), trace.WithAttributes(
			attribute.String("http.request.method", "POST"), attribute.String("url.path", "/chat"), attribute.String("url.scheme", "http"),
			attribute.String("server.address", "127.0.0.1"), attribute.Int("server.port", 8080), attribute.String("network.peer.address", "127.0.0.1"),
			attribute.Int("network.peer.port", 50000+i%1000), attribute.String("user_agent.original", "Go-http-client/1.1"),
			attribute.String("session.id", "r042-c07-s03"), attribute.String("user.id", "r042-user07"),
			attribute.String("openinference.span.kind", "CHAIN"),
			attribute.String("input.value", "~~r042-c07-s03~12~~ Which day trip would you pick from there?"),
			attribute.String("output.value", "You said: ~~r042-c07-s03~12~~ Which day trip would you pick from there?"),
			attribute.Int("http.response.status_code", 200), attribute.Int("http.response.body.size", 120)))
		_, l := llm.Start(ctx, "ChatCompletion", trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(conversationAttrs(12, 64)...))
		l.End()
		s.End()
	}
	return rec.Ended()
}

// cpuTime is the CPU time the process has used, every goroutine's.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// The export path, from a span's end to its request marshalled: the SDK's
// batch span processor alone, as Register had it, against what Register
// now builds (budget, batch span processor, splitting), both into the
// OTLP exporter with a client that marshals and drops. cpu-ns/span counts
// every goroutine (the batcher's, the GC). Both flush every 4,096 spans,
// so that neither drops any.
//
//	go test -run '^$' -bench ExportPath -count 6 ./phoenix
func BenchmarkExportPath(b *testing.B) {
	spans := shortSpans(b, 1024)
	ctx := context.Background()
	const queue = 8192
	for _, c := range []struct {
		name string
		make func(sdktrace.SpanExporter) sdktrace.SpanProcessor
	}{
		{"sdk-batcher", func(e sdktrace.SpanExporter) sdktrace.SpanProcessor {
			return sdktrace.NewBatchSpanProcessor(e, sdktrace.WithMaxQueueSize(queue))
		}},
		{"register", func(e sdktrace.SpanExporter) sdktrace.SpanProcessor {
			return exportProcessor(e, false, []sdktrace.BatchSpanProcessorOption{sdktrace.WithMaxQueueSize(queue)},
				limits{maxExport: DefaultMaxExportBytes, budget: DefaultMemoryBudget, queue: queue})
		}},
	} {
		b.Run(c.name, func(b *testing.B) {
			exp, err := otlptrace.New(ctx, marshalClient{})
			if err != nil {
				b.Fatal(err)
			}
			p := c.make(exp)
			defer p.Shutdown(ctx)
			b.ReportAllocs()
			b.ResetTimer()
			start := cpuTime()
			for i := range b.N {
				p.OnEnd(spans[i%len(spans)])
				if i%4096 == 4095 {
					p.ForceFlush(ctx)
				}
			}
			p.ForceFlush(ctx)
			b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/span")
		})
	}
}

// What measuring a span costs: the bound limitExporter uses, against an
// exact count, which would convert the span as the exporter does and ask
// protobuf (proto.Size), per span of the load suite's and per span of a
// 1,000-message conversation.
//
//	go test -run '^$' -bench SpanSize ./phoenix
func BenchmarkSpanSize(b *testing.B) {
	short := shortSpans(b, 64)
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	_, s := tp.Tracer("t").Start(context.Background(), "ChatCompletion", trace.WithAttributes(conversationAttrs(1000, 1024)...))
	s.End()
	long := rec.Ended()
	for _, set := range []struct {
		name  string
		spans []sdktrace.ReadOnlySpan
	}{{"short", short}, {"1000-messages", long}} {
		b.Run(set.name+"/bound", func(b *testing.B) {
			b.ReportAllocs()
			for i := range b.N {
				encodedSize(set.spans[i%len(set.spans)])
			}
		})
		b.Run(set.name+"/exact", func(b *testing.B) {
			exp, _ := otlptrace.New(context.Background(), marshalClient{size: true})
			b.ReportAllocs()
			for i := 0; i < b.N; i += len(set.spans) {
				exp.ExportSpans(context.Background(), set.spans)
			}
		})
	}
}

// The two costs Register adds to the export path, alone, on the same
// spans: admitting a span as it ends (its size bound and the budget), and
// splitting a batch of 512 (per span), into stand-ins that do nothing.
// Side by side in one run of BenchmarkExportPath the difference drowns in
// the noise of a shared machine; these are steadier.
//
//	go test -run '^$' -bench 'Admission|Split' ./phoenix
func BenchmarkAdmission(b *testing.B) {
	spans := shortSpans(b, 64)
	p := &budgetProcessor{next: discard{}, budget: &budget{maxBytes: 1 << 62, maxSpans: 1 << 62}, drops: &dropReporter{}}
	b.ReportAllocs()
	for i := range b.N {
		p.OnEnd(spans[i%len(spans)])
	}
}

func BenchmarkSplit(b *testing.B) {
	spans := shortSpans(b, 512)
	batch := make([]sdktrace.ReadOnlySpan, len(spans))
	for i, s := range spans {
		n, held := spanSize(s)
		batch[i] = &admittedSpan{ReadOnlySpan: s, encoded: n, held: held}
	}
	e := &limitExporter{next: discard{}, max: DefaultMaxExportBytes, drops: &dropReporter{}, budget: &budget{maxBytes: 1 << 62, maxSpans: 1 << 62}}
	b.ReportAllocs()
	for i := 0; i < b.N; i += len(batch) {
		e.ExportSpans(context.Background(), batch)
	}
}

// discard is a span processor and exporter that does nothing.
type discard struct{}

func (discard) OnStart(context.Context, sdktrace.ReadWriteSpan)            {}
func (discard) OnEnd(sdktrace.ReadOnlySpan)                                {}
func (discard) ForceFlush(context.Context) error                           { return nil }
func (discard) Shutdown(context.Context) error                             { return nil }
func (discard) ExportSpans(context.Context, []sdktrace.ReadOnlySpan) error { return nil }
