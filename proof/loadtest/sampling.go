package main

import (
	"context"
	"fmt"
	"math"
	"sync"
	"time"

	semconv "github.com/Arize-ai/openinference/go/openinference-semantic-conventions"
	"go.opentelemetry.io/otel/trace"

	"github.com/sessiontrace/sessiontrace"
	"github.com/sessiontrace/sessiontrace/phoenix"
)

// The sampling section's conversations: samplingSessions sessions of
// samplingTurns turns each, sampled at samplingRatio, and the confidence
// of the interval the kept count must fall in.
const (
	samplingSessions = 1000
	samplingTurns    = 3
	samplingRatio    = 0.1
	samplingLevel    = 0.999
	samplingClients  = 32
)

// samplingRunID prefixes the section's session IDs. It is fixed, so that
// both runs send the same sessions (their bytes compare like for like) and
// the set the rule keeps is the same on every run of the suite.
const samplingRunID = "samp"

// conversations sends turns turns in each of sessions sessions, one turn
// after the other within a session, up to clients sessions at a time. It
// stops by itself.
func conversations(run string, sessions, turns, clients int) func(ctx context.Context, base string) loadResult {
	return func(ctx context.Context, base string) loadResult {
		hc := newLoadClient(clients)
		defer hc.CloseIdleConnections()
		sent := make([]sentRequest, sessions*turns)
		var wg sync.WaitGroup
		for c := range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for s := c; s < sessions; s += clients {
					session, user := fmt.Sprintf("%s-%04d", run, s), fmt.Sprintf("%s-user%02d", run, s%clients)
					for t := range turns {
						m := marker{Session: session, N: s*turns + t + 1}
						r := &sent[s*turns+t]
						*r = sentRequest{N: m.N, Session: session, User: user, Message: defaultMessage(m), Measured: true}
						begin := time.Now()
						send(ctx, hc, base, r, m)
						r.Latency = time.Since(begin)
					}
				}
			}()
		}
		wg.Wait()
		return loadResult{Sent: sent}
	}
}

// samplingVerdict is what a sampled run exported, against what the rule
// says it should have.
type samplingVerdict struct {
	Sent     int      // sessions sent
	Kept     int      // of those, sessions sessiontrace.KeepSession keeps
	Arrived  int      // distinct sessions among the exported spans
	Complete int      // kept sessions that arrived with every trace and span
	Leaked   int      // exported spans of a dropped session (its session.id or its text)
	Traces   int      // distinct traces exported
	Verify   verdict  // verify's, on the kept sessions' requests and spans
	Problems []string // the first few: leaks and incomplete sessions, then verify's
	More     int      // problems not in Problems
}

// checkSampling checks the spans a run sampled at ratio exported: no span
// of a dropped session arrived, neither by its session.id nor by the text
// of its conversation, and the kept sessions' requests pass verify (each
// with its complete trace, nothing lost or mixed).
func checkSampling(spans []Span, sent []sentRequest, ratio float64, turns int) samplingVerdict {
	keep := map[string]bool{}
	var keptSent []sentRequest
	for _, r := range sent {
		if _, seen := keep[r.Session]; !seen {
			keep[r.Session] = sessiontrace.KeepSession(r.Session, ratio)
		}
		if keep[r.Session] {
			keptSent = append(keptSent, r)
		}
	}
	sv := samplingVerdict{Sent: len(keep)}
	var own verdict
	type count struct {
		traces map[trace.TraceID]bool
		spans  int
	}
	arrived := map[string]*count{}
	var keptSpans []Span
	for i := range spans {
		s := &spans[i]
		id := s.Str(semconv.SessionID)
		leaked := id != "" && !keep[id]
		for _, m := range s.Markers {
			leaked = leaked || !keep[m.Session]
		}
		if leaked {
			sv.Leaked++
			own.problem("%s of trace %s (session %q) carries a dropped session", s.describe(), s.TraceID, id)
		} else {
			keptSpans = append(keptSpans, *s)
		}
		if id == "" {
			continue
		}
		c := arrived[id]
		if c == nil {
			c = &count{traces: map[trace.TraceID]bool{}}
			arrived[id] = c
		}
		c.traces[s.TraceID] = true
		c.spans++
	}
	sv.Arrived = len(arrived)
	for id, k := range keep {
		if !k {
			continue
		}
		sv.Kept++
		// A turn is the server span and its LLM span.
		if c := arrived[id]; c != nil && len(c.traces) == turns && c.spans == 2*turns {
			sv.Complete++
		}
	}
	if sv.Complete != sv.Kept {
		own.problem("%d of %d kept sessions arrived with all their %d traces and %d spans", sv.Complete, sv.Kept, turns, 2*turns)
	}
	sv.Traces = len(tracesOf(spans))
	sv.Verify = verify(keptSpans, keptSent, verifyOptions{Sessiontrace: true, InputsVisible: true})
	sv.Problems = append(own.Problems, sv.Verify.Problems...)
	sv.More = own.problemCount + sv.Verify.problemCount - len(sv.Problems)
	return sv
}

// binomialInterval returns the exact central interval [lo, hi] of the
// binomial distribution with n trials of probability p at the given level:
// P(X < lo) ≤ (1-level)/2 and P(X > hi) ≤ (1-level)/2, each as large as
// it can be, from the distribution's own probabilities (no normal
// approximation).
func binomialInterval(n int, p, level float64) (lo, hi int) {
	tail := (1 - level) / 2
	lgN, _ := math.Lgamma(float64(n + 1))
	cdf := 0.0
	lo, hi = -1, n
	for k := 0; k <= n; k++ {
		lgK, _ := math.Lgamma(float64(k + 1))
		lgNK, _ := math.Lgamma(float64(n - k + 1))
		cdf += math.Exp(lgN - lgK - lgNK + float64(k)*math.Log(p) + float64(n-k)*math.Log1p(-p))
		if lo < 0 && cdf > tail {
			lo = k
		}
		if cdf >= 1-tail {
			return lo, k
		}
	}
	return lo, hi
}

// samplingSection sends the same conversations to a server sampling
// sessions at samplingRatio and to one keeping them all (ratio 1), both
// set up with phoenix.WithSessionSampling and exporting over real OTLP,
// and checks that sessions arrive whole or not at all.
func samplingSection(ctx context.Context, rep *report, m mode) {
	rep.printf("## Session sampling: whole conversations kept or dropped\n\n")
	type result struct {
		ratio float64
		out   *runOutcome
		sv    samplingVerdict
	}
	var results []*result
	for _, ratio := range []float64{1, samplingRatio} {
		r := &result{ratio: ratio}
		name := fmt.Sprintf("sampling at %v", ratio)
		spec := runSpec{
			Name: name, Sessiontrace: true, Keep: retainChecked, TPDeadline: 30 * time.Second,
			Phoenix: []phoenix.Option{phoenix.WithSessionSampling(ratio)},
			Drive:   conversations(samplingRunID, samplingSessions, samplingTurns, samplingClients),
			Check: func(o *runOutcome) {
				r.sv = checkSampling(o.Spans, o.Sent, ratio, samplingTurns)
				for _, p := range r.sv.Problems {
					rep.fail(name, "%s", p)
				}
				if r.sv.More > 0 {
					rep.fail(name, "... and %d more problems", r.sv.More)
				}
			},
		}
		r.out = doRun(ctx, rep, spec)
		results = append(results, r)
	}
	all, sampled := results[0], results[1]

	lo, hi := binomialInterval(samplingSessions, samplingRatio, samplingLevel)
	if k := sampled.sv.Kept; k < lo || k > hi {
		rep.fail("sampling", "the rule kept %d of %d sessions at ratio %v, outside the %v interval [%d, %d]",
			k, samplingSessions, samplingRatio, samplingLevel, lo, hi)
	}
	if all.sv.Kept != samplingSessions {
		rep.fail("sampling", "ratio 1 kept %d of %d sessions", all.sv.Kept, samplingSessions)
	}
	share := func(r *result) string {
		if all.out.Recv.Bytes == 0 {
			return "—"
		}
		return fmt.Sprintf("%.1f%%", 100*float64(r.out.Recv.Bytes)/float64(all.out.Recv.Bytes))
	}

	t := newTable("ratio", "sessions sent", "kept by the rule", "arrived", "complete (all traces and spans)", "spans of dropped sessions",
		"traces", "spans", "bytes exported", "bytes vs ratio 1")
	for _, r := range results {
		t.add(fmt.Sprint(r.ratio), fmt.Sprint(r.sv.Sent), fmt.Sprint(r.sv.Kept), fmt.Sprint(r.sv.Arrived), fmt.Sprint(r.sv.Complete),
			fmt.Sprint(r.sv.Leaked), count(int64(r.sv.Traces)), count(r.out.Recv.Spans), bytesIEC(r.out.Recv.Bytes), share(r))
	}
	t.print(rep.w)
	rep.printf("%d sessions × %d turns (POST /chat, %d sessions at a time, each session's turns in order) to the chat server set up with phoenix.WithSessionSampling, exporting over OTLP/HTTP with the batch processor; the same sessions at both ratios. ",
		samplingSessions, samplingTurns, samplingClients)
	rep.printf("Complete: every trace of the session (server span and LLM span per turn) arrived, with nothing lost or mixed (the load section's checks, on the kept sessions' requests). ")
	rep.printf("Spans of dropped sessions: exported spans whose session.id, or any text, belongs to a session the rule drops. ")
	rep.printf("At ratio %v the rule keeps %d of %d sessions; the exact binomial %v%% interval for %d sessions at %v is [%d, %d]. ",
		samplingRatio, sampled.sv.Kept, samplingSessions, 100*samplingLevel, samplingSessions, samplingRatio, lo, hi)
	rep.printf("Exported bytes at ratio %v: %s of the unsampled run's.\n\n", samplingRatio, share(sampled))
}
