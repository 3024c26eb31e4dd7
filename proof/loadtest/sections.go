package main

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"time"
)

// loadSpec is a load run of mode m.
func loadSpec(m mode, name string, withSessiontrace bool, keep retain) runSpec {
	return runSpec{
		Name:         name,
		Sessiontrace: withSessiontrace,
		Keep:         keep,
		Load: loadConfig{
			RunID:             runID(name[:1]),
			Clients:           m.clients,
			SessionsPerClient: m.sessionsPerClient,
			Warmup:            m.warmup,
			Duration:          m.duration,
		},
		TPDeadline: 30 * time.Second, // a healthy flush; far more than it needs
	}
}

// checkTraces returns a Check that verifies a run's traces and records
// the verdict in *v.
func checkTraces(rep *report, opt verifyOptions, v *verdict) func(*runOutcome) {
	return func(out *runOutcome) {
		*v = verify(out.Spans, out.Sent, opt)
		for _, p := range v.Problems {
			rep.fail(out.Spec.Name, "%s", p)
		}
		if v.problemCount > len(v.Problems) {
			rep.fail(out.Spec.Name, "... and %d more problems", v.problemCount-len(v.Problems))
		}
	}
}

// loadSection measures the server with and without sessiontrace and
// checks the exported data of every run. The four runs go in ABBA order
// (baseline, sessiontrace, sessiontrace, baseline) and each configuration's
// two runs are merged, so that a drift in what else the shared machine is
// doing weighs on both alike.
func loadSection(ctx context.Context, rep *report, m mode) {
	rep.printf("## Load: throughput, latency, lost spans, contamination\n\n")
	type config struct {
		name, label   string
		sessiontrace  bool
		opt           verifyOptions
		runs          []*runOutcome
		verdicts      []verdict
		load          loadStats
		bytes, drops  int64
		traces, spans int
		lost, contam  int
		sessions      []string
	}
	base := &config{name: "baseline", label: "otelhttp + bare go-openai (baseline)"}
	st := &config{name: "sessiontrace", label: "otelhttp + sessiontrace", sessiontrace: true,
		opt: verifyOptions{Sessiontrace: true, InputsVisible: true}}
	for i, c := range []*config{base, st, st, base} {
		var v verdict
		spec := loadSpec(m, fmt.Sprintf("%s run %d", c.name, len(c.runs)+1), c.sessiontrace, retainChecked)
		spec.Load.RunID = runID(fmt.Sprintf("r%d", i+1))
		spec.Check = checkTraces(rep, c.opt, &v)
		o := doRun(ctx, rep, spec)
		c.runs = append(c.runs, o)
		c.verdicts = append(c.verdicts, v)
		c.load = c.load.merge(o.Load)
		c.bytes += o.Recv.Bytes
		c.drops += o.Dropped
		c.traces += v.Traces
		c.spans += v.Spans
		c.lost += v.Lost
		c.contam += v.Contaminated
		c.sessions = append(c.sessions, fmt.Sprint(v.Sessions))
		if c.sessiontrace && v.Sessions < 1000 && v.Traces > 0 {
			rep.fail(spec.Name, "only %d sessions exported, want at least 1000", v.Sessions)
		}
	}

	t := newTable("server", "requests/s", "p50", "p90", "p99", "max", "CPU/request", "requests", "sessions", "traces exported", "spans", "bytes exported", "lost", "contaminated")
	bs, ss := base.load.summary(), st.load.summary()
	t.add(base.label, fmt.Sprintf("%.0f", bs.RPS), ms(bs.P50), ms(bs.P90), ms(bs.P99), ms(bs.Max), ms(bs.CPUPerRequest),
		count(int64(bs.Requests)), "—", count(int64(base.traces)), count(int64(base.spans)), bytesIEC(base.bytes), fmt.Sprint(base.lost), "—")
	t.add(st.label, fmt.Sprintf("%.0f", ss.RPS), ms(ss.P50), ms(ss.P90), ms(ss.P99), ms(ss.Max), ms(ss.CPUPerRequest),
		count(int64(ss.Requests)), strings.Join(st.sessions, " + "), count(int64(st.traces)), count(int64(st.spans)), bytesIEC(st.bytes),
		fmt.Sprint(st.lost), fmt.Sprint(st.contam))
	t.add("sessiontrace / baseline", ratio(ss.RPS, bs.RPS), ratio(float64(ss.P50), float64(bs.P50)), ratio(float64(ss.P90), float64(bs.P90)),
		ratio(float64(ss.P99), float64(bs.P99)), ratio(float64(ss.Max), float64(bs.Max)), ratio(float64(ss.CPUPerRequest), float64(bs.CPUPerRequest)),
		"", "", "", ratio(float64(st.spans), float64(base.spans)), ratio(float64(st.bytes), float64(base.bytes)), "", "")
	t.print(rep.w)

	per := func(c *config) string {
		var parts []string
		for _, o := range c.runs {
			parts = append(parts, fmt.Sprintf("%.0f (%.1f cores; other processes %.1f)", o.Stats.RPS, o.Stats.Cores, o.Stats.OtherCores))
		}
		return strings.Join(parts, " and ")
	}
	rep.printf("Each row merges two runs of %v. Requests/s per run, with the CPUs this process and all other processes used: baseline %s, sessiontrace %s (run order baseline, sessiontrace, sessiontrace, baseline; %d CPUs). ",
		m.duration, per(base), per(st), runtime.NumCPU())
	rep.printf("Latency is per request as the client sees it, successful requests started in the measured window; requests/s counts those. ")
	rep.printf("The load is closed-loop (each client waits for its answer), so on a saturated machine latency is mostly queueing and follows throughput. ")
	rep.printf("CPU/request is the whole process's CPU time in the window (clients, server, fake model and OTLP receiver alike) per request: the least noisy figure on a shared machine. ")
	rep.printf("Lost: successful requests without their complete trace (the server span, and with sessiontrace its LLM span) after TracerProvider.Shutdown. ")
	rep.printf("Contaminated: traces failing sessiontracetest.Check or lacking a root session, user or kind, whose root's session or user is not what the request was sent with, or with a span carrying text of another session. ")
	heaps := func(c *config) string {
		var parts []string
		for _, o := range c.runs {
			parts = append(parts, mib(o.Peak.Heap))
		}
		return strings.Join(parts, ", ")
	}
	rep.printf("Spans dropped (the SDK batch processor's own count; with sessiontrace, phoenix's reports): baseline %d, sessiontrace %d. ", base.drops, st.drops)
	rep.printf("Peak heap in use, the receiver's store of decoded spans included: baseline %s; sessiontrace %s.\n\n", heaps(base), heaps(st))
}

// faultSection runs the same load against a healthy, a refusing, a
// black-holing and a vanishing OTLP endpoint.
func faultSection(ctx context.Context, rep *report, m mode) {
	rep.printf("## Faults: the OTLP endpoint refusing, black-holing, going away\n\n")
	var outs []*runOutcome
	for _, f := range []fault{faultNone, faultRefuse, faultBlackHole, faultGoAway} {
		spec := loadSpec(m, fmt.Sprintf("fault %s", f), true, retainCounts)
		spec.Fault = f
		if f != faultNone {
			spec.TPDeadline = m.tpDeadline
		}
		out := doRun(ctx, rep, spec)
		outs = append(outs, out)
		created := 2 * int64(out.Stats.Requests-out.Stats.Failed) // server span + LLM span
		if f == faultNone && out.Recv.Spans != created {
			rep.fail(spec.Name, "%d spans exported, %d created", out.Recv.Spans, created)
		}
		if f == faultGoAway && out.Recv.Spans == 0 {
			rep.fail(spec.Name, "nothing was exported before the endpoint went away")
		}
	}
	healthy := outs[0]
	t := newTable("OTLP endpoint", "requests/s", "p99", "p99 vs healthy", "failed", "peak heap", "peak goroutines",
		"right after shutdown", "settled (endpoint closed)", "spans exported / created", "dropped", "export errors", "server shutdown", "TracerProvider shutdown")
	for _, o := range outs {
		created := 2 * int64(o.Stats.Requests-o.Stats.Failed)
		tpShut := ms(o.Shutdown.Tracer) + " of " + fmt.Sprint(o.Spec.TPDeadline)
		if err := o.Shutdown.TracerErr; err != nil {
			tpShut += " (" + shortErr(err) + ")"
		}
		t.add(o.Spec.Fault.String(), fmt.Sprintf("%.0f", o.Stats.RPS), ms(o.Stats.P99), ratio(float64(o.Stats.P99), float64(healthy.Stats.P99)),
			fmt.Sprint(o.Stats.Failed), mib(o.Peak.Heap), fmt.Sprint(o.Peak.Goroutines),
			fmt.Sprintf("%s, %d goroutines", mib(o.Down.Heap), o.Down.Goroutines),
			fmt.Sprintf("%s, %d goroutines after %.1f s (before the run: %s, %d)", mib(o.After.Heap), o.After.Goroutines, o.Settle.Seconds(), mib(o.Before.Heap), o.Before.Goroutines),
			count(o.Recv.Spans)+" / "+count(created), count(o.Dropped), count(o.Errors), ms(o.Shutdown.Server), tpShut)
	}
	t.print(rep.w)
	rep.printf("Peaks are sampled every 250 ms during the run. \"Right after shutdown\" is after http.Server.Shutdown and TracerProvider.Shutdown with the deadline shown, and a GC, the fault still in place; \"settled\" is once goroutines and heap are back near their level before the run, after the endpoint was closed. ")
	rep.printf("Dropped is what phoenix.Register's pipeline reported dropping (phoenix.DroppedSpansError: over the queue size or the memory budget), up to the end of the run.\n\n")

	for _, o := range outs[1:] {
		// A request that waited on the exporter would take seconds (its
		// HTTP timeout is 10 s); the margin is for a shared machine's noise.
		limit := 5*healthy.Stats.P99 + 100*time.Millisecond
		if o.Stats.P99 > limit {
			rep.fail(o.Spec.Name, "p99 %v against %v healthy (limit 5× + 100 ms)", ms(o.Stats.P99), ms(healthy.Stats.P99))
		}
	}
}

// shortErr names the common shutdown errors briefly.
func shortErr(err error) string {
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "deadline exceeded"
	case errors.Is(err, context.Canceled):
		return "canceled"
	}
	s := err.Error()
	if len(s) > 60 {
		s = s[:57] + "..."
	}
	return s
}
