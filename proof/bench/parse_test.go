package main

import (
	"reflect"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	const pkg = "example.com/m/p"
	for _, tc := range []struct {
		name     string
		in       string
		want     []result
		failures []key
		cpu      string
	}{
		{
			name: "standard line with GOMAXPROCS suffix",
			in: "goos: linux\ngoarch: amd64\npkg: example.com/m/p\ncpu: Intel(R) Xeon(R) Processor\n" +
				"BenchmarkBare-2                 \t24249112\t         4.959 ns/op\t       0 B/op\t       0 allocs/op\n" +
				"PASS\nok  \texample.com/m/p\t0.813s\n",
			want: []result{{pkg: pkg, name: "BenchmarkBare", procs: 2, iters: 24249112,
				metrics: map[string]float64{"ns/op": 4.959, "B/op": 0, "allocs/op": 0}}},
			cpu: "Intel(R) Xeon(R) Processor",
		},
		{
			name: "no suffix under GOMAXPROCS=1",
			in:   "pkg: example.com/m/p\nBenchmarkMiddleware/present \t 234936\t 767.1 ns/op\n",
			want: []result{{pkg: pkg, name: "BenchmarkMiddleware/present", procs: 1, iters: 234936,
				metrics: map[string]float64{"ns/op": 767.1}}},
		},
		{
			name: "sub-benchmark with = and - in its name",
			in:   "pkg: example.com/m/p\nBenchmarkInputMessages/messages=10/role-user-16 \t 100\t 508.3 ns/op\n",
			want: []result{{pkg: pkg, name: "BenchmarkInputMessages/messages=10/role-user", procs: 16, iters: 100,
				metrics: map[string]float64{"ns/op": 508.3}}},
		},
		{
			name: "custom metrics and MB/s",
			in:   "pkg: example.com/m/p\nBenchmarkStream-8 \t 43\t 2679917 ns/op\t 12.50 MB/s\t 500.0 chunks/op\t 765387 B/op\t 9908 allocs/op\n",
			want: []result{{pkg: pkg, name: "BenchmarkStream", procs: 8, iters: 43,
				metrics: map[string]float64{"ns/op": 2679917, "MB/s": 12.5, "chunks/op": 500, "B/op": 765387, "allocs/op": 9908}}},
		},
		{
			name: "output between the name and the figures",
			in: "pkg: example.com/m/p\nBenchmarkNoisy-2   \t2026/01/02 15:04:05 INFO starting server\n" +
				"level=debug msg=\"listening\"\n" +
				"    1000\t      1234 ns/op\t      48 B/op\t       2 allocs/op\n",
			want: []result{{pkg: pkg, name: "BenchmarkNoisy", procs: 2, iters: 1000,
				metrics: map[string]float64{"ns/op": 1234, "B/op": 48, "allocs/op": 2}}},
		},
		{
			name: "failed benchmark",
			in: "pkg: example.com/m/p\nBenchmarkBroken-2 \t--- FAIL: BenchmarkBroken-2\n" +
				"    bench_test.go:12: 400 Bad Request\n" +
				"    1000\t 5 ns/op\n" + // not BenchmarkBroken's: the failure ended it
				"FAIL\nexit status 1\nFAIL\texample.com/m/p\t0.1s\n",
			failures: []key{{pkg, "BenchmarkBroken"}},
		},
		{
			name: "log after the figures is not attached",
			in: "pkg: example.com/m/p\nBenchmarkLogs-2 \t 10\t 7 ns/op\n" +
				"--- BENCH: BenchmarkLogs-2\n    bench_test.go:9: 10 20 ns/op\n",
			want: []result{{pkg: pkg, name: "BenchmarkLogs", procs: 2, iters: 10, metrics: map[string]float64{"ns/op": 7}}},
		},
		{
			name: "odd lines are skipped",
			in: "testing: warning: no tests to run\n\n   \nBenchmarks are fun 1 2\n" +
				"Benchmarkish-2 \t 10\t 7 ns/op\n" + // lower case after Benchmark: not a benchmark
				"pkg: example.com/m/p\n" +
				"BenchmarkHalf-2 \t 10\t 7 ns/op\t 3\n" + // a value without its unit
				"BenchmarkZero-2 \t 0\t 7 ns/op\n" +
				"BenchmarkWord-2 \t ten\t 7 ns/op\n" +
				"BenchmarkValue-2 \t 10\t fast ns/op\n" +
				"BenchmarkCut-2 \t 10\n" + // interrupted
				"PASS\n",
		},
		{
			name: "packages in sequence and repeated runs",
			in: "pkg: example.com/m/a\nBenchmarkA-2 \t 10\t 1 ns/op\nBenchmarkA-2 \t 10\t 2 ns/op\nPASS\nok\n" +
				"pkg: example.com/m/b\nBenchmarkA-2 \t 10\t 3 ns/op\n",
			want: []result{
				{pkg: "example.com/m/a", name: "BenchmarkA", procs: 2, iters: 10, metrics: map[string]float64{"ns/op": 1}},
				{pkg: "example.com/m/a", name: "BenchmarkA", procs: 2, iters: 10, metrics: map[string]float64{"ns/op": 2}},
				{pkg: "example.com/m/b", name: "BenchmarkA", procs: 2, iters: 10, metrics: map[string]float64{"ns/op": 3}},
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parse(strings.NewReader(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got.results, tc.want) {
				t.Errorf("results:\ngot  %+v\nwant %+v", got.results, tc.want)
			}
			if !reflect.DeepEqual(got.failures, tc.failures) {
				t.Errorf("failures: got %v, want %v", got.failures, tc.failures)
			}
			if got.cpu != tc.cpu {
				t.Errorf("cpu: got %q, want %q", got.cpu, tc.cpu)
			}
		})
	}
}

func TestSplitProcs(t *testing.T) {
	for _, tc := range []struct {
		in    string
		name  string
		procs int
	}{
		{"BenchmarkX-2", "BenchmarkX", 2},
		{"BenchmarkX-128", "BenchmarkX", 128},
		{"BenchmarkX", "BenchmarkX", 1},
		{"BenchmarkX/a-b", "BenchmarkX/a-b", 1},
		{"BenchmarkX/n=-3-4", "BenchmarkX/n=-3", 4},
		{"BenchmarkX-0", "BenchmarkX-0", 1},
		{"BenchmarkX-", "BenchmarkX-", 1},
	} {
		name, procs := splitProcs(tc.in)
		if name != tc.name || procs != tc.procs {
			t.Errorf("splitProcs(%q) = %q, %d; want %q, %d", tc.in, name, procs, tc.name, tc.procs)
		}
	}
}
