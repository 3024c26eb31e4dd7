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
//
// A bad endpoint, header list or protocol is an error from Register, never
// a provider that silently exports nothing.
//
// Spans are batched off the request path, so an unreachable or stalled
// collector never slows a request: the queue (2048 spans by default; see
// WithBatchOptions) drops what it cannot hold. Shutdown(ctx) returns by
// ctx's deadline, but with a collector that accepts connections and never
// answers, the SDK's batch processor goes on trying the rest of its queue in
// the background, each batch for up to its export timeout (30 s by
// default). Bound that with
// WithBatchOptions(sdktrace.WithExportTimeout(5*time.Second)).
package phoenix
