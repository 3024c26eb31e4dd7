package phoenix_test

import (
	"context"
	"maps"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/sessiontrace/sessiontrace"
	"github.com/sessiontrace/sessiontrace/phoenix"
)

// At 0.1, session "chat-2" is kept and "chat-6" dropped; at 0.5 both are
// kept (sessiontrace.KeepSession's published vectors).
func TestRegisterSessionSampling(t *testing.T) {
	all := map[string]bool{"chat-2": true, "chat-6": true, "": true}
	tenth := map[string]bool{"chat-2": true, "": true}
	cases := []struct {
		name string
		env  string
		opts []phoenix.Option
		want map[string]bool // sessions exported; "" for a span without one
	}{
		{"not configured", "", nil, all},
		{"option", "", []phoenix.Option{phoenix.WithSessionSampling(0.1)}, tenth},
		{"option, synchronous export", "", []phoenix.Option{phoenix.WithSessionSampling(0.1), phoenix.WithSyncExport()}, tenth},
		{"environment", "0.1", nil, tenth},
		{"environment, trimmed", " 0.5\n", nil, all},
		{"option beats environment", "1", []phoenix.Option{phoenix.WithSessionSampling(0.1)}, tenth},
		{"option beats a bad environment", "often", []phoenix.Option{phoenix.WithSessionSampling(0.1)}, tenth},
		{"option 1 keeps all", "0.1", []phoenix.Option{phoenix.WithSessionSampling(1)}, all},
		{"above 1 keeps all", "2", nil, all},
		{"too large for a float keeps all", "1e400", nil, all},
		{"zero keeps no session", "0", nil, map[string]bool{"": true}},
		{"negative keeps no session", "", []phoenix.Option{phoenix.WithSessionSampling(-1)}, map[string]bool{"": true}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			clearEnv(t)
			t.Setenv("SESSIONTRACE_SAMPLE_RATIO", c.env)
			exporter := tracetest.NewInMemoryExporter()
			tp, err := phoenix.Register(context.Background(),
				append([]phoenix.Option{phoenix.WithoutGlobal(), phoenix.WithExporter(exporter)}, c.opts...)...)
			if err != nil {
				t.Fatal(err)
			}
			defer tp.Shutdown(context.Background())
			for _, session := range []string{"chat-2", "chat-6", ""} {
				_, span := tp.Tracer("test").Start(sessiontrace.WithSession(context.Background(), session), "turn")
				span.End()
			}
			if err := tp.ForceFlush(context.Background()); err != nil {
				t.Fatal(err)
			}
			got := map[string]bool{}
			for _, s := range exporter.GetSpans() {
				for _, kv := range s.Attributes {
					if kv.Key == "session.id" {
						got[kv.Value.AsString()] = true
					}
				}
				if len(s.Attributes) == 0 {
					got[""] = true
				}
			}
			if !maps.Equal(got, c.want) {
				t.Errorf("sessions exported: %v, want %v", got, c.want)
			}
		})
	}
}

func TestRegisterBadSampleRatio(t *testing.T) {
	for _, v := range []string{"ten percent", "10%", "0,1", "0.1.2"} {
		t.Run(v, func(t *testing.T) {
			clearEnv(t)
			t.Setenv("SESSIONTRACE_SAMPLE_RATIO", v)
			tp, err := phoenix.Register(context.Background(), phoenix.WithoutGlobal(), phoenix.WithExporter(tracetest.NewInMemoryExporter()))
			if err == nil {
				tp.Shutdown(context.Background())
				t.Fatal("Register succeeded")
			}
			if !strings.Contains(err.Error(), "SESSIONTRACE_SAMPLE_RATIO") {
				t.Errorf("error %q does not name the variable", err)
			}
		})
	}
}
