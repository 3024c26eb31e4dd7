package sessiontrace_test

import (
	"context"
	"encoding/json"
	"math"
	"reflect"
	"testing"

	instrumentation "github.com/Arize-ai/openinference/go/openinference-instrumentation"
	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/sessiontrace/sessiontrace"
	"github.com/sessiontrace/sessiontrace/internal/spantest"
)

func TestEmptyValuesLeaveContextUnchanged(t *testing.T) {
	ctx := context.Background()
	for name, got := range map[string]context.Context{
		"session":        sessiontrace.WithSession(ctx, ""),
		"user":           sessiontrace.WithUser(ctx, ""),
		"nil metadata":   sessiontrace.WithMetadata(ctx, nil),
		"empty metadata": sessiontrace.WithMetadata(ctx, map[string]any{}),
		"no tags":        sessiontrace.WithTags(ctx),
		"empty tags":     sessiontrace.WithTags(ctx, "", ""),
		"empty template": sessiontrace.WithPromptTemplate(ctx, sessiontrace.PromptTemplate{}),
		"empty attrs":    sessiontrace.WithAttributes(ctx, sessiontrace.Attributes{}),
	} {
		if got != ctx {
			t.Errorf("%s: context changed", name)
		}
	}
	if a := sessiontrace.ContextAttributes(ctx); a != nil {
		t.Errorf("ContextAttributes(background) = %v, want nil", a)
	}
}

func TestNestingAndOverride(t *testing.T) {
	outer := sessiontrace.WithAttributes(context.Background(), sessiontrace.Attributes{
		SessionID: "s-outer",
		UserID:    "u-outer",
		Metadata:  map[string]any{"tenant": "a", "plan": "pro"},
		Tags:      []string{"prod", "canary"},
	})
	inner := sessiontrace.WithSession(outer, "s-inner")
	inner = sessiontrace.WithMetadata(inner, map[string]any{"tenant": "b"})
	inner = sessiontrace.WithTags(inner, "beta")

	got := spantest.Values(sessiontrace.ContextAttributes(inner))
	want := map[string]any{
		"session.id": "s-inner",
		"user.id":    "u-outer",        // untouched key kept
		"metadata":   `{"tenant":"b"}`, // replaced, not merged
		"tag.tags":   []string{"beta"}, // replaced, not merged
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("inner attributes:\n got %v\nwant %v", got, want)
	}
	// The outer context is not affected by the inner setters.
	if s := sessiontrace.SessionID(outer); s != "s-outer" {
		t.Errorf("outer session = %q", s)
	}
	if got := spantest.Values(sessiontrace.ContextAttributes(outer))["metadata"]; got != `{"plan":"pro","tenant":"a"}` {
		t.Errorf("outer metadata = %v", got)
	}
}

func TestCallerMapsAndSlicesAreCopied(t *testing.T) {
	md := map[string]any{"k": "v"}
	tags := []string{"one", "two"}
	vars := map[string]any{"city": "Paris"}
	ctx := sessiontrace.WithMetadata(context.Background(), md)
	ctx = sessiontrace.WithTags(ctx, tags...)
	ctx = sessiontrace.WithPromptTemplate(ctx, sessiontrace.PromptTemplate{Template: "Weather in {city}", Variables: vars})
	md["k"], md["extra"] = "changed", true
	tags[0] = "MUTATED"
	vars["city"] = "Berlin"

	got := spantest.Values(sessiontrace.ContextAttributes(ctx))
	if got["metadata"] != `{"k":"v"}` {
		t.Errorf("metadata = %v", got["metadata"])
	}
	if !reflect.DeepEqual(got["tag.tags"], []string{"one", "two"}) {
		t.Errorf("tags = %v", got["tag.tags"])
	}
	if got["llm.prompt_template.variables"] != `{"city":"Paris"}` {
		t.Errorf("variables = %v", got["llm.prompt_template.variables"])
	}

	// What FromContext returns is the caller's to change, too.
	a := sessiontrace.FromContext(ctx)
	a.Metadata["k"] = "changed again"
	a.Tags[0] = "changed"
	a.PromptTemplate.Variables["city"] = "Rome"
	b := sessiontrace.FromContext(ctx)
	if b.Metadata["k"] != "v" || b.Tags[0] != "one" || b.PromptTemplate.Variables["city"] != "Paris" {
		t.Errorf("FromContext leaked internal state: %+v", b)
	}
	// And so is ContextAttributes' slice.
	attrs := sessiontrace.ContextAttributes(ctx)
	attrs[0] = attribute.String("metadata", "overwritten")
	if spantest.Values(sessiontrace.ContextAttributes(ctx))["metadata"] != `{"k":"v"}` {
		t.Error("ContextAttributes returned shared storage")
	}
}

func TestMetadataJSONShape(t *testing.T) {
	ctx := sessiontrace.WithMetadata(context.Background(), map[string]any{
		"n":      3,
		"nested": map[string]any{"a": []int{1, 2}},
		"nil":    nil,
		"bad":    make(chan int), // cannot be JSON: recorded as text, not dropped
		"nan":    math.NaN(),
	})
	js, _ := spantest.Values(sessiontrace.ContextAttributes(ctx))["metadata"].(string)
	var decoded map[string]any
	if err := json.Unmarshal([]byte(js), &decoded); err != nil {
		t.Fatalf("metadata is not a JSON object: %q: %v", js, err)
	}
	if decoded["n"] != float64(3) || decoded["nil"] != nil || decoded["nan"] != "NaN" {
		t.Errorf("decoded = %v", decoded)
	}
	if _, ok := decoded["bad"].(string); !ok {
		t.Errorf("unencodable value should be kept as text: %v", decoded["bad"])
	}
	if nested, _ := decoded["nested"].(map[string]any); !reflect.DeepEqual(nested["a"], []any{float64(1), float64(2)}) {
		t.Errorf("nested = %v", decoded["nested"])
	}
}

func TestTagsAreAStringSlice(t *testing.T) {
	ctx := sessiontrace.WithTags(context.Background(), "a", "", "b")
	for _, kv := range sessiontrace.ContextAttributes(ctx) {
		if kv.Key == "tag.tags" {
			if kv.Value.Type() != attribute.STRINGSLICE {
				t.Fatalf("tag.tags type = %v", kv.Value.Type())
			}
			if got := kv.Value.AsStringSlice(); !reflect.DeepEqual(got, []string{"a", "b"}) {
				t.Errorf("tags = %v", got)
			}
			return
		}
	}
	t.Fatal("no tag.tags attribute")
}

func TestPromptTemplate(t *testing.T) {
	ctx := sessiontrace.WithPromptTemplate(context.Background(), sessiontrace.PromptTemplate{
		Template: "Translate {text}", Version: "v2", Variables: map[string]any{"text": "hi"},
	})
	got := spantest.Values(sessiontrace.ContextAttributes(ctx))
	want := map[string]any{
		"llm.prompt_template.template":  "Translate {text}",
		"llm.prompt_template.version":   "v2",
		"llm.prompt_template.variables": `{"text":"hi"}`,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v want %v", got, want)
	}
}

func TestGetters(t *testing.T) {
	ctx := context.Background()
	if sessiontrace.SessionID(ctx) != "" || sessiontrace.UserID(ctx) != "" {
		t.Error("getters on empty context should return empty strings")
	}
	if a := sessiontrace.FromContext(ctx); !reflect.DeepEqual(a, sessiontrace.Attributes{}) {
		t.Errorf("FromContext(empty) = %+v", a)
	}
	ctx = sessiontrace.WithUser(sessiontrace.WithSession(ctx, "s1"), "u1")
	if sessiontrace.SessionID(ctx) != "s1" || sessiontrace.UserID(ctx) != "u1" {
		t.Error("getters do not return what was set")
	}
}

// The official OpenInference Go instrumentors read their own context keys:
// ours must set them so those instrumentors stamp the same session.
func TestInteropWithOfficialPackage(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	ctx := sessiontrace.WithAttributes(context.Background(), sessiontrace.Attributes{
		SessionID: "s-1", UserID: "u-1", Metadata: map[string]any{"k": 1}, Tags: []string{"x"},
	})
	_, span := tp.Tracer("t").Start(context.Background(), "official")
	instrumentation.ApplyContextAttributes(ctx, span)
	span.End()

	got := spantest.Values(rec.Ended()[0].Attributes())
	want := map[string]any{"session.id": "s-1", "user.id": "u-1", "metadata": `{"k":1}`, "tag.tags": []string{"x"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("official ApplyContextAttributes saw %v, want %v", got, want)
	}
}

func TestSuppression(t *testing.T) {
	ctx := context.Background()
	if sessiontrace.IsSuppressed(ctx) {
		t.Fatal("background is suppressed")
	}
	if !sessiontrace.IsSuppressed(sessiontrace.WithSuppression(ctx)) {
		t.Error("WithSuppression not seen by IsSuppressed")
	}
	if !instrumentation.IsSuppressed(sessiontrace.WithSuppression(ctx)) {
		t.Error("official package does not see our suppression")
	}
	if !sessiontrace.IsSuppressed(instrumentation.WithSuppression(ctx)) {
		t.Error("we do not see the official package's suppression")
	}
}
