package main

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/sessiontrace/sessiontrace/sessiontracetest"
)

// The subset of Jaeger's query API JSON (GET /api/traces, the "UI model" of
// jaeger internal/uimodel) that the checks need.

// apiResponse is the envelope of /api/traces.
type apiResponse struct {
	Data   []Trace    `json:"data"`
	Errors []apiError `json:"errors"`
}

type apiError struct {
	Code int    `json:"code"`
	Msg  string `json:"msg"`
}

// Trace is one trace as Jaeger returns it.
type Trace struct {
	TraceID   string             `json:"traceID"`
	Spans     []Span             `json:"spans"`
	Processes map[string]Process `json:"processes"`
}

// Span is one span; attributes are in Tags, parents in References.
type Span struct {
	TraceID       string      `json:"traceID"`
	SpanID        string      `json:"spanID"`
	ParentSpanID  string      `json:"parentSpanID,omitempty"` // deprecated, still honoured
	OperationName string      `json:"operationName"`
	References    []Reference `json:"references"`
	Tags          []KeyValue  `json:"tags"`
	StartTime     int64       `json:"startTime"` // microseconds since the Unix epoch
	ProcessID     string      `json:"processID"`
}

// Reference points from a span to another (CHILD_OF or FOLLOWS_FROM).
type Reference struct {
	RefType string `json:"refType"`
	TraceID string `json:"traceID"`
	SpanID  string `json:"spanID"`
}

// Process carries the resource (service.name becomes ServiceName).
type Process struct {
	ServiceName string     `json:"serviceName"`
	Tags        []KeyValue `json:"tags"`
}

// KeyValue is a typed tag: Type is string, bool, int64, float64 or binary.
type KeyValue struct {
	Key   string `json:"key"`
	Type  string `json:"type"`
	Value any    `json:"value"`
}

// decodeResponse decodes an /api/traces body, keeping numbers exact.
func decodeResponse(body []byte) (apiResponse, error) {
	var r apiResponse
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.UseNumber()
	if err := dec.Decode(&r); err != nil {
		return r, fmt.Errorf("decoding Jaeger response: %w", err)
	}
	return r, nil
}

// Attribute keys checked (OpenInference semantic conventions) beyond what
// sessiontracetest.Check checks.
const (
	keySessionID  = "session.id"
	keyUserID     = "user.id"
	keySpanKind   = "openinference.span.kind"
	keyInputMime  = "input.mime_type"
	keyOutputMime = "output.mime_type"
	keyModelName  = "llm.model_name"
	keyTokenTotal = "llm.token_count.total"
	kindLLM       = "LLM"
	mimeText      = "text/plain"
)

// SessionSummary is what was seen of one session.
type SessionSummary struct {
	Traces   int
	Spans    int
	LLMSpans int
	Users    []string // distinct root user.id values
	Roots    []string // distinct root operation names
}

// Result is the outcome of Check. It passes when Violations is empty.
type Result struct {
	Sessions   map[string]*SessionSummary // as Phoenix binds traces to sessions
	Violations []string
}

// OK reports whether every expectation held.
func (r Result) OK() bool { return len(r.Violations) == 0 }

// Options tune Check.
type Options struct {
	// AllowUnexpected accepts traces whose session is not in the expectation
	// (by default they are violations: nothing extra).
	AllowUnexpected bool
	// Sessionless names services (resource service.name) whose traces must
	// stay out of every session, such as an API gateway in front of the app:
	// no trace with a span of theirs may be bound to a session, and none of
	// their spans may carry session.id.
	Sessionless []string
}

// Check verifies decoded traces against the expected number of traces per
// session. The traces are converted to span stubs and given to
// sessiontracetest, which binds them to sessions as Phoenix does and reports
// what Phoenix would show wrong: a session trace without a root, a root
// without input.value or output.value, a span of another session or user
// than its trace, an LLM span without integer llm.token_count.prompt and
// .completion. Check adds what a complete export to a real backend also
// needs:
//
//   - each trace is returned once;
//   - in each trace bound to a session, every parent a span names is in the
//     trace, and there is exactly one root span (no parent at all), which
//     carries non-empty string tags session.id, user.id and
//     openinference.span.kind, and input.mime_type / output.mime_type, when
//     present, text/plain (a trace outside every session, such as the one a
//     gateway or a browser's unexported span begins, may lack its root);
//   - every LLM span has llm.model_name and integer llm.token_count.total;
//   - each expected session has exactly the expected number of traces, and no
//     other session appears (unless opts.AllowUnexpected);
//   - no trace of a service in opts.Sessionless is in a session.
func Check(traces []Trace, want map[string]int, opts Options) Result {
	res := Result{Sessions: map[string]*SessionSummary{}}
	add := func(format string, args ...any) {
		res.Violations = append(res.Violations, fmt.Sprintf(format, args...))
	}

	seen := map[string]bool{}
	byID := map[trace.TraceID]Trace{}
	var order []trace.TraceID
	var stubs tracetest.SpanStubs
	for _, tr := range traces {
		id := tr.TraceID
		if id == "" && len(tr.Spans) > 0 {
			id = tr.Spans[0].TraceID
		}
		if seen[id] {
			add("trace %s: returned twice", id)
			continue
		}
		seen[id] = true
		if len(tr.Spans) == 0 {
			add("trace %s: has no spans", id)
			continue
		}
		tr.TraceID = id
		byID[traceID(id)] = tr
		order = append(order, traceID(id))
		for _, sp := range tr.Spans {
			stubs = append(stubs, stub(id, sp))
			if kind, _ := stringTag(sp, keySpanKind); kind == kindLLM {
				sl := "trace " + id + " span " + spanLabel(sp)
				if _, ok := stringTag(sp, keyModelName); !ok {
					add("%s: LLM span missing non-empty string %s", sl, keyModelName)
				}
				if _, ok := intTag(sp, keyTokenTotal); !ok {
					add("%s: LLM span missing integer %s", sl, keyTokenTotal)
				}
			}
		}
	}

	spans := stubs.Snapshots()
	sessions := sessiontracetest.Sessions(spans)
	bound := map[trace.TraceID]string{}
	for _, s := range sessions {
		for _, turn := range s.Turns {
			bound[turn.TraceID] = s.ID
		}
	}
	for _, id := range order {
		tr := byID[id]
		session, inSession := bound[id]
		for _, sp := range tr.Spans {
			if service := tr.Processes[sp.ProcessID].ServiceName; slices.Contains(opts.Sessionless, service) {
				if inSession {
					add("trace %s: has a span of %q, which must stay out of sessions, but is in session %q", tr.TraceID, service, session)
				}
				if v, ok := stringTag(sp, keySessionID); ok {
					add("trace %s span %s of %q: carries session.id %q", tr.TraceID, spanLabel(sp), service, v)
				}
			}
		}
		if inSession {
			checkSessionTrace(tr, add)
		}
	}

	if err := sessiontracetest.Check(spans); err != nil {
		res.Violations = append(res.Violations, strings.Split(err.Error(), "\n")...)
	}
	for _, s := range sessions {
		sum := &SessionSummary{Traces: s.Traces}
		for _, turn := range s.Turns {
			tr := byID[turn.TraceID]
			sum.Spans += len(tr.Spans)
			for _, sp := range tr.Spans {
				if kind, _ := stringTag(sp, keySpanKind); kind == kindLLM {
					sum.LLMSpans++
				}
			}
			for _, r := range rootSpans(tr) {
				if user, ok := stringTag(r, keyUserID); ok {
					sum.Users = appendUnique(sum.Users, user)
				}
				sum.Roots = appendUnique(sum.Roots, r.OperationName)
			}
		}
		res.Sessions[s.ID] = sum
	}

	for _, s := range sortedKeys(want) {
		got := 0
		if sum := res.Sessions[s]; sum != nil {
			got = sum.Traces
		}
		if got != want[s] {
			add("session %q: want %d traces, got %d", s, want[s], got)
		}
	}
	if !opts.AllowUnexpected {
		for _, s := range sortedKeys(res.Sessions) {
			if _, ok := want[s]; !ok {
				add("session %q: not expected, got %d traces", s, res.Sessions[s].Traces)
			}
		}
	}
	return res
}

// checkSessionTrace checks what a trace bound to a session needs beyond
// Phoenix's rules: every parent in the trace, and one root with the turn's
// tags.
func checkSessionTrace(tr Trace, add func(string, ...any)) {
	id := tr.TraceID
	for _, sp := range tr.Spans {
		if p := missingParent(tr, sp); p != "" {
			add("trace %s span %s: parent span %s is not in the trace (lost?)", id, spanLabel(sp), p)
		}
	}
	roots := rootSpans(tr)
	if len(roots) != 1 {
		names := make([]string, 0, len(roots))
		for _, r := range roots {
			names = append(names, spanLabel(r))
		}
		add("trace %s: want exactly 1 root span, got %d %v (a parent span lost or a broken context?)", id, len(roots), names)
		if len(roots) == 0 {
			return
		}
	}
	root := roots[0]
	rl := "trace " + id + " root " + spanLabel(root)
	for _, k := range []string{keySessionID, keyUserID, keySpanKind} {
		if _, ok := stringTag(root, k); !ok {
			add("%s: missing non-empty string %s", rl, k)
		}
	}
	for _, k := range []string{keyInputMime, keyOutputMime} {
		if kv, ok := tag(root, k); ok {
			if s, isStr := kv.Value.(string); kv.Type != "string" || !isStr || s != mimeText {
				add("%s: %s = %v, want %q", rl, k, kv.Value, mimeText)
			}
		}
	}
}

// parentID returns the span ID of sp's parent, "" for none.
func parentID(sp Span) string {
	parent := sp.ParentSpanID
	for _, ref := range sp.References {
		if ref.RefType == "CHILD_OF" {
			parent = ref.SpanID
		}
	}
	return parent
}

// rootSpans returns the spans without a parent. As in Phoenix, a span whose
// parent is not in the trace (lost, or from a caller that was not
// exported) is no root.
func rootSpans(tr Trace) []Span {
	var roots []Span
	for _, sp := range tr.Spans {
		if parentID(sp) == "" {
			roots = append(roots, sp)
		}
	}
	return roots
}

// missingParent returns the ID of sp's parent when sp names one that the trace lacks.
func missingParent(tr Trace, sp Span) string {
	parent := parentID(sp)
	if parent == "" {
		return ""
	}
	for _, other := range tr.Spans {
		if other.SpanID == parent {
			return ""
		}
	}
	return parent
}

// stub converts a span of the trace with hex ID traceHex into the SDK's
// span stub that sessiontracetest reads: its IDs, its parent, its start and
// its tags as attributes. IDs shorter than OpenTelemetry's are padded with
// leading zeros, as Jaeger drops them.
func stub(traceHex string, sp Span) tracetest.SpanStub {
	tid := traceID(traceHex)
	if sp.TraceID != "" {
		tid = traceID(sp.TraceID)
	}
	s := tracetest.SpanStub{
		Name: sp.OperationName,
		SpanContext: trace.NewSpanContext(trace.SpanContextConfig{
			TraceID: tid, SpanID: spanID(sp.SpanID), TraceFlags: trace.FlagsSampled,
		}),
		StartTime:  time.UnixMicro(sp.StartTime),
		Attributes: make([]attribute.KeyValue, 0, len(sp.Tags)),
	}
	if p := parentID(sp); p != "" {
		s.Parent = trace.NewSpanContext(trace.SpanContextConfig{
			TraceID: tid, SpanID: spanID(p), TraceFlags: trace.FlagsSampled,
		})
	}
	for _, kv := range sp.Tags {
		s.Attributes = append(s.Attributes, attribute.KeyValue{Key: attribute.Key(kv.Key), Value: value(kv)})
	}
	return s
}

func traceID(h string) trace.TraceID {
	id, _ := trace.TraceIDFromHex(fmt.Sprintf("%032s", h))
	return id
}

func spanID(h string) trace.SpanID {
	id, _ := trace.SpanIDFromHex(fmt.Sprintf("%016s", h))
	return id
}

// value converts a tag's value: integers (without fraction, unless typed
// float64) to int64 attributes, other numbers to float64, booleans to
// bool, anything else to its string form.
func value(kv KeyValue) attribute.Value {
	switch v := kv.Value.(type) {
	case string:
		return attribute.StringValue(v)
	case bool:
		return attribute.BoolValue(v)
	case json.Number:
		if n, err := v.Int64(); err == nil && kv.Type != "float64" {
			return attribute.Int64Value(n)
		}
		if f, err := v.Float64(); err == nil {
			return attribute.Float64Value(f)
		}
	}
	return attribute.StringValue(fmt.Sprint(kv.Value))
}

func spanLabel(sp Span) string { return fmt.Sprintf("%q (%s)", sp.OperationName, sp.SpanID) }

func tag(sp Span, key string) (KeyValue, bool) {
	for _, kv := range sp.Tags {
		if kv.Key == key {
			return kv, true
		}
	}
	return KeyValue{}, false
}

// stringTag returns the value of a string tag if it is present and non-empty.
func stringTag(sp Span, key string) (string, bool) {
	kv, ok := tag(sp, key)
	if !ok || (kv.Type != "" && kv.Type != "string") {
		return "", false
	}
	s, isStr := kv.Value.(string)
	return s, isStr && s != ""
}

// intTag returns the value of an int64 tag (a JSON number without fraction).
func intTag(sp Span, key string) (int64, bool) {
	kv, ok := tag(sp, key)
	if !ok || (kv.Type != "" && kv.Type != "int64") {
		return 0, false
	}
	switch v := kv.Value.(type) {
	case json.Number:
		n, err := strconv.ParseInt(v.String(), 10, 64)
		return n, err == nil
	case float64: // decoded without UseNumber
		if v == math.Trunc(v) {
			return int64(v), true
		}
	}
	return 0, false
}

func appendUnique(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// parseSessions parses "s1=3,s2=2" into {"s1":3,"s2":2}. The count is after the
// last '=' so session IDs may contain '='.
func parseSessions(spec string) (map[string]int, error) {
	want := map[string]int{}
	for _, part := range strings.Split(spec, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		i := strings.LastIndex(part, "=")
		if i <= 0 {
			return nil, fmt.Errorf("bad session expectation %q, want ID=COUNT", part)
		}
		id, countText := part[:i], part[i+1:]
		n, err := strconv.Atoi(countText)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("bad trace count in %q", part)
		}
		if _, dup := want[id]; dup {
			return nil, fmt.Errorf("session %q listed twice", id)
		}
		want[id] = n
	}
	if len(want) == 0 {
		return nil, fmt.Errorf("no sessions given")
	}
	return want, nil
}
