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

// encodedSize is an upper bound of the bytes s takes in an OTLP export
// request: its entry in ScopeSpans.spans, tag and length prefix included.
func encodedSize(s sdktrace.ReadOnlySpan) int {
	sc := s.SpanContext()
	n := lenField(16) + lenField(8) + lenField(8) // trace_id, span_id, parent_span_id
	n += 2 + 4                                    // flags: fixed32 with a two-byte tag (field 16)
	n += 1 + 1                                    // kind
	n += 2 * (1 + 8)                              // start and end times, fixed64
	if ts := sc.TraceState(); ts.Len() > 0 {
		n += lenField(len(ts.String()))
	}
	if name := s.Name(); name != "" {
		n += lenField(len(name))
	}
	n += attributesSize(s.Attributes())
	n += uint32Field(s.DroppedAttributes()) + uint32Field(s.DroppedEvents()) + uint32Field(s.DroppedLinks())
	for _, e := range s.Events() {
		ev := 1 + 8 + attributesSize(e.Attributes) + uint32Field(e.DroppedAttributeCount)
		if e.Name != "" {
			ev += lenField(len(e.Name))
		}
		n += lenField(ev)
	}
	for _, l := range s.Links() {
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
	n += lenField(st)
	return lenField(n)
}

// attributesSize is the size of a repeated KeyValue field.
func attributesSize(attrs []attribute.KeyValue) int {
	n := 0
	for i := range attrs {
		kv := &attrs[i]
		if kv.Value.Type() != attribute.STRING {
			n += lenField(keyValueSize(*kv))
			continue
		}
		// Most attributes hold a string: m bytes of key and value, four
		// one-byte tags (the entry, the key, the value, its string) and four
		// length prefixes, none longer than that of the entry, which is
		// under m+18 bytes. One varint size instead of four: this runs for
		// every span that ends.
		m := len(kv.Key) + len(kv.Value.AsString())
		n += m + 4 + 4*protowire.SizeVarint(uint64(m+18))
	}
	return n
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

// heldSize is what the memory budget charges for a span of encoded bytes:
// the encoded size stands for the strings it holds, and the Go structures
// that hold them (the span's snapshot, 64 bytes per attribute.KeyValue,
// twice that for the room the SDK's slices grow into, events and links)
// are added, so that the budget is not outrun by spans of many small
// attributes.
func heldSize(s sdktrace.ReadOnlySpan, encoded int) int64 {
	const (
		spanBytes      = 512
		attributeBytes = 2 * 64
		entryBytes     = 128
	)
	return int64(encoded) + spanBytes + attributeBytes*int64(len(s.Attributes())) +
		entryBytes*int64(len(s.Events())+len(s.Links()))
}
