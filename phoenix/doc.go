// Package phoenix sets up OpenTelemetry tracing for Arize Phoenix, Arize AX
// or any OTLP backend in one call.
//
// Register returns an *sdktrace.TracerProvider that exports OTLP protobuf
// over HTTP (default) or gRPC, carries the resource attribute
// openinference.project.name (Phoenix routes spans to a project by it), has
// sessiontrace's span processor registered, and batches exports by default,
// so a slow or unreachable collector never holds up a request. It is set as
// the global provider unless WithoutGlobal is given.
//
// Configuration comes from options, then the environment, then defaults:
//
//	PHOENIX_COLLECTOR_ENDPOINT   base URL of Phoenix (default http://localhost:6006)
//	PHOENIX_API_KEY              sent as "Authorization: Bearer <key>"
//	PHOENIX_PROJECT_NAME         the project (default "default")
//	PHOENIX_CLIENT_HEADERS       extra headers, "k1=v1,k2=v2" (values URL-encoded)
//	SESSIONTRACE_SAMPLE_RATIO    keep this fraction of the sessions, whole (WithSessionSampling)
//	OTEL_EXPORTER_OTLP_[TRACES_]ENDPOINT, _HEADERS, _PROTOCOL
//	                             the standard OTLP variables, below PHOENIX_*
//	SESSIONTRACE_MAX_EXPORT_BYTES     the largest export request (default 4 MiB)
//	SESSIONTRACE_MEMORY_BUDGET_BYTES  the memory the spans waiting for export
//	                                  may hold (default 256 MiB)
//
// A bad endpoint, header list, protocol or limit is an error from Register,
// never a provider that silently exports nothing.
//
// # Long conversations
//
// An LLM span carries the whole conversation, twice (the request body as
// input.value, the messages as llm.input_messages.*), so spans grow with
// every turn, while the SDK's batch span processor counts spans, not bytes.
// What Register builds bounds both in bytes. No export request is over
// WithMaxExportBytes (4 MiB by default, which the OpenTelemetry Collector
// accepts over gRPC and HTTP): each batch is split into requests that fit,
// sent in order. A span too big for a request of its own is sent with its
// longest string values cut to fit, each marked and their keys listed in
// TruncatedKey; one that cutting cannot save is dropped. The spans waiting
// for export, queued or being exported, hold at most WithMemoryBudget (256
// MiB by default); a span that ends past it is dropped at once. Drops are
// counted and reported through otel.Handle as a DroppedSpansError, at most
// every few seconds.
//
// Spans are batched off the request path, so an unreachable or stalled
// collector never slows a request: past the memory budget or the queue
// (2048 spans by default; see WithBatchOptions) spans are dropped, never
// waited for. Shutdown(ctx) returns by
// ctx's deadline, but with a collector that accepts connections and never
// answers, the SDK's batch processor goes on trying the rest of its queue in
// the background, each batch for up to its export timeout (30 s by
// default). Bound that with
// WithBatchOptions(sdktrace.WithExportTimeout(5*time.Second)).
package phoenix
