// Command loadtest is sessiontrace's reliability suite: the examples' chat
// server under load, with its exporter failing, with clients that
// walk away and clients that send hostile headers, and with every masking
// flag on. Everything runs in one process on 127.0.0.1: the server under
// test, a fake OpenAI model (openaitest), an OTLP/HTTP receiver that
// decodes and keeps what the real batch exporter sends, and the clients.
// Every run is bounded in time and request count and stops by itself.
//
//	go run ./proof/loadtest          # full: 30 s per load run, about 9 minutes
//	go run ./proof/loadtest -short   # CI: 3 s per load run, under a minute
//
// Sections (-only load,faults,streams,hostile,masking,sampling,long runs a
// subset):
//
//   - load: 64 clients, 1,024 sessions (each client cycles through 16 of
//     its own), X-Session-ID and X-User-ID on every request. Throughput and
//     latency percentiles with and without sessiontrace, side by side.
//     After a flush: zero lost spans (one complete trace per request) and
//     zero cross-session contamination (sessiontracetest.Check, each root's
//     session is the one its request was sent with, no span carries text
//     of another session's conversation).
//   - faults: the same load with the OTLP endpoint refusing connections,
//     black-holing, and going away mid-run, beside a healthy run: p99,
//     peak heap and goroutines, their level after shutdown, and bounded
//     shutdowns.
//   - streams: clients that abandon POST /chat/stream after the first piece
//     of text; every LLM span still ends, promptly, and is exported.
//   - hostile: a burst of requests with oversized, control-character,
//     non-ASCII and repeated session headers, bad baggage and bad cookies:
//     no 5xx, and none of the hostile values anywhere in the exported bytes.
//   - masking: a load run with every OPENINFERENCE_HIDE_* variable set
//     before the wrapper is built, secrets planted in every message and
//     every reply; none may appear in the exported bytes or attributes.
//   - sampling: 1,000 sessions × 3 turns with phoenix.WithSessionSampling
//     at 0.1 and at 1: kept sessions arrive whole, dropped ones not at
//     all, the kept count within its binomial 99.9% interval; exported
//     bytes against the unsampled run.
//   - long: chat calls with 20-, 100- and 1,000-message histories against
//     a receiver that refuses requests over 4 MiB, healthy and
//     black-holed, with phoenix.Register and with the SDK's batch span
//     processor alone: spans sent, arrived and refused, peak heap.
//
// Other flags: -duration sets the measured time of each load run; -queue
// and -batch size the batch span processor (to find what a rate needs);
// -cpuprofile writes a CPU profile whose samples are labelled by run and
// mark the OTLP receiver's share (part=otlp-receiver).
//
// Each section prints a Markdown table, ready to paste into the README.
// The exit status is 1 with the list of violations when any check fails,
// 2 for bad flags. See loadtest/README.md for what each figure means.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"runtime/pprof"
	"slices"
	"strings"
	"time"
)

// mode holds the sizes of a full or a short run.
type mode struct {
	name              string
	clients           int
	sessionsPerClient int
	warmup, duration  time.Duration
	tpDeadline        time.Duration // for shutdowns under faults
	streams           int
	hostileRepeat     int
	limit             time.Duration // the whole program's time limit
}

var (
	full = mode{
		name: "full", clients: 64, sessionsPerClient: 16,
		warmup: 3 * time.Second, duration: 30 * time.Second,
		tpDeadline: 5 * time.Second, streams: 256, hostileRepeat: 20,
		limit: 20 * time.Minute,
	}
	short = mode{
		name: "short", clients: 64, sessionsPerClient: 16,
		warmup: 500 * time.Millisecond, duration: 3 * time.Second,
		tpDeadline: 2 * time.Second, streams: 64, hostileRepeat: 4,
		limit: 4 * time.Minute,
	}
)

var sections = []string{"load", "faults", "streams", "hostile", "masking", "sampling", "long"}

func main() { os.Exit(run()) }

func run() int {
	shortFlag := flag.Bool("short", false, "a few seconds per check, for CI")
	only := flag.String("only", "", "comma-separated sections to run: "+strings.Join(sections, ","))
	duration := flag.Duration("duration", 0, "measured duration of each load run (default 30s, 3s with -short)")
	flag.IntVar(&queueSize, "queue", queueSize, "batch span processor queue size (spans)")
	flag.IntVar(&exportBatch, "batch", exportBatch, "batch span processor export batch size (spans)")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile to this file (labels: run=<run name>, part=otlp-receiver)")
	flag.Parse()
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "loadtest:", err)
			return 2
		}
		pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}

	m := full
	if *shortFlag {
		m = short
	}
	if *duration > 0 {
		m.duration = *duration
		m.limit += 8 * (*duration)
	}
	selected := sections
	if *only != "" {
		selected = strings.Split(*only, ",")
		for _, s := range selected {
			if !slices.Contains(sections, s) {
				fmt.Fprintf(os.Stderr, "loadtest: unknown section %q (have %s)\n", s, strings.Join(sections, ","))
				return 2
			}
		}
	}

	// Every run stops by itself; this is the last resort if one does not.
	time.AfterFunc(m.limit, func() {
		fmt.Fprintf(os.Stderr, "loadtest: FAIL: still running after %v; giving up\n", m.limit)
		os.Exit(1)
	})
	watch.install()

	start := time.Now()
	rep := &report{w: os.Stdout}
	rep.printf("# sessiontrace load and reliability checks (%s mode)\n\n", m.name)
	rep.printf("%d clients × %d sessions each = %d sessions; %v measured per load run after %v of warm-up; %s.\n\n",
		m.clients, m.sessionsPerClient, m.clients*m.sessionsPerClient, m.duration, m.warmup, describeBatch())

	ctx := context.Background()
	for _, s := range selected {
		begin := time.Now()
		switch s {
		case "load":
			loadSection(ctx, rep, m)
		case "faults":
			faultSection(ctx, rep, m)
		case "streams":
			streamSection(ctx, rep, m)
		case "hostile":
			hostileSection(ctx, rep, m)
		case "masking":
			maskingSection(ctx, rep, m)
		case "sampling":
			samplingSection(ctx, rep, m)
		case "long":
			longSection(ctx, rep, m)
		}
		rep.printf("(%s: %v)\n\n", s, time.Since(begin).Round(100*time.Millisecond))
	}

	rep.printf("Total time: %v.\n", time.Since(start).Round(100*time.Millisecond))
	if len(rep.failures) > 0 {
		fmt.Fprintf(os.Stderr, "\nloadtest: FAIL: %d violations:\n", len(rep.failures))
		for _, f := range rep.failures {
			fmt.Fprintln(os.Stderr, "  -", f)
		}
		return 1
	}
	rep.printf("PASS\n")
	return 0
}
