package main

import (
	"bufio"
	"io"
	"regexp"
	"strconv"
	"strings"
)

// result is one line of benchmark output: one run of one benchmark.
type result struct {
	pkg     string
	name    string // without the -GOMAXPROCS suffix
	procs   int    // GOMAXPROCS, 1 when the name has no suffix
	iters   int64
	metrics map[string]float64 // by unit: "ns/op", "B/op", "allocs/op", "MB/s", custom
}

// output is what parse takes from go test's benchmark output.
type output struct {
	results  []result
	failures []key  // benchmarks that printed "--- FAIL"
	cpu      string // from the "cpu:" header, "" when absent
}

var procsSuffix = regexp.MustCompile(`-([0-9]+)$`)

// splitProcs separates the -GOMAXPROCS suffix that go test appends to
// benchmark names when GOMAXPROCS is not 1. As in golang.org/x/perf, a name
// that itself ends in -digits is ambiguous under GOMAXPROCS=1.
func splitProcs(name string) (string, int) {
	m := procsSuffix.FindStringSubmatchIndex(name)
	if m == nil {
		return name, 1
	}
	p, err := strconv.Atoi(name[m[2]:m[3]])
	if err != nil || p == 0 {
		return name, 1
	}
	return name[:m[0]], p
}

// parse reads go test -bench output. It keeps benchmark result lines and
// the pkg and cpu headers and skips everything else: PASS and ok lines, log
// output, and lines it cannot read. When a benchmark writes to stdout or
// stderr while it runs, go test prints its name, then that output, then the
// figures; parse joins the figures to the name.
func parse(r io.Reader) (output, error) {
	var out output
	var pkg, pending string
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "pkg: "):
			pkg = strings.TrimSpace(strings.TrimPrefix(line, "pkg: "))
			pending = ""
			continue
		case strings.HasPrefix(line, "cpu: "):
			out.cpu = strings.TrimSpace(strings.TrimPrefix(line, "cpu: "))
			continue
		}
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		if i := strings.Index(line, "--- FAIL: "); i >= 0 {
			name, _ := splitProcs(strings.TrimSpace(line[i+len("--- FAIL: "):]))
			if strings.HasPrefix(name, "Benchmark") {
				out.failures = append(out.failures, key{pkg, name})
			}
			pending = ""
			continue
		}
		name := pending
		if isBenchmarkName(fields[0]) {
			name, fields = fields[0], fields[1:]
			pending = name
		}
		if name == "" {
			continue
		}
		res, ok := parseFigures(fields)
		if !ok {
			continue
		}
		res.pkg = pkg
		res.name, res.procs = splitProcs(name)
		out.results = append(out.results, res)
		pending = ""
	}
	return out, sc.Err()
}

func isBenchmarkName(s string) bool {
	rest, ok := strings.CutPrefix(s, "Benchmark")
	if !ok {
		return false
	}
	// As in testing: BenchmarkX is a benchmark, Benchmarkx is not.
	return rest == "" || rest[0] < 'a' || rest[0] > 'z'
}

// parseFigures reads "N  value unit  value unit ...". It fails unless N is
// an iteration count and at least one value-unit pair follows.
func parseFigures(fields []string) (result, bool) {
	if len(fields) < 3 || len(fields)%2 != 1 {
		return result{}, false
	}
	n, err := strconv.ParseInt(fields[0], 10, 64)
	if err != nil || n <= 0 {
		return result{}, false
	}
	res := result{iters: n, metrics: make(map[string]float64, len(fields)/2)}
	for i := 1; i < len(fields); i += 2 {
		v, err := strconv.ParseFloat(fields[i], 64)
		if err != nil {
			return result{}, false
		}
		res.metrics[fields[i+1]] = v
	}
	return res, true
}
