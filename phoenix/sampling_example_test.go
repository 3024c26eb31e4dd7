package phoenix_test

import (
	"context"
	"fmt"
	"log"

	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/sessiontrace/sessiontrace"
	"github.com/sessiontrace/sessiontrace/phoenix"
)

// Keep one conversation in ten, whole: every turn of a kept session is
// exported, no turn of a dropped one. SESSIONTRACE_SAMPLE_RATIO=0.1 does
// the same without code.
func ExampleWithSessionSampling() {
	exporter := tracetest.NewInMemoryExporter()
	tp, err := phoenix.Register(context.Background(),
		phoenix.WithoutGlobal(), phoenix.WithExporter(exporter), phoenix.WithSessionSampling(0.1))
	if err != nil {
		log.Fatal(err)
	}
	defer tp.Shutdown(context.Background())

	for _, session := range []string{"chat-2", "chat-6"} { // kept and dropped at 0.1
		for turn := range 3 {
			ctx := sessiontrace.WithSession(context.Background(), session)
			_, span := tp.Tracer("example").Start(ctx, fmt.Sprint("turn ", turn+1))
			span.End()
		}
	}
	tp.ForceFlush(context.Background())

	for _, s := range exporter.GetSpans() {
		fmt.Println(s.Attributes[0].Value.AsString(), s.Name)
	}
	// Output:
	// chat-2 turn 1
	// chat-2 turn 2
	// chat-2 turn 3
}
