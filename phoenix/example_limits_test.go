package phoenix_test

import (
	"context"
	"errors"
	"log"

	"go.opentelemetry.io/otel"

	"github.com/sessiontrace/sessiontrace/phoenix"
)

// Behind a proxy that refuses bodies over 1 MiB, with at most 64 MiB held
// for the spans waiting for export.
func ExampleWithMaxExportBytes() {
	tp, err := phoenix.Register(context.Background(),
		phoenix.WithMaxExportBytes(1<<20),
		phoenix.WithMemoryBudget(64<<20))
	if err != nil {
		log.Fatal(err)
	}
	defer tp.Shutdown(context.Background())
}

// Dropped spans reach the global error handler, apart from failed exports.
func ExampleDroppedSpansError() {
	otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) {
		var dropped *phoenix.DroppedSpansError
		if errors.As(err, &dropped) {
			log.Printf("tracing: %d spans dropped over the memory budget, %d too large", dropped.Full, dropped.TooLarge)
			return
		}
		log.Printf("tracing: %v", err)
	}))
}
