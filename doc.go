// Package sessiontrace makes every turn of a chatbot or agent served from Go
// show up as one conversation ("session") in Arize Phoenix, Arize AX and any
// other OpenTelemetry backend.
//
// The package holds three things that meet in context.Context:
//
//   - the context API: WithSession, WithUser, WithMetadata, WithTags,
//     WithPromptTemplate and WithAttributes put OpenInference attributes into
//     a context, the way Python's using_session / using_user do;
//   - NewSpanProcessor, an OpenTelemetry SDK span processor that stamps those
//     attributes on every span started in such a context, whichever library
//     starts it, and fills turns from LLM spans that other instrumentors make;
//   - turns: the span that stands for one exchange with the user. Phoenix's
//     Sessions view reads input.value and output.value of root spans only, so
//     the HTTP middleware binds the turn, a root span in every deployment
//     (the server span, or a new root linked to the caller's trace), with
//     BindTurn; code without HTTP starts one (StartTurn); and any LLM span
//     that ends without error inside the turn fills its input and output.
//     SetInput and SetOutput set them by hand and always win.
//
// TraceConfig controls masking of sensitive data, from code or from the
// OPENINFERENCE_HIDE_* environment variables.
//
// NewSessionSampler samples whole conversations rather than single turns:
// in front of the exporting processor it keeps every span of a kept
// session and none of a dropped one. KeepSession is its rule, stable across
// replicas, services and languages.
//
// The HTTP middleware lives in the middleware, ginsession and echosession
// packages; the LLM wrappers in llm/openai (go-openai), llm/openaigo
// (openai-go v3) and llm/langchaingo; Phoenix's Sessions view of recorded
// spans, for tests, in sessiontracetest.
package sessiontrace
