// Command check asserts that the traces a real Jaeger holds for some services form
// the expected OpenInference sessions.
//
//	go run ./proof/e2e/check -jaeger http://127.0.0.1:16686 -service NAME -sessions s1=3,s2=2 -timeout 30s
//	go run ./proof/e2e/check -service app,relay,gateway -sessionless gateway -sessions s1=3
//
// With several services, the traces of each are fetched and put together (a trace
// that spans two services is checked once).
// It polls Jaeger's query API (GET /api/traces) until every expectation holds or the
// timeout passes, then prints a per-session summary and exits 0, or prints every
// violation and exits 1. Exit status 2 means bad flags. See Check for the rules.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

type config struct {
	jaeger          string
	service         string // comma-separated
	sessionless     string // comma-separated
	want            map[string]int
	timeout         time.Duration
	interval        time.Duration
	settle          time.Duration
	lookback        time.Duration
	limit           int
	allowUnexpected bool
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	defJaeger := os.Getenv("JAEGER_QUERY_URL")
	if defJaeger == "" {
		defJaeger = "http://127.0.0.1:16686"
	}
	var cfg config
	var sessions string
	fs.StringVar(&cfg.jaeger, "jaeger", defJaeger, "Jaeger query base URL (default from $JAEGER_QUERY_URL)")
	fs.StringVar(&cfg.service, "service", "", "service names (resource service.name), comma-separated, whose traces are checked (required)")
	fs.StringVar(&cfg.sessionless, "sessionless", "", "service names, comma-separated, whose traces must stay out of every session (a gateway)")
	fs.StringVar(&sessions, "sessions", "", "expected traces per session, e.g. s1=3,s2=2 (required)")
	fs.DurationVar(&cfg.timeout, "timeout", 30*time.Second, "how long to poll until the expectation holds")
	fs.DurationVar(&cfg.interval, "interval", 500*time.Millisecond, "poll interval")
	fs.DurationVar(&cfg.settle, "settle", time.Second, "after the first pass, wait this long and check again (catches late extra traces)")
	fs.DurationVar(&cfg.lookback, "lookback", time.Hour, "only traces started within this window")
	fs.IntVar(&cfg.limit, "limit", 1000, "maximum number of traces fetched")
	fs.BoolVar(&cfg.allowUnexpected, "allow-unexpected", false, "accept traces of sessions not listed in -sessions")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "check: unexpected arguments %q\n", fs.Args())
		return 2
	}
	if cfg.service == "" {
		fmt.Fprintln(stderr, "check: -service is required")
		return 2
	}
	want, err := parseSessions(sessions)
	if err != nil {
		fmt.Fprintf(stderr, "check: -sessions: %v\n", err)
		return 2
	}
	cfg.want = want

	ctx, cancel := context.WithTimeout(context.Background(), cfg.timeout)
	defer cancel()
	res, fetchErr := poll(ctx, &cfg)

	if fetchErr == nil && res.OK() {
		fmt.Fprintf(stdout, "OK: service %q, %d sessions as expected\n", cfg.service, len(cfg.want))
		printSummary(stdout, res)
		return 0
	}
	fmt.Fprintf(stdout, "FAIL: service %q after %s\n", cfg.service, cfg.timeout)
	if fetchErr != nil {
		fmt.Fprintf(stdout, "  last query error: %v\n", fetchErr)
	}
	for _, v := range res.Violations {
		fmt.Fprintf(stdout, "  - %s\n", v)
	}
	if len(res.Sessions) > 0 {
		fmt.Fprintln(stdout, "seen:")
		printSummary(stdout, res)
	}
	return 1
}

// poll fetches and checks until the check passes twice, cfg.settle apart, or ctx ends.
// It returns the last result and the last fetch error (nil if the last fetch worked).
func poll(ctx context.Context, cfg *config) (Result, error) {
	client := &http.Client{Timeout: 10 * time.Second}
	var last Result
	var lastErr error
	passedOnce := false
	for {
		traces, err := fetch(ctx, client, cfg)
		if err != nil {
			if ctx.Err() != nil {
				return last, lastErr // keep the previous round's outcome
			}
			lastErr = err
			passedOnce = false
		} else {
			lastErr = nil
			last = Check(traces, cfg.want, Options{AllowUnexpected: cfg.allowUnexpected, Sessionless: splitList(cfg.sessionless)})
			if last.OK() {
				if passedOnce || cfg.settle <= 0 {
					return last, nil
				}
				passedOnce = true
				if !sleep(ctx, cfg.settle) {
					return last, nil // passed, and nothing contradicted it before the deadline
				}
				continue
			}
			passedOnce = false
		}
		if !sleep(ctx, cfg.interval) {
			return last, lastErr
		}
	}
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// fetch returns the traces of every service of cfg, each trace once.
func fetch(ctx context.Context, client *http.Client, cfg *config) ([]Trace, error) {
	var all []Trace
	seen := map[string]bool{}
	for _, service := range splitList(cfg.service) {
		traces, err := fetchService(ctx, client, cfg, service)
		if err != nil {
			return nil, err
		}
		for _, tr := range traces {
			if !seen[tr.TraceID] || tr.TraceID == "" {
				seen[tr.TraceID] = true
				all = append(all, tr)
			}
		}
	}
	return all, nil
}

// splitList splits a comma-separated flag value, dropping empty entries.
func splitList(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

func fetchService(ctx context.Context, client *http.Client, cfg *config, service string) ([]Trace, error) {
	now := time.Now()
	q := url.Values{}
	q.Set("service", service)
	q.Set("limit", strconv.Itoa(cfg.limit))
	q.Set("start", strconv.FormatInt(now.Add(-cfg.lookback).UnixMicro(), 10))
	q.Set("end", strconv.FormatInt(now.Add(time.Minute).UnixMicro(), 10))
	u := strings.TrimRight(cfg.jaeger, "/") + "/api/traces?" + q.Encode()

	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 256<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s: %s", u, resp.Status, truncate(string(body), 300))
	}
	r, err := decodeResponse(body)
	if err != nil {
		return nil, err
	}
	if len(r.Errors) > 0 {
		msgs := make([]string, 0, len(r.Errors))
		for _, e := range r.Errors {
			msgs = append(msgs, fmt.Sprintf("%d %s", e.Code, e.Msg))
		}
		return nil, errors.New("Jaeger errors: " + strings.Join(msgs, "; "))
	}
	if len(r.Data) >= cfg.limit {
		return nil, fmt.Errorf("got %d traces, the -limit; raise it", len(r.Data))
	}
	return r.Data, nil
}

func printSummary(w io.Writer, res Result) {
	for _, s := range sortedKeys(res.Sessions) {
		sum := res.Sessions[s]
		fmt.Fprintf(w, "  session %-24q traces=%d spans=%d llm_spans=%d users=%v roots=%v\n",
			s, sum.Traces, sum.Spans, sum.LLMSpans, sum.Users, sum.Roots)
	}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
