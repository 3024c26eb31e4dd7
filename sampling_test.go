package sessiontrace_test

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"math"
	"math/big"
	"slices"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/sessiontrace/sessiontrace"
	"github.com/sessiontrace/sessiontrace/internal/spantest"
)

// The vectors published in KeepSession's documentation.
var sessionVectors = []struct {
	id             string
	hash           string // first 8 bytes of SHA-256, hex
	keep01, keep05 bool
}{
	{"abc", "ba7816bf8f01cfea", false, false},
	{"chat-2", "1801be70ce21aab3", true, true},
	{"chat-6", "7f977ecb2c47df92", false, true},
	{"session-1", "84097828fc31a8c8", false, false},
	{"conversation-2", "016710bbf34271a6", true, true},
	{"conversation-7", "f121b269a0e32a69", false, false},
	{"3f2b8c1e-5d4a-4e7b-9c6f-0a1b2c3d4e5f", "0c70e4c97744ef9e", true, true},
	{"会话-1", "611a498b849c2441", false, true},
	{"chat-9549865", "1999990c3f3f7e4a", true, true},
	{"chat-13519159", "199999d5831cff0e", false, true},
}

func TestKeepSessionVectors(t *testing.T) {
	for _, v := range sessionVectors {
		t.Run(v.id, func(t *testing.T) {
			sum := sha256.Sum256([]byte(v.id))
			if got := hex.EncodeToString(sum[:8]); got != v.hash {
				t.Fatalf("the published hash is wrong: SHA-256 starts %s, table says %s", got, v.hash)
			}
			if got := sessiontrace.KeepSession(v.id, 0.1); got != v.keep01 {
				t.Errorf("KeepSession(%q, 0.1) = %v, want %v", v.id, got, v.keep01)
			}
			if got := sessiontrace.KeepSession(v.id, 0.5); got != v.keep05 {
				t.Errorf("KeepSession(%q, 0.5) = %v, want %v", v.id, got, v.keep05)
			}
		})
	}
}

// referenceKeep is the documented rule computed another way: the threshold
// as the exact floor(ratio × 2^64) with math/big, as a careful
// implementation in another language would.
func referenceKeep(id string, ratio float64) bool {
	sum := sha256.Sum256([]byte(id))
	h := new(big.Int).SetUint64(binary.BigEndian.Uint64(sum[:8]))
	t, _ := new(big.Float).SetMantExp(big.NewFloat(ratio), 64).Int(nil) // truncates toward zero
	return h.Cmp(t) < 0
}

func TestKeepSessionEdgeRatios(t *testing.T) {
	ids := make([]string, 0, 2000)
	for i := range 2000 {
		ids = append(ids, fmt.Sprintf("edge-%d", i))
	}
	for _, v := range sessionVectors {
		ids = append(ids, v.id)
	}
	cases := []struct {
		name  string
		ratio float64
		want  string // "all", "none" or "rule": as referenceKeep says
	}{
		{"one", 1, "all"},
		{"above one", 1.5, "all"},
		{"+Inf", math.Inf(1), "all"},
		{"NaN", math.NaN(), "all"},
		{"zero", 0, "none"},
		{"negative zero", math.Copysign(0, -1), "none"},
		{"negative", -0.3, "none"},
		{"-Inf", math.Inf(-1), "none"},
		{"smallest positive", math.SmallestNonzeroFloat64, "none"}, // threshold 0
		{"just below one", math.Nextafter(1, 0), "rule"},           // threshold 0xfffffffffffff800
		{"just below one half", math.Nextafter(0.5, 0), "rule"},
		{"one half", 0.5, "rule"},
		{"just above one half", math.Nextafter(0.5, 1), "rule"},
		{"one tenth", 0.1, "rule"},
		{"one third", 1.0 / 3, "rule"},
		{"one in a thousand", 0.001, "rule"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, id := range ids {
				want := c.want == "all" || c.want == "rule" && referenceKeep(id, c.ratio)
				if got := sessiontrace.KeepSession(id, c.ratio); got != want {
					t.Fatalf("KeepSession(%q, %v) = %v, want %v", id, c.ratio, got, want)
				}
			}
			if !sessiontrace.KeepSession("", c.ratio) {
				t.Errorf("KeepSession(\"\", %v) = false: no session is never sampled out", c.ratio)
			}
		})
	}
}

// At 0.5 the rule is the hash's top bit, and the ratio is what it says.
func TestKeepSessionProportions(t *testing.T) {
	const n = 10000
	kept := map[float64]int{}
	for i := range n {
		id := fmt.Sprintf("user-%d/conversation-%d", i%97, i)
		sum := sha256.Sum256([]byte(id))
		if got, want := sessiontrace.KeepSession(id, 0.5), sum[0]&0x80 == 0; got != want {
			t.Fatalf("KeepSession(%q, 0.5) = %v, hash's top bit clear = %v", id, got, want)
		}
		for _, r := range []float64{0.01, 0.1, 0.5} {
			if sessiontrace.KeepSession(id, r) {
				kept[r]++
			}
		}
	}
	for r, k := range kept {
		// Normal approximation of the binomial, ±4 standard deviations.
		mean, sd := n*r, math.Sqrt(n*r*(1-r))
		if math.Abs(float64(k)-mean) > 4*sd {
			t.Errorf("ratio %v kept %d of %d sessions, want %.0f ± %.0f", r, k, n, mean, 4*sd)
		}
	}
}

// emit ends, under tp, the spans one turn of a chat app makes: the turn and
// an LLM span under it, in session (none when "").
func emit(tp trace.TracerProvider, session, name string) {
	ctx := sessiontrace.WithSession(context.Background(), session)
	ctx, turn := sessiontrace.StartTurn(ctx, name, sessiontrace.WithTracerProvider(tp))
	_, llm := tp.Tracer("test").Start(ctx, name+"/llm")
	llm.End()
	turn.End()
}

func sessionsOf(spans []sdktrace.ReadOnlySpan) map[string]int {
	got := map[string]int{}
	for _, s := range spans {
		got[spantest.String(s, "session.id")]++
	}
	return got
}

func TestSessionSamplerPassesExactlyKeptSessions(t *testing.T) {
	for _, ratio := range []float64{0, 0.1, 0.5, 1, math.NaN()} {
		t.Run(fmt.Sprint(ratio), func(t *testing.T) {
			rec := tracetest.NewSpanRecorder()
			tp := sdktrace.NewTracerProvider(
				sdktrace.WithSpanProcessor(sessiontrace.NewSpanProcessor()),
				sdktrace.WithSpanProcessor(sessiontrace.NewSessionSampler(ratio, rec)))
			defer tp.Shutdown(context.Background())

			want := map[string]int{"": 2} // a session-less turn always passes
			emit(tp, "", "no session")
			for _, v := range sessionVectors {
				emit(tp, v.id, "turn of "+v.id)
				if sessiontrace.KeepSession(v.id, ratio) {
					want[v.id] = 2
				}
			}
			if got := sessionsOf(rec.Ended()); !maps.Equal(got, want) {
				t.Errorf("spans reaching next, by session: %v, want %v", got, want)
			}
			if n := len(rec.Started()); n != 2*(len(sessionVectors)+1) {
				t.Errorf("next saw %d span starts, want every one: %d", n, 2*(len(sessionVectors)+1))
			}
		})
	}
}

// A span's session is read when it ends: the middleware stamps the server
// span after it started. Without session.id, gen_ai.conversation.id counts,
// as in Phoenix; values of another type are no session.
func TestSessionSamplerReadsTheSessionAtEnd(t *testing.T) {
	cases := []struct {
		name  string
		attrs []attribute.KeyValue
		pass  bool
	}{
		{"session.id set after start, kept", []attribute.KeyValue{attribute.String("session.id", "chat-2")}, true},
		{"session.id set after start, dropped", []attribute.KeyValue{attribute.String("session.id", "chat-6")}, false},
		{"gen_ai.conversation.id kept", []attribute.KeyValue{attribute.String("gen_ai.conversation.id", "chat-2")}, true},
		{"gen_ai.conversation.id dropped", []attribute.KeyValue{attribute.String("gen_ai.conversation.id", "chat-6")}, false},
		{"session.id wins over gen_ai.conversation.id", []attribute.KeyValue{
			attribute.String("gen_ai.conversation.id", "chat-6"), attribute.String("session.id", "chat-2")}, true},
		{"session.id wins, dropped", []attribute.KeyValue{
			attribute.String("session.id", "chat-6"), attribute.String("gen_ai.conversation.id", "chat-2")}, false},
		{"empty session.id falls back", []attribute.KeyValue{
			attribute.String("session.id", ""), attribute.String("gen_ai.conversation.id", "chat-6")}, false},
		{"session.id of another type", []attribute.KeyValue{attribute.Int("session.id", 6)}, true},
		{"session.id replaced before the end", []attribute.KeyValue{
			attribute.String("session.id", "chat-2"), attribute.String("session.id", "chat-6")}, false},
		{"no session", []attribute.KeyValue{attribute.String("user.id", "chat-6")}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tp, rec := spantest.NewProvider(t)
			exp := tracetest.NewInMemoryExporter()
			tp.RegisterSpanProcessor(sessiontrace.NewSessionSampler(0.1, sdktrace.NewSimpleSpanProcessor(exp)))
			_, span := tp.Tracer("test").Start(context.Background(), "server")
			for _, kv := range c.attrs {
				span.SetAttributes(kv)
			}
			span.End()
			spantest.Only(t, rec) // the recorder beside the sampler sees it either way
			if got := len(exp.GetSpans()) == 1; got != c.pass {
				t.Errorf("span exported = %v, want %v", got, c.pass)
			}
		})
	}
}

// Two replicas (or two services) with the same ratio export the same
// sessions, each kept whole, whichever replica served which turn.
func TestSessionSamplerReplicasAgree(t *testing.T) {
	const ratio, sessions, turns = 0.3, 200, 3
	var exporters [2]*tracetest.InMemoryExporter
	var tps [2]*sdktrace.TracerProvider
	for i := range tps {
		exporters[i] = tracetest.NewInMemoryExporter()
		tps[i] = sdktrace.NewTracerProvider(
			sdktrace.WithSpanProcessor(sessiontrace.NewSpanProcessor()),
			sdktrace.WithSpanProcessor(sessiontrace.NewSessionSampler(ratio, sdktrace.NewBatchSpanProcessor(exporters[i]))))
	}
	want := map[string]bool{}
	for s := range sessions {
		id := fmt.Sprintf("replica-test-%d", s)
		for turn := range turns {
			emit(tps[(s+turn)%2], id, fmt.Sprintf("turn %d", turn))
		}
		if sessiontrace.KeepSession(id, ratio) {
			want[id] = true
		}
	}
	perReplica := [2]map[string]bool{}
	spans := map[string]int{}
	for i, tp := range tps {
		defer tp.Shutdown(context.Background())
		if err := tp.ForceFlush(context.Background()); err != nil { // the in-memory exporter forgets at shutdown
			t.Fatal(err)
		}
		perReplica[i] = map[string]bool{}
		for _, s := range exporters[i].GetSpans() {
			id := spantest.String(s.Snapshot(), "session.id")
			perReplica[i][id] = true
			spans[id]++
		}
	}
	if len(want) < sessions/5 || len(want) > sessions/2 {
		t.Fatalf("%d of %d sessions kept at ratio %v: the test's sessions are not a fair sample", len(want), sessions, ratio)
	}
	for i, got := range perReplica {
		if !maps.Equal(got, want) {
			t.Errorf("replica %d exported sessions %v, want %v", i, slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(want)))
		}
	}
	for id, n := range spans {
		if n != 2*turns {
			t.Errorf("session %s: %d spans exported, want all %d", id, n, 2*turns)
		}
	}
}

// counting is a next processor that counts flushes and shutdowns and
// returns err from them.
type counting struct {
	flushes, shutdowns int
	err                error
}

func (*counting) OnStart(context.Context, sdktrace.ReadWriteSpan) {}
func (*counting) OnEnd(sdktrace.ReadOnlySpan)                     {}
func (c *counting) Shutdown(context.Context) error                { c.shutdowns++; return c.err }
func (c *counting) ForceFlush(context.Context) error              { c.flushes++; return c.err }

func TestSessionSamplerPassesFlushAndShutdown(t *testing.T) {
	next := &counting{err: errors.New("collector unreachable")}
	p := sessiontrace.NewSessionSampler(0.1, next)
	if err := p.ForceFlush(context.Background()); !errors.Is(err, next.err) {
		t.Errorf("ForceFlush = %v, want next's error", err)
	}
	if err := p.Shutdown(context.Background()); !errors.Is(err, next.err) {
		t.Errorf("Shutdown = %v, want next's error", err)
	}
	if next.flushes != 1 || next.shutdowns != 1 {
		t.Errorf("next got %d flushes and %d shutdowns, want 1 each", next.flushes, next.shutdowns)
	}
}

// Without next there is nothing to pass spans to: no panic, no error.
func TestSessionSamplerWithoutNext(t *testing.T) {
	p := sessiontrace.NewSessionSampler(0.5, nil)
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(sessiontrace.NewSpanProcessor()), sdktrace.WithSpanProcessor(p))
	emit(tp, "chat-2", "kept")
	emit(tp, "abc", "dropped")
	emit(tp, "", "no session")
	if err := tp.ForceFlush(context.Background()); err != nil {
		t.Errorf("ForceFlush = %v", err)
	}
	if err := tp.Shutdown(context.Background()); err != nil {
		t.Errorf("Shutdown = %v", err)
	}
}

type noopExporter struct{}

func (noopExporter) ExportSpans(context.Context, []sdktrace.ReadOnlySpan) error { return nil }
func (noopExporter) Shutdown(context.Context) error                             { return nil }

// BenchmarkSessionSampler is the cost of OnEnd for one span: the SDK's
// batcher alone (the baseline), the session sampler in front of it for a
// span without a session, of a kept session and of a dropped one, and the
// sampler alone. The
// span has the attributes of an otelhttp server span with session and
// user stamped last, as the middleware does, so the sampler reads them all.
func BenchmarkSessionSampler(b *testing.B) {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	server := []attribute.KeyValue{
		attribute.String("http.request.method", "POST"), attribute.String("url.scheme", "http"),
		attribute.String("server.address", "127.0.0.1"), attribute.Int("server.port", 8080),
		attribute.String("network.peer.address", "127.0.0.1"), attribute.Int("network.peer.port", 51234),
		attribute.String("user_agent.original", "Go-http-client/1.1"), attribute.String("client.address", "127.0.0.1"),
		attribute.String("url.path", "/chat"), attribute.String("network.protocol.version", "1.1"),
		attribute.Int("http.response.status_code", 200),
	}
	span := func(session string) sdktrace.ReadOnlySpan {
		_, s := tp.Tracer("bench").Start(context.Background(), "chat", trace.WithAttributes(server...))
		if session != "" {
			s.SetAttributes(attribute.String("session.id", session), attribute.String("user.id", "user-1"))
		}
		s.End()
		ended := rec.Ended()
		return ended[len(ended)-1]
	}
	spans := []struct {
		name string
		span sdktrace.ReadOnlySpan
	}{
		{"no-session", span("")},
		{"kept", span("chat-2")},
		{"dropped", span("chat-6")},
	}
	batcher := sdktrace.NewBatchSpanProcessor(noopExporter{})
	defer batcher.Shutdown(context.Background())
	sampler := sessiontrace.NewSessionSampler(0.1, batcher)

	b.Run("batcher", func(b *testing.B) {
		b.ReportAllocs()
		s := spans[0].span
		for b.Loop() {
			batcher.OnEnd(s)
		}
	})
	alone := sessiontrace.NewSessionSampler(0.1, &counting{})
	for _, c := range spans {
		b.Run("sampler+batcher/"+c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				sampler.OnEnd(c.span)
			}
		})
	}
	// The sampler's own work, in front of a processor that does nothing.
	for _, c := range spans {
		b.Run("sampler/"+c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				alone.OnEnd(c.span)
			}
		})
	}
}
