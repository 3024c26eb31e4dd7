package main

import (
	"math"
	"strings"
	"testing"
	"time"
)

const mod = module("example.com/m")

// runs builds go test output: count runs of each benchmark of pkg, with the
// figures given.
func runs(pkg string, count int, benchmarks ...string) string {
	var b strings.Builder
	b.WriteString("pkg: " + pkg + "\n")
	for _, bench := range benchmarks {
		for range count {
			b.WriteString(bench + "\n")
		}
	}
	return b.String()
}

func mustCollect(t *testing.T, text string) (set, output) {
	t.Helper()
	out, err := parse(strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	return collect(out.results), out
}

var testComps = []comparison{
	{"wrapped vs bare", "./p", "BenchmarkCall/wrapped", "BenchmarkCall/bare", 1, 1},
	{"root on vs off", ".", "BenchmarkSpan/on", "BenchmarkSpan/off", 1, 1},
	{"100 vs 10, per item", "./p", "BenchmarkItems/n=100", "BenchmarkItems/n=10", 100, 10},
}

func TestCheck(t *testing.T) {
	complete := runs("example.com/m/p", 1,
		"BenchmarkCall/bare-2 1 1 ns/op", "BenchmarkCall/wrapped-2 1 1 ns/op",
		"BenchmarkItems/n=10-2 1 1 ns/op", "BenchmarkItems/n=100-2 1 1 ns/op") +
		runs("example.com/m", 1, "BenchmarkSpan/off-2 1 1 ns/op", "BenchmarkSpan/on-2 1 1 ns/op")
	for _, tc := range []struct {
		name string
		in   string
		want []string // substrings of the error; none for no error
	}{
		{"complete", complete, nil},
		{
			name: "renamed sub-benchmark",
			in:   strings.ReplaceAll(complete, "BenchmarkCall/wrapped", "BenchmarkCall/instrumented"),
			want: []string{`./p: no benchmark BenchmarkCall/wrapped (row "wrapped vs bare")`, "found BenchmarkCall/bare, BenchmarkCall/instrumented,", "proof/bench/comparisons.go"},
		},
		{
			name: "package without benchmarks",
			in:   runs("example.com/m/p", 1, "BenchmarkCall/bare-2 1 1 ns/op", "BenchmarkCall/wrapped-2 1 1 ns/op", "BenchmarkItems/n=10-2 1 1 ns/op", "BenchmarkItems/n=100-2 1 1 ns/op"),
			want: []string{".: no benchmark BenchmarkSpan/off", ".: no benchmark BenchmarkSpan/on", "no benchmarks ran"},
		},
		{
			name: "failed benchmark",
			in:   strings.ReplaceAll(complete, "BenchmarkSpan/on-2 1 1 ns/op", "BenchmarkSpan/on-2 \t--- FAIL: BenchmarkSpan/on-2"),
			want: []string{`.: BenchmarkSpan/on failed (row "root on vs off")`},
		},
		{
			name: "same name in another package does not count",
			in:   strings.ReplaceAll(complete, "pkg: example.com/m\n", "pkg: example.com/m/q\n"),
			want: []string{".: no benchmark BenchmarkSpan/off"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, out := mustCollect(t, tc.in)
			err := check(s, out.failures, testComps, mod)
			if len(tc.want) == 0 {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not contain %q:\n%v", w, err)
				}
			}
		})
	}
}

func TestWriteComparisons(t *testing.T) {
	text := runs("example.com/m/p", 1,
		"BenchmarkCall/bare-2 1000 100 ns/op 0 B/op 0 allocs/op",
		"BenchmarkCall/bare-2 1000 102 ns/op 0 B/op 0 allocs/op",
		"BenchmarkCall/bare-2 1000 98 ns/op 0 B/op 0 allocs/op",
		"BenchmarkCall/bare-2 1000 100 ns/op 0 B/op 0 allocs/op",
		"BenchmarkCall/wrapped-2 1000 200 ns/op 48 B/op 2 allocs/op",
		"BenchmarkCall/wrapped-2 1000 210 ns/op 48 B/op 2 allocs/op",
		"BenchmarkCall/wrapped-2 1000 190 ns/op 48 B/op 2 allocs/op",
		"BenchmarkCall/wrapped-2 1000 200 ns/op 48 B/op 2 allocs/op",
	) + runs("example.com/m/p", 4,
		"BenchmarkItems/n=10-2 1000 1000 ns/op 160 B/op 10 allocs/op",
		"BenchmarkItems/n=100-2 100 10000 ns/op 1600 B/op 100 allocs/op",
	) + runs("example.com/m", 1,
		"BenchmarkSpan/off-2 1000 1000 ns/op 944 B/op 3 allocs/op",
		"BenchmarkSpan/off-2 1000 1100 ns/op 944 B/op 3 allocs/op",
		"BenchmarkSpan/on-2 1000 1050 ns/op 1072 B/op 4 allocs/op",
		"BenchmarkSpan/on-2 1000 1000 ns/op 1072 B/op 4 allocs/op",
	)
	s, _ := mustCollect(t, text)
	var b strings.Builder
	if err := writeComparisons(&b, s, testComps, mod); err != nil {
		t.Fatal(err)
	}
	got := b.String()
	lines := strings.Split(strings.TrimSpace(got), "\n")
	if len(lines) != 2+len(testComps) {
		t.Fatalf("want a header, a rule and %d rows, got:\n%s", len(testComps), got)
	}
	for i, l := range lines {
		if len([]rune(l)) != len([]rune(lines[0])) {
			t.Errorf("line %d is not padded to the header's width:\n%s", i, got)
		}
	}
	cells := func(line string) []string {
		var out []string
		for _, c := range strings.Split(strings.Trim(line, "|"), "|") {
			out = append(out, strings.TrimSpace(c))
		}
		return out
	}
	for i, want := range [][]string{
		// 4 runs a side apart, with ties: the normal approximation.
		{"wrapped vs bare", "100 ns ±2%", "200 ns ±5%", "×2.00 (p=0.028)", "0 B", "48 B", "+48 B", "0", "2", "+2"},
		{"root on vs off", "1.05 µs ±5%", "1.02 µs ±2%", "~ ×0.98 (p=1.000)", "944 B", "1.05 KiB", "×1.14", "3", "4", "×1.33"},
		{"100 vs 10, per item", "100 ns ±0%", "100 ns ±0%", "~ ×1.00 (p=1.000)", "16 B", "16 B", "×1.00", "1", "1", "×1.00"},
	} {
		if got := cells(lines[2+i]); strings.Join(got, " | ") != strings.Join(want, " | ") {
			t.Errorf("row %d:\ngot  %q\nwant %q", i, got, want)
		}
	}
}

func TestWriteRaw(t *testing.T) {
	text := runs("example.com/m/p", 2,
		"BenchmarkStream-2 10 2000000 ns/op 500 chunks/op 1024 B/op 9 allocs/op",
	) + runs("example.com/m", 2, "BenchmarkSpan/on-2 1000 1000 ns/op 944 B/op 3 allocs/op")
	s, _ := mustCollect(t, text)
	var b strings.Builder
	if err := writeRaw(&b, s, mod); err != nil {
		t.Fatal(err)
	}
	got := b.String()
	for _, want := range []string{
		"| ./p     | BenchmarkStream  |    2 | 2.00 ms ±0% | 1.00 KiB |         9 | 500 chunks/op ±0% |",
		"| .       | BenchmarkSpan/on",
		"2.00 ms ±0%",
		"1.00 KiB",
		"500 chunks/op ±0%",
		"other metrics",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in:\n%s", want, got)
		}
	}

	// Without custom metrics the column goes.
	s, _ = mustCollect(t, runs("example.com/m", 1, "BenchmarkSpan/on-2 1000 1000 ns/op"))
	b.Reset()
	if err := writeRaw(&b, s, mod); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), "other metrics") {
		t.Errorf("empty custom metrics column:\n%s", b.String())
	}
}

func TestFormat(t *testing.T) {
	for _, tc := range []struct {
		got, want string
	}{
		{formatTime(4.959), "4.96 ns"},
		{formatTime(5), "5 ns"},
		{formatTime(66.6), "66.6 ns"},
		{formatTime(767.1), "767 ns"},
		{formatTime(1026), "1.03 µs"},
		{formatTime(2679917), "2.68 ms"},
		{formatTime(3.2e9), "3.20 s"},
		{formatBytes(0), "0 B"},
		{formatBytes(864), "864 B"},
		{formatBytes(52103), "50.9 KiB"},
		{formatBytes(765387), "747 KiB"},
		{formatBytes(3 << 20), "3.00 MiB"},
		{formatCount(9908), "9908"},
		{formatCount(8.72), "8.72"},
		{formatCount(123456.7), "123457"},
		{formatRatio(200, 100, formatTime), "×2.00"},
		{formatRatio(155, 1, formatTime), "×155"},
		{formatRatio(13, 1, formatTime), "×13.0"},
		{formatRatio(48, 0, formatBytes), "+48 B"},
		{formatRatio(0, 0, formatCount), "+0"},
		{withSpread("1 ns", summary{spread: 0.123}, false), "1 ns ±12%"},
		{withSpread("1 ns", summary{spread: 0.0012}, false), "1 ns ±0.1%"},
		{withSpread("1 ns", summary{}, true), "1 ns ±0%"},
		{withSpread("9947", summary{spread: 0.0001}, false), "9947 ±<0.1%"},
		{withSpread("48 B", summary{}, false), "48 B"},
		{withSpread("1 B", summary{spread: math.Inf(1)}, false), "1 B ±∞%"},
		{withP("×2.00", 0.002), "×2.00 (p=0.002)"},
		{withP("×1.01", 0.31), "~ ×1.01 (p=0.310)"},
		{withP("×1.01", 0.05), "~ ×1.01 (p=0.050)"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}

func TestSelection(t *testing.T) {
	pkgs, pattern := selection(testComps)
	if got, want := strings.Join(pkgs, " "), "./p ."; got != want {
		t.Errorf("packages %q, want %q", got, want)
	}
	if want := "^(BenchmarkCall|BenchmarkSpan|BenchmarkItems)$"; pattern != want {
		t.Errorf("pattern %q, want %q", pattern, want)
	}
}

func TestModule(t *testing.T) {
	for dir, path := range map[string]string{".": "example.com/m", "./p": "example.com/m/p", "./a/b": "example.com/m/a/b"} {
		if got := mod.importPath(dir); got != path {
			t.Errorf("importPath(%q) = %q, want %q", dir, got, path)
		}
		if got := mod.dir(path); got != dir {
			t.Errorf("dir(%q) = %q, want %q", path, got, dir)
		}
	}
	if got := mod.dir("example.com/mm"); got != "example.com/mm" {
		t.Errorf("dir of another module = %q", got)
	}
}

func TestEstimate(t *testing.T) {
	s, _ := mustCollect(t, runs("example.com/m", 1, "BenchmarkA-2 1 1000000 ns/op", "BenchmarkB-2 1 3000000 ns/op"))
	for _, tc := range []struct {
		benchtime string
		want      time.Duration
	}{
		{"500ms", 2 * 6 * 500 * time.Millisecond},
		{"100x", 6 * 100 * 4 * time.Millisecond},
	} {
		got, err := estimate(s, tc.benchtime, 6)
		if err != nil || got != tc.want {
			t.Errorf("estimate(%s) = %v, %v; want %v", tc.benchtime, got, err, tc.want)
		}
	}
	if _, err := estimate(s, "fast", 6); err == nil {
		t.Error("estimate(fast): no error")
	}
}

// TestComparisons keeps the table of rows well formed as benchmarks are
// renamed.
func TestComparisons(t *testing.T) {
	labels := make(map[string]bool)
	for _, c := range comparisons {
		if labels[c.label] {
			t.Errorf("label %q twice", c.label)
		}
		labels[c.label] = true
		if c.pkg != "." && !strings.HasPrefix(c.pkg, "./") {
			t.Errorf("%q: package %q is not a ./ directory", c.label, c.pkg)
		}
		for _, name := range []string{c.x, c.base} {
			if !isBenchmarkName(strings.Split(name, "/")[0]) {
				t.Errorf("%q: %q is not a benchmark name", c.label, name)
			}
			if _, p := splitProcs(name); p != 1 || strings.ContainsAny(name, " \t") {
				t.Errorf("%q: %q must be written without a -GOMAXPROCS suffix or spaces", c.label, name)
			}
		}
		if c.x == c.base {
			t.Errorf("%q compares %q with itself", c.label, c.x)
		}
		if c.perX <= 0 || c.perBase <= 0 {
			t.Errorf("%q: divisors must be positive", c.label)
		}
	}
}
