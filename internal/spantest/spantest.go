// Package spantest is what the tests of this module's packages share for
// looking at the spans they record: a tracer provider with a recorder, the
// attributes of a span by key, and one assertion on them. It is imported by
// _test files only, as the OpenTelemetry SDK's own tests use its
// internaltest package.
package spantest

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

// NewProvider returns a TracerProvider that records every span, with the
// processors given registered before the recorder (so that a processor's
// OnStart attributes are visible to it), and shuts it down when the test
// ends.
func NewProvider(t testing.TB, processors ...sdktrace.SpanProcessor) (*sdktrace.TracerProvider, *tracetest.SpanRecorder) {
	t.Helper()
	rec := tracetest.NewSpanRecorder()
	opts := make([]sdktrace.TracerProviderOption, 0, len(processors)+1)
	for _, p := range processors {
		opts = append(opts, sdktrace.WithSpanProcessor(p))
	}
	tp := sdktrace.NewTracerProvider(append(opts, sdktrace.WithSpanProcessor(rec))...)
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	return tp, rec
}

// Only returns the one span rec saw end, failing the test when there is not
// exactly one.
func Only(t testing.TB, rec *tracetest.SpanRecorder) sdktrace.ReadOnlySpan {
	t.Helper()
	spans := rec.Ended()
	if len(spans) != 1 {
		t.Fatalf("got %d ended spans %v, want 1", len(spans), Names(spans))
	}
	return spans[0]
}

// Named returns the ended span called name, failing the test when there is
// not exactly one.
func Named(t testing.TB, rec *tracetest.SpanRecorder, name string) sdktrace.ReadOnlySpan {
	t.Helper()
	var found []sdktrace.ReadOnlySpan
	for _, s := range rec.Ended() {
		if s.Name() == name {
			found = append(found, s)
		}
	}
	if len(found) != 1 {
		t.Fatalf("got %d ended spans named %q among %v, want 1", len(found), name, Names(rec.Ended()))
	}
	return found[0]
}

// Names lists the spans' names, for failure messages.
func Names(spans []sdktrace.ReadOnlySpan) []string {
	names := make([]string, len(spans))
	for i, s := range spans {
		names[i] = s.Name()
	}
	return names
}

// Attrs returns a span's attributes by key.
func Attrs(s sdktrace.ReadOnlySpan) map[string]attribute.Value {
	m := make(map[string]attribute.Value, len(s.Attributes()))
	for _, kv := range s.Attributes() {
		m[string(kv.Key)] = kv.Value
	}
	return m
}

// String returns the string attribute key of s, or "" when it is absent.
func String(s sdktrace.ReadOnlySpan, key string) string {
	for _, kv := range s.Attributes() {
		if string(kv.Key) == key {
			return kv.Value.AsString()
		}
	}
	return ""
}

// Want checks the attributes of s: each key must hold the value given, of
// the same type (string, int, int64, bool, float64, []string or
// []float64), and a key whose wanted value is nil must be absent.
func Want(t testing.TB, s sdktrace.ReadOnlySpan, want map[string]any) {
	t.Helper()
	got := Attrs(s)
	for k, w := range want {
		v, ok := got[k]
		switch {
		case w == nil && ok:
			t.Errorf("span %s: %s = %s, want it absent", s.Name(), k, v.String())
		case w == nil:
		case !ok:
			t.Errorf("span %s: %s missing, want %v", s.Name(), k, w)
		default:
			if g, err := value(v, w); err != nil {
				t.Errorf("span %s: %s: %v", s.Name(), k, err)
			} else if !reflect.DeepEqual(g, w) {
				t.Errorf("span %s: %s = %#v, want %#v", s.Name(), k, g, w)
			}
		}
	}
}

// value converts v to the Go type of want, or says why it cannot.
func value(v attribute.Value, want any) (any, error) {
	var typ attribute.Type
	var g any
	switch want.(type) {
	case string:
		typ, g = attribute.STRING, v.AsString()
	case int:
		typ, g = attribute.INT64, int(v.AsInt64())
	case int64:
		typ, g = attribute.INT64, v.AsInt64()
	case bool:
		typ, g = attribute.BOOL, v.AsBool()
	case float64:
		typ, g = attribute.FLOAT64, v.AsFloat64()
	case []string:
		typ, g = attribute.STRINGSLICE, v.AsStringSlice()
	case []float64:
		typ, g = attribute.FLOAT64SLICE, v.AsFloat64Slice()
	default:
		return nil, fmt.Errorf("spantest.Want cannot compare a %T", want)
	}
	if v.Type() != typ {
		return nil, fmt.Errorf("is a %s (%s), want a %s", v.Type(), v.String(), typ)
	}
	return g, nil
}

// Events counts the events of s called name.
func Events(s sdktrace.ReadOnlySpan, name string) int {
	n := 0
	for _, e := range s.Events() {
		if e.Name == name {
			n++
		}
	}
	return n
}

// SameJSON reports whether two JSON texts hold the same value, failing the
// test when either is not JSON.
func SameJSON(t testing.TB, a, b string) bool {
	t.Helper()
	var va, vb any
	if err := json.Unmarshal([]byte(a), &va); err != nil {
		t.Fatalf("not JSON: %v: %s", err, a)
	}
	if err := json.Unmarshal([]byte(b), &vb); err != nil {
		t.Fatalf("not JSON: %v: %s", err, b)
	}
	return reflect.DeepEqual(va, vb)
}

// Values returns attributes (a span's, or a ContextAttributes slice) as a
// map of their Go values by key.
func Values(kvs []attribute.KeyValue) map[string]any {
	m := make(map[string]any, len(kvs))
	for _, kv := range kvs {
		m[string(kv.Key)] = kv.Value.AsInterface()
	}
	return m
}
