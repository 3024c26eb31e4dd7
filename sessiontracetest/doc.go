// Package sessiontracetest computes, from the spans a test recorded, what
// Arize Phoenix's Sessions view would show, and reports what it would show
// wrong. Use it in your own handler tests to prove that every turn of your
// chatbot or agent shows up as a complete conversation:
//
//	rec := tracetest.NewSpanRecorder()
//	tp := sdktrace.NewTracerProvider(
//		sdktrace.WithSpanProcessor(sessiontrace.NewSpanProcessor()),
//		sdktrace.WithSpanProcessor(rec))
//	// ... drive your handler ...
//	if err := sessiontracetest.Check(rec.Ended()); err != nil {
//		t.Fatal(err)
//	}
//
// Both functions take any []sdktrace.ReadOnlySpan: SpanRecorder.Ended(),
// InMemoryExporter.GetSpans().Snapshots(), or tracetest.SpanStubs built by
// hand or converted from another backend. The order of the slice does not
// matter, and a span given twice (same trace and span ID) counts once, as
// Phoenix stores it once.
//
// The rules are Phoenix's:
//
//   - A trace belongs to the session of its first span, by start time, that
//     carries session.id (trimmed of spaces; gen_ai.conversation.id when a
//     span has no session.id). Later spans with another value change
//     nothing. A trace with no session makes no session.
//   - A root is a span with no parent at all: a span that continues a
//     remote traceparent is no root, and its trace then has none.
//   - A trace starts with its earliest span. A session's first input is the
//     input.value of the root of its earliest trace, its last output the
//     output.value of the root of its latest trace, with no fallback to
//     another trace: a missing root or value shows nothing.
//   - The user is the first user.id, by span start, over all the session's
//     spans.
//   - Prompt and completion tokens are summed over every span whose
//     openinference.span.kind is exactly LLM, so an LLM span nested in
//     another LLM span counts twice, and a CHAIN span with token counts adds
//     nothing.
//
// Ties in start time are broken by span or trace ID, so the result is the
// same for the same spans in any order. Phoenix also cuts long values in its
// list to about 100 characters; Sessions keeps them whole.
package sessiontracetest
