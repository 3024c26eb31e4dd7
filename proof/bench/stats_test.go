package main

import (
	"math"
	"testing"
)

func TestSummarize(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   []float64
		want summary
	}{
		{"empty", nil, summary{}},
		{"one run", []float64{7}, summary{n: 1, median: 7}},
		{"odd count", []float64{3, 1, 2}, summary{n: 3, median: 2, spread: 0.5}},
		{"even count", []float64{4, 1, 3, 2}, summary{n: 4, median: 2.5, spread: 0.6}},
		{"outlier sets the spread", []float64{100, 101, 99, 100, 150}, summary{n: 5, median: 100, spread: 0.5}},
		{"all equal", []float64{48, 48, 48}, summary{n: 3, median: 48}},
		{"all zero", []float64{0, 0, 0}, summary{n: 3}},
		{"zero median, one non-zero", []float64{0, 0, 1}, summary{n: 3, spread: math.Inf(1)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := summarize(tc.in)
			if got.n != tc.want.n || got.median != tc.want.median || math.Abs(got.spread-tc.want.spread) > 1e-12 &&
				!(math.IsInf(got.spread, 1) && math.IsInf(tc.want.spread, 1)) {
				t.Errorf("summarize(%v) = %+v, want %+v", tc.in, got, tc.want)
			}
		})
	}
}

func TestSummarizeKeepsInput(t *testing.T) {
	in := []float64{3, 1, 2}
	summarize(in)
	if in[0] != 3 || in[1] != 1 || in[2] != 2 {
		t.Errorf("summarize sorted its input: %v", in)
	}
}

func TestMannWhitneyP(t *testing.T) {
	for _, tc := range []struct {
		name string
		x, y []float64
		want float64
	}{
		// Exact: twice the tail of U over all C(n1+n2, n1) orderings.
		{"6 vs 6 apart", []float64{1, 2, 3, 4, 5, 6}, []float64{7, 8, 9, 10, 11, 12}, 2.0 / 924},
		{"5 vs 5 apart", []float64{10, 11, 12, 13, 14}, []float64{1, 2, 3, 4, 5}, 2.0 / 252},
		{"3 vs 3 apart", []float64{1, 2, 3}, []float64{4, 5, 6}, 2.0 / 20},
		// U = 3; P(U ≤ 3) = (1+1+2+3)/20.
		{"3 vs 3 interleaved", []float64{1, 3, 5}, []float64{2, 4, 6}, 14.0 / 20},
		{"1 vs 1", []float64{1}, []float64{2}, 1},
		{"2 vs 4 apart", []float64{1, 2}, []float64{3, 4, 5, 6}, 2.0 / 15},
		// Ties: U = 1, mean 4.5, variance 9/12·(7 − 30/30) = 4.5,
		// z = (3.5 − 0.5)/√4.5 = √2, p = erfc(1).
		{"ties, normal approximation", []float64{1, 2, 2}, []float64{2, 3, 3}, math.Erfc(1)},
		{"all equal", []float64{5, 5, 5}, []float64{5, 5, 5}, 1},
		{"empty", nil, []float64{1, 2}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := mannWhitneyP(tc.x, tc.y); math.Abs(got-tc.want) > 1e-9 {
				t.Errorf("p = %.6f, want %.6f", got, tc.want)
			}
			if got, rev := mannWhitneyP(tc.x, tc.y), mannWhitneyP(tc.y, tc.x); math.Abs(got-rev) > 1e-12 {
				t.Errorf("p depends on the order of the samples: %v vs %v", got, rev)
			}
		})
	}
}

func TestMannWhitneyPLargeSamples(t *testing.T) {
	// Beyond the exact table the normal approximation takes over; apart
	// samples of 30 are far below 0.05, interleaved ones far above.
	var x, y, z []float64
	for i := range 30 {
		x = append(x, float64(i))
		y = append(y, float64(i+100))
		z = append(z, float64(i)+0.5)
	}
	if p := mannWhitneyP(x, y); p > 1e-6 {
		t.Errorf("apart: p = %v", p)
	}
	if p := mannWhitneyP(x, z); p < 0.5 {
		t.Errorf("interleaved: p = %v", p)
	}
}
