package phoenix

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// TruncatedKey is the attribute a span carries when Register's exporter had
// to cut it to fit into an export request: the keys of the attributes whose
// values it shortened, as a string slice. Each shortened value keeps its
// beginning and ends with a note of what was cut, such as
// "…[sessiontrace: cut 1048576 of 5242880 bytes]".
const TruncatedKey = attribute.Key("sessiontrace.truncated")

// The environment variables of the two limits, read once by Register.
const (
	envMaxExportBytes = "SESSIONTRACE_MAX_EXPORT_BYTES"
	envMemoryBudget   = "SESSIONTRACE_MEMORY_BUDGET_BYTES"
)

// limits are the bounds of the export path, from options, then the
// environment, then the defaults.
type limits struct {
	maxExport    int // bytes per export request
	maxExportSet bool
	budget       int64 // bytes held by the spans waiting for export
	budgetSet    bool
	queue        int // spans waiting for export
}

// resolveLimits fills in the limits not set by options and checks them and
// the batch options (see exportProcessor for what they mean here).
func resolveLimits(c config) (limits, error) {
	l := c.limits
	if !l.maxExportSet {
		n, err := envBytes(envMaxExportBytes, DefaultMaxExportBytes)
		if err != nil {
			return l, err
		}
		l.maxExport = int(n)
	} else if l.maxExport <= 0 {
		return l, fmt.Errorf("phoenix: WithMaxExportBytes(%d): the limit must be positive", l.maxExport)
	}
	if !l.budgetSet {
		n, err := envBytes(envMemoryBudget, DefaultMemoryBudget)
		if err != nil {
			return l, err
		}
		l.budget = n
	} else if l.budget <= 0 {
		return l, fmt.Errorf("phoenix: WithMemoryBudget(%d): the budget must be positive", l.budget)
	}
	if c.syncExport {
		return l, nil
	}
	o := sdktrace.BatchSpanProcessorOptions{MaxQueueSize: envQueueSize()}
	for _, opt := range c.batchOpts {
		if opt != nil {
			opt(&o)
		}
	}
	if o.BlockOnQueueFull {
		return l, errors.New("phoenix: WithBatchOptions(sdktrace.WithBlocking()) is not supported: spans over the memory budget or the queue size are dropped and reported, never waited for")
	}
	if o.MaxQueueSize <= 0 {
		return l, fmt.Errorf("phoenix: WithBatchOptions: the queue size (%d) must be positive", o.MaxQueueSize)
	}
	l.queue = o.MaxQueueSize
	return l, nil
}

// envQueueSize is the batch queue size the SDK starts from:
// OTEL_BSP_MAX_QUEUE_SIZE when it is a number, as the SDK reads it, or its
// default.
func envQueueSize() int {
	if n, err := strconv.Atoi(strings.TrimSpace(os.Getenv("OTEL_BSP_MAX_QUEUE_SIZE"))); err == nil {
		return n
	}
	return sdktrace.DefaultMaxQueueSize
}

// envBytes reads a positive byte count from the environment variable name,
// or returns def when it is unset or empty.
func envBytes(name string, def int64) (int64, error) {
	v := strings.TrimSpace(os.Getenv(name))
	if v == "" {
		return def, nil
	}
	n, err := strconv.ParseInt(v, 10, 0) // an int: WithMaxExportBytes takes one
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("phoenix: %s=%q: want a positive number of bytes", name, v)
	}
	return n, nil
}

// limitExporter is the exporter Register puts in front of the OTLP one. It
// sends each batch it is given in export requests of at most max bytes
// (encodedSize's bound), one after the other and in order; a span too big
// for a request of its own is cut (see cut) or dropped and reported. With
// a budget it then releases what the batch held.
type limitExporter struct {
	next   sdktrace.SpanExporter
	max    int
	budget *budget // nil when export is synchronous
	drops  *dropReporter
}

// ExportSpans exports spans in requests that fit. It returns the first
// error of the requests; after a failed request it goes on with the next,
// unless ctx is done.
func (e *limitExporter) ExportSpans(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	var (
		out        = make([]sdktrace.ReadOnlySpan, 0, len(spans))
		ends       []int // where each request but the last ends in out
		held       int64
		admitted   int
		wrap       wrappers
		size, from = 0, 0 // bytes of the request being filled; its first span in out
	)
	for _, s := range spans {
		var n int
		if a, ok := s.(*admittedSpan); ok {
			s, n = a.ReadOnlySpan, a.encoded
			held += a.held
			admitted++
		} else {
			n = encodedSize(s)
		}
		extra := wrap.add(s, len(ends))
		if size+extra+n > e.max && len(out) > from {
			ends, from, size = append(ends, len(out)), len(out), 0
			extra = wrap.add(s, len(ends))
		}
		if room := e.max - size - extra; n > room { // alone, or after the wrappers of one dropped
			if s = cut(s, n, room); s == nil {
				e.drops.tooLarge(n)
				size += extra
				continue
			}
			n = encodedSize(s)
		}
		size += extra + n
		out = append(out, s)
	}
	err := e.send(ctx, out, ends)
	if e.budget != nil {
		e.budget.release(held, admitted)
	}
	return err
}

// send exports out in the requests that end at ends (and the last at the
// end of out) and returns the first error.
func (e *limitExporter) send(ctx context.Context, out []sdktrace.ReadOnlySpan, ends []int) error {
	var first error
	from := 0
	for _, end := range append(ends, len(out)) {
		if end == from {
			continue
		}
		if err := ctx.Err(); err != nil {
			if first == nil {
				first = err
			}
			break
		}
		if err := e.next.ExportSpans(ctx, out[from:end]); err != nil && first == nil {
			first = err
		}
		from = end
	}
	return first
}

// Shutdown shuts the OTLP exporter down and reports the spans dropped and
// not yet reported.
func (e *limitExporter) Shutdown(ctx context.Context) error {
	err := e.next.Shutdown(ctx)
	e.drops.flush()
	return err
}

// wrappers tracks the ResourceSpans and ScopeSpans entries of the request
// being filled, so that each resource and each scope is counted once per
// request. A program has a handful of scopes: a list is enough.
type wrappers struct {
	resources []wrapperEntry
	scopes    []wrapperEntry
}

type wrapperEntry struct {
	res     *resource.Resource
	scope   instrumentation.Scope
	bytes   int // resourceSize or scopeSize
	request int // the request it was last counted in, plus one
	parent  int // for a scope: its resource, in resources
}

// add returns the bytes the resource and scope of s add to the request
// numbered request, and records them as counted in it.
func (w *wrappers) add(s sdktrace.ReadOnlySpan, request int) int {
	res, scope := s.Resource(), s.InstrumentationScope()
	i := w.find(res, scope)
	if i < 0 {
		r := slices.IndexFunc(w.resources, func(e wrapperEntry) bool { return e.res == res })
		if r < 0 {
			w.resources = append(w.resources, wrapperEntry{res: res, bytes: resourceSize(res)})
			r = len(w.resources) - 1
		}
		w.scopes = append(w.scopes, wrapperEntry{res: res, scope: scope, bytes: scopeSize(scope), parent: r})
		i = len(w.scopes) - 1
	}
	return w.scopes[i].countIn(request) + w.resources[w.scopes[i].parent].countIn(request)
}

// find returns the index in w.scopes of the entry of res and scope, or -1.
func (w *wrappers) find(res *resource.Resource, scope instrumentation.Scope) int {
	for i := range w.scopes {
		if e := &w.scopes[i]; e.res == res && e.scope == scope {
			return i
		}
	}
	return -1
}

// countIn returns the entry's bytes the first time it is counted in
// request, 0 after.
func (e *wrapperEntry) countIn(request int) int {
	if e.request == request+1 {
		return 0
	}
	e.request = request + 1
	return e.bytes
}

// truncatedSpan is a span with its attributes replaced by cut.
type truncatedSpan struct {
	sdktrace.ReadOnlySpan
	attrs []attribute.KeyValue
}

func (t truncatedSpan) Attributes() []attribute.KeyValue { return t.attrs }

// cut returns s, of encoded size size, with its longest string attribute
// values shortened so that its encoded size is at most room, the values
// marked and their keys listed in TruncatedKey. It returns nil when
// shortening every string value to nothing would not be enough (thousands
// of attributes, huge events).
//
// The values are cut to one length, the largest that frees enough: the
// longest ones lose the most and short ones keep all they have, so that
// with a conversation the raw body (input.value) goes first and the
// messages keep what they can.
func cut(s sdktrace.ReadOnlySpan, size, room int) sdktrace.ReadOnlySpan {
	if room <= 0 {
		return nil
	}
	attrs := s.Attributes()
	var longest []int // indexes of string attributes, longest value first
	for i, kv := range attrs {
		if kv.Value.Type() == attribute.STRING && kv.Key != TruncatedKey {
			longest = append(longest, i)
		}
	}
	slices.SortStableFunc(longest, func(a, b int) int {
		return len(attrs[b].Value.AsString()) - len(attrs[a].Value.AsString())
	})
	lengths := make([]int, len(longest))
	for j, i := range longest {
		lengths[j] = len(attrs[i].Value.AsString())
	}
	need, last := size-room, -1
	// The notes and the list of keys take room too: each try that misses
	// asks for what it missed by, and for at least one byte less of every
	// value it cut, so a few tries are enough.
	for range 8 {
		keep, ok := waterLevel(lengths, need)
		if last >= 0 {
			keep = min(keep, last-1)
		}
		if !ok || keep < 0 {
			return nil
		}
		t := truncatedSpan{ReadOnlySpan: s, attrs: shorten(attrs, longest, keep)}
		n := encodedSize(t)
		if n <= room {
			return t
		}
		need, last = need+n-room, keep
	}
	return nil
}

// waterLevel returns the largest length keep such that cutting every one
// of lengths (longest first) to keep frees at least need bytes, and false
// when cutting them all to nothing does not.
func waterLevel(lengths []int, need int) (int, bool) {
	sum := 0
	for k, n := range lengths {
		sum += n
		next := 0
		if k+1 < len(lengths) {
			next = lengths[k+1]
		}
		// Cutting the k+1 longest to a length in [next, n] frees
		// sum - (k+1)*length.
		if sum-(k+1)*next >= need {
			return (sum - need) / (k + 1), true
		}
	}
	return 0, false
}

// shorten returns a copy of attrs whose string values at the indexes
// longest that are over keep bytes are cut to keep (at a UTF-8 boundary) and
// marked, with TruncatedKey listing their keys.
func shorten(attrs []attribute.KeyValue, longest []int, keep int) []attribute.KeyValue {
	out := make([]attribute.KeyValue, 0, len(attrs)+1)
	out = append(out, attrs...)
	var keys []string
	for _, i := range longest {
		v := attrs[i].Value.AsString()
		if len(v) <= keep {
			break
		}
		k := keep
		for k > 0 && !utf8.RuneStart(v[k]) {
			k--
		}
		out[i] = attrs[i].Key.String(v[:k] + fmt.Sprintf("…[sessiontrace: cut %d of %d bytes]", len(v)-k, len(v)))
		keys = append(keys, string(attrs[i].Key))
	}
	return append(out, TruncatedKey.StringSlice(keys))
}
