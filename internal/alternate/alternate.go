// Package alternate measures one way of doing a thing against another on
// a shared, noisy machine: the two run in alternating rounds, so that a slow
// patch slows both sides of a round alike, and the figure is the median of
// the per-round ratios. The benchmarks of this module's packages use it; it
// is imported by _test files only.
package alternate

import (
	"slices"
	"testing"
	"time"
)

// Rounds runs base perRound times, then x perRound times, rounds times
// over, and reports on b the median over the rounds of x's time over
// base's as "ratio", and the median time of one run of each, in µs, as
// baseUnit and xUnit.
func Rounds(b *testing.B, rounds, perRound int, base, x func(), baseUnit, xUnit string) {
	b.Helper()
	var ratios, baseTimes, xTimes []float64
	for range rounds {
		var t [2]time.Duration
		for i, f := range [2]func(){base, x} {
			start := time.Now()
			for range perRound {
				f()
			}
			t[i] = time.Since(start)
		}
		ratios = append(ratios, float64(t[1])/float64(t[0]))
		baseTimes = append(baseTimes, float64(t[0].Microseconds())/float64(perRound))
		xTimes = append(xTimes, float64(t[1].Microseconds())/float64(perRound))
	}
	b.ReportMetric(median(ratios), "ratio")
	b.ReportMetric(median(baseTimes), baseUnit)
	b.ReportMetric(median(xTimes), xUnit)
}

func median(v []float64) float64 {
	slices.Sort(v)
	return v[len(v)/2]
}
