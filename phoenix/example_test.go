package phoenix_test

import (
	"context"
	"fmt"
	"log"

	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/sessiontrace/sessiontrace"
	"github.com/sessiontrace/sessiontrace/phoenix"
)

// In a program: export to the Phoenix named by PHOENIX_COLLECTOR_ENDPOINT
// (default http://localhost:6006), in the project PHOENIX_PROJECT_NAME.
func ExampleRegister() {
	tp, err := phoenix.Register(context.Background(), phoenix.WithProjectName("support-bot"))
	if err != nil {
		log.Fatal(err)
	}
	defer tp.Shutdown(context.Background()) // sends the last batch
}

// The span processor is registered: spans carry the context's session.
func ExampleRegister_inMemory() {
	exporter := tracetest.NewInMemoryExporter()
	tp, err := phoenix.Register(context.Background(),
		phoenix.WithoutGlobal(), phoenix.WithExporter(exporter), phoenix.WithProjectName("demo"))
	if err != nil {
		log.Fatal(err)
	}
	ctx := sessiontrace.WithSession(context.Background(), "conversation-7")
	_, span := tp.Tracer("example").Start(ctx, "turn")
	span.End()
	tp.ForceFlush(context.Background())
	defer tp.Shutdown(context.Background())

	s := exporter.GetSpans()[0]
	project, _ := s.Resource.Set().Value(phoenix.ProjectNameKey)
	fmt.Println(s.Name, s.Attributes[0].Value.AsString(), project.AsString())
	// Output: turn conversation-7 demo
}
