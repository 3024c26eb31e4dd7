package main

import (
	"math/big"
	"testing"
)

// At ratio 0.1, sessiontrace.KeepSession keeps "chat-2" and
// "conversation-2" and drops "chat-6" and "abc" (its published vectors).
func TestCheckSampling(t *testing.T) {
	sessions := []string{"chat-2", "conversation-2", "chat-6", "abc"}
	var sent []sentRequest
	for i, s := range sessions {
		for turn := range 3 {
			sent = append(sent, request(3*i+turn+1, s, s+"-user"))
		}
	}
	// traces returns the spans of the requests of sent whose N is in ns.
	traces := func(ns ...int) []Span {
		var spans []Span
		for _, n := range ns {
			spans = append(spans, fakeTrace(byte(n), sent[n-1])...)
		}
		return spans
	}
	kept := []int{1, 2, 3, 4, 5, 6}
	withForeignText := traces(kept...)
	withForeignText[1].Markers = append(withForeignText[1].Markers, marker{Session: "chat-6", N: 7})

	cases := []struct {
		name                     string
		spans                    []Span
		arrived, complete, leaks int
		ok                       bool
	}{
		{"kept sessions whole, nothing of the dropped", traces(kept...), 2, 2, 0, true},
		{"a dropped session's turn arrived", traces(1, 2, 3, 4, 5, 6, 8), 3, 2, 2, false},
		{"a kept session lost a turn", traces(1, 2, 3, 4, 5), 2, 1, 0, false},
		{"a kept span carries a dropped session's text", withForeignText, 2, 2, 1, false},
		{"nothing arrived", nil, 0, 0, 0, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sv := checkSampling(c.spans, sent, 0.1, 3)
			if sv.Sent != 4 || sv.Kept != 2 {
				t.Fatalf("sent %d sessions, kept %d; want 4 and 2", sv.Sent, sv.Kept)
			}
			if sv.Arrived != c.arrived || sv.Complete != c.complete || sv.Leaked != c.leaks {
				t.Errorf("arrived %d, complete %d, leaked %d; want %d, %d, %d", sv.Arrived, sv.Complete, sv.Leaked, c.arrived, c.complete, c.leaks)
			}
			if ok := len(sv.Problems) == 0; ok != c.ok {
				t.Errorf("problems %q, want ok = %v", sv.Problems, c.ok)
			}
		})
	}
}

// binomialInterval against the distribution computed exactly with
// rationals: each tail outside the interval is at most (1-level)/2, and
// would exceed it were the interval one narrower.
func TestBinomialInterval(t *testing.T) {
	cases := []struct {
		n             int
		p, level      *big.Rat
		wantLo, wantH int
	}{
		{10, big.NewRat(1, 2), big.NewRat(9, 10), 2, 8},
		{1000, big.NewRat(1, 10), big.NewRat(999, 1000), 70, 132},
		{1000, big.NewRat(1, 2), big.NewRat(99, 100), 459, 541},
	}
	for _, c := range cases {
		p, _ := c.p.Float64()
		level, _ := c.level.Float64()
		lo, hi := binomialInterval(c.n, p, level)
		if lo != c.wantLo || hi != c.wantH {
			t.Errorf("binomialInterval(%d, %v, %v) = [%d, %d], want [%d, %d]", c.n, p, level, lo, hi, c.wantLo, c.wantH)
		}
		tail := new(big.Rat).Sub(big.NewRat(1, 1), c.level)
		tail.Quo(tail, big.NewRat(2, 1))
		below := func(k int) *big.Rat { return exactCDF(c.n, c.p, k-1) } // P(X < k)
		above := func(k int) *big.Rat { return new(big.Rat).Sub(big.NewRat(1, 1), exactCDF(c.n, c.p, k)) }
		if below(lo).Cmp(tail) > 0 || below(lo+1).Cmp(tail) <= 0 {
			t.Errorf("n=%d p=%v: lower end %d is not where P(X < k) passes %v", c.n, p, lo, tail.FloatString(6))
		}
		if above(hi).Cmp(tail) > 0 || above(hi-1).Cmp(tail) <= 0 {
			t.Errorf("n=%d p=%v: upper end %d is not where P(X > k) drops to %v", c.n, p, hi, tail.FloatString(6))
		}
	}
}

// exactCDF is P(X ≤ k) for X binomial with n trials of probability p.
func exactCDF(n int, p *big.Rat, k int) *big.Rat {
	q := new(big.Rat).Sub(big.NewRat(1, 1), p)
	sum := new(big.Rat)
	for i := 0; i <= k; i++ {
		term := new(big.Rat).SetInt(new(big.Int).Binomial(int64(n), int64(i)))
		term.Mul(term, pow(p, i))
		term.Mul(term, pow(q, n-i))
		sum.Add(sum, term)
	}
	return sum
}

func pow(r *big.Rat, e int) *big.Rat {
	num := new(big.Int).Exp(r.Num(), big.NewInt(int64(e)), nil)
	den := new(big.Int).Exp(r.Denom(), big.NewInt(int64(e)), nil)
	return new(big.Rat).SetFrac(num, den)
}
