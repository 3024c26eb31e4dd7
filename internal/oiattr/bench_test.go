package oiattr

import (
	"fmt"
	"testing"

	"go.opentelemetry.io/otel/attribute"
)

// BenchmarkInputMessages shows flattening is linear in the number of
// messages: compare ns/op and allocs/op across 10, 100 and 1000.
func BenchmarkInputMessages(b *testing.B) {
	for _, n := range []int{10, 100, 1000} {
		msgs := make([]Message, n)
		for i := range msgs {
			role := "user"
			if i%2 == 1 {
				role = "assistant"
			}
			msgs[i] = Message{Role: role, Content: fmt.Sprintf("message number %d of the conversation", i)}
		}
		b.Run(fmt.Sprintf("messages=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			buf := make([]attribute.KeyValue, 0, 2*n)
			for b.Loop() {
				buf = inputMessages(buf[:0], msgs, TraceConfig{})
			}
		})
	}
}
