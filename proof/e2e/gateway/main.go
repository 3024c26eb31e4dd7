// Command gateway is the API gateway of the end-to-end run: a reverse proxy
// instrumented with plain otelhttp, no sessiontrace, exporting its own spans
// (service name from OTEL_SERVICE_NAME) to the same backend as the app
// behind it, as gateways in front of LLM apps often are. Its traces must
// never enter a session: the app behind it starts each turn as a new root.
//
//	UPSTREAM=http://127.0.0.1:18090 ADDR=127.0.0.1:18091 \
//	OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:14318 OTEL_SERVICE_NAME=gateway go run ./proof/e2e/gateway
//
// It stops on SIGINT or SIGTERM, after sending its last spans.
package main

import (
	"context"
	"errors"
	"log"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/signal"
	"syscall"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

func main() {
	if err := run(); err != nil {
		log.Fatal(err)
	}
}

func run() error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	upstream, err := url.Parse(os.Getenv("UPSTREAM"))
	if err != nil || upstream.Host == "" {
		return errors.New("UPSTREAM must be the app's base URL")
	}

	// Plain OpenTelemetry, as a gateway team would set it up: the OTLP
	// exporter reads OTEL_EXPORTER_OTLP_ENDPOINT, the resource
	// OTEL_SERVICE_NAME.
	exporter, err := otlptracehttp.New(ctx)
	if err != nil {
		return err
	}
	res, err := resource.New(ctx, resource.WithFromEnv())
	if err != nil {
		return err
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exporter), sdktrace.WithResource(res))
	defer func() {
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = tp.Shutdown(shutdown)
	}()
	otel.SetTracerProvider(tp)
	otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}))

	proxy := httputil.NewSingleHostReverseProxy(upstream)
	proxy.Transport = otelhttp.NewTransport(http.DefaultTransport)
	proxy.FlushInterval = -1 // pass server-sent events through as they come
	srv := &http.Server{Addr: os.Getenv("ADDR"), Handler: otelhttp.NewHandler(proxy, "gateway"), ReadHeaderTimeout: 5 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return srv.Shutdown(shutdown)
}
