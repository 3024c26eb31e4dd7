package main

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// export sends spans named names to url with the real OTLP/HTTP exporter,
// synchronously, and returns the exporter's error.
func export(t *testing.T, url string, timeout time.Duration, names ...string) error {
	t.Helper()
	ctx := context.Background()
	exp, err := otlptracehttp.New(ctx, otlptracehttp.WithEndpointURL(url),
		otlptracehttp.WithTimeout(timeout), otlptracehttp.WithRetry(otlptracehttp.RetryConfig{Enabled: false}),
		otlptracehttp.WithCompression(otlptracehttp.GzipCompression))
	if err != nil {
		t.Fatal(err)
	}
	defer exp.Shutdown(ctx)
	rec := tracetestRecorder{}
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(&rec))
	for _, n := range names {
		_, s := tp.Tracer("test").Start(ctx, n, trace.WithAttributes(attribute.String("message", "~~s-1~1~~ hi")))
		s.End()
	}
	return exp.ExportSpans(ctx, rec.spans)
}

// tracetestRecorder keeps ended spans.
type tracetestRecorder struct{ spans []sdktrace.ReadOnlySpan }

func (r *tracetestRecorder) OnStart(context.Context, sdktrace.ReadWriteSpan) {}
func (r *tracetestRecorder) OnEnd(s sdktrace.ReadOnlySpan)                   { r.spans = append(r.spans, s) }
func (r *tracetestRecorder) Shutdown(context.Context) error                  { return nil }
func (r *tracetestRecorder) ForceFlush(context.Context) error                { return nil }

func TestReceiverKeeps(t *testing.T) {
	for _, tc := range []struct {
		keep           retain
		wantSpans, raw int
	}{
		{retainCounts, 0, 0},
		{retainChecked, 2, 0},
		{retainAll, 2, 1},
	} {
		var inspected atomic.Int64
		r, err := NewReceiver(tc.keep, func(body []byte, spans []Span) { inspected.Add(int64(len(spans))) })
		if err != nil {
			t.Fatal(err)
		}
		if err := export(t, r.URL, 5*time.Second, "a", "b"); err != nil {
			t.Fatalf("export to a healthy receiver: %v", err)
		}
		st := r.Stats()
		if st.Requests != 1 || st.Spans != 2 || st.Bytes == 0 || inspected.Load() != 2 {
			t.Errorf("keep %d: stats %+v, inspected %d", tc.keep, st, inspected.Load())
		}
		spans, raw := r.Spans(), r.Raw()
		if len(spans) != tc.wantSpans || len(raw) != tc.raw {
			t.Errorf("keep %d: kept %d spans and %d bodies", tc.keep, len(spans), len(raw))
		}
		if len(spans) > 0 && (spans[0].Name != "a" || len(spans[0].Markers) != 1) {
			t.Errorf("decoded %+v", spans[0])
		}
		if tc.keep == retainChecked && len(spans) > 0 && spans[0].Has("message") {
			t.Errorf("retainChecked kept an unchecked attribute")
		}
		if tc.keep == retainAll && len(raw) == 1 && !bytes.Contains(raw[0], []byte("~~s-1~1~~ hi")) {
			t.Errorf("the raw body (gunzipped) lacks the attribute value")
		}
		r.Drop()
		if len(r.Spans()) != 0 {
			t.Errorf("Drop kept spans")
		}
		r.Close()
		r.Close() // idempotent
	}
}

func TestReceiverRefusesNonProtobuf(t *testing.T) {
	r, err := NewReceiver(retainAll, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for _, tc := range []struct {
		ctype string
		body  string
		want  int
	}{
		{"application/json", "{}", http.StatusUnsupportedMediaType},
		{"application/x-protobuf", "\xff\xff\xff", http.StatusBadRequest},
	} {
		resp, err := http.Post(r.URL, tc.ctype, strings.NewReader(tc.body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("%s: %d, want %d", tc.ctype, resp.StatusCode, tc.want)
		}
	}
	if st := r.Stats(); st.Refused != 2 || st.Requests != 0 {
		t.Errorf("stats %+v", st)
	}
}

func TestReceiverBlackHole(t *testing.T) {
	r, err := NewReceiver(retainAll, nil)
	if err != nil {
		t.Fatal(err)
	}
	r.BlackHole()
	start := time.Now()
	err = export(t, r.URL, 300*time.Millisecond, "a")
	if err == nil {
		t.Fatal("export to a black hole succeeded")
	}
	if d := time.Since(start); d < 250*time.Millisecond || d > 5*time.Second {
		t.Errorf("export gave up after %v, want about the 300ms timeout: %v", d, err)
	}
	if st := r.Stats(); st.Held == 0 || st.Requests != 0 {
		t.Errorf("stats %+v", st)
	}
	r.Close() // releases what it held
}

func TestReceiverGoAway(t *testing.T) {
	r, err := NewReceiver(retainCounts, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := export(t, r.URL, 5*time.Second, "before"); err != nil {
		t.Fatal(err)
	}
	r.GoAway()
	// The exporters share a transport: the first export after GoAway may
	// still try the kept-alive connection the receiver closed.
	if err := export(t, r.URL, 5*time.Second, "after"); err == nil {
		t.Fatal("export after GoAway succeeded")
	}
	if err := export(t, r.URL, 5*time.Second, "again"); err == nil || !errorsIsRefused(err) {
		t.Errorf("export on a new connection after GoAway: %v, want connection refused", err)
	}
	if st := r.Stats(); st.Spans != 1 {
		t.Errorf("stats %+v", st)
	}
}

func errorsIsRefused(err error) bool {
	return strings.Contains(err.Error(), syscall.ECONNREFUSED.Error())
}

func TestReceiverLimitsBody(t *testing.T) {
	r, err := NewReceiver(retainCounts, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	r.LimitBody(2000)
	if err := export(t, r.URL, 5*time.Second, "small"); err != nil {
		t.Fatalf("a small request: %v", err)
	}
	resp, err := http.Post(r.URL, "application/x-protobuf", bytes.NewReader(make([]byte, 2001)))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("a body over the limit: %d, want 413", resp.StatusCode)
	}
	if st := r.Stats(); st.Requests != 1 || st.Refused != 1 || st.Largest == 0 || st.Largest > 2000 {
		t.Errorf("stats %+v", st)
	}
}
