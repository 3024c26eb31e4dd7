package middleware_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	semconv "github.com/Arize-ai/openinference/go/openinference-semantic-conventions"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/sessiontrace/sessiontrace"
	"github.com/sessiontrace/sessiontrace/internal/spantest"
)

// TestConcurrentSessions sends many requests at once, spread over many
// sessions, through a real server with otelhttp + middleware + a handler
// that starts a child span, and checks that every exported span carries
// exactly its own request's session and user, and that none is missing.
func TestConcurrentSessions(t *testing.T) {
	const (
		workers  = 64
		requests = 10_000
		sessions = 1_000
	)
	sessionOf := func(i int) string { return fmt.Sprintf("session-%04d", i%sessions) }
	userOf := func(i int) string { return fmt.Sprintf("user-%03d", i%257) }
	reqKey := attribute.Key("test.request")

	rec, tp := tracing(t)
	tracer := tp.Tracer("test")
	srv := httptest.NewServer(instrument(tp, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i, _ := strconv.Atoi(r.Header.Get("X-Request"))
		trace.SpanFromContext(r.Context()).SetAttributes(reqKey.Int(i))
		ctx, child := tracer.Start(r.Context(), "child", trace.WithAttributes(reqKey.Int(i)))
		sessiontrace.SetOutput(ctx, sessiontrace.SessionID(ctx))
		child.End()
		w.WriteHeader(http.StatusNoContent)
	})))
	defer srv.Close()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: workers}}
	defer client.CloseIdleConnections()

	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= requests {
					return
				}
				req, _ := http.NewRequest(http.MethodGet, srv.URL+"/chat", nil)
				req.Header.Set("X-Request", strconv.Itoa(i))
				req.Header.Set("X-Session-ID", sessionOf(i))
				req.Header.Set("X-User-ID", userOf(i))
				resp, err := client.Do(req)
				if err != nil {
					t.Errorf("request %d: %v", i, err)
					return
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusNoContent {
					t.Errorf("request %d: status %d", i, resp.StatusCode)
				}
			}
		})
	}
	wg.Wait()
	srv.Close() // waits for the handlers, so every server span has ended

	servers := make(map[int]trace.SpanContext, requests)
	children := make(map[int]trace.SpanContext, requests)
	for _, s := range rec.Ended() {
		a := spantest.Attrs(s)
		n, ok := a[string(reqKey)]
		if !ok {
			t.Fatalf("span %s without request number: %v", s.Name(), a)
		}
		i := int(n.AsInt64())
		if a[semconv.SessionID].AsString() != sessionOf(i) || a[semconv.UserID].AsString() != userOf(i) {
			t.Fatalf("span %s of request %d carries %s/%s, want %s/%s", s.Name(), i,
				a[semconv.SessionID].AsString(), a[semconv.UserID].AsString(), sessionOf(i), userOf(i))
		}
		byRequest := children
		if s.SpanKind() == trace.SpanKindServer {
			byRequest = servers
			if a[semconv.OutputValue].AsString() != sessionOf(i) {
				t.Fatalf("server span of request %d: output.value %q", i, a[semconv.OutputValue].AsString())
			}
		}
		if _, dup := byRequest[i]; dup {
			t.Fatalf("request %d has two %s spans", i, s.SpanKind())
		}
		byRequest[i] = s.SpanContext()
	}
	if len(servers) != requests || len(children) != requests {
		t.Fatalf("got %d server and %d child spans, want %d of each", len(servers), len(children), requests)
	}
	// Children end before their server span, so check parentage now that
	// all server spans are known.
	for _, s := range rec.Ended() {
		if s.SpanKind() == trace.SpanKindServer {
			continue
		}
		i := int(spantest.Attrs(s)[string(reqKey)].AsInt64())
		if s.Parent().SpanID() != servers[i].SpanID() {
			t.Fatalf("child of request %d is not under its server span", i)
		}
	}
}
