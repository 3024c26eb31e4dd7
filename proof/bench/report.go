package main

import (
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// key identifies a benchmark by package import path and name.
type key struct{ pkg, name string }

// benchmark gathers the runs of one benchmark.
type benchmark struct {
	key
	procs   int
	units   []string // in order of first appearance
	samples map[string][]float64
}

// set is the benchmarks of a run, in the order go test printed them.
type set struct {
	byKey map[key]*benchmark
	order []*benchmark
}

func collect(results []result) set {
	s := set{byKey: make(map[key]*benchmark)}
	for _, r := range results {
		k := key{r.pkg, r.name}
		b := s.byKey[k]
		if b == nil {
			b = &benchmark{key: k, procs: r.procs, samples: make(map[string][]float64)}
			s.byKey[k] = b
			s.order = append(s.order, b)
		}
		units := make([]string, 0, len(r.metrics))
		for u := range r.metrics {
			units = append(units, u)
		}
		slices.SortFunc(units, compareUnits)
		for _, u := range units {
			if _, seen := b.samples[u]; !seen {
				b.units = append(b.units, u)
			}
			b.samples[u] = append(b.samples[u], r.metrics[u])
		}
	}
	return s
}

// compareUnits orders the standard units first, as go test prints them.
func compareUnits(a, b string) int {
	rank := func(u string) int {
		if i := slices.Index([]string{"ns/op", "MB/s", "B/op", "allocs/op"}, u); i >= 0 {
			return i
		}
		return 4
	}
	if c := rank(a) - rank(b); c != 0 {
		return c
	}
	return strings.Compare(a, b)
}

// module maps the package directories of comparisons to the import paths
// that go test prints, and back.
type module string

func (m module) importPath(dir string) string {
	if dir == "." {
		return string(m)
	}
	return string(m) + "/" + strings.TrimPrefix(dir, "./")
}

func (m module) dir(importPath string) string {
	if importPath == string(m) {
		return "."
	}
	if rest, ok := strings.CutPrefix(importPath, string(m)+"/"); ok {
		return "./" + rest
	}
	return importPath
}

// check returns an error naming each benchmark that comps need and s
// lacks, with the benchmarks the package does have, so that a renamed
// benchmark is quick to map again.
func check(s set, failures []key, comps []comparison, mod module) error {
	failed := make(map[key]bool)
	for _, k := range failures {
		failed[k] = true
	}
	var msgs []string
	seen := make(map[key]bool)
	for _, c := range comps {
		for _, name := range []string{c.base, c.x} {
			k := key{mod.importPath(c.pkg), name}
			if s.byKey[k] != nil || seen[k] {
				continue
			}
			seen[k] = true
			if failed[k] {
				msgs = append(msgs, fmt.Sprintf("%s: %s failed (row %q)", c.pkg, name, c.label))
				continue
			}
			var have []string
			for _, b := range s.order {
				if b.pkg == k.pkg {
					have = append(have, b.name)
				}
			}
			found := "no benchmarks ran"
			if len(have) > 0 {
				found = "found " + strings.Join(have, ", ")
			}
			msgs = append(msgs, fmt.Sprintf("%s: no benchmark %s (row %q); %s", c.pkg, name, c.label, found))
		}
	}
	if len(msgs) == 0 {
		return nil
	}
	return errors.New("missing benchmarks (the mapping is in proof/bench/comparisons.go):\n\t" + strings.Join(msgs, "\n\t"))
}

// significance is the p-value below which benchstat calls a difference
// real rather than noise.
const significance = 0.05

// metric is a standard metric of go test -benchmem.
type metric struct {
	unit, title string
	format      func(float64) string
}

// metrics are the columns of the comparison table.
var metrics = []metric{
	{"ns/op", "time/op", formatTime},
	{"B/op", "B/op", formatBytes},
	{"allocs/op", "allocs/op", formatCount},
}

// writeComparisons writes the table of comparisons as Markdown. Every
// benchmark comps name must be in s: call check first.
func writeComparisons(w io.Writer, s set, comps []comparison, mod module) error {
	t := table{left: 1, header: []string{"Comparison (X vs baseline)"}}
	for _, m := range metrics {
		t.header = append(t.header, m.title+" baseline", m.title+" X", m.title+" ratio")
	}
	for _, c := range comps {
		x := s.byKey[key{mod.importPath(c.pkg), c.x}]
		base := s.byKey[key{mod.importPath(c.pkg), c.base}]
		row := []string{c.label}
		for _, m := range metrics {
			xs, bs := scale(x.samples[m.unit], c.perX), scale(base.samples[m.unit], c.perBase)
			if len(xs) == 0 || len(bs) == 0 {
				row = append(row, "—", "—", "—")
				continue
			}
			// Time always varies, so its spread always shows, with the
			// p-value that says whether the ratio is more than noise.
			sx, sb := summarize(xs), summarize(bs)
			timed := m.unit == "ns/op"
			ratio := formatRatio(sx.median, sb.median, m.format)
			if timed {
				ratio = withP(ratio, mannWhitneyP(xs, bs))
			}
			row = append(row, withSpread(m.format(sb.median), sb, timed), withSpread(m.format(sx.median), sx, timed), ratio)
		}
		t.rows = append(t.rows, row)
	}
	return t.write(w)
}

// writeRaw writes every benchmark of s as Markdown: the median and spread
// of each metric it reported.
func writeRaw(w io.Writer, s set, mod module) error {
	t := table{left: 2, header: []string{"Package", "Benchmark", "runs", "time/op", "B/op", "allocs/op", "other metrics"}}
	for _, b := range s.order {
		row := []string{mod.dir(b.pkg), b.name, strconv.Itoa(len(b.samples["ns/op"]))}
		for _, m := range metrics {
			if xs := b.samples[m.unit]; len(xs) > 0 {
				row = append(row, withSpread(m.format(median(xs)), summarize(xs), m.unit == "ns/op"))
			} else {
				row = append(row, "—")
			}
		}
		var other []string
		for _, u := range b.units {
			if slices.ContainsFunc(metrics, func(m metric) bool { return m.unit == u }) {
				continue
			}
			sum := summarize(b.samples[u])
			other = append(other, withSpread(sig(sum.median)+" "+u, sum, true))
		}
		row = append(row, strings.Join(other, ", "))
		t.rows = append(t.rows, row)
	}
	if !slices.ContainsFunc(t.rows, func(r []string) bool { return r[len(r)-1] != "" }) {
		t.header = t.header[:len(t.header)-1]
		for i, r := range t.rows {
			t.rows[i] = r[:len(r)-1]
		}
	}
	return t.write(w)
}

func scale(xs []float64, per float64) []float64 {
	if per == 1 || per == 0 {
		return xs
	}
	out := make([]float64, len(xs))
	for i, x := range xs {
		out[i] = x / per
	}
	return out
}

// table is a Markdown table whose columns are padded to line up in a
// terminal as well. The first left columns are text, aligned left; the
// others are figures, aligned right.
type table struct {
	left   int
	header []string
	rows   [][]string
}

func (t table) write(w io.Writer) error {
	width := make([]int, len(t.header))
	for _, r := range append([][]string{t.header}, t.rows...) {
		for i, c := range r {
			width[i] = max(width[i], utf8.RuneCountInString(c), 3)
		}
	}
	var b strings.Builder
	line := func(cells []string) {
		b.WriteString("|")
		for i, c := range cells {
			pad := strings.Repeat(" ", width[i]-utf8.RuneCountInString(c))
			if i < t.left {
				b.WriteString(" " + c + pad + " |")
			} else {
				b.WriteString(" " + pad + c + " |")
			}
		}
		b.WriteString("\n")
	}
	line(t.header)
	rule := make([]string, len(width))
	for i, n := range width {
		if i < t.left {
			rule[i] = strings.Repeat("-", n)
		} else {
			rule[i] = strings.Repeat("-", n-1) + ":"
		}
	}
	line(rule)
	for _, r := range t.rows {
		line(r)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// sig formats v with at least three significant digits and no exponent;
// whole numbers print whole.
func sig(v float64) string {
	if v == math.Trunc(v) && math.Abs(v) < 1e6 {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return sig3(v)
}

// sig3 formats v with three significant digits, more when it is 1000 or
// more, and no exponent.
func sig3(v float64) string {
	prec := 2
	switch a := math.Abs(v); {
	case a >= 100:
		prec = 0
	case a >= 10:
		prec = 1
	}
	return strconv.FormatFloat(v, 'f', prec, 64)
}

func formatTime(ns float64) string {
	switch a := math.Abs(ns); {
	case a < 1e3:
		return sig(ns) + " ns"
	case a < 1e6:
		return sig3(ns/1e3) + " µs"
	case a < 1e9:
		return sig3(ns/1e6) + " ms"
	}
	return sig3(ns/1e9) + " s"
}

func formatBytes(b float64) string {
	switch a := math.Abs(b); {
	case a < 1<<10:
		return sig(b) + " B"
	case a < 1<<20:
		return sig3(b/(1<<10)) + " KiB"
	}
	return sig3(b/(1<<20)) + " MiB"
}

func formatCount(v float64) string { return sig(v) }

// withSpread appends the spread of sum to the formatted median s; always
// shows it even when every run was equal.
func withSpread(s string, sum summary, always bool) string {
	switch {
	case math.IsInf(sum.spread, 1):
		return s + " ±∞%"
	case sum.spread > 0 && sum.spread < 0.0005:
		return s + " ±<0.1%"
	case sum.spread > 0 && sum.spread < 0.01:
		return s + " ±" + strconv.FormatFloat(100*sum.spread, 'f', 1, 64) + "%"
	case sum.spread > 0 || always:
		return s + " ±" + strconv.FormatFloat(100*sum.spread, 'f', 0, 64) + "%"
	}
	return s
}

// formatRatio is x/base as "×1.23". A zero baseline has no ratio, so it
// shows the difference instead: "+48 B".
func formatRatio(x, base float64, format func(float64) string) string {
	if base == 0 {
		return "+" + format(x)
	}
	return "×" + sig3(x/base)
}

// withP adds the p-value to a ratio, marked "~" as benchstat does when the
// difference may be noise.
func withP(ratio string, p float64) string {
	s := ratio + " (p=" + strconv.FormatFloat(p, 'f', 3, 64) + ")"
	if p >= significance {
		s = "~ " + s
	}
	return s
}
