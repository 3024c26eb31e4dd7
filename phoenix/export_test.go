package phoenix

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/sessiontrace/sessiontrace/internal/spantest"
)

func TestWaterLevel(t *testing.T) {
	cases := []struct {
		lengths  []int
		need     int
		keep     int
		possible bool
	}{
		{[]int{100}, 30, 70, true},
		{[]int{100, 10}, 90, 10, true}, // the longest down to the next one
		{[]int{100, 10}, 95, 7, true},  // then both: 110-95 = 15 left for two
		{[]int{100, 50, 50}, 40, 60, true},
		{[]int{100, 50, 50}, 60, 46, true}, // 200-60 = 140 over three
		{[]int{100, 10}, 110, 0, true},
		{[]int{100, 10}, 111, 0, false},
		{nil, 1, 0, false},
	}
	for _, c := range cases {
		keep, ok := waterLevel(c.lengths, c.need)
		if keep != c.keep || ok != c.possible {
			t.Errorf("waterLevel(%v, %d) = %d, %v; want %d, %v", c.lengths, c.need, keep, ok, c.keep, c.possible)
		}
		if ok {
			freed := 0
			for _, n := range c.lengths {
				freed += max(0, n-keep)
			}
			if freed < c.need {
				t.Errorf("waterLevel(%v, %d): keeping %d frees only %d", c.lengths, c.need, keep, freed)
			}
		}
	}
}

// endSpan ends one span with attrs and returns it. The provider has no
// span limits: a span may have more than the SDK's default of 128
// attributes.
func endSpan(t *testing.T, name string, attrs ...attribute.KeyValue) sdktrace.ReadOnlySpan {
	t.Helper()
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec), sdktrace.WithRawSpanLimits(sdktrace.SpanLimits{
		AttributeValueLengthLimit: -1, AttributeCountLimit: -1, EventCountLimit: -1, LinkCountLimit: -1,
		AttributePerEventCountLimit: -1, AttributePerLinkCountLimit: -1,
	}))
	_, s := tp.Tracer("t").Start(context.Background(), name, trace.WithAttributes(attrs...))
	s.End()
	return spantest.Only(t, rec)
}

func TestCut(t *testing.T) {
	big := strings.Repeat("é", 300_000) // two bytes a rune: cuts must land between them
	cases := []struct {
		name    string
		attrs   []attribute.KeyValue
		room    int
		cutKeys []string          // the keys listed in TruncatedKey; nil: the span cannot be cut
		intact  map[string]string // values that must arrive whole
	}{
		{
			name:    "one long value",
			attrs:   []attribute.KeyValue{attribute.String("input.value", big), attribute.String("session.id", "s-1"), attribute.Int("n", 3)},
			room:    100_000,
			cutKeys: []string{"input.value"},
			intact:  map[string]string{"session.id": "s-1"},
		},
		{
			name:    "the body first, then the messages alike",
			attrs:   conversationAttrs(100, 1024),
			room:    64 << 10,
			cutKeys: []string{"input.value", "llm.input_messages.0.message.content", "llm.input_messages.99.message.content", "output.value"},
			intact:  map[string]string{"llm.model_name": "gpt-4o-mini", "llm.input_messages.0.message.role": "system"},
		},
		{
			name:  "thousands of numbers",
			attrs: manyInts(20_000),
			room:  64 << 10,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := endSpan(t, "span", c.attrs...)
			size := encodedSize(s)
			got := cut(s, size, c.room)
			if c.cutKeys == nil {
				if got != nil {
					t.Fatalf("cut to %d bytes, want nil", encodedSize(got))
				}
				return
			}
			if got == nil {
				t.Fatalf("a span of %d bytes could not be cut to %d", size, c.room)
			}
			if n := encodedSize(got); n > c.room {
				t.Errorf("cut to %d bytes, over %d", n, c.room)
			}
			attrs := spantest.Attrs(got)
			listed := attrs[string(TruncatedKey)].AsStringSlice()
			for _, k := range c.cutKeys {
				if !slices.Contains(listed, k) {
					t.Errorf("%s not listed as cut in %v", k, listed)
				}
				v := attrs[k].AsString()
				if !utf8.ValidString(v) || !strings.Contains(v, "…[sessiontrace: cut ") || !strings.HasSuffix(v, " bytes]") {
					t.Errorf("%s = %.40q…%q: not marked, or not UTF-8", k, v, v[max(0, len(v)-50):])
				}
			}
			// One length for all: the values cut keep the same number of
			// bytes, give or take a rune.
			kept := map[int]bool{}
			for _, k := range listed {
				v := attrs[k].AsString()
				kept[strings.Index(v, "…[sessiontrace: cut ")] = true
			}
			if lo, hi := minMax(kept); hi-lo > utf8.UTFMax {
				t.Errorf("values cut to lengths from %d to %d, want one", lo, hi)
			}
			spantest.Want(t, got, toAny(c.intact))
			if len(got.Attributes()) != len(s.Attributes())+1 {
				t.Errorf("%d attributes, want the %d of the span and TruncatedKey", len(got.Attributes()), len(s.Attributes()))
			}
		})
	}
}

func minMax(set map[int]bool) (lo, hi int) {
	lo = int(^uint(0) >> 1)
	for n := range set {
		lo, hi = min(lo, n), max(hi, n)
	}
	return lo, hi
}

func manyInts(n int) []attribute.KeyValue {
	attrs := make([]attribute.KeyValue, n)
	for i := range attrs {
		attrs[i] = attribute.Int(fmt.Sprintf("metric.value.%d", i), i)
	}
	return attrs
}

func toAny(m map[string]string) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		out[k] = v
	}
	return out
}

// batches records what the limitExporter passes on, and can fail.
type batches struct {
	got  [][]sdktrace.ReadOnlySpan
	fail map[int]error // by call
}

func (b *batches) ExportSpans(_ context.Context, spans []sdktrace.ReadOnlySpan) error {
	b.got = append(b.got, slices.Clone(spans))
	return b.fail[len(b.got)-1]
}

func (b *batches) Shutdown(context.Context) error { return nil }

func TestLimitExporterSplitsInOrder(t *testing.T) {
	tp, rec := spantest.NewProvider(t)
	sizes := []int{10, 5000, 30_000, 100, 40_000, 1, 60_000, 20_000, 20_000, 20_000, 300}
	for i, n := range sizes {
		tr := tp.Tracer([]string{"a", "b", "c"}[i%3])
		_, s := tr.Start(context.Background(), "span", trace.WithAttributes(attribute.String("v", strings.Repeat("x", n))))
		s.End()
	}
	spans := rec.Ended()
	const limit = 64 << 10
	errFirst, errLater := errors.New("first"), errors.New("later")

	cases := []struct {
		name string
		fail map[int]error
		ctx  func() context.Context
		want error
		sent int // spans passed on
	}{
		{name: "all succeed", sent: len(spans)},
		{name: "failures", fail: map[int]error{1: errFirst, 2: errLater}, want: errFirst, sent: len(spans)},
		{name: "context done", ctx: func() context.Context {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			return ctx
		}, want: context.Canceled},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			inner := &batches{fail: c.fail}
			e := &limitExporter{next: inner, max: limit, drops: &dropReporter{}}
			ctx := context.Background()
			if c.ctx != nil {
				ctx = c.ctx()
			}
			if err := e.ExportSpans(ctx, spans); !errors.Is(err, c.want) {
				t.Errorf("error %v, want %v", err, c.want)
			}
			var sent []sdktrace.ReadOnlySpan
			for _, b := range inner.got {
				if n := requestBound(b); n > limit {
					t.Errorf("a request of %d bytes (%d spans), over %d", n, len(b), limit)
				}
				sent = append(sent, b...)
			}
			if len(sent) != c.sent || !slices.Equal(sent, spans[:c.sent]) {
				t.Errorf("passed on %d spans, want the %d given in their order", len(sent), c.sent)
			}
			if c.sent > 0 && len(inner.got) < 4 {
				t.Errorf("%d requests for %d bytes: not split", len(inner.got), requestBound(spans))
			}
		})
	}
}

// A span too big for a request alone goes out cut, alone or not; one that
// cannot be cut is dropped and reported, and the rest still go.
func TestLimitExporterCutsAndDrops(t *testing.T) {
	small := endSpan(t, "small", attribute.String("v", "x"))
	long := endSpan(t, "long", attribute.String("input.value", strings.Repeat("x", 200_000)))
	numbers := endSpan(t, "numbers", manyInts(20_000)...)
	errs := watchErrors(t)
	inner := &batches{}
	// The reporter is told apart by its limits: a test that ran before may
	// still have a pipeline reporting in the background.
	mine := DroppedSpansError{MaxExportBytes: 64 << 10, MaxQueueSize: -1}
	e := &limitExporter{next: inner, max: 64 << 10, drops: &dropReporter{limits: mine}}
	if err := e.ExportSpans(context.Background(), []sdktrace.ReadOnlySpan{small, long, numbers, small}); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, b := range inner.got {
		for _, s := range b {
			names = append(names, s.Name())
			if s.Name() == "long" && spantest.Attrs(s)[string(TruncatedKey)].AsStringSlice() == nil {
				t.Error("the long span went out uncut")
			}
		}
	}
	if want := []string{"small", "long", "small"}; !slices.Equal(names, want) {
		t.Errorf("sent %v, want %v", names, want)
	}
	if err := e.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	var d DroppedSpansError
	for _, err := range errs.All() {
		var r *DroppedSpansError
		if errors.As(err, &r) && r.MaxExportBytes == mine.MaxExportBytes && r.MaxQueueSize == mine.MaxQueueSize {
			d.TooLarge += r.TooLarge
			d.Full += r.Full
			d.Largest = max(d.Largest, r.Largest)
		}
	}
	if d.TooLarge != 1 || d.Largest != encodedSize(numbers) || d.Full != 0 {
		t.Errorf("reported %+v, want one span too large, of %d bytes", d, encodedSize(numbers))
	}
}
