package sessiontracetest

import (
	"time"

	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

// The tests build spans as stubs, so that each start time, parent and
// attribute is exactly what the rule under test needs.

var epoch = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

func traceID(n byte) trace.TraceID { return trace.TraceID{15: n} }
func spanID(n byte) trace.SpanID   { return trace.SpanID{7: n} }

// root is a span without a parent in trace tr, started at second at.
func root(tr, id byte, at int, attrs ...attribute.KeyValue) tracetest.SpanStub {
	return tracetest.SpanStub{
		Name: "turn",
		SpanContext: trace.NewSpanContext(trace.SpanContextConfig{
			TraceID: traceID(tr), SpanID: spanID(id), TraceFlags: trace.FlagsSampled,
		}),
		StartTime:  epoch.Add(time.Duration(at) * time.Second),
		EndTime:    epoch.Add(time.Duration(at+1) * time.Second),
		Attributes: attrs,
	}
}

// child is a span of parent's trace under parent, started at second at.
func child(parent tracetest.SpanStub, id byte, at int, attrs ...attribute.KeyValue) tracetest.SpanStub {
	s := root(parent.SpanContext.TraceID()[15], id, at, attrs...)
	s.Name = "child"
	s.Parent = parent.SpanContext
	return s
}

// remote is a span of trace tr that continues a remote traceparent, as a
// server span does under a caller's trace.
func remote(tr, id byte, at int, attrs ...attribute.KeyValue) tracetest.SpanStub {
	s := root(tr, id, at, attrs...)
	s.Name = "server"
	s.Parent = trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: traceID(tr), SpanID: spanID(0xEE), TraceFlags: trace.FlagsSampled, Remote: true,
	})
	return s
}

func named(name string, s tracetest.SpanStub) tracetest.SpanStub {
	s.Name = name
	return s
}

func snapshots(stubs ...tracetest.SpanStub) []sdktrace.ReadOnlySpan {
	return tracetest.SpanStubs(stubs).Snapshots()
}

func sessionAttr(id string) attribute.KeyValue { return attribute.String("session.id", id) }
func userAttr(id string) attribute.KeyValue    { return attribute.String("user.id", id) }
func in(v string) attribute.KeyValue           { return attribute.String("input.value", v) }
func out(v string) attribute.KeyValue          { return attribute.String("output.value", v) }
func kind(k string) attribute.KeyValue         { return attribute.String("openinference.span.kind", k) }

// llm is the attributes of an LLM span with its token counts.
func llm(prompt, completion int) []attribute.KeyValue {
	return []attribute.KeyValue{
		kind("LLM"),
		attribute.Int("llm.token_count.prompt", prompt),
		attribute.Int("llm.token_count.completion", completion),
	}
}

// turn is the attributes of a complete turn's root.
func turn(sessionID, userID, input, output string) []attribute.KeyValue {
	return []attribute.KeyValue{sessionAttr(sessionID), userAttr(userID), kind("CHAIN"), in(input), out(output)}
}
