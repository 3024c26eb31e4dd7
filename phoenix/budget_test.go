package phoenix

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// gated is an exporter whose exports wait until it is opened, as one
// behind a collector that stopped answering does.
type gated struct {
	open     chan struct{}
	once     sync.Once
	mu       sync.Mutex
	exported []string // span names
	started  chan struct{}
}

func newGated() *gated { return &gated{open: make(chan struct{}), started: make(chan struct{}, 1000)} }

func (g *gated) ExportSpans(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	g.started <- struct{}{}
	select {
	case <-g.open:
	case <-ctx.Done():
		return ctx.Err()
	}
	g.mu.Lock()
	for _, s := range spans {
		g.exported = append(g.exported, s.Name())
	}
	g.mu.Unlock()
	return nil
}

func (g *gated) Shutdown(context.Context) error { return nil }

func (g *gated) release() { g.once.Do(func() { close(g.open) }) }

func (g *gated) names() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]string(nil), g.exported...)
}

// pipeline is what Register builds for batched export, over exp.
func pipeline(t *testing.T, exp sdktrace.SpanExporter, l limits) (*sdktrace.TracerProvider, *budget) {
	t.Helper()
	if l.maxExport == 0 {
		l.maxExport = DefaultMaxExportBytes
	}
	p := exportProcessor(exp, false, []sdktrace.BatchSpanProcessorOption{sdktrace.WithBatchTimeout(time.Millisecond)}, l)
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(p))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		tp.Shutdown(ctx)
	})
	return tp, p.(*budgetProcessor).budget
}

func (b *budget) now() (bytes int64, spans int) { return b.bytes.Load(), int(b.spans.Load()) }

func endNamed(tp trace.TracerProvider, name string, attrs ...attribute.KeyValue) {
	_, s := tp.Tracer("t").Start(context.Background(), name, trace.WithAttributes(attrs...))
	s.End()
}

// While the exporter is stuck, the spans waiting hold at most the budget,
// in bytes and in spans; the others are dropped and reported; once it
// answers, every span admitted is exported and the budget is whole again.
func TestBudgetAdmitsWithinItsLimits(t *testing.T) {
	value := attribute.String("input.value", strings.Repeat("x", 100_000))
	cases := []struct {
		name   string
		limits limits
		attrs  []attribute.KeyValue
		admit  int // spans admitted of 50, the first one included
	}{
		{"bytes", limits{budget: 1 << 20, queue: 1000}, []attribute.KeyValue{value}, 10},
		{"spans", limits{budget: 1 << 30, queue: 4}, nil, 4},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			errs := watchErrors(t)
			exp := newGated()
			tp, b := pipeline(t, exp, c.limits)
			endNamed(tp, "first", c.attrs...)
			<-exp.started // the first span's export is stuck
			for range 49 {
				endNamed(tp, "then", c.attrs...)
				if bytes, spans := b.now(); bytes > c.limits.budget || spans > c.limits.queue {
					t.Fatalf("the spans waiting hold %d bytes, %d spans: over %d, %d", bytes, spans, c.limits.budget, c.limits.queue)
				}
			}
			if _, spans := b.now(); spans != c.admit {
				t.Errorf("%d spans admitted, want %d", spans, c.admit)
			}
			exp.release()
			if err := tp.ForceFlush(context.Background()); err != nil {
				t.Fatal(err)
			}
			if got := len(exp.names()); got != c.admit {
				t.Errorf("%d spans exported, want the %d admitted", got, c.admit)
			}
			if bytes, spans := b.now(); bytes != 0 || spans != 0 {
				t.Errorf("after the flush the budget still counts %d bytes, %d spans", bytes, spans)
			}
			tp.Shutdown(context.Background())
			d, _, others := errs.Dropped()
			if d.Full != 50-c.admit || d.TooLarge != 0 || others != nil {
				t.Errorf("reported %+v and %v, want %d spans dropped as full", d, others, 50-c.admit)
			}
		})
	}
}

// ForceFlush calls that give up while the exporter is stuck leave no flush
// request behind in the batcher's queue: the spans the budget admits
// afterwards all find room there and are exported, and the budget ends
// whole.
func TestAbandonedFlushesLeaveNoLeak(t *testing.T) {
	exp := newGated()
	tp, b := pipeline(t, exp, limits{budget: 1 << 30, queue: 4})
	endNamed(tp, "first")
	<-exp.started
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
			defer cancel()
			if err := tp.ForceFlush(ctx); !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("ForceFlush with a stuck exporter: %v", err)
			}
		})
	}
	wg.Wait()
	for range 3 {
		endNamed(tp, "queued")
	}
	exp.release()
	admitted := 4
	for range 200 { // each admitted while earlier ones are still in the queue
		if _, spans := b.now(); spans < 4 {
			admitted++
			endNamed(tp, "later")
		}
	}
	if err := tp.ForceFlush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := len(exp.names()); got != admitted {
		t.Errorf("%d spans exported, %d admitted", got, admitted)
	}
	if bytes, spans := b.now(); bytes != 0 || spans != 0 {
		t.Errorf("after the flush the budget still counts %d bytes, %d spans", bytes, spans)
	}
}

// The first drop is reported at once, the next ones together later, and
// what is pending at Shutdown then.
func TestDropReportsAreRateLimited(t *testing.T) {
	errs := watchErrors(t)
	d := &dropReporter{limits: DroppedSpansError{MemoryBudget: 8 << 20, MaxQueueSize: 2048, MaxExportBytes: 4 << 20}}
	start := time.Now()
	d.full(100)
	for len(errs.All()) == 0 {
		time.Sleep(time.Millisecond)
	}
	for range 999 {
		d.full(100)
	}
	d.tooLarge(5 << 20)
	d.flush()
	// Only the drop reports count: the error handler is global, and an
	// exporter of an earlier test may still report a failed export to it.
	total, reports, _ := errs.Dropped()
	if total.Full != 1000 || total.FullBytes != 100_000 || total.TooLarge != 1 || total.Largest != 5<<20 {
		t.Errorf("reported %+v", total)
	}
	if most := 2 + int(time.Since(start)/reportEvery); reports > most {
		t.Errorf("%d reports in %v", reports, time.Since(start))
	}
	var first *DroppedSpansError
	if errors.As(errs.All()[0], &first); !strings.Contains(first.Error(), "1 spans (0.0 MiB) with the export queue full (memory budget 8.0 MiB, 2048 spans)") {
		t.Errorf("first report: %v", first)
	}
}
