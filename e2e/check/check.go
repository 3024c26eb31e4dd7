package main

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
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

// Attribute keys checked (OpenInference semantic conventions).
const (
	keySessionID       = "session.id"
	keyUserID          = "user.id"
	keySpanKind        = "openinference.span.kind"
	keyInputValue      = "input.value"
	keyInputMime       = "input.mime_type"
	keyOutputValue     = "output.value"
	keyOutputMime      = "output.mime_type"
	keyModelName       = "llm.model_name"
	keyTokenPrompt     = "llm.token_count.prompt"
	keyTokenCompletion = "llm.token_count.completion"
	keyTokenTotal      = "llm.token_count.total"
	kindLLM            = "LLM"
	mimeText           = "text/plain"
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
	Sessions   map[string]*SessionSummary // by session.id of the root span
	Violations []string
}

// OK reports whether every expectation held.
func (r Result) OK() bool { return len(r.Violations) == 0 }

// Options tune Check.
type Options struct {
	// AllowUnexpected accepts traces whose session is not in the expectation
	// (by default they are violations: nothing extra).
	AllowUnexpected bool
}

// Check verifies decoded traces against the expected number of traces per session:
//
//   - each trace has exactly one root span (no parent inside the trace), which
//     carries non-empty string tags session.id, user.id, openinference.span.kind,
//     input.value and output.value (mime types, when present, text/plain);
//   - every span that has session.id (or user.id) has the root's value;
//   - every LLM span has llm.model_name and integer llm.token_count.prompt,
//     .completion and .total;
//   - each expected session has exactly the expected number of traces, and no
//     other session appears (unless opts.AllowUnexpected).
func Check(traces []Trace, want map[string]int, opts Options) Result {
	res := Result{Sessions: map[string]*SessionSummary{}}
	add := func(format string, args ...any) {
		res.Violations = append(res.Violations, fmt.Sprintf(format, args...))
	}

	seen := map[string]bool{}
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
				continue
			}
		}
		root := roots[0]
		rl := "trace " + id + " root " + spanLabel(root)

		session, sessOK := stringTag(root, keySessionID)
		if !sessOK {
			add("%s: missing non-empty string %s", rl, keySessionID)
		}
		user, userOK := stringTag(root, keyUserID)
		if !userOK {
			add("%s: missing non-empty string %s", rl, keyUserID)
		}
		if _, ok := stringTag(root, keySpanKind); !ok {
			add("%s: missing non-empty string %s", rl, keySpanKind)
		}
		for _, p := range [][2]string{{keyInputValue, keyInputMime}, {keyOutputValue, keyOutputMime}} {
			if _, ok := stringTag(root, p[0]); !ok {
				add("%s: missing non-empty string %s", rl, p[0])
			}
			if kv, ok := tag(root, p[1]); ok {
				if s, isStr := kv.Value.(string); kv.Type != "string" || !isStr || s != mimeText {
					add("%s: %s = %v, want %q", rl, p[1], kv.Value, mimeText)
				}
			}
		}

		llmSpans := 0
		for _, sp := range tr.Spans {
			sl := "trace " + id + " span " + spanLabel(sp)
			if kv, ok := tag(sp, keySessionID); ok && sessOK {
				if s, _ := kv.Value.(string); s != session {
					add("%s: %s = %v, root has %q (sessions mixed)", sl, keySessionID, kv.Value, session)
				}
			}
			if kv, ok := tag(sp, keyUserID); ok && userOK {
				if s, _ := kv.Value.(string); s != user {
					add("%s: %s = %v, root has %q (users mixed)", sl, keyUserID, kv.Value, user)
				}
			}
			if kind, _ := stringTag(sp, keySpanKind); kind == kindLLM {
				llmSpans++
				if _, ok := stringTag(sp, keyModelName); !ok {
					add("%s: LLM span missing non-empty string %s", sl, keyModelName)
				}
				for _, k := range []string{keyTokenPrompt, keyTokenCompletion, keyTokenTotal} {
					if _, ok := intTag(sp, k); !ok {
						add("%s: LLM span missing integer %s", sl, k)
					}
				}
			}
		}

		if !sessOK {
			continue
		}
		sum := res.Sessions[session]
		if sum == nil {
			sum = &SessionSummary{}
			res.Sessions[session] = sum
		}
		sum.Traces++
		sum.Spans += len(tr.Spans)
		sum.LLMSpans += llmSpans
		if userOK {
			sum.Users = appendUnique(sum.Users, user)
		}
		sum.Roots = appendUnique(sum.Roots, root.OperationName)
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

// rootSpans returns the spans without a parent inside the trace. A span whose
// parent is not in the trace (lost, or not exported yet) counts as a root.
func rootSpans(tr Trace) []Span {
	ids := make(map[string]bool, len(tr.Spans))
	for _, sp := range tr.Spans {
		ids[sp.SpanID] = true
	}
	var roots []Span
	for _, sp := range tr.Spans {
		hasParent := sp.ParentSpanID != "" && ids[sp.ParentSpanID]
		for _, ref := range sp.References {
			if (ref.RefType == "CHILD_OF" || ref.RefType == "FOLLOWS_FROM") &&
				(ref.TraceID == "" || ref.TraceID == sp.TraceID || sp.TraceID == "") && ids[ref.SpanID] {
				hasParent = true
			}
		}
		if !hasParent {
			roots = append(roots, sp)
		}
	}
	return roots
}

// missingParent returns the ID of sp's parent when sp names one that the trace lacks.
func missingParent(tr Trace, sp Span) string {
	parent := sp.ParentSpanID
	for _, ref := range sp.References {
		if ref.RefType == "CHILD_OF" {
			parent = ref.SpanID
		}
	}
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
