// Package oiattr is the one place that turns LLM calls into OpenInference
// span attributes. A wrapper describes its call in the neutral model here
// (a Call, with its Messages, Parts, ToolCalls and Usage), asks the Call
// for its StartAttributes when the span starts and for its Attributes once
// when the call is over; every masking rule of a TraceConfig is applied in
// that one step, the bodies included (mask.go). Spans that are not LLM or
// embedding calls (chains, tools, retrievers, turns) use the few builders
// beside it: SpanKind, Input, Output, Documents, TurnInput, TurnOutput,
// GenAIAttributes.
//
// Keys come from the official OpenInference semantic conventions; the few it
// lacks are defined once in keys.go.
package oiattr
