package phoenix

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// exportProcessor builds the processor through which Register exports:
//
//	span ends ─▶ budgetProcessor ─▶ SDK batch span processor ─▶ limitExporter ─▶ OTLP exporter
//	             admits it or drops it               splits each batch into requests
//	             (memory budget, queue size)         under the byte limit, cuts or
//	                                                 drops a span too big alone;
//	                                                 releases the batch's budget
//
// With WithSyncExport there is nothing to hold: the limitExporter sits
// under the SDK's simple span processor. The options of WithBatchOptions go
// to the SDK's batch span processor, with this meaning: MaxQueueSize bounds
// the spans waiting for export, those being exported included (the budget
// counts them: the SDK's own queue is made one larger, for the request a
// ForceFlush puts in it, so it never fills and drops behind the budget's
// back); MaxExportBatchSize bounds the spans per batch, which the
// limitExporter then splits by bytes; BatchTimeout as in the SDK;
// ExportTimeout bounds a whole batch, all its requests. WithBlocking is an
// error: spans past a limit are dropped, never waited for.
func exportProcessor(exporter sdktrace.SpanExporter, syncExport bool, batchOpts []sdktrace.BatchSpanProcessorOption, l limits) sdktrace.SpanProcessor {
	drops := &dropReporter{limits: DroppedSpansError{MemoryBudget: l.budget, MaxQueueSize: l.queue, MaxExportBytes: l.maxExport}}
	e := &limitExporter{next: exporter, max: l.maxExport, drops: drops}
	if syncExport {
		return sdktrace.NewSimpleSpanProcessor(e)
	}
	e.budget = &budget{maxBytes: l.budget, maxSpans: int64(l.queue)}
	var opts []sdktrace.BatchSpanProcessorOption
	for _, o := range batchOpts {
		if o != nil {
			opts = append(opts, o)
		}
	}
	opts = append(opts, sdktrace.WithMaxQueueSize(l.queue+1))
	return &budgetProcessor{next: sdktrace.NewBatchSpanProcessor(e, opts...), budget: e.budget, drops: drops}
}

// budget is what the spans waiting for export hold: taken when they end,
// released when the exporter is done with their batch. It takes no lock:
// a span counts itself in first and backs out if that went over a limit,
// so two spans racing for the last room may both back out, but what is
// admitted is never over.
type budget struct {
	maxBytes int64
	maxSpans int64

	bytes, spans atomic.Int64
	closed       atomic.Bool
}

type admission int

const (
	admitted admission = iota
	full
	closed
)

// take admits a span holding n bytes if it fits.
func (b *budget) take(n int64) admission {
	if b.closed.Load() {
		return closed
	}
	if b.spans.Add(1) > b.maxSpans {
		b.spans.Add(-1)
		return full
	}
	if b.bytes.Add(n) > b.maxBytes {
		b.bytes.Add(-n)
		b.spans.Add(-1)
		return full
	}
	return admitted
}

// release gives back what spans admitted spans held.
func (b *budget) release(n int64, spans int) {
	b.bytes.Add(-n)
	b.spans.Add(-int64(spans))
}

// close makes every later take return closed.
func (b *budget) close() { b.closed.Store(true) }

// admittedSpan is a span the budget admitted, with the sizes computed then,
// so that the exporter neither measures it again nor releases a different
// figure.
type admittedSpan struct {
	sdktrace.ReadOnlySpan
	encoded int   // spanSize's bound of its bytes in a request
	held    int64 // and what the budget charged for it
}

// budgetProcessor admits ended spans into the SDK's batch span processor
// (next) within the budget, and drops the others without waiting.
type budgetProcessor struct {
	next   sdktrace.SpanProcessor
	budget *budget
	drops  *dropReporter

	mu       sync.Mutex
	flushing *flushCall // the ForceFlush of next under way, if any
}

// flushCall is one ForceFlush of the batch span processor.
type flushCall struct {
	done chan struct{}
	err  error
}

// OnStart passes the span on.
func (p *budgetProcessor) OnStart(ctx context.Context, s sdktrace.ReadWriteSpan) {
	p.next.OnStart(ctx, s)
}

// OnEnd queues s for export if the budget has room for it, and otherwise
// drops it and counts it. It never waits.
func (p *budgetProcessor) OnEnd(s sdktrace.ReadOnlySpan) {
	if !s.SpanContext().IsSampled() {
		return // the batch span processor would not queue it either
	}
	n, held := spanSize(s)
	switch p.budget.take(held) {
	case admitted:
		p.next.OnEnd(&admittedSpan{ReadOnlySpan: s, encoded: n, held: held})
	case full:
		p.drops.full(held)
	}
}

// Shutdown stops admitting spans and shuts the batch span processor down:
// it exports what is queued, within ctx, as the SDK's does.
func (p *budgetProcessor) Shutdown(ctx context.Context) error {
	p.budget.close()
	err := p.next.Shutdown(ctx)
	p.drops.flush()
	return err
}

// ForceFlush exports the spans ended before it, returning by ctx's end. The
// batch span processor's ForceFlush puts a request into its queue; one
// abandoned at its deadline would stay there, and the next ones beside it,
// taking the room the budget counts on. So it runs in a goroutine of its
// own, without ctx's deadline (the SDK's export timeout bounds it), and
// one at a time: a call that finds a flush under way waits for it, which
// may have begun before this call's spans ended, then joins or starts the
// next.
func (p *budgetProcessor) ForceFlush(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	p.mu.Lock()
	running := p.flushing
	p.mu.Unlock()
	if running != nil {
		select {
		case <-running.done:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	p.mu.Lock()
	f := p.flushing
	if f == nil {
		f = &flushCall{done: make(chan struct{})}
		p.flushing = f
		go p.flush(context.WithoutCancel(ctx), f)
	}
	p.mu.Unlock()
	select {
	case <-f.done:
		return f.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (p *budgetProcessor) flush(ctx context.Context, f *flushCall) {
	f.err = p.next.ForceFlush(ctx)
	p.mu.Lock()
	p.flushing = nil
	p.mu.Unlock()
	close(f.done)
}

// DroppedSpansError is the error Register's export pipeline passes to
// otel.Handle when it drops spans instead of exporting them. The first
// drop is reported at once, later ones at most every few seconds with the
// counts since the previous report, and what is left at Shutdown; tell
// them from export failures with errors.As.
type DroppedSpansError struct {
	// Full counts the spans dropped as they ended because the spans
	// waiting for export held the memory budget or numbered the queue size;
	// FullBytes is what they would have held.
	Full      int
	FullBytes int64
	// TooLarge counts the spans dropped at export because, even with every
	// string value cut, they did not fit in an export request; Largest is
	// the encoded size of the largest of them, in bytes.
	TooLarge int
	Largest  int
	// The limits in force.
	MemoryBudget   int64
	MaxQueueSize   int
	MaxExportBytes int
}

// Error says what was dropped and why.
func (e *DroppedSpansError) Error() string {
	var parts []string
	if e.Full > 0 {
		parts = append(parts, fmt.Sprintf("%d spans (%s) with the export queue full (memory budget %s, %d spans)",
			e.Full, mebibytes(e.FullBytes), mebibytes(e.MemoryBudget), e.MaxQueueSize))
	}
	if e.TooLarge > 0 {
		parts = append(parts, fmt.Sprintf("%d spans too large for an export request even cut (the largest %s, limit %s)",
			e.TooLarge, mebibytes(int64(e.Largest)), mebibytes(int64(e.MaxExportBytes))))
	}
	return "phoenix: dropped " + strings.Join(parts, "; ")
}

func mebibytes(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }

// reportEvery is the least time between two reports of dropped spans.
const reportEvery = 5 * time.Second

// dropReporter counts dropped spans and reports them through otel.Handle,
// off the path that dropped them.
type dropReporter struct {
	limits DroppedSpansError // the limit fields only

	mu      sync.Mutex
	pending DroppedSpansError // the counts not yet reported
	timer   *time.Timer       // set while a report is due
	last    time.Time         // of the last report
}

func (d *dropReporter) full(held int64) {
	d.mu.Lock()
	d.pending.Full++
	d.pending.FullBytes += held
	d.schedule()
	d.mu.Unlock()
}

func (d *dropReporter) tooLarge(size int) {
	d.mu.Lock()
	d.pending.TooLarge++
	d.pending.Largest = max(d.pending.Largest, size)
	d.schedule()
	d.mu.Unlock()
}

// schedule makes sure a report is due, reportEvery after the last one. d.mu
// is held.
func (d *dropReporter) schedule() {
	if d.timer == nil {
		d.timer = time.AfterFunc(time.Until(d.last.Add(reportEvery)), d.report)
	}
}

// report hands the counts so far to otel.Handle, if there are any.
func (d *dropReporter) report() {
	d.mu.Lock()
	e := d.pending
	d.pending = DroppedSpansError{}
	d.timer = nil
	d.last = time.Now()
	d.mu.Unlock()
	if e.Full > 0 || e.TooLarge > 0 {
		e.MemoryBudget, e.MaxQueueSize, e.MaxExportBytes = d.limits.MemoryBudget, d.limits.MaxQueueSize, d.limits.MaxExportBytes
		otel.Handle(&e)
	}
}

// flush reports what is pending now rather than when it is due.
func (d *dropReporter) flush() {
	d.mu.Lock()
	if d.timer != nil {
		d.timer.Stop()
	}
	d.mu.Unlock()
	d.report()
}
