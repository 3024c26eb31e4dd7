package main

import (
	"reflect"
	"strings"
	"testing"

	semconv "github.com/Arize-ai/openinference/go/openinference-semantic-conventions"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"

	"github.com/sessiontrace/sessiontrace/sessiontracetest"
)

func str(k, v string) *commonpb.KeyValue {
	return &commonpb.KeyValue{Key: k, Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: v}}}
}

func anyInt(v int64) *commonpb.AnyValue {
	return &commonpb.AnyValue{Value: &commonpb.AnyValue_IntValue{IntValue: v}}
}

func anyStr(v string) *commonpb.AnyValue {
	return &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: v}}
}

func TestSpanFromProto(t *testing.T) {
	traceID := []byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}
	p := &tracepb.Span{
		TraceId:           traceID,
		SpanId:            []byte{1, 1, 1, 1, 1, 1, 1, 1},
		ParentSpanId:      []byte{2, 2, 2, 2, 2, 2, 2, 2},
		Name:              "ChatCompletion",
		Kind:              tracepb.Span_SPAN_KIND_CLIENT,
		StartTimeUnixNano: 1_000_000_000,
		EndTimeUnixNano:   2_000_000_000,
		Attributes: []*commonpb.KeyValue{
			str(semconv.SessionID, "s-1"),
			{Key: "n", Value: anyInt(7)},
			{Key: "f", Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_DoubleValue{DoubleValue: 0.5}}},
			{Key: "b", Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_BoolValue{BoolValue: true}}},
			{Key: "tags", Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_ArrayValue{ArrayValue: &commonpb.ArrayValue{Values: []*commonpb.AnyValue{anyStr("a"), anyStr("b")}}}}},
			{Key: "ints", Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_ArrayValue{ArrayValue: &commonpb.ArrayValue{Values: []*commonpb.AnyValue{anyInt(1), anyInt(2)}}}}},
			{Key: "mixed", Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_ArrayValue{ArrayValue: &commonpb.ArrayValue{Values: []*commonpb.AnyValue{anyInt(1), anyStr("x")}}}}},
			{Key: "map", Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_KvlistValue{KvlistValue: &commonpb.KeyValueList{Values: []*commonpb.KeyValue{str("k", "v")}}}}},
		},
		Events: []*tracepb.Span_Event{{Name: "exception", Attributes: []*commonpb.KeyValue{str("exception.message", "context canceled ~~s-1~4~~")}}},
		Status: &tracepb.Status{Code: tracepb.Status_STATUS_CODE_ERROR, Message: "context canceled"},
	}
	s := spanFromProto(p, "scope")

	if s.TraceID != trace.TraceID(traceID) || s.IsRoot() || s.Kind != trace.SpanKindClient || s.Name != "ChatCompletion" || s.Scope != "scope" {
		t.Fatalf("identity: %+v", s)
	}
	if s.Status.Code != codes.Error || s.Status.Description != "context canceled" {
		t.Errorf("status = %+v, want Error", s.Status)
	}
	if s.End.Sub(s.Start).Seconds() != 1 {
		t.Errorf("duration = %v", s.End.Sub(s.Start))
	}
	want := map[string]attribute.Value{
		semconv.SessionID: attribute.StringValue("s-1"),
		"n":               attribute.Int64Value(7),
		"f":               attribute.Float64Value(0.5),
		"b":               attribute.BoolValue(true),
		"tags":            attribute.StringSliceValue([]string{"a", "b"}),
		"ints":            attribute.Int64SliceValue([]int64{1, 2}),
		"mixed":           attribute.StringSliceValue([]string{"1", "x"}),
		"map":             attribute.StringValue("k=v"),
	}
	for _, kv := range s.Attrs {
		if w, ok := want[string(kv.Key)]; !ok || !reflect.DeepEqual(w, kv.Value) {
			t.Errorf("%s = %v (%s), want %v", kv.Key, kv.Value.String(), kv.Value.Type(), w.String())
		}
	}
	if !s.HasEvent("exception") || len(s.Events[0].Attributes) != 1 {
		t.Errorf("events = %+v", s.Events)
	}
	// Markers are read from event attributes too.
	if len(s.Markers) != 1 || s.Markers[0] != (marker{"s-1", 4}) {
		t.Errorf("markers = %v", s.Markers)
	}

	// OTLP numbers OK=1, ERROR=2; the Go API the other way round.
	p.Status.Code = tracepb.Status_STATUS_CODE_OK
	if got := spanFromProto(p, "").Status.Code; got != codes.Ok {
		t.Errorf("OK status decoded as %v", got)
	}
	p.Status = nil
	if got := spanFromProto(p, "").Status.Code; got != codes.Unset {
		t.Errorf("no status decoded as %v", got)
	}
}

func TestParseMarkers(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []marker
	}{
		{"", nil},
		{"no markers here ~ ~~ ~~~", nil},
		{"~~s-1~12~~ hello", []marker{{"s-1", 12}}},
		{`{"content":"~~a.b_c~1~~ x"},{"content":"You said: ~~a.b_c~1~~ x ~~d~2~~"}`, []marker{{"a.b_c", 1}, {"a.b_c", 1}, {"d", 2}}},
		{"~~s~1~~~~t~2~~", []marker{{"s", 1}, {"t", 2}}},
		{"~~bad session~1~~ ~~s~~~ ~~s~x~~ ~~s~1~ ~~s~1234567890~~", nil},
		{"~~s~3~~ cut ~~s~4", []marker{{"s", 3}}},
	} {
		var got []marker
		parseMarkers(tc.in, func(m marker) { got = append(got, m) })
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("parseMarkers(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
	m := marker{"r1-c01-s02", 42}
	var got []marker
	parseMarkers(defaultMessage(m), func(x marker) { got = append(got, x) })
	if len(got) != 1 || got[0] != m {
		t.Errorf("defaultMessage(%v) parses as %v", m, got)
	}
}

func TestTrim(t *testing.T) {
	long := "~~s~1~~ " + strings.Repeat("x", 2*maxKeptValue)
	s := Span{
		Attrs: []attribute.KeyValue{
			attribute.String(semconv.SessionID, "s"),
			attribute.String(semconv.InputValue, long),
			attribute.String(semconv.LLMInvocationParameters, "{}"),
			attribute.Int(semconv.LLMTokenCountPrompt, 3),
		},
		Events: []sdktrace.Event{{Name: "e", Attributes: []attribute.KeyValue{attribute.String("k", "v")}}},
	}
	s.Markers = s.findMarkers()
	s.trim()
	if len(s.Attrs) != 3 || s.Has(semconv.LLMInvocationParameters) {
		t.Errorf("kept %v", s.Attrs)
	}
	if got := s.Str(semconv.InputValue); len(got) != maxKeptValue || !strings.HasPrefix(long, got) {
		t.Errorf("input.value kept %d bytes", len(got))
	}

	// Not a root: less of the values, one marker per session.
	child := Span{Parent: trace.SpanID{1}, Attrs: []attribute.KeyValue{attribute.String(semconv.InputValue, long)},
		Markers: []marker{{"a", 1}, {"a", 2}, {"b", 3}}}
	child.trim()
	if got := child.Str(semconv.InputValue); len(got) != maxKeptValueNoRoot {
		t.Errorf("a child's input.value kept %d bytes", len(got))
	}
	if !reflect.DeepEqual(child.Markers, []marker{{"a", 1}, {"b", 3}}) {
		t.Errorf("a child's markers: %v", child.Markers)
	}
	if s.Events[0].Name != "e" || s.Events[0].Attributes != nil {
		t.Errorf("events = %+v", s.Events)
	}
	if len(s.Markers) != 1 {
		t.Errorf("markers lost by trimming: %v", s.Markers)
	}
}

// The stubs a Span converts to are what sessiontracetest reads: a clean
// trace passes, a span of another session inside it is reported.
func TestStubFeedsSessiontracetest(t *testing.T) {
	tid := trace.TraceID{1}
	root := Span{TraceID: tid, SpanID: trace.SpanID{1}, Kind: trace.SpanKindServer, Name: "POST", Attrs: []attribute.KeyValue{
		attribute.String(semconv.SessionID, "s1"), attribute.String(semconv.UserID, "u1"),
		attribute.String(semconv.OpenInferenceSpanKind, "CHAIN"),
		attribute.String(semconv.InputValue, "in"), attribute.String(semconv.OutputValue, "out"),
	}}
	llm := Span{TraceID: tid, SpanID: trace.SpanID{2}, Parent: trace.SpanID{1}, Name: "ChatCompletion", Attrs: []attribute.KeyValue{
		attribute.String(semconv.SessionID, "s1"), attribute.String(semconv.OpenInferenceSpanKind, "LLM"),
		attribute.Int(semconv.LLMTokenCountPrompt, 3), attribute.Int(semconv.LLMTokenCountCompletion, 2),
	}}
	stubs := tracetest.SpanStubs{root.Stub(), llm.Stub()}
	sessions := sessiontracetest.Sessions(stubs.Snapshots())
	if err := sessiontracetest.Check(stubs.Snapshots()); err != nil || len(sessions) != 1 || sessions[0].PromptTokens != 3 {
		t.Fatalf("clean trace: %v, %+v", err, sessions)
	}
	if stubs[1].Parent.SpanID() != root.SpanID || stubs[0].Parent.IsValid() {
		t.Errorf("parentage lost: %v %v", stubs[0].Parent, stubs[1].Parent)
	}

	llm.Attrs[0] = attribute.String(semconv.SessionID, "s2")
	if got := sessionProblems([]trace.TraceID{tid}, map[trace.TraceID][]*Span{tid: {&root, &llm}}); len(got) != 1 || got[0].TraceID != tid {
		t.Errorf("a span of another session: problems %v", got)
	}
}
