package main

import (
	"math"
	"slices"
)

// summary describes the runs of one metric of one benchmark.
type summary struct {
	n      int
	median float64
	// spread is the largest deviation of a run from the median, relative
	// to the median: 0.03 means every run is within 3% of it. It is +Inf
	// when the median is 0 and some run is not.
	spread float64
}

// summarize returns the median and spread of xs; the zero summary when xs
// is empty.
func summarize(xs []float64) summary {
	if len(xs) == 0 {
		return summary{}
	}
	s := summary{n: len(xs), median: median(xs)}
	var dev float64
	for _, x := range xs {
		dev = max(dev, math.Abs(x-s.median))
	}
	switch {
	case dev == 0:
	case s.median == 0:
		s.spread = math.Inf(1)
	default:
		s.spread = dev / math.Abs(s.median)
	}
	return s
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	m := len(s) / 2
	if len(s)%2 == 1 {
		return s[m]
	}
	return (s[m-1] + s[m]) / 2
}

// mannWhitneyP is the two-sided p-value of the Mann-Whitney U test that x
// and y come from the same distribution, the test benchstat uses: a small
// value says the difference between them is not noise. It is exact for
// small samples without ties and uses the normal approximation, corrected
// for ties and continuity, otherwise. It returns 1 when either sample is
// empty or every value is equal.
func mannWhitneyP(x, y []float64) float64 {
	n1, n2 := len(x), len(y)
	if n1 == 0 || n2 == 0 {
		return 1
	}
	// u counts the pairs in which x is larger, ties counting one half.
	var u float64
	for _, a := range x {
		for _, b := range y {
			switch {
			case a > b:
				u++
			case a == b:
				u += 0.5
			}
		}
	}
	all := append(slices.Clone(x), y...)
	slices.Sort(all)
	var ties float64 // sum of t³-t over groups of t equal values
	for i := 0; i < len(all); {
		j := i
		for j < len(all) && all[j] == all[i] {
			j++
		}
		t := float64(j - i)
		ties += t*t*t - t
		i = j
	}
	if ties == 0 && n1 <= 20 && n2 <= 20 {
		return exactU(n1, n2, u)
	}
	n := float64(n1 + n2)
	mean := float64(n1*n2) / 2
	variance := float64(n1*n2) / 12 * ((n + 1) - ties/(n*(n-1)))
	if variance <= 0 {
		return 1
	}
	z := (math.Abs(u-mean) - 0.5) / math.Sqrt(variance)
	if z <= 0 {
		return 1
	}
	return math.Erfc(z / math.Sqrt2)
}

// exactU is the two-sided p-value of U = u for samples of n1 and n2
// distinct values: twice the smaller tail of U's distribution under the
// null hypothesis, at most 1.
func exactU(n1, n2 int, u float64) float64 {
	// f[i][j][k] is the number of orderings of i x values and j y values
	// in which x wins k pairs. The largest value is either an x, winning
	// over all j y values, or a y, winning nothing.
	f := make([][][]float64, n1+1)
	for i := range f {
		f[i] = make([][]float64, n2+1)
		for j := range f[i] {
			f[i][j] = make([]float64, i*j+1)
			if i == 0 || j == 0 {
				f[i][j][0] = 1
				continue
			}
			for k, v := range f[i-1][j] {
				f[i][j][k+j] += v
			}
			for k, v := range f[i][j-1] {
				f[i][j][k] += v
			}
		}
	}
	var total, below, above float64
	for k, v := range f[n1][n2] {
		total += v
		if float64(k) <= u {
			below += v
		}
		if float64(k) >= u {
			above += v
		}
	}
	return min(1, 2*min(below, above)/total)
}
