package phoenix_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/sessiontrace/sessiontrace/phoenix"
)

// keepGlobals restores the global provider and propagator after the test.
func keepGlobals(t *testing.T) {
	tp, prop := otel.GetTracerProvider(), otel.GetTextMapPropagator()
	t.Cleanup(func() {
		otel.SetTracerProvider(tp)
		otel.SetTextMapPropagator(prop)
	})
}

func TestRegisterInstallsPropagators(t *testing.T) {
	tests := []struct {
		name string
		env  string
		opts []phoenix.Option
		want []string // the headers the global propagator writes
	}{
		{name: "default: W3C trace context and baggage", want: []string{"baggage", "traceparent", "tracestate"}},
		{name: "OTEL_PROPAGATORS", env: "tracecontext, b3", want: []string{"b3", "traceparent", "tracestate"}},
		{name: "none", env: "none", want: []string{}},
		{name: "WithPropagator beats the environment", env: "b3", opts: []phoenix.Option{phoenix.WithPropagator(propagation.Baggage{})}, want: []string{"baggage"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clearEnv(t)
			keepGlobals(t)
			t.Setenv("OTEL_PROPAGATORS", tt.env)
			tp, err := phoenix.Register(context.Background(), append(tt.opts, phoenix.WithExporter(tracetest.NewNoopExporter()))...)
			if err != nil {
				t.Fatal(err)
			}
			defer tp.Shutdown(context.Background())
			got := otel.GetTextMapPropagator().Fields()
			slices.Sort(got)
			if !slices.Equal(got, tt.want) {
				t.Errorf("global propagator fields = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestRegisterWithoutGlobalLeavesThePropagator(t *testing.T) {
	clearEnv(t)
	keepGlobals(t)
	before := propagation.NewCompositeTextMapPropagator()
	otel.SetTextMapPropagator(before)
	tp, err := phoenix.Register(context.Background(), phoenix.WithoutGlobal(), phoenix.WithExporter(tracetest.NewNoopExporter()),
		phoenix.WithPropagator(propagation.TraceContext{}))
	if err != nil {
		t.Fatal(err)
	}
	defer tp.Shutdown(context.Background())
	if len(otel.GetTextMapPropagator().Fields()) != 0 {
		t.Errorf("Register changed the global propagator under WithoutGlobal: %v", otel.GetTextMapPropagator().Fields())
	}
}

func TestRegisterRefusesAnUnknownPropagator(t *testing.T) {
	clearEnv(t)
	keepGlobals(t)
	t.Setenv("OTEL_PROPAGATORS", "tracecontext,carrier-pigeon")
	tp, err := phoenix.Register(context.Background(), phoenix.WithExporter(tracetest.NewNoopExporter()))
	if err == nil {
		tp.Shutdown(context.Background())
		t.Fatal("Register succeeded")
	}
	if !strings.Contains(err.Error(), "OTEL_PROPAGATORS") || !strings.Contains(err.Error(), "carrier-pigeon") {
		t.Errorf("error %q does not name the variable and the value", err)
	}
}
