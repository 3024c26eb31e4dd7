package main

import (
	"fmt"
	"strings"
	"sync"
)

// scanner finds planted strings in exported data: any occurrence of one of
// its prefixes, and any of its tokens (each a unique run of lowercase hex
// digits of tokenLen) even where the prefix before it was cut off.
type scanner struct {
	prefixes []string
	tokenLen int
	isToken  func(string) bool // must be safe for concurrent use
}

// find calls hit for each planted string s contains: the prefix or token
// found and where. Finding is cheap; describing is left to the caller,
// which only describes the first few.
func (sc *scanner) find(s string, hit func(what string, at int)) {
	for _, p := range sc.prefixes {
		for from := 0; ; {
			i := strings.Index(s[from:], p)
			if i < 0 {
				break
			}
			hit(p, from+i)
			from += i + len(p)
		}
	}
	if sc.isToken == nil || sc.tokenLen == 0 {
		return
	}
	// Every window of tokenLen inside a run of hex digits at least that long.
	run := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= '0' && c <= '9' || c >= 'a' && c <= 'f' {
			run++
			if run >= sc.tokenLen {
				start := i + 1 - sc.tokenLen
				if sc.isToken(s[start : i+1]) {
					hit("token "+s[start:i+1], start)
				}
			}
			continue
		}
		run = 0
	}
}

// excerpt returns a little of s around i, for a report.
func excerpt(s string, i int) string {
	from, to := max(0, i-24), min(len(s), i+40)
	return s[from:to]
}

// scanFindings is what a scan looked at and found. Its methods are safe
// for concurrent use.
type scanFindings struct {
	mu                    sync.Mutex
	Requests              int
	Bytes, Strings, Spans int64
	Findings              []string // the first few
	Hits                  int
}

// scanString scans one string; where names it in a report and is only
// called when something is found.
func (f *scanFindings) scanString(sc *scanner, s string, where func() string) {
	sc.find(s, func(what string, at int) {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.Hits++
		if len(f.Findings) < 10 {
			f.Findings = append(f.Findings, fmt.Sprintf("%s: %q at byte %d: %q", where(), what, at, excerpt(s, at)))
		}
	})
}

// scanRequest looks through one OTLP request body as received (protobuf
// carries strings as raw UTF-8, so whatever a span holds is in these bytes
// as is) and every string decoded from it: attribute values, event names
// and attributes, span names, status messages.
func (f *scanFindings) scanRequest(sc *scanner, body []byte, spans []Span) {
	f.mu.Lock()
	f.Requests++
	n := f.Requests
	f.Bytes += int64(len(body))
	f.Spans += int64(len(spans))
	f.mu.Unlock()
	f.scanString(sc, string(body), func() string { return fmt.Sprintf("OTLP request %d", n) })
	var strs int64
	for i := range spans {
		s := &spans[i]
		s.eachString(func(v string) {
			strs++
			f.scanString(sc, v, s.describe)
		})
	}
	f.mu.Lock()
	f.Strings += strs
	f.mu.Unlock()
}
