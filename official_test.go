package sessiontrace

import (
	"context"
	"reflect"
	"testing"

	instrumentation "github.com/Arize-ai/openinference/go/openinference-instrumentation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

// officialView is what an official OpenInference instrumentor stamps.
func officialView(ctx context.Context) map[string]any {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	_, span := tp.Tracer("t").Start(context.Background(), "official")
	instrumentation.ApplyContextAttributes(ctx, span)
	span.End()
	m := map[string]any{}
	for _, kv := range rec.Ended()[0].Attributes() {
		m[string(kv.Key)] = kv.Value.AsInterface()
	}
	return m
}

// Both APIs mixed: the innermost setter of each key wins, whichever package
// it comes from.
func TestOfficialKeysInnermostWins(t *testing.T) {
	ctx := WithSession(context.Background(), "ours-outer")
	ctx = instrumentation.WithSession(ctx, "theirs-middle")
	ctx = WithUser(ctx, "ours-inner-user")
	ctx = WithTags(ctx, "a", "b")
	want := map[string]any{"session.id": "theirs-middle", "user.id": "ours-inner-user", "tag.tags": []string{"a", "b"}}
	if got := officialView(ctx); !reflect.DeepEqual(got, want) {
		t.Errorf("official view = %v, want %v", got, want)
	}

	ctx = instrumentation.WithUser(ctx, "theirs-user")
	ctx = WithMetadata(ctx, map[string]any{"k": 1})
	ctx = WithSession(ctx, "ours-inner")
	want = map[string]any{"session.id": "ours-inner", "user.id": "theirs-user", "tag.tags": []string{"a", "b"}, "metadata": `{"k":1}`}
	if got := officialView(ctx); !reflect.DeepEqual(got, want) {
		t.Errorf("official view = %v, want %v", got, want)
	}
}

// WithAttributes sets the official values of every field it is given, and
// only those: an official value set further out survives where ours has
// none.
func TestWithAttributesSetsOfficialValues(t *testing.T) {
	ctx := instrumentation.WithUser(context.Background(), "theirs-user")
	ctx = WithAttributes(ctx, Attributes{SessionID: "s", Metadata: map[string]any{"k": "v"}, Tags: []string{"", "t"}})
	want := map[string]any{"session.id": "s", "user.id": "theirs-user", "metadata": `{"k":"v"}`, "tag.tags": []string{"t"}}
	if got := officialView(ctx); !reflect.DeepEqual(got, want) {
		t.Errorf("official view = %v, want %v", got, want)
	}
	if SessionID(ctx) != "s" || UserID(ctx) != "" {
		t.Errorf("our getters = %q, %q; want s and no user", SessionID(ctx), UserID(ctx))
	}
}
