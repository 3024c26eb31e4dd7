package main

import (
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"

	semconv "github.com/Arize-ai/openinference/go/openinference-semantic-conventions"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
)

// Span is one span as the receiver decoded it from OTLP protobuf.
type Span struct {
	TraceID trace.TraceID
	SpanID  trace.SpanID
	Parent  trace.SpanID // zero for a root
	Name    string
	Kind    trace.SpanKind
	Start   time.Time
	End     time.Time
	Status  sdktrace.Status
	Attrs   []attribute.KeyValue
	Events  []sdktrace.Event
	Scope   string

	DroppedAttrs  int
	DroppedEvents int

	// Markers are the request markers (see marker) found in any string
	// attribute value of the span or its events, before trimming, each once.
	Markers []marker
}

// IsRoot reports whether the span has no parent (as Phoenix sees roots).
func (s *Span) IsRoot() bool { return !s.Parent.IsValid() }

// Str returns the string attribute key, or "".
func (s *Span) Str(key string) string {
	for _, kv := range s.Attrs {
		if string(kv.Key) == key {
			return kv.Value.String()
		}
	}
	return ""
}

// Has reports whether the span carries the attribute key.
func (s *Span) Has(key string) bool {
	for _, kv := range s.Attrs {
		if string(kv.Key) == key {
			return true
		}
	}
	return false
}

// HasEvent reports whether the span has an event called name.
func (s *Span) HasEvent(name string) bool {
	for _, e := range s.Events {
		if e.Name == name {
			return true
		}
	}
	return false
}

// IsLLM reports whether the span is an OpenInference LLM span.
func (s *Span) IsLLM() bool { return s.Str(semconv.OpenInferenceSpanKind) == semconv.SpanKindLLM }

// Stub converts the span for sessiontracetest, which reads
// sdktrace.ReadOnlySpan.
func (s *Span) Stub() tracetest.SpanStub {
	var parent trace.SpanContext
	if s.Parent.IsValid() {
		parent = trace.NewSpanContext(trace.SpanContextConfig{TraceID: s.TraceID, SpanID: s.Parent, Remote: false})
	}
	return tracetest.SpanStub{
		Name:              s.Name,
		SpanContext:       trace.NewSpanContext(trace.SpanContextConfig{TraceID: s.TraceID, SpanID: s.SpanID, TraceFlags: trace.FlagsSampled}),
		Parent:            parent,
		SpanKind:          s.Kind,
		StartTime:         s.Start,
		EndTime:           s.End,
		Attributes:        s.Attrs,
		Events:            s.Events,
		Status:            s.Status,
		DroppedAttributes: s.DroppedAttrs,
		DroppedEvents:     s.DroppedEvents,
	}
}

// checkedKeys are the attributes the checks read; trimming keeps only these.
var checkedKeys = map[string]bool{
	semconv.SessionID:               true,
	semconv.UserID:                  true,
	semconv.OpenInferenceSpanKind:   true,
	semconv.InputValue:              true,
	semconv.OutputValue:             true,
	semconv.LLMTokenCountPrompt:     true,
	semconv.LLMTokenCountCompletion: true,
	semconv.LLMTokenCountTotal:      true,
	semconv.LLMModelName:            true,
}

// maxKeptValue is how much of a string attribute trimming keeps. Roots'
// input and output values (one short chat message) fit whole. Other spans'
// are only read as present or not (sessiontracetest reads a turn's
// input and output on the root alone), so a little of them is kept: the
// LLM span's JSON bodies hold the whole conversation.
const (
	maxKeptValue       = 512
	maxKeptValueNoRoot = 64
)

// trim drops what the load checks do not read, so that a long run's spans
// fit in memory: attributes other than checkedKeys, the tail of long
// strings, event attributes, and, on spans other than the root, all but
// one marker per session (the checks only compare their sessions; a root's
// markers name its request and are all kept).
func (s *Span) trim() {
	limit := maxKeptValue
	if !s.IsRoot() {
		limit = maxKeptValueNoRoot
	}
	kept := make([]attribute.KeyValue, 0, len(checkedKeys))
	for _, kv := range s.Attrs {
		if !checkedKeys[string(kv.Key)] {
			continue
		}
		if kv.Value.Type() == attribute.STRING && len(kv.Value.AsString()) > limit {
			kv = attribute.String(string(kv.Key), strings.Clone(kv.Value.AsString()[:limit]))
		}
		kept = append(kept, kv)
	}
	s.Attrs = kept
	for i := range s.Events {
		s.Events[i].Attributes = nil
	}
	if !s.IsRoot() && len(s.Markers) > 1 {
		var one []marker
	next:
		for _, m := range s.Markers {
			for _, o := range one {
				if o.Session == m.Session {
					continue next
				}
			}
			one = append(one, m)
		}
		s.Markers = one
	}
}

// spanFromProto decodes one OTLP span. It never fails: odd values (a trace
// ID of the wrong length, an unknown status) are kept as well as they can
// be and show up in the checks.
func spanFromProto(p *tracepb.Span, scope string) Span {
	s := Span{
		Name:          p.GetName(),
		Kind:          trace.SpanKind(p.GetKind()), // OTLP and the Go API number the kinds alike
		Start:         time.Unix(0, int64(p.GetStartTimeUnixNano())),
		End:           time.Unix(0, int64(p.GetEndTimeUnixNano())),
		Attrs:         attrsFromProto(p.GetAttributes()),
		Scope:         scope,
		DroppedAttrs:  int(p.GetDroppedAttributesCount()),
		DroppedEvents: int(p.GetDroppedEventsCount()),
	}
	copy(s.TraceID[:], p.GetTraceId())
	copy(s.SpanID[:], p.GetSpanId())
	copy(s.Parent[:], p.GetParentSpanId())
	if st := p.GetStatus(); st != nil {
		// The numbering differs: OTLP has OK=1, ERROR=2; Go has Error=1, Ok=2.
		switch st.GetCode() {
		case tracepb.Status_STATUS_CODE_OK:
			s.Status.Code = codes.Ok
		case tracepb.Status_STATUS_CODE_ERROR:
			s.Status.Code = codes.Error
		}
		s.Status.Description = st.GetMessage()
	}
	for _, e := range p.GetEvents() {
		s.Events = append(s.Events, sdktrace.Event{
			Name:       e.GetName(),
			Time:       time.Unix(0, int64(e.GetTimeUnixNano())),
			Attributes: attrsFromProto(e.GetAttributes()),
		})
	}
	s.Markers = s.findMarkers()
	return s
}

func attrsFromProto(kvs []*commonpb.KeyValue) []attribute.KeyValue {
	if len(kvs) == 0 {
		return nil
	}
	out := make([]attribute.KeyValue, 0, len(kvs))
	for _, kv := range kvs {
		out = append(out, attribute.KeyValue{Key: attribute.Key(kv.GetKey()), Value: valueFromProto(kv.GetValue())})
	}
	return out
}

// valueFromProto maps an OTLP AnyValue onto the attribute types the Go SDK
// has. Homogeneous arrays become slices; anything else (maps, bytes, mixed
// arrays) becomes its string form, which is all the scans need.
func valueFromProto(v *commonpb.AnyValue) attribute.Value {
	switch x := v.GetValue().(type) {
	case *commonpb.AnyValue_StringValue:
		return attribute.StringValue(x.StringValue)
	case *commonpb.AnyValue_BoolValue:
		return attribute.BoolValue(x.BoolValue)
	case *commonpb.AnyValue_IntValue:
		return attribute.Int64Value(x.IntValue)
	case *commonpb.AnyValue_DoubleValue:
		return attribute.Float64Value(x.DoubleValue)
	case *commonpb.AnyValue_BytesValue:
		return attribute.StringValue(hex.EncodeToString(x.BytesValue))
	case *commonpb.AnyValue_ArrayValue:
		return arrayFromProto(x.ArrayValue.GetValues())
	case *commonpb.AnyValue_KvlistValue:
		var b strings.Builder
		for i, kv := range x.KvlistValue.GetValues() {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(kv.GetKey() + "=" + valueFromProto(kv.GetValue()).String())
		}
		return attribute.StringValue(b.String())
	}
	return attribute.StringValue("")
}

func arrayFromProto(vs []*commonpb.AnyValue) attribute.Value {
	var ss []string
	var is []int64
	var fs []float64
	var bs []bool
	for _, v := range vs {
		switch x := v.GetValue().(type) {
		case *commonpb.AnyValue_StringValue:
			ss = append(ss, x.StringValue)
		case *commonpb.AnyValue_IntValue:
			is = append(is, x.IntValue)
		case *commonpb.AnyValue_DoubleValue:
			fs = append(fs, x.DoubleValue)
		case *commonpb.AnyValue_BoolValue:
			bs = append(bs, x.BoolValue)
		}
	}
	switch len(vs) {
	case len(ss):
		return attribute.StringSliceValue(ss)
	case len(is):
		return attribute.Int64SliceValue(is)
	case len(fs):
		return attribute.Float64SliceValue(fs)
	case len(bs):
		return attribute.BoolSliceValue(bs)
	}
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = valueFromProto(v).String()
	}
	return attribute.StringSliceValue(parts)
}

// eachString calls f with every string the span carries in an attribute value
// (slices element by element), its events' names and attributes, its name
// and its status message.
func (s *Span) eachString(f func(string)) {
	f(s.Name)
	f(s.Status.Description)
	each := func(kvs []attribute.KeyValue) {
		for _, kv := range kvs {
			switch kv.Value.Type() {
			case attribute.STRING:
				f(kv.Value.AsString())
			case attribute.STRINGSLICE:
				for _, v := range kv.Value.AsStringSlice() {
					f(v)
				}
			}
		}
	}
	each(s.Attrs)
	for _, e := range s.Events {
		f(e.Name)
		each(e.Attributes)
	}
}

// A marker ties text back to the request that carried it: every message
// the load clients send starts with "~~<session>~<n>~~", where n numbers
// the request within its run. The fake model echoes the message, so the
// marker is in the request's input, its answer, and every later message of
// the same session's history.
type marker struct {
	Session string
	N       int
}

func (m marker) String() string { return "~~" + m.Session + "~" + strconv.Itoa(m.N) + "~~" }

// parseMarkers calls f for each well-formed marker in s. Session IDs in
// markers use only [A-Za-z0-9_.-], so a stray "~~" never parses as one.
func parseMarkers(s string, f func(marker)) {
	for {
		i := strings.Index(s, "~~")
		if i < 0 {
			return
		}
		s = s[i+2:]
		j := 0
		for j < len(s) && isSessionByte(s[j]) {
			j++
		}
		if j == 0 || j >= len(s) || s[j] != '~' {
			continue
		}
		session := s[:j]
		rest := s[j+1:]
		k := 0
		for k < len(rest) && rest[k] >= '0' && rest[k] <= '9' {
			k++
		}
		if k == 0 || k > 9 || !strings.HasPrefix(rest[k:], "~~") {
			continue
		}
		n, _ := strconv.Atoi(rest[:k])
		// A copy: a substring would keep the whole value (a conversation's
		// JSON) alive for as long as the marker.
		f(marker{Session: strings.Clone(session), N: n})
		s = rest[k+2:]
	}
}

func isSessionByte(b byte) bool {
	return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '-' || b == '_' || b == '.'
}

func (s *Span) findMarkers() []marker {
	var out []marker
	s.eachString(func(v string) {
		if !strings.Contains(v, "~~") {
			return
		}
		parseMarkers(v, func(m marker) {
			for _, o := range out {
				if o == m {
					return
				}
			}
			out = append(out, m)
		})
	})
	return out
}

// describe is a one-line summary of a span for problem reports.
func (s *Span) describe() string {
	return fmt.Sprintf("%s span %q (%s)", s.Kind, s.Name, s.SpanID)
}
