package phoenix

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/sessiontrace/sessiontrace"
)

// ProjectNameKey is the resource attribute Phoenix and Arize AX route spans
// to a project by.
const ProjectNameKey = attribute.Key("openinference.project.name")

// Register builds a TracerProvider exporting to Phoenix (or any OTLP
// collector) and, unless WithoutGlobal is given, installs it as the global
// provider, with the propagators OTEL_PROPAGATORS names (default W3C trace
// context and baggage; WithPropagator overrides), so that incoming
// traceparent and baggage headers are honoured. Call its Shutdown before
// the program exits so that the last batch is sent. It returns an error for
// a malformed endpoint, header list, protocol, propagator name or session
// sample ratio, from the options or the environment.
func Register(ctx context.Context, opts ...Option) (*sdktrace.TracerProvider, error) {
	var c config
	for _, o := range opts {
		if o != nil {
			o.apply(&c)
		}
	}
	propagator, err := c.textMapPropagator()
	if err != nil {
		return nil, err
	}
	sampleSessions, err := sessionSampling(c)
	if err != nil {
		return nil, err
	}
	lim, err := resolveLimits(c)
	if err != nil {
		return nil, err
	}
	exporter := c.exporter
	if exporter == nil {
		target, err := resolve(c)
		if err != nil {
			return nil, err
		}
		if exporter, err = target.newExporter(ctx, lim.maxExport); err != nil {
			return nil, fmt.Errorf("phoenix: creating the OTLP exporter: %w", err)
		}
	}

	project := firstNonEmpty(c.project, os.Getenv("PHOENIX_PROJECT_NAME"), DefaultProjectName)
	res, err := resource.New(ctx,
		resource.WithFromEnv(),
		resource.WithTelemetrySDK(),
		resource.WithAttributes(append([]attribute.KeyValue{ProjectNameKey.String(project)}, c.resource...)...),
	)
	if err != nil && !errors.Is(err, resource.ErrPartialResource) {
		return nil, fmt.Errorf("phoenix: building the resource: %w", err)
	}

	tpOpts := []sdktrace.TracerProviderOption{
		sdktrace.WithResource(res),
		sdktrace.WithSpanProcessor(sessiontrace.NewSpanProcessor()),
	}
	if c.sampler != nil {
		tpOpts = append(tpOpts, sdktrace.WithSampler(c.sampler))
	}
	// Dropped sessions are dropped first, so that they take no room in the
	// memory budget.
	tpOpts = append(tpOpts, sdktrace.WithSpanProcessor(sampleSessions(exportProcessor(exporter, c.syncExport, c.batchOpts, lim))))
	for _, p := range c.processors {
		tpOpts = append(tpOpts, sdktrace.WithSpanProcessor(p))
	}
	tp := sdktrace.NewTracerProvider(tpOpts...)
	if !c.noGlobal {
		otel.SetTracerProvider(tp)
		otel.SetTextMapPropagator(propagator)
	}
	return tp, nil
}

// target is where and how spans are sent, resolved from options and
// environment.
type target struct {
	protocol Protocol
	url      *url.URL // for HTTP: the full traces URL; for gRPC: scheme and host
	headers  map[string]string
}

func resolve(c config) (target, error) {
	var t target

	endpoint, fullURL := c.endpoint, false
	switch {
	case endpoint != "":
	case os.Getenv("PHOENIX_COLLECTOR_ENDPOINT") != "":
		endpoint = os.Getenv("PHOENIX_COLLECTOR_ENDPOINT")
	case os.Getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") != "":
		endpoint, fullURL = os.Getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"), true
	case os.Getenv("OTEL_EXPORTER_OTLP_ENDPOINT") != "":
		endpoint = os.Getenv("OTEL_EXPORTER_OTLP_ENDPOINT")
	default:
		endpoint = DefaultEndpoint
	}
	u, err := parseEndpoint(endpoint)
	if err != nil {
		return t, err
	}

	t.protocol = c.protocol
	if t.protocol == "" {
		p := firstNonEmpty(os.Getenv("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"), os.Getenv("OTEL_EXPORTER_OTLP_PROTOCOL"))
		switch {
		case p != "":
			t.protocol = Protocol(p)
		case u.Port() == "4317":
			t.protocol = GRPC
		default:
			t.protocol = HTTPProtobuf
		}
	}
	switch t.protocol {
	case HTTPProtobuf:
		if !fullURL && !strings.HasSuffix(u.Path, "/v1/traces") {
			u.Path = strings.TrimSuffix(u.Path, "/") + "/v1/traces"
		}
	case GRPC:
	default:
		return t, fmt.Errorf("phoenix: unsupported OTLP protocol %q: use %q or %q (Phoenix refuses OTLP/JSON)", t.protocol, HTTPProtobuf, GRPC)
	}
	t.url = u

	t.headers = map[string]string{}
	for _, name := range []string{"OTEL_EXPORTER_OTLP_HEADERS", "OTEL_EXPORTER_OTLP_TRACES_HEADERS", "PHOENIX_CLIENT_HEADERS"} {
		if err := parseHeaders(os.Getenv(name), t.headers); err != nil {
			return t, fmt.Errorf("phoenix: %s: %w", name, err)
		}
	}
	if key := firstNonEmpty(c.apiKey, os.Getenv("PHOENIX_API_KEY")); key != "" {
		t.headers["authorization"] = "Bearer " + key
	}
	for k, v := range c.headers {
		if err := checkHeader(k, v); err != nil {
			return t, fmt.Errorf("phoenix: WithHeaders: %w", err)
		}
		t.headers[strings.ToLower(k)] = v
	}
	return t, nil
}

// parseEndpoint accepts a URL with an http or https scheme, or a bare
// host:port (taken as http).
func parseEndpoint(s string) (*url.URL, error) {
	raw := strings.TrimSpace(s)
	if !strings.Contains(raw, "://") {
		raw = "http://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("phoenix: invalid collector endpoint %q: %w", s, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("phoenix: invalid collector endpoint %q: scheme must be http or https", s)
	}
	if u.Hostname() == "" {
		return nil, fmt.Errorf("phoenix: invalid collector endpoint %q: no host", s)
	}
	if p := u.Port(); p != "" {
		if _, err := net.LookupPort("tcp", p); err != nil {
			return nil, fmt.Errorf("phoenix: invalid collector endpoint %q: bad port", s)
		}
	}
	return u, nil
}

// parseHeaders reads "k1=v1,k2=v2" (values URL-encoded, as the OTLP
// variables are) into into. Empty input is no headers.
func parseHeaders(s string, into map[string]string) error {
	for _, pair := range strings.Split(s, ",") {
		if strings.TrimSpace(pair) == "" {
			continue
		}
		k, v, ok := strings.Cut(pair, "=")
		k = strings.TrimSpace(k)
		if !ok || k == "" {
			return fmt.Errorf("malformed header entry (want key=value): %q", redactEntry(pair))
		}
		val, err := url.QueryUnescape(strings.TrimSpace(v))
		if err != nil {
			return fmt.Errorf("header %q: value is not URL-encoded: %w", k, err)
		}
		if err := checkHeader(k, val); err != nil {
			return err
		}
		into[strings.ToLower(k)] = val
	}
	return nil
}

// redactEntry shows the key of a bad entry but never a secret value.
func redactEntry(pair string) string {
	if k, _, ok := strings.Cut(pair, "="); ok {
		return strings.TrimSpace(k) + "=…"
	}
	if len(pair) > 16 {
		return pair[:8] + "…"
	}
	return pair
}

func checkHeader(k, v string) error {
	for _, r := range k {
		if r <= ' ' || r >= 0x7f || strings.ContainsRune("()<>@,;:\\\"/[]?={}", r) {
			return fmt.Errorf("invalid header name %q", k)
		}
	}
	if k == "" {
		return errors.New("empty header name")
	}
	for _, r := range v {
		if (r < ' ' && r != '\t') || r == 0x7f {
			return fmt.Errorf("header %q: value has control characters", k)
		}
	}
	return nil
}

// newExporter builds the OTLP exporter. Its own request-size check is set
// to maxBytes, the limit the requests are split to fit, as a last guard.
func (t target) newExporter(ctx context.Context, maxBytes int) (sdktrace.SpanExporter, error) {
	switch t.protocol {
	case GRPC:
		opts := []otlptracegrpc.Option{otlptracegrpc.WithEndpoint(t.url.Host), otlptracegrpc.WithHeaders(t.headers), otlptracegrpc.WithMaxRequestSize(maxBytes)}
		if t.url.Scheme == "http" {
			opts = append(opts, otlptracegrpc.WithInsecure())
		}
		return otlptracegrpc.New(ctx, opts...)
	default:
		return otlptracehttp.New(ctx, otlptracehttp.WithEndpointURL(t.url.String()), otlptracehttp.WithHeaders(t.headers), otlptracehttp.WithMaxRequestSize(maxBytes))
	}
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
