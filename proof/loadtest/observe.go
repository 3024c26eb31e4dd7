package main

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/go-logr/logr"
	"go.opentelemetry.io/otel"

	"github.com/sessiontrace/sessiontrace/phoenix"
)

// sdkWatch collects what the OpenTelemetry SDK reports about itself: the
// batch processor's count of dropped spans (its debug log line "exporting
// spans" carries "total_dropped") and the errors passed to otel.Handle
// (failed exports), and what phoenix.Register's pipeline reports of the
// spans it drops (a phoenix.DroppedSpansError through otel.Handle, not
// counted as an error). Runs are sequential, so one watch serves them all;
// reset clears it between runs.
type sdkWatch struct {
	dropped atomic.Int64 // the highest total_dropped seen since reset
	errors  atomic.Int64
	// Spans phoenix dropped: over the memory budget or queue size, and too
	// large for a request even cut.
	phoenixFull, phoenixTooLarge atomic.Int64

	mu       sync.Mutex
	firstErr string
}

var watch = &sdkWatch{}

// install makes the SDK report to w. It replaces the global logger and
// error handler; the default ones print to stderr.
func (w *sdkWatch) install() {
	otel.SetLogger(logr.New(w))
	otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) {
		var d *phoenix.DroppedSpansError
		if errors.As(err, &d) {
			w.phoenixFull.Add(int64(d.Full))
			w.phoenixTooLarge.Add(int64(d.TooLarge))
			return
		}
		w.errors.Add(1)
		w.mu.Lock()
		if w.firstErr == "" {
			w.firstErr = err.Error()
		}
		w.mu.Unlock()
	}))
}

func (w *sdkWatch) reset() {
	w.dropped.Store(0)
	w.errors.Store(0)
	w.phoenixFull.Store(0)
	w.phoenixTooLarge.Store(0)
	w.mu.Lock()
	w.firstErr = ""
	w.mu.Unlock()
}

// drops is what was dropped since reset: by the SDK's batch processor
// (the baseline's), or by phoenix's pipeline before it (sessiontrace's).
func (w *sdkWatch) drops() int64 {
	return w.dropped.Load() + w.phoenixFull.Load() + w.phoenixTooLarge.Load()
}

func (w *sdkWatch) firstError() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.firstErr
}

// logr.LogSink: only the batch processor's debug line is read.

func (w *sdkWatch) Init(logr.RuntimeInfo)  {}
func (w *sdkWatch) Enabled(level int) bool { return level <= 8 }
func (w *sdkWatch) Info(_ int, msg string, kv ...any) {
	if msg != "exporting spans" {
		return
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i] != "total_dropped" {
			continue
		}
		var n int64
		switch v := kv[i+1].(type) {
		case uint32:
			n = int64(v)
		case int64:
			n = v
		case int:
			n = int64(v)
		}
		storeMax(&w.dropped, n)
	}
}

// storeMax stores n in a if it is larger than what a holds.
func storeMax(a *atomic.Int64, n int64) {
	for {
		cur := a.Load()
		if n <= cur || a.CompareAndSwap(cur, n) {
			return
		}
	}
}
func (w *sdkWatch) Error(err error, msg string, _ ...any) {
	w.errors.Add(1)
	w.mu.Lock()
	if w.firstErr == "" {
		w.firstErr = fmt.Sprintf("%s: %v", msg, err)
	}
	w.mu.Unlock()
}
func (w *sdkWatch) WithValues(...any) logr.LogSink { return w }
func (w *sdkWatch) WithName(string) logr.LogSink   { return w }

// runtimeSample is the process's heap in use and goroutine count.
type runtimeSample struct {
	Heap       uint64 // runtime.MemStats.HeapInuse
	Goroutines int
}

func sampleNow() runtimeSample {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return runtimeSample{Heap: ms.HeapInuse, Goroutines: runtime.NumGoroutine()}
}

// settled collects garbage and returns a sample.
func settled() runtimeSample {
	runtime.GC()
	runtime.GC()
	return sampleNow()
}

// sampler records the peak heap in use and goroutine count while a run
// goes on, sampling every interval.
type sampler struct {
	stop chan struct{}
	done chan struct{}
	peak runtimeSample
	n    int
}

func startSampler(interval time.Duration) *sampler {
	s := &sampler{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-s.stop:
				return
			case <-t.C:
				now := sampleNow()
				s.peak.Heap = max(s.peak.Heap, now.Heap)
				s.peak.Goroutines = max(s.peak.Goroutines, now.Goroutines)
				s.n++
			}
		}
	}()
	return s
}

// Stop stops sampling and returns the peaks and the number of samples.
func (s *sampler) Stop() (runtimeSample, int) {
	close(s.stop)
	<-s.done
	return s.peak, s.n
}

// waitSettle polls until the goroutine count and the heap in use are at
// most the targets or timeout has passed, and returns the last sample
// (after a GC), the time taken, and whether the targets were reached.
func waitSettle(goroutines int, heap uint64, timeout time.Duration) (runtimeSample, time.Duration, bool) {
	start := time.Now()
	for {
		s := settled()
		if s.Goroutines <= goroutines && s.Heap <= heap {
			return s, time.Since(start), true
		}
		if time.Since(start) >= timeout {
			return s, time.Since(start), false
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// processCPU is the user and system CPU time the process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// machineBusy is the CPU time all processes on the machine have used
// (/proc/stat, all CPUs: everything but idle and iowait), or 0 where
// /proc/stat cannot be read.
func machineBusy() time.Duration {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 5 || f[0] != "cpu" {
		return 0
	}
	var busy int64
	for i, v := range f[1:] {
		n, _ := strconv.ParseInt(v, 10, 64)
		if i != 3 && i != 4 { // idle, iowait
			busy += n
		}
	}
	return time.Duration(busy) * time.Second / 100 // USER_HZ is 100 on Linux
}

func mib(b uint64) string { return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20)) }
