package phoenix

import (
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// Protocol is the OTLP transport.
type Protocol string

// The transports Phoenix accepts. OTLP/JSON is refused by Phoenix (415), so
// it is not offered.
const (
	HTTPProtobuf Protocol = "http/protobuf"
	GRPC         Protocol = "grpc"
)

// DefaultEndpoint is where a local Phoenix listens.
const DefaultEndpoint = "http://localhost:6006"

// DefaultProjectName is Phoenix's default project.
const DefaultProjectName = "default"

// Option configures Register.
type Option interface{ apply(*config) }

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

type config struct {
	endpoint   string
	protocol   Protocol
	apiKey     string
	headers    map[string]string
	project    string
	noGlobal   bool
	syncExport bool
	exporter   sdktrace.SpanExporter
	resource   []attribute.KeyValue
	processors []sdktrace.SpanProcessor
	sampler    sdktrace.Sampler
	keepRatio  *float64 // WithSessionSampling
	batchOpts  []sdktrace.BatchSpanProcessorOption
	propagator propagation.TextMapPropagator
	limits     limits // WithMaxExportBytes, WithMemoryBudget; see export.go
}

// WithEndpoint sets the collector: for HTTP a URL, either a base
// ("http://localhost:6006", to which /v1/traces is added) or the full traces
// URL; for gRPC "host:port" or a URL ("http://localhost:4317"). It overrides
// PHOENIX_COLLECTOR_ENDPOINT and the OTEL_* endpoints.
func WithEndpoint(endpoint string) Option {
	return optionFunc(func(c *config) { c.endpoint = endpoint })
}

// WithProtocol chooses HTTPProtobuf (the default) or GRPC. Without it the
// protocol comes from OTEL_EXPORTER_OTLP_[TRACES_]PROTOCOL, or is gRPC when
// the endpoint's port is 4317.
func WithProtocol(p Protocol) Option {
	return optionFunc(func(c *config) { c.protocol = p })
}

// WithAPIKey sends "Authorization: Bearer key", as Phoenix expects. It
// overrides PHOENIX_API_KEY.
func WithAPIKey(key string) Option {
	return optionFunc(func(c *config) { c.apiKey = key })
}

// WithHeaders adds headers to every export, over those of the environment.
func WithHeaders(h map[string]string) Option {
	return optionFunc(func(c *config) {
		if c.headers == nil {
			c.headers = map[string]string{}
		}
		for k, v := range h {
			c.headers[k] = v
		}
	})
}

// WithArize sets the headers Arize AX expects: "arize-space-id",
// "authorization" (the API key as is) and "arize-interface: otel". Pair it
// with WithEndpoint pointing at your Arize AX OTLP collector.
func WithArize(spaceID, apiKey string) Option {
	return WithHeaders(map[string]string{
		"arize-space-id":  spaceID,
		"authorization":   apiKey,
		"arize-interface": "otel",
	})
}

// WithProjectName sets openinference.project.name. It overrides
// PHOENIX_PROJECT_NAME.
func WithProjectName(name string) Option {
	return optionFunc(func(c *config) { c.project = name })
}

// WithoutGlobal leaves the global TracerProvider and propagator alone.
func WithoutGlobal() Option {
	return optionFunc(func(c *config) { c.noGlobal = true })
}

// WithSyncExport exports each span as it ends instead of batching. It is for
// tests and short scripts: in a server it puts the collector on the request
// path. The export limit still applies (a span too big is cut); nothing
// waits, so there is no memory budget, and WithBatchOptions is unused.
func WithSyncExport() Option {
	return optionFunc(func(c *config) { c.syncExport = true })
}

// WithBatchOptions passes options to the SDK's batch span processor, which
// Register puts between the memory budget and the export limit:
// sdktrace.WithMaxQueueSize bounds the spans waiting for export, those
// being exported included, as the budget bounds their bytes (default 2048,
// or OTEL_BSP_MAX_QUEUE_SIZE); WithMaxExportBatchSize bounds the spans per
// batch, each batch then split into requests under the export limit;
// WithBatchTimeout is as in the SDK; WithExportTimeout bounds a whole batch,
// all its requests. sdktrace.WithBlocking, or a queue size under 1, is an
// error from Register: spans past a limit are dropped, never waited for.
func WithBatchOptions(opts ...sdktrace.BatchSpanProcessorOption) Option {
	return optionFunc(func(c *config) { c.batchOpts = append(c.batchOpts, opts...) })
}

// WithExporter replaces the OTLP exporter, e.g. with an in-memory one in
// tests. Endpoint, protocol and header settings are then unused.
func WithExporter(e sdktrace.SpanExporter) Option {
	return optionFunc(func(c *config) { c.exporter = e })
}

// WithSpanProcessor registers another processor, e.g. a second exporter.
func WithSpanProcessor(p sdktrace.SpanProcessor) Option {
	return optionFunc(func(c *config) {
		if p != nil {
			c.processors = append(c.processors, p)
		}
	})
}

// WithResourceAttributes adds attributes to the resource (service.name, ...).
func WithResourceAttributes(attrs ...attribute.KeyValue) Option {
	return optionFunc(func(c *config) { c.resource = append(c.resource, attrs...) })
}

// WithSampler sets the sampler (default: parent-based, always on).
func WithSampler(s sdktrace.Sampler) Option {
	return optionFunc(func(c *config) { c.sampler = s })
}

// DefaultMaxExportBytes is the largest export request Register's exporter
// sends, in bytes of protobuf before compression: 4 MiB, the smallest
// default on the way (the OpenTelemetry Collector refuses OTLP/gRPC messages
// over 4 MiB, OTLP/HTTP bodies over 20 MiB; the OTLP/HTTP exporter refuses
// to send more than 64 MiB).
const DefaultMaxExportBytes = 4 << 20

// DefaultMemoryBudget is the most memory, in bytes, that the spans waiting
// for export may hold: 256 MiB.
const DefaultMemoryBudget = 256 << 20

// WithMaxExportBytes sets the largest export request, in bytes of protobuf
// before compression (default DefaultMaxExportBytes). Each batch is split
// into requests that fit, sent in order; a span too big for a request of
// its own is sent with its longest string values cut (see TruncatedKey), or
// dropped and reported when cutting them is not enough. It overrides
// SESSIONTRACE_MAX_EXPORT_BYTES; a value of zero or less is an error from
// Register.
func WithMaxExportBytes(n int) Option {
	return optionFunc(func(c *config) { c.limits.maxExport, c.limits.maxExportSet = n, true })
}

// WithMemoryBudget sets the most memory, in bytes, that the spans waiting
// for export (queued or being exported) may hold (default
// DefaultMemoryBudget); a span is charged its encoded size and the Go
// structures that hold it. A span that would take them over the budget is
// dropped as it ends, counted and reported (see DroppedSpansError), never
// waited for. It overrides SESSIONTRACE_MEMORY_BUDGET_BYTES; a value of
// zero or less is an error from Register.
func WithMemoryBudget(n int64) Option {
	return optionFunc(func(c *config) { c.limits.budget, c.limits.budgetSet = n, true })
}
