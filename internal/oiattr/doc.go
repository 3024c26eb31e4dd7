// Package oiattr is the one place that turns LLM calls into OpenInference
// span attributes. The wrappers convert their library's types into the
// neutral model here (Message, Part, ToolCall, Usage, Document) and call the
// Append* family, which applies the masking rules of a TraceConfig rule by rule.
//
// Every function appends to the slice it is given and returns it, so a caller
// can size one slice for a whole span and set it with a single SetAttributes.
// Keys come from the official OpenInference semantic conventions; the few it
// lacks are defined once in keys.go.
package oiattr
