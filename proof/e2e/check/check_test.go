package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// The fixtures in testdata are /api/traces responses of a real Jaeger v1.76.0 (v2
// binary) for three turns (session "a": 2 traces, session "b": 1), each a
// "POST /chat" CHAIN root, a "ChatCompletion" LLM child and an "HTTP POST"
// grandchild, edited to break one rule each:
//
//	ok.json                  as received
//	mixed_session.json       the LLM span of the first "a" trace says session.id "b"
//	missing_root_input.json  the root of the second "a" trace has no input.value
//	lost_trace.json          the "b" trace is missing
//	lost_root_span.json      the root span of the first "a" trace is missing

func loadFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func loadTraces(t *testing.T, name string) []Trace {
	t.Helper()
	r, err := decodeResponse(loadFixture(t, name))
	if err != nil {
		t.Fatal(err)
	}
	return r.Data
}

var wantAB = map[string]int{"a": 2, "b": 1}

func TestCheckOK(t *testing.T) {
	res := Check(loadTraces(t, "ok.json"), wantAB, Options{})
	if !res.OK() {
		t.Fatalf("violations: %q", res.Violations)
	}
	a := res.Sessions["a"]
	if a == nil || a.Traces != 2 || a.Spans != 6 || a.LLMSpans != 2 {
		t.Errorf("session a summary = %+v", a)
	}
	b := res.Sessions["b"]
	if b == nil || b.Traces != 1 || len(b.Users) != 1 || b.Users[0] != "user-b" || b.Roots[0] != "POST /chat" {
		t.Errorf("session b summary = %+v", b)
	}
}

func TestCheckFixtureFailures(t *testing.T) {
	tests := []struct {
		fixture string
		want    map[string]int
		opts    Options
		expect  []string // each must be a substring of some violation
	}{
		{"mixed_session.json", wantAB, Options{}, []string{`span "ChatCompletion" (602b60ee55e64a41) carries session "b", but the trace is bound to "a"`}},
		{"missing_root_input.json", wantAB, Options{}, []string{`root span "POST /chat"`, "has no input.value: Phoenix shows this turn without input"}},
		{"lost_trace.json", wantAB, Options{}, []string{`session "b": want 1 traces, got 0`}},
		// The lost root leaves the trace without one: as in Phoenix, the LLM span
		// whose parent is missing is no root.
		{"lost_root_span.json", wantAB, Options{}, []string{
			"parent span 382b9addd37bca05 is not in the trace (lost?)", "want exactly 1 root span, got 0",
			`session "a", trace 70a3b12e6792ff8d3f57b77fb18fcf41: no root span (all 2 of its spans have a parent`}},
		{"ok.json", map[string]int{"a": 2}, Options{}, []string{`session "b": not expected, got 1 traces`}},
		{"ok.json", map[string]int{"a": 1, "b": 1}, Options{}, []string{`session "a": want 1 traces, got 2`}},
		{"ok.json", map[string]int{"a": 2, "b": 1, "c": 4}, Options{}, []string{`session "c": want 4 traces, got 0`}},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			res := Check(loadTraces(t, tt.fixture), tt.want, tt.opts)
			if res.OK() {
				t.Fatal("passed, want violations")
			}
			for _, e := range tt.expect {
				if !anyContains(res.Violations, e) {
					t.Errorf("no violation contains %q; got:\n  %s", e, strings.Join(res.Violations, "\n  "))
				}
			}
		})
	}
}

func TestCheckAllowUnexpected(t *testing.T) {
	res := Check(loadTraces(t, "ok.json"), map[string]int{"a": 2}, Options{AllowUnexpected: true})
	if !res.OK() {
		t.Fatalf("violations: %q", res.Violations)
	}
}

// mutate returns the ok.json traces after f edited them.
func mutate(t *testing.T, f func(trs []Trace)) []Trace {
	trs := loadTraces(t, "ok.json")
	f(trs)
	return trs
}

func findSpan(tr Trace, name string) *Span {
	for i := range tr.Spans {
		if tr.Spans[i].OperationName == name {
			return &tr.Spans[i]
		}
	}
	panic("no span " + name)
}

func setTag(sp *Span, kv KeyValue) {
	for i := range sp.Tags {
		if sp.Tags[i].Key == kv.Key {
			sp.Tags[i] = kv
			return
		}
	}
	sp.Tags = append(sp.Tags, kv)
}

func dropTag(sp *Span, key string) {
	tags := sp.Tags[:0]
	for _, kv := range sp.Tags {
		if kv.Key != key {
			tags = append(tags, kv)
		}
	}
	sp.Tags = tags
}

func TestCheckRules(t *testing.T) {
	tests := []struct {
		name   string
		edit   func(trs []Trace)
		expect string
	}{
		{"token count as string", func(trs []Trace) {
			setTag(findSpan(trs[0], "ChatCompletion"), KeyValue{Key: keyTokenTotal, Type: "string", Value: "19"})
		}, "LLM span missing integer llm.token_count.total"},
		{"token count fractional", func(trs []Trace) {
			setTag(findSpan(trs[0], "ChatCompletion"), KeyValue{Key: "llm.token_count.prompt", Type: "int64", Value: json.Number("1.5")})
		}, "has no integer llm.token_count.prompt"},
		{"no completion tokens", func(trs []Trace) {
			dropTag(findSpan(trs[2], "ChatCompletion"), "llm.token_count.completion")
		}, "has no integer llm.token_count.completion"},
		{"no model", func(trs []Trace) {
			dropTag(findSpan(trs[1], "ChatCompletion"), keyModelName)
		}, "LLM span missing non-empty string llm.model_name"},
		{"empty output", func(trs []Trace) {
			setTag(findSpan(trs[0], "POST /chat"), KeyValue{Key: "output.value", Type: "string", Value: ""})
		}, "has no output.value"},
		{"json input", func(trs []Trace) {
			setTag(findSpan(trs[0], "POST /chat"), KeyValue{Key: keyInputMime, Type: "string", Value: "application/json"})
		}, `input.mime_type = application/json, want "text/plain"`},
		{"no user on root", func(trs []Trace) {
			dropTag(findSpan(trs[0], "POST /chat"), keyUserID)
		}, "missing non-empty string user.id"},
		{"no kind on root", func(trs []Trace) {
			dropTag(findSpan(trs[0], "POST /chat"), keySpanKind)
		}, "missing non-empty string openinference.span.kind"},
		{"session not a string", func(trs []Trace) {
			setTag(findSpan(trs[2], "POST /chat"), KeyValue{Key: keySessionID, Type: "int64", Value: json.Number("7")})
		}, "missing non-empty string session.id"},
		{"user mixed", func(trs []Trace) {
			setTag(findSpan(trs[1], "HTTP POST"), KeyValue{Key: keyUserID, Type: "string", Value: "someone-else"})
		}, `carries user.id "someone-else"`},
		{"grandchild in another session", func(trs []Trace) {
			setTag(findSpan(trs[2], "HTTP POST"), KeyValue{Key: keySessionID, Type: "string", Value: "a"})
		}, `carries session "a", but the trace is bound to "b"`},
		{"two roots", func(trs []Trace) {
			findSpan(trs[0], "ChatCompletion").References = nil
		}, "want exactly 1 root span, got 2"},
		{"duplicate trace", func(trs []Trace) {
			trs[1].TraceID = trs[0].TraceID
		}, "returned twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := Check(mutate(t, tt.edit), wantAB, Options{})
			if !anyContains(res.Violations, tt.expect) {
				t.Errorf("no violation contains %q; got:\n  %s", tt.expect, strings.Join(res.Violations, "\n  "))
			}
		})
	}
}

func TestCheckChildWithoutSessionIsFine(t *testing.T) {
	// Only spans that carry session.id must agree; a span without it is not a violation.
	trs := mutate(t, func(trs []Trace) { dropTag(findSpan(trs[0], "HTTP POST"), keySessionID) })
	if res := Check(trs, wantAB, Options{}); !res.OK() {
		t.Fatalf("violations: %q", res.Violations)
	}
}

func TestParseSessions(t *testing.T) {
	got, err := parseSessions(" s1=3, s2=2,k=v=0 ")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got["s1"] != 3 || got["s2"] != 2 || got["k=v"] != 0 {
		t.Errorf("got %v", got)
	}
	for _, bad := range []string{"", "s1", "s1=x", "=3", "s1=-1", "s1=1,s1=2"} {
		if _, err := parseSessions(bad); err == nil {
			t.Errorf("parseSessions(%q): no error", bad)
		}
	}
}

// fakeJaeger serves the given fixtures on /api/traces, one per request, then
// repeats the last one.
func fakeJaeger(t *testing.T, fixtures ...string) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	bodies := make([][]byte, len(fixtures))
	for i, f := range fixtures {
		bodies[i] = loadFixture(t, f)
	}
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/traces" || r.URL.Query().Get("service") != "smoke-2" ||
			r.URL.Query().Get("limit") == "" || r.URL.Query().Get("start") == "" {
			http.Error(w, "unexpected request "+r.URL.String(), http.StatusBadRequest)
			return
		}
		i := int(n.Add(1)) - 1
		if i >= len(bodies) {
			i = len(bodies) - 1
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(bodies[i])
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func TestRunPollsUntilComplete(t *testing.T) {
	// Export is asynchronous: the first answers lack a trace, later ones are complete.
	srv, n := fakeJaeger(t, "lost_trace.json", "lost_root_span.json", "ok.json")
	var out, errOut bytes.Buffer
	code := run([]string{"-jaeger", srv.URL, "-service", "smoke-2", "-sessions", "a=2,b=1",
		"-timeout", "5s", "-interval", "10ms", "-settle", "10ms"}, &out, &errOut)
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out.String(), errOut.String())
	}
	if got := n.Load(); got < 4 { // 2 incomplete, then pass and pass again after settling
		t.Errorf("%d requests, want at least 4", got)
	}
	for _, s := range []string{`OK: service "smoke-2"`, `session "a"`, "traces=2 spans=6 llm_spans=2", `session "b"`} {
		if !strings.Contains(out.String(), s) {
			t.Errorf("stdout lacks %q:\n%s", s, out.String())
		}
	}
}

func TestRunFailsWithEveryViolation(t *testing.T) {
	srv, _ := fakeJaeger(t, "mixed_session.json")
	var out, errOut bytes.Buffer
	code := run([]string{"-jaeger", srv.URL, "-service", "smoke-2", "-sessions", "a=3,b=1",
		"-timeout", "200ms", "-interval", "10ms"}, &out, &errOut)
	if code != 1 {
		t.Fatalf("exit %d, want 1\nstdout:\n%s", code, out.String())
	}
	for _, s := range []string{"FAIL", `carries session "b"`, `session "a": want 3 traces, got 2`} {
		if !strings.Contains(out.String(), s) {
			t.Errorf("stdout lacks %q:\n%s", s, out.String())
		}
	}
}

func TestRunReportsQueryErrors(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "boom", http.StatusInternalServerError)
	}))
	defer srv.Close()
	var out, errOut bytes.Buffer
	code := run([]string{"-jaeger", srv.URL, "-service", "x", "-sessions", "a=1", "-timeout", "100ms", "-interval", "10ms"}, &out, &errOut)
	if code != 1 || !strings.Contains(out.String(), "last query error") || !strings.Contains(out.String(), "500") {
		t.Fatalf("exit %d\nstdout:\n%s", code, out.String())
	}
}

func TestRunBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-sessions", "a=1"},
		{"-service", "x"},
		{"-service", "x", "-sessions", "a"},
		{"-service", "x", "-sessions", "a=1", "extra"},
	} {
		var out, errOut bytes.Buffer
		if code := run(args, &out, &errOut); code != 2 {
			t.Errorf("run(%q) = %d, want 2", args, code)
		}
	}
}

func anyContains(list []string, sub string) bool {
	for _, s := range list {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// sessionlessTrace is the trace a gateway (or a browser's unexported span)
// begins: a gateway span, and the app's server span under a parent that is
// not in the trace, neither carrying a session.
func sessionlessTrace() Trace {
	const id = "0af7651916cd43dd8448eb211c80319c"
	return Trace{
		TraceID:   id,
		Processes: map[string]Process{"gw": {ServiceName: "gateway"}, "app": {ServiceName: "app"}},
		Spans: []Span{
			{TraceID: id, SpanID: "b7ad6b7169203331", OperationName: "gateway", ProcessID: "gw", StartTime: 1},
			{TraceID: id, SpanID: "00f067aa0ba902b7", OperationName: "POST", ProcessID: "app", StartTime: 2,
				References: []Reference{{RefType: "CHILD_OF", TraceID: id, SpanID: "5fb397be34d26b51"}}},
		},
	}
}

func TestCheckSessionlessTraces(t *testing.T) {
	opts := Options{Sessionless: []string{"gateway"}}
	t.Run("outside every session, a trace may lack its root and parents", func(t *testing.T) {
		trs := append(loadTraces(t, "ok.json"), sessionlessTrace())
		if res := Check(trs, wantAB, opts); !res.OK() {
			t.Fatalf("violations: %q", res.Violations)
		}
	})
	t.Run("a gateway span that carries the session", func(t *testing.T) {
		gw := sessionlessTrace()
		setTag(&gw.Spans[0], KeyValue{Key: keySessionID, Type: "string", Value: "a"})
		res := Check(append(loadTraces(t, "ok.json"), gw), wantAB, opts)
		for _, want := range []string{`span "gateway" (b7ad6b7169203331) of "gateway": carries session.id "a"`, `which must stay out of sessions, but is in session "a"`} {
			if !anyContains(res.Violations, want) {
				t.Errorf("no violation contains %q; got:\n  %s", want, strings.Join(res.Violations, "\n  "))
			}
		}
	})
	t.Run("a gateway span in a session trace", func(t *testing.T) {
		trs := mutate(t, func(trs []Trace) {
			trs[0].Processes["gw"] = Process{ServiceName: "gateway"}
			findSpan(trs[0], "HTTP POST").ProcessID = "gw"
		})
		if res := Check(trs, wantAB, opts); !anyContains(res.Violations, "must stay out of sessions") {
			t.Errorf("no violation; got %q", res.Violations)
		}
	})
}
