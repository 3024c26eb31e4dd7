package phoenix

import (
	"math"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"google.golang.org/protobuf/encoding/protowire"
)

// The size of a span on the wire. The OTLP exporters turn spans into the
// messages of opentelemetry-proto (trace/v1/trace.proto,
// common/v1/common.proto) in a package of theirs that cannot be imported.
// Converting every span a second time just to measure it would double the
// exporter's own work; the functions here instead walk the span's fields
// and add up what protobuf's rules make of them (protowire's sizes for
// tags, varints and length prefixes). They never count less than the
// exporters send: every field the transform may set is counted as set,
// proto3 only leaves out zero scalars and empty strings and bytes, which
// are never counted where the transform could fill them, and the request's
// own wrappers (ResourceSpans, ScopeSpans) are given the longest length
// prefix a request can need. TestEncodedSizeIsAnUpperBound compares the
// figures with the bodies the exporters really send.

// wrapperBytes is what a ResourceSpans or ScopeSpans entry costs besides its
// content: a one-byte tag and a length prefix of at most five bytes (any
// length below 32 GiB).
const wrapperBytes = 1 + 5

// lenField is the size of a length-delimited field with a one-byte tag
// (field numbers 1 to 15) and n bytes of content.
func lenField(n int) int { return 1 + protowire.SizeVarint(uint64(n)) + n }

// uint32Field is the size of an optional uint32 field (the dropped counts):
// proto3 leaves out zero.
func uint32Field(n int) int {
	if n <= 0 {
		return 0
	}
	return 1 + protowire.SizeVarint(uint64(min(n, math.MaxUint32)))
}

// spanFixedBytes is what a span's fields of fixed size take: trace_id,
// span_id and parent_span_id (tag, length, bytes), flags (fixed32 with a
// two-byte tag: field 16), kind, start and end times (fixed64), and the
// three dropped counts, given the largest uint32 varint: reading them would
// cost more than the bytes they may save.
const spanFixedBytes = (1 + 1 + 16) + 2*(1+1+8) + (2 + 4) + (1 + 1) + 2*(1+8) + 3*(1+5)

// spanSize returns an upper bound of the bytes s takes in an OTLP export
// request, its entry in ScopeSpans.spans (tag and length prefix included),
// and what the memory budget charges for it: the encoded size stands for
// the strings it holds, to which the Go structures holding them are added
// (the span's snapshot; 64 bytes per attribute.KeyValue, twice that for the
// room the SDK's slices grow into; events and links), so that the budget
// is not outrun by spans of many small attributes.
func spanSize(s sdktrace.ReadOnlySpan) (encoded int, held int64) {
	const (
		snapshotBytes  = 512
		attributeBytes = 2 * 64
		entryBytes     = 128
	)
	attrs, events, links := s.Attributes(), s.Events(), s.Links()
	n := spanFixedBytes + attributesSize(attrs)
	if ts := s.SpanContext().TraceState(); ts.Len() > 0 {
		n += lenField(len(ts.String()))
	}
	if name := s.Name(); name != "" {
		n += lenField(len(name))
	}
	for _, e := range events {
		ev := 1 + 8 + attributesSize(e.Attributes) + uint32Field(e.DroppedAttributeCount)
		if e.Name != "" {
			ev += lenField(len(e.Name))
		}
		n += lenField(ev)
	}
	for _, l := range links {
		ln := lenField(16) + lenField(8) + 1 + 4 + attributesSize(l.Attributes) + uint32Field(l.DroppedAttributeCount)
		if ts := l.SpanContext.TraceState(); ts.Len() > 0 {
			ln += lenField(len(ts.String()))
		}
		n += lenField(ln)
	}
	st := 1 + 1 // status code
	if d := s.Status().Description; d != "" {
		st += lenField(len(d))
	}
	n = lenField(n + lenField(st))
	return n, int64(n) + snapshotBytes + attributeBytes*int64(len(attrs)) + entryBytes*int64(len(events)+len(links))
}

// encodedSize is spanSize's bound of the bytes s takes in a request.
func encodedSize(s sdktrace.ReadOnlySpan) int {
	n, _ := spanSize(s)
	return n
}

// attributesSize is the size of a repeated KeyValue field.
func attributesSize(attrs []attribute.KeyValue) int {
	n, simple, longest := 0, 0, 0
	for i := range attrs {
		kv := &attrs[i]
		m := len(kv.Key)
		switch kv.Value.Type() {
		case attribute.STRING:
			m += len(kv.Value.AsString())
		case attribute.INT64, attribute.BOOL, attribute.FLOAT64:
			m += 10 // the longest varint; a double takes 8
		default:
			n += lenField(keyValueSize(*kv))
			continue
		}
		n += m
		simple++
		longest = max(longest, m)
	}
	// Most attributes hold a string or a number. Besides its m bytes of key
	// and value, each has four one-byte tags (the entry, the key, the value,
	// the value's field) and at most four length prefixes, none longer than
	// that of the entry, which holds less than m+18 bytes: so none longer
	// than the longest entry's. One varint size per span rather than four
	// per attribute: this runs for every span that ends.
	return n + simple*(4+4*protowire.SizeVarint(uint64(longest+18)))
}

func keyValueSize(kv attribute.KeyValue) int {
	n := lenField(valueSize(kv.Value)) // value is always set, even when empty
	if kv.Key != "" {
		n += lenField(len(kv.Key))
	}
	return n
}

// valueSize is the size of the AnyValue message the exporters make of v.
// The value of a oneof is encoded even when zero.
func valueSize(v attribute.Value) int {
	switch v.Type() {
	case attribute.EMPTY:
		return 0
	case attribute.BOOL:
		return 1 + 1
	case attribute.INT64:
		return 1 + protowire.SizeVarint(uint64(v.AsInt64()))
	case attribute.FLOAT64:
		return 1 + 8
	case attribute.STRING:
		return lenField(len(v.AsString()))
	case attribute.BYTESLICE:
		return lenField(len(v.AsByteSlice()))
	case attribute.BOOLSLICE:
		return lenField(len(v.AsBoolSlice()) * lenField(1+1))
	case attribute.INT64SLICE:
		n := 0
		for _, i := range v.AsInt64Slice() {
			n += lenField(1 + protowire.SizeVarint(uint64(i)))
		}
		return lenField(n)
	case attribute.FLOAT64SLICE:
		return lenField(len(v.AsFloat64Slice()) * lenField(1+8))
	case attribute.STRINGSLICE:
		n := 0
		for _, s := range v.AsStringSlice() {
			n += lenField(lenField(len(s)))
		}
		return lenField(n)
	case attribute.SLICE:
		n := 0
		for _, e := range v.AsSlice() {
			n += lenField(valueSize(e))
		}
		return lenField(n)
	case attribute.MAP:
		return lenField(attributesSize(v.AsMap()))
	default: // the exporters send the string "INVALID"
		return lenField(len("INVALID"))
	}
}

// resourceSize is what the ResourceSpans entry of r costs in a request
// besides its scopes.
func resourceSize(r *resource.Resource) int {
	if r == nil {
		return wrapperBytes
	}
	attrs := 0
	for it := r.Iter(); it.Next(); {
		attrs += lenField(keyValueSize(it.Attribute()))
	}
	n := wrapperBytes + lenField(attrs)
	if u := r.SchemaURL(); u != "" {
		n += lenField(len(u))
	}
	return n
}

// scopeSize is what the ScopeSpans entry of sc costs in a request besides
// its spans.
func scopeSize(sc instrumentation.Scope) int {
	n := wrapperBytes
	if sc == (instrumentation.Scope{}) {
		return n
	}
	m := 0
	if sc.Name != "" {
		m += lenField(len(sc.Name))
	}
	if sc.Version != "" {
		m += lenField(len(sc.Version))
	}
	for it := sc.Attributes.Iter(); it.Next(); {
		m += lenField(keyValueSize(it.Attribute()))
	}
	n += lenField(m)
	if sc.SchemaURL != "" {
		n += lenField(len(sc.SchemaURL))
	}
	return n
}
