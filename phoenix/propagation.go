package phoenix

import (
	"fmt"
	"os"
	"strings"

	"go.opentelemetry.io/contrib/propagators/autoprop"
	"go.opentelemetry.io/otel/propagation"
)

// WithPropagator sets the propagator Register installs globally (with the
// TracerProvider) in place of the one OTEL_PROPAGATORS names. Under
// WithoutGlobal nothing is installed. A nil p is ignored.
func WithPropagator(p propagation.TextMapPropagator) Option {
	return optionFunc(func(c *config) {
		if p != nil {
			c.propagator = p
		}
	})
}

// textMapPropagator returns the propagator Register installs: the option's, else
// the ones OTEL_PROPAGATORS names (tracecontext, baggage, b3, b3multi,
// jaeger, xray, ottrace, none, as the contrib autoprop package knows
// them), else W3C trace context and baggage, as every OpenTelemetry SDK
// defaults to. A name autoprop does not know is an error naming the
// variable.
func (c *config) textMapPropagator() (propagation.TextMapPropagator, error) {
	if c.propagator != nil {
		return c.propagator, nil
	}
	names := os.Getenv("OTEL_PROPAGATORS")
	if strings.TrimSpace(names) == "" {
		return autoprop.NewTextMapPropagator(), nil
	}
	parts := strings.Split(names, ",")
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	p, err := autoprop.TextMapPropagator(parts...)
	if err != nil {
		return nil, fmt.Errorf("phoenix: OTEL_PROPAGATORS=%q: %w", names, err)
	}
	return p, nil
}
