package sessiontrace_test

import (
	"context"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/sessiontrace/sessiontrace"
)

var sinkAttrs int

func BenchmarkContextAttributes(b *testing.B) {
	for _, bc := range []struct {
		name string
		ctx  context.Context
	}{
		{"empty", context.Background()},
		{"session+user", sessiontrace.WithUser(sessiontrace.WithSession(context.Background(), "sess-1"), "user-1")},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				sinkAttrs += len(sessiontrace.ContextAttributes(bc.ctx))
			}
		})
	}
}

// BenchmarkSpanStart measures starting and ending a span with and without
// the processor, with and without attributes in the context: the cost the
// processor adds to every span of an application.
func BenchmarkSpanStart(b *testing.B) {
	ctxs := []struct {
		name string
		ctx  context.Context
	}{
		{"empty", context.Background()},
		{"session+user", sessiontrace.WithUser(sessiontrace.WithSession(context.Background(), "sess-1"), "user-1")},
	}
	for _, withProc := range []bool{false, true} {
		// The baseline has a processor too: an SDK with none skips work.
		opts := []sdktrace.TracerProviderOption{
			sdktrace.WithSampler(sdktrace.AlwaysSample()),
			sdktrace.WithSpanProcessor(discard{}),
		}
		name := "processor=off"
		if withProc {
			opts = append(opts, sdktrace.WithSpanProcessor(sessiontrace.NewSpanProcessor()))
			name = "processor=on"
		}
		tr := sdktrace.NewTracerProvider(opts...).Tracer("bench")
		for _, c := range ctxs {
			b.Run(name+"/"+c.name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					_, span := tr.Start(c.ctx, "op")
					span.End()
				}
			})
		}
	}
}

// BenchmarkOnStart isolates the processor's own work.
func BenchmarkOnStart(b *testing.B) {
	p := sessiontrace.NewSpanProcessor()
	tr := sdktrace.NewTracerProvider().Tracer("bench")
	_, s := tr.Start(context.Background(), "op")
	span := s.(sdktrace.ReadWriteSpan)
	for _, c := range []struct {
		name string
		ctx  context.Context
	}{
		{"empty", context.Background()},
		{"session+user", sessiontrace.WithUser(sessiontrace.WithSession(context.Background(), "sess-1"), "user-1")},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				p.OnStart(c.ctx, span)
			}
		})
	}
}

// BenchmarkSetters is what a request pays to carry a session and a user:
// the two setters, or WithAttributes at once (one context node, which also
// answers the official OpenInference context keys).
func BenchmarkSetters(b *testing.B) {
	ctx := context.Background()
	b.Run("WithSession+WithUser", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			sinkAttrs += len(sessiontrace.SessionID(sessiontrace.WithUser(sessiontrace.WithSession(ctx, "sess-1"), "user-1")))
		}
	})
	b.Run("WithAttributes", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			sinkAttrs += len(sessiontrace.SessionID(sessiontrace.WithAttributes(ctx, sessiontrace.Attributes{SessionID: "sess-1", UserID: "user-1"})))
		}
	})
}

// discard is a span processor that does nothing, standing in for an
// exporting one.
type discard struct{}

func (discard) OnStart(context.Context, sdktrace.ReadWriteSpan) {}
func (discard) OnEnd(sdktrace.ReadOnlySpan)                     {}
func (discard) Shutdown(context.Context) error                  { return nil }
func (discard) ForceFlush(context.Context) error                { return nil }
