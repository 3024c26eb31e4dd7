// Command bench runs the project's benchmarks and prints, as Markdown, one
// table of side-by-side ratios: each instrumented path against the
// baseline it is meant to beat or match, with the median and spread of
// several runs and a Mann-Whitney p-value, as benchstat reports them.
//
// From the module root:
//
//	go run ./proof/bench              # 6 runs of 500ms per benchmark, about 1.5 minutes
//	go run ./proof/bench -short       # 3 runs of 50ms, a smoke test for CI
//	go run ./proof/bench -count 10 -benchtime 1s -raw bench.txt
//
// Each package's benchmarks run in one go test invocation, so the two
// sides of a comparison run one after the other in the same process.
// Packages run in sequence, never at the same time. A quick pass with
// -benchtime 1x first checks that every benchmark the table needs exists
// and passes, and fails naming those that do not. The rows are listed in
// comparisons.go.
//
// The -raw file holds go test's output unchanged, for benchstat.
package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	count := fs.Int("count", 6, "runs of each benchmark")
	benchtime := fs.String("benchtime", "500ms", "go test -benchtime of each run: a duration or Nx")
	short := fs.Bool("short", false, "quick run for CI: -count 3 -benchtime 50ms unless set")
	verbose := fs.Bool("v", false, "copy go test's output to stderr as it runs")
	raw := fs.String("raw", "", "also write go test's output to `file`, for benchstat")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: go run ./proof/bench [flags]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if *short {
		set := make(map[string]bool)
		fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
		if !set["count"] {
			*count = 3
		}
		if !set["benchtime"] {
			*benchtime = "50ms"
		}
	}
	if *count < 1 {
		return fmt.Errorf("-count %d: need at least one run", *count)
	}
	if _, err := estimate(set{}, *benchtime, *count); err != nil {
		return fmt.Errorf("-benchtime %q: want a duration such as 500ms or a count such as 100x", *benchtime)
	}

	root, mod, err := findModule(ctx)
	if err != nil {
		return err
	}
	pkgs, pattern := selection(comparisons)
	goTest := func(benchtime string, count int, w io.Writer) (output, []byte, error) {
		cmdArgs := append([]string{"test", "-run", "^$", "-bench", pattern, "-benchmem",
			"-count", strconv.Itoa(count), "-benchtime", benchtime}, pkgs...)
		var buf bytes.Buffer
		cmd := exec.CommandContext(ctx, "go", cmdArgs...)
		cmd.Dir = root
		cmd.Stdout = io.MultiWriter(&buf, w)
		cmd.Stderr = cmd.Stdout
		cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
		cmd.WaitDelay = 5 * time.Second
		runErr := cmd.Run()
		out, err := parse(bytes.NewReader(buf.Bytes()))
		if runErr != nil {
			return out, buf.Bytes(), fmt.Errorf("go %s: %w", strings.Join(cmdArgs, " "), runErr)
		}
		return out, buf.Bytes(), err
	}
	progress := io.Discard
	if *verbose {
		progress = stderr
	}

	// The check pass also builds the test binaries, so that no compiler
	// competes with the measured run.
	fmt.Fprintf(stderr, "bench: checking the benchmarks of %s\n", strings.Join(pkgs, " "))
	dry, text, err := goTest("1x", 1, progress)
	if err != nil {
		if !*verbose {
			io.WriteString(stderr, problems(text))
		}
		return err
	}
	checked := collect(dry.results)
	if err := check(checked, dry.failures, comparisons, mod); err != nil {
		return err
	}
	d, _ := estimate(checked, *benchtime, *count)
	fmt.Fprintf(stderr, "bench: %d benchmarks × %d runs × %s: measuring for about %s\n",
		len(checked.order), *count, *benchtime, d.Round(time.Second))

	out, text, err := goTest(*benchtime, *count, progress)
	if *raw != "" {
		if werr := os.WriteFile(*raw, text, 0o644); werr != nil {
			return werr
		}
	}
	if err != nil {
		if !*verbose {
			io.WriteString(stderr, problems(text))
		}
		return err
	}
	results := collect(out.results)
	if err := check(results, out.failures, comparisons, mod); err != nil {
		return err
	}

	m := describeMachine(ctx, out)
	fmt.Fprintf(stdout, "Measured with `go run ./proof/bench -count %d -benchtime %s` on %s.\n", *count, *benchtime, m)
	fmt.Fprint(stdout, "Each figure is the median of the runs ± the largest deviation of a run from it. "+
		"Both sides of a row ran one after the other in the same test binary. "+
		"p is a Mann-Whitney U test on time/op: ~ marks a difference that may be noise (p ≥ 0.05; "+
		"fewer than 4 runs a side can never reach it). "+
		"Rows \"per message\" divide by the number of messages, so ×1.00 is linear scaling.\n\n")
	if err := writeComparisons(stdout, results, comparisons, mod); err != nil {
		return err
	}
	fmt.Fprint(stdout, "\nAll benchmarks run:\n\n")
	return writeRaw(stdout, results, mod)
}

// problems is go test's output without what ran well: the lines that
// explain a failure, such as a build error or a benchmark's "--- FAIL".
func problems(text []byte) string {
	var b strings.Builder
	for line := range strings.Lines(string(text)) {
		fields := strings.Fields(line)
		switch {
		case len(fields) == 0, fields[0] == "PASS", fields[0] == "ok",
			slices.Contains([]string{"goos:", "goarch:", "pkg:", "cpu:"}, fields[0]):
			continue
		case isBenchmarkName(fields[0]):
			if _, ok := parseFigures(fields[1:]); ok {
				continue
			}
		}
		b.WriteString(line)
	}
	return b.String()
}

// findModule returns the directory and path of the main module.
func findModule(ctx context.Context) (string, module, error) {
	gomod, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", "", fmt.Errorf("go env GOMOD: %w", err)
	}
	path := strings.TrimSpace(string(gomod))
	if path == "" || path == os.DevNull {
		return "", "", errors.New("not in a module: run bench from the sessiontrace repository")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return "", "", err
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "module "); ok {
			name := strings.TrimSpace(rest)
			if unq, err := strconv.Unquote(name); err == nil {
				name = unq
			}
			return filepath.Dir(path), module(name), nil
		}
	}
	return "", "", fmt.Errorf("%s: no module line", path)
}

// selection returns the packages of comps in order of first appearance and
// a -bench pattern matching their top-level benchmarks. Sub-benchmarks of
// those that no row uses run too and show in the list of all benchmarks.
func selection(comps []comparison) (pkgs []string, pattern string) {
	var tops []string
	for _, c := range comps {
		if !slices.Contains(pkgs, c.pkg) {
			pkgs = append(pkgs, c.pkg)
		}
		for _, name := range []string{c.x, c.base} {
			top, _, _ := strings.Cut(name, "/")
			if top = regexp.QuoteMeta(top); !slices.Contains(tops, top) {
				tops = append(tops, top)
			}
		}
	}
	return pkgs, "^(" + strings.Join(tops, "|") + ")$"
}

// estimate is the time that count runs of the benchmarks in s take at
// benchtime, from their times in the check pass when benchtime is Nx.
func estimate(s set, benchtime string, count int) (time.Duration, error) {
	if n, ok := strings.CutSuffix(benchtime, "x"); ok {
		iters, err := strconv.Atoi(n)
		if err != nil {
			return 0, err
		}
		var total float64
		for _, b := range s.order {
			if ns := b.samples["ns/op"]; len(ns) > 0 {
				total += ns[0] * float64(iters)
			}
		}
		return time.Duration(total * float64(count)), nil
	}
	d, err := time.ParseDuration(benchtime)
	return d * time.Duration(len(s.order)*count), err
}

// describeMachine names what the figures were measured on.
func describeMachine(ctx context.Context, out output) string {
	env := []string{"?", "?", "?"}
	if b, err := exec.CommandContext(ctx, "go", "env", "GOOS", "GOARCH", "GOVERSION").Output(); err == nil {
		if f := strings.Fields(string(b)); len(f) == 3 {
			env = f
		}
	}
	cpu := cpuModel()
	if cpu == "" {
		cpu = out.cpu
	}
	if cpu == "" {
		cpu = "unknown CPU"
	}
	procs := runtime.GOMAXPROCS(0)
	if len(out.results) > 0 {
		procs = out.results[0].procs // what the test binaries ran with
	}
	return fmt.Sprintf("%s/%s, %s, %d CPUs, GOMAXPROCS=%d, %s", env[0], env[1], cpu, runtime.NumCPU(), procs, env[2])
}

// cpuModel is the first model name in /proc/cpuinfo, "" where there is none.
func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}
