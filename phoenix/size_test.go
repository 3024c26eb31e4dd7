package phoenix

import (
	"context"
	"errors"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

// bodySizes is an OTLP/HTTP endpoint that answers every request with
// success and keeps the length of each body.
type bodySizes struct {
	mu   sync.Mutex
	lens []int
}

func startBodySizes(t *testing.T) (*bodySizes, string) {
	t.Helper()
	b := &bodySizes{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := io.Copy(io.Discard, r.Body)
		b.mu.Lock()
		b.lens = append(b.lens, int(n))
		b.mu.Unlock()
		w.Header().Set("Content-Type", "application/x-protobuf")
	}))
	t.Cleanup(srv.Close)
	return b, srv.URL + "/v1/traces"
}

func (b *bodySizes) take() []int {
	b.mu.Lock()
	defer b.mu.Unlock()
	l := b.lens
	b.lens = nil
	return l
}

// requestBound is what limitExporter counts for one request of spans.
func requestBound(spans []sdktrace.ReadOnlySpan) int {
	var w wrappers
	n := 0
	for _, s := range spans {
		n += w.add(s, 0) + encodedSize(s)
	}
	return n
}

// The bound never counts less than the OTLP exporter really sends, and
// not much more: a few bytes per span (fields counted as present that the
// exporter leaves out: a root's parent, an unset status code, zero dropped
// counts), per attribute (length prefixes as long as the longest one's)
// and per resource and scope (the longest length prefix).
func TestEncodedSizeIsAnUpperBound(t *testing.T) {
	ctx := context.Background()
	bodies, url := startBodySizes(t)
	exp, err := otlptracehttp.New(ctx, otlptracehttp.WithEndpointURL(url), otlptracehttp.WithMaxRequestSize(0))
	if err != nil {
		t.Fatal(err)
	}
	defer exp.Shutdown(ctx)

	remote := trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: trace.TraceID{1, 2, 3}, SpanID: trace.SpanID{4, 5, 6}, TraceFlags: trace.FlagsSampled, Remote: true,
	})
	ts, _ := trace.ParseTraceState("vendor=opaque-value,other=1")
	remote = remote.WithTraceState(ts)
	lengths := []int{0, 1, 127, 128, 16383, 16384, 2097151, 2097152}

	cases := []struct {
		name   string
		limits *sdktrace.SpanLimits
		res    []*resource.Resource // one provider per resource; nil: the SDK's default resource
		make   func(tps []trace.TracerProvider)
	}{
		{name: "root span, nothing set", make: func(tps []trace.TracerProvider) {
			_, s := tps[0].Tracer("t").Start(ctx, "")
			s.End()
		}},
		{name: "child span, kind, status, events, links", make: func(tps []trace.TracerProvider) {
			tr := tps[0].Tracer("t", trace.WithInstrumentationVersion("1.2.3"), trace.WithSchemaURL("https://opentelemetry.io/schemas/1.26.0"))
			pctx, parent := tr.Start(ctx, "parent")
			_, s := tr.Start(pctx, "child", trace.WithSpanKind(trace.SpanKindClient),
				trace.WithLinks(trace.Link{SpanContext: remote, Attributes: []attribute.KeyValue{attribute.String("link.kind", "follows")}}))
			s.AddEvent("first token", trace.WithAttributes(attribute.Int("index", 3)))
			s.AddEvent("")
			s.RecordError(errors.New("the model went away"))
			s.SetStatus(codes.Error, "upstream: 503 Service Unavailable")
			s.End()
			parent.SetStatus(codes.Ok, "")
			parent.End()
		}},
		{name: "every attribute type", make: func(tps []trace.TracerProvider) {
			_, s := tps[0].Tracer("t").Start(trace.ContextWithRemoteSpanContext(ctx, remote), "types",
				trace.WithAttributes(
					attribute.Bool("b", false), attribute.Bool("t", true),
					attribute.Int64("zero", 0), attribute.Int64("neg", -1), attribute.Int64("max", math.MaxInt64), attribute.Int64("min", math.MinInt64),
					attribute.Float64("f", 0), attribute.Float64("nan", math.NaN()), attribute.Float64("inf", math.Inf(-1)),
					attribute.String("empty", ""), attribute.String("ünïcødé ключ", "値 ✓"),
					attribute.StringSlice("ss", []string{"", "a", strings.Repeat("x", 300)}), attribute.StringSlice("ss0", nil),
					attribute.Int64Slice("is", []int64{-1, 0, 1 << 40}), attribute.Float64Slice("fs", []float64{1.5, -2}),
					attribute.BoolSlice("bs", []bool{true, false, true}), attribute.ByteSlice("bytes", []byte("\x00\x01binary")),
					attribute.Slice("mixed", attribute.StringValue("s"), attribute.IntValue(7), attribute.SliceValue(attribute.BoolValue(true))),
					attribute.Map("map", attribute.String("k", "v"), attribute.Map("inner", attribute.Int("n", 1))),
					attribute.KeyValue{Key: "empty-value"},
				))
			s.End()
		}},
		{name: "string lengths at the varint steps", make: func(tps []trace.TracerProvider) {
			_, s := tps[0].Tracer("t").Start(ctx, strings.Repeat("n", 200))
			for _, n := range lengths {
				s.SetAttributes(attribute.String(strings.Repeat("k", min(n, 300)), strings.Repeat("v", n)))
			}
			s.End()
		}},
		{name: "dropped attributes, events and links", limits: &sdktrace.SpanLimits{
			AttributeValueLengthLimit: -1, AttributeCountLimit: 2, EventCountLimit: 1, LinkCountLimit: 1,
			AttributePerEventCountLimit: 1, AttributePerLinkCountLimit: 1,
		}, make: func(tps []trace.TracerProvider) {
			_, s := tps[0].Tracer("t").Start(ctx, "limited", trace.WithLinks(
				trace.Link{SpanContext: remote, Attributes: []attribute.KeyValue{attribute.Int("a", 1), attribute.Int("b", 2)}},
				trace.Link{SpanContext: remote}))
			for i := range 300 {
				s.SetAttributes(attribute.Int("attr"+strings.Repeat("x", i%7), i))
				s.AddEvent("e", trace.WithAttributes(attribute.Int("a", i), attribute.Int("b", i)))
			}
			s.End()
		}},
		{name: "a conversation of 1,000 messages", make: func(tps []trace.TracerProvider) {
			_, s := tps[0].Tracer("t").Start(ctx, "ChatCompletion", trace.WithAttributes(conversationAttrs(1000, 1024)...))
			s.End()
		}},
		{name: "many spans, scopes and resources", res: []*resource.Resource{
			resource.NewSchemaless(attribute.String("service.name", "chat"), attribute.String(string(ProjectNameKey), "support-bot")),
			resource.NewWithAttributes("https://opentelemetry.io/schemas/1.26.0", attribute.String("service.name", "tools")),
		}, make: func(tps []trace.TracerProvider) {
			for i := range 300 {
				tp := tps[i%2]
				tr := tp.Tracer([]string{"otelhttp", "sessiontrace/llm/openai", "db"}[i%3],
					trace.WithInstrumentationAttributes(attribute.Int("shard", i%3)))
				_, s := tr.Start(ctx, "span", trace.WithAttributes(attribute.Int("i", i), attribute.String("session.id", "sess-42")))
				s.End()
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rec := tracetest.NewSpanRecorder()
			res := c.res
			if res == nil {
				res = []*resource.Resource{resource.Default()}
			}
			var tps []trace.TracerProvider
			for _, r := range res {
				opts := []sdktrace.TracerProviderOption{sdktrace.WithSpanProcessor(rec), sdktrace.WithResource(r)}
				if c.limits != nil {
					opts = append(opts, sdktrace.WithRawSpanLimits(*c.limits))
				}
				tps = append(tps, sdktrace.NewTracerProvider(opts...))
			}
			c.make(tps)
			spans := rec.Ended()
			if err := exp.ExportSpans(ctx, spans); err != nil {
				t.Fatal(err)
			}
			sent := bodies.take()
			if len(sent) != 1 {
				t.Fatalf("%d requests", len(sent))
			}
			bound := requestBound(spans)
			slack := 32 * len(res) * 4 // wrappers' length prefixes
			for _, s := range spans {
				slack += 32 + 8*len(s.Attributes()) // dropped counts, parent, status code; string attributes' length prefixes
			}
			t.Logf("%d spans: sent %d bytes, bound %d (+%d)", len(spans), sent[0], bound, bound-sent[0])
			if bound < sent[0] {
				t.Errorf("bound %d < %d bytes sent", bound, sent[0])
			}
			if bound > sent[0]+slack {
				t.Errorf("bound %d over %d bytes sent by more than %d", bound, sent[0], slack)
			}
		})
	}
}
