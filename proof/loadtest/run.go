package main

import (
	"context"
	"fmt"
	"runtime/pprof"
	"time"

	"github.com/sessiontrace/sessiontrace/llm/openai/openaitest"
	"github.com/sessiontrace/sessiontrace/phoenix"
)

// fault is what the OTLP endpoint does during a run.
type fault int

const (
	faultNone      fault = iota
	faultRefuse          // nothing listens: every export is refused
	faultBlackHole       // connections accepted, requests never answered
	faultGoAway          // healthy, then closed halfway through the measured window
)

func (f fault) String() string {
	return [...]string{"healthy", "refusing connections", "black-holing", "going away mid-run"}[f]
}

// runSpec is one run of the server under test.
type runSpec struct {
	Name         string
	Sessiontrace bool
	Fault        fault
	Keep         retain
	Load         loadConfig // BaseURL is filled in
	Responder    func(openaitest.Request) openaitest.Reply
	TPDeadline   time.Duration // for TracerProvider.Shutdown
	// Drive replaces the load loop: it sends its own requests to the
	// server at base and returns them. It must stop by itself.
	Drive func(ctx context.Context, base string) loadResult
	// OwnStatusChecks: the section judges the HTTP statuses itself (the
	// hostile burst expects some 400s and 431s).
	OwnStatusChecks bool
	// Inspect sees each export request as it arrives (see NewReceiver).
	Inspect func(body []byte, spans []Span)
	// Phoenix adds options to the sessiontrace server's phoenix.Register.
	Phoenix []phoenix.Option
	// Check runs after shutdown, while the receiver's store is still
	// there; afterwards the store is dropped, so the heap measured after
	// the run is the server's.
	Check func(*runOutcome)
}

// runOutcome is what one run measured.
type runOutcome struct {
	Spec     runSpec
	Sent     []sentRequest
	Load     loadStats
	Stats    latencyStats
	Before   runtimeSample // before the run, after a GC
	Peak     runtimeSample // highest sample during the run
	Samples  int
	Down     runtimeSample // right after shutdown, the fault still in place
	After    runtimeSample // once settled, after the endpoint closed
	Settle   time.Duration // how long settling took
	Shutdown shutdownTimes
	Recv     ReceiverStats
	Dropped  int64 // the batch processor's own count, or phoenix's (DroppedSpansError)
	Errors   int64 // errors the SDK reported (failed exports)
	FirstErr string
	LogLines int // lines in the HTTP server's error log
	Panics   int
	LogFirst []string

	Spans []Span   // for Check only
	Raw   [][]byte // for Check only
}

// Ceilings for every run: far above what a healthy run uses, far below
// what a leak of a goroutine or of a span per request would reach (a 30 s
// run makes about 300,000 spans of several KB). The heap ceiling applies
// to runs whose receiver keeps only counts, the fault runs: elsewhere the
// receiver's own store of decoded spans is on the same heap, and only
// keepCeiling, a guard for the shared machine, applies.
const (
	heapCeiling      = 512 << 20
	keepCeiling      = 3 << 30
	goroutineCeiling = 2000
	// After shutdown the run waits (up to settleTimeout) for goroutines to
	// be back at their count before it, give or take one, and the heap
	// within heapSlack of its level, so that nothing of it runs on into the
	// next run (the SDK's batch processor keeps exporting after a Shutdown
	// that timed out). It fails if they stay above the count before the
	// run plus goroutineSlack, or the heap before plus heapSlack.
	settleGoroutines = 1
	goroutineSlack   = 10
	heapSlack        = 64 << 20
	settleTimeout    = 60 * time.Second
	// A TracerProvider.Shutdown may overrun its deadline by this much.
	shutdownSlack = 500 * time.Millisecond
)

// doRun starts a receiver and the server under test, runs the load, shuts
// everything down with bounded contexts, and checks what every run must
// satisfy: each request answered 200 with its own reply, no handler panic,
// bounded heap and goroutines, a shutdown that returns by its deadline,
// and a return to the goroutine and heap levels of before the run.
func doRun(ctx context.Context, rep *report, spec runSpec) *runOutcome {
	var out *runOutcome
	// Every goroutine of the run inherits the label, so that a CPU profile
	// (-cpuprofile) can be split by run: go tool pprof -tagfocus run=...
	pprof.Do(ctx, pprof.Labels("run", spec.Name), func(ctx context.Context) { out = doRunLabeled(ctx, rep, spec) })
	return out
}

func doRunLabeled(ctx context.Context, rep *report, spec runSpec) *runOutcome {
	out := &runOutcome{Spec: spec}
	watch.reset()
	out.Before = settled()

	rcv, err := NewReceiver(spec.Keep, spec.Inspect)
	if err != nil {
		rep.fail(spec.Name, "starting the receiver: %v", err)
		return out
	}
	defer rcv.Close()
	switch spec.Fault {
	case faultRefuse:
		rcv.GoAway()
	case faultBlackHole:
		rcv.BlackHole()
	}
	s, err := startSUT(ctx, spec.Sessiontrace, rcv.URL, spec.Responder, spec.Phoenix...)
	if err != nil {
		rep.fail(spec.Name, "starting the server: %v", err)
		return out
	}

	samp := startSampler(250 * time.Millisecond)
	if spec.Fault == faultGoAway {
		t := time.AfterFunc(spec.Load.Warmup+spec.Load.Duration/2, rcv.GoAway)
		defer t.Stop()
	}
	cfg := spec.Load
	cfg.BaseURL = s.URL
	var res loadResult
	if spec.Drive != nil {
		res = spec.Drive(ctx, s.URL)
	} else {
		res = runLoad(ctx, cfg)
	}
	out.Peak, out.Samples = samp.Stop()
	out.Sent, out.Load = res.Sent, statsOf(res)
	out.Stats = out.Load.summary()

	out.Shutdown = s.shutdown(spec.TPDeadline)
	out.Down = settled()
	out.Recv = rcv.Stats()
	out.LogLines, out.Panics, out.LogFirst = s.logs.summary()
	if spec.Check != nil {
		out.Spans, out.Raw = rcv.Spans(), rcv.Raw()
		spec.Check(out)
		out.Spans, out.Raw = nil, nil
	}
	rcv.Close()
	rcv.Drop()
	name := spec.Name
	if failed := out.Stats.Failed; failed > 0 && !spec.OwnStatusChecks {
		rep.fail(name, "%d of %d requests failed: %v", failed, out.Stats.Requests, failures(out.Sent, 3))
	}
	out.Sent = nil // what remains of the run is the server's, for the heap measured next
	var ok bool
	out.After, out.Settle, ok = waitSettle(out.Before.Goroutines+settleGoroutines, out.Before.Heap+heapSlack, settleTimeout)
	if !ok {
		rep.printf("(%s: still %d goroutines and %s heap in use %v after shutdown; %d and %s before the run)\n\n",
			spec.Name, out.After.Goroutines, mib(out.After.Heap), settleTimeout, out.Before.Goroutines, mib(out.Before.Heap))
	}
	// Read last: the batch processor logs its drop count when it starts an
	// export, and under faults the last exports run after Shutdown.
	out.Dropped, out.Errors, out.FirstErr = watch.drops(), watch.errors.Load(), watch.firstError()

	if out.Stats.Requests == 0 {
		rep.fail(name, "no request was sent")
	}
	if out.Panics > 0 {
		rep.fail(name, "the HTTP server logged %d panics: %q", out.Panics, out.LogFirst)
	}
	if out.Shutdown.ServerErr != nil {
		rep.fail(name, "http.Server.Shutdown: %v", out.Shutdown.ServerErr)
	}
	if out.Shutdown.Tracer > spec.TPDeadline+shutdownSlack {
		rep.fail(name, "TracerProvider.Shutdown took %v with a %v deadline", out.Shutdown.Tracer.Round(time.Millisecond), spec.TPDeadline)
	}
	if spec.Fault == faultNone {
		if out.Shutdown.TracerErr != nil {
			rep.fail(name, "TracerProvider.Shutdown: %v", out.Shutdown.TracerErr)
		}
		if out.Dropped > 0 {
			rep.fail(name, "%d spans dropped: the batch queue (or the memory budget) is too small for this rate", out.Dropped)
		}
	}
	ceiling := uint64(heapCeiling)
	if spec.Keep != retainCounts {
		ceiling = keepCeiling
	}
	if out.Peak.Heap > ceiling {
		rep.fail(name, "heap in use reached %s (ceiling %s)", mib(out.Peak.Heap), mib(ceiling))
	}
	if out.Peak.Goroutines > goroutineCeiling {
		rep.fail(name, "%d goroutines during the run (ceiling %d)", out.Peak.Goroutines, goroutineCeiling)
	}
	if out.After.Goroutines > out.Before.Goroutines+goroutineSlack {
		rep.fail(name, "%d goroutines %v after shutdown, %d before the run", out.After.Goroutines, out.Settle.Round(time.Millisecond), out.Before.Goroutines)
	}
	if out.After.Heap > out.Before.Heap+heapSlack {
		rep.fail(name, "heap in use %s %v after shutdown, %s before the run", mib(out.After.Heap), out.Settle.Round(time.Millisecond), mib(out.Before.Heap))
	}
	return out
}

// runID returns a short prefix for the sessions of one run.
func runID(name string) string {
	return fmt.Sprintf("%s%03d", name, time.Now().UnixMilli()%1000)
}
