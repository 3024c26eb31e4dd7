package middleware_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	semconv "github.com/Arize-ai/openinference/go/openinference-semantic-conventions"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/baggage"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/sessiontrace/sessiontrace"
	"github.com/sessiontrace/sessiontrace/internal/spantest"
	"github.com/sessiontrace/sessiontrace/middleware"
)

func TestServerSpanCarriesSessionAndTurn(t *testing.T) {
	rec, tp := tracing(t)
	var got ids
	h := instrument(tp, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = ids{sessiontrace.SessionID(r.Context()), sessiontrace.UserID(r.Context())}
		// Downstream work in a child span: the output still lands on the
		// server span, which is the turn.
		ctx, child := tp.Tracer("test").Start(r.Context(), "llm")
		sessiontrace.SetOutput(ctx, "Hello!")
		child.End()
		w.WriteHeader(http.StatusOK)
	}))

	w := httptest.NewRecorder()
	h.ServeHTTP(w, newRequest(map[string]string{"X-Session-ID": "conv-1", "X-User-ID": "alice"}))

	if got != (ids{"conv-1", "alice"}) {
		t.Errorf("handler context = %+v, want conv-1/alice", got)
	}
	server := spantest.Attrs(serverSpan(t, rec))
	for k, want := range map[string]string{
		semconv.SessionID:             "conv-1",
		semconv.UserID:                "alice",
		semconv.OpenInferenceSpanKind: "CHAIN",
		semconv.OutputValue:           "Hello!",
	} {
		if server[k].AsString() != want {
			t.Errorf("server span %s = %q, want %q", k, server[k].AsString(), want)
		}
	}
	for _, s := range rec.Ended() {
		if s.Name() != "llm" {
			continue
		}
		a := spantest.Attrs(s)
		if a[semconv.SessionID].AsString() != "conv-1" || a[semconv.UserID].AsString() != "alice" {
			t.Errorf("child span attributes = %v, want the session and user", a)
		}
		if _, ok := a[semconv.OutputValue]; ok {
			t.Errorf("output.value on the child span, want it on the turn only")
		}
	}
}

func TestSources(t *testing.T) {
	// Each case says which request reaches the middleware and what the
	// handler must see.
	tests := []struct {
		name   string
		opts   []middleware.Option
		header map[string]string
		target string
		want   ids
	}{
		{"none", nil, nil, "", ids{}},
		{"headers", nil, map[string]string{"X-Session-ID": "s1", "X-User-ID": "u1"}, "", ids{"s1", "u1"}},
		{"header case", nil, map[string]string{"x-session-id": "s1"}, "", ids{"s1", ""}},
		{"default cookie", nil, map[string]string{"Cookie": "a=b; oi_session_id=s2; c=d"}, "", ids{"s2", ""}},
		{"quoted cookie", nil, map[string]string{"Cookie": `oi_session_id="s2"`}, "", ids{"s2", ""}},
		{"other cookies ignored", nil, map[string]string{"Cookie": "session=login-secret; sid=x"}, "", ids{}},
		{"baggage header", nil, map[string]string{"Baggage": "session.id=s3,user.id=u3"}, "", ids{"s3", "u3"}},
		{"baggage escaped", nil, map[string]string{"Baggage": "session.id=s%2F3"}, "", ids{"s/3", ""}},
		{"header before cookie", nil, map[string]string{"X-Session-ID": "s1", "Cookie": "oi_session_id=s2"}, "", ids{"s1", ""}},
		{"cookie before baggage", nil, map[string]string{"Cookie": "oi_session_id=s2", "Baggage": "session.id=s3"}, "", ids{"s2", ""}},
		{"header before baggage", nil, map[string]string{"X-User-ID": "u1", "Baggage": "user.id=u3"}, "", ids{"", "u1"}},
		{
			"SessionFrom replaces defaults",
			[]middleware.Option{middleware.SessionFrom(middleware.Header("X-Conversation"))},
			map[string]string{"X-Session-ID": "s1", "X-Conversation": "c1"}, "", ids{"c1", ""},
		},
		{
			"SessionFrom query",
			[]middleware.Option{middleware.SessionFrom(middleware.Query("session"))},
			nil, "/chat?x=1&session=q%2B1", ids{"q+1", ""},
		},
		{
			"SessionFrom named cookie",
			[]middleware.Option{middleware.SessionFrom(middleware.Cookie("conv"))},
			map[string]string{"Cookie": "conv=c9; oi_session_id=s2"}, "", ids{"c9", ""},
		},
		{
			"SessionFrom baggage key",
			[]middleware.Option{middleware.SessionFrom(middleware.Baggage("conversation"))},
			map[string]string{"Baggage": "conversation=b1, session.id=s3"}, "", ids{"b1", ""},
		},
		{
			"SessionFrom no sources",
			[]middleware.Option{middleware.SessionFrom()},
			map[string]string{"X-Session-ID": "s1", "X-User-ID": "u1"}, "", ids{"", "u1"},
		},
		{
			"SessionFrom nil sources skipped",
			[]middleware.Option{middleware.SessionFrom(nil, middleware.Header("X-Session-ID"), nil)},
			map[string]string{"X-Session-ID": "s1"}, "", ids{"s1", ""},
		},
		{
			"UserFrom function",
			[]middleware.Option{middleware.UserFrom(func(r *http.Request) string { return r.Header.Get("X-Auth-User") })},
			map[string]string{"X-User-ID": "forged", "X-Auth-User": "verified"}, "", ids{"", "verified"},
		},
		{
			"UserFrom no sources",
			[]middleware.Option{middleware.UserFrom()},
			map[string]string{"X-User-ID": "forged"}, "", ids{},
		},
		{
			"empty names read nothing",
			[]middleware.Option{middleware.SessionFrom(middleware.Header(""), middleware.Cookie(""), middleware.Query(""), middleware.Baggage(""))},
			map[string]string{"X-Session-ID": "s1", "Cookie": "=c", "Baggage": "session.id=s3"}, "/chat?=q", ids{},
		},
		{"nil options", []middleware.Option{nil}, map[string]string{"X-Session-ID": "s1"}, "", ids{"s1", ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got ids
			h := middleware.Handler(capture(&got), tt.opts...)
			r := newRequest(tt.header)
			if tt.target != "" {
				r = httptest.NewRequest(http.MethodGet, tt.target, nil)
				for k, v := range tt.header {
					r.Header.Set(k, v)
				}
			}
			h.ServeHTTP(httptest.NewRecorder(), r)
			if got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestValidation(t *testing.T) {
	long := strings.Repeat("a", 129)
	tests := []struct {
		name    string
		opts    []middleware.Option
		session string // X-Session-ID; the cookie always holds "fallback"
		want    string
	}{
		{"valid", nil, "conv-1_A.b~!", "conv-1_A.b~!"},
		{"128 bytes", nil, long[:128], long[:128]},
		{"129 bytes", nil, long, "fallback"},
		{"space", nil, "a b", "fallback"},
		{"tab", nil, "a\tb", "fallback"},
		{"CR LF", nil, "a\r\nSet-Cookie: x=y", "fallback"},
		{"NUL", nil, "a\x00b", "fallback"},
		{"DEL", nil, "a\x7fb", "fallback"},
		{"non-ASCII", nil, "séance", "fallback"},
		{"invalid UTF-8", nil, "a\xffb", "fallback"},
		{"empty", nil, "", "fallback"},
		{"max length", []middleware.Option{middleware.WithMaxIDLength(4)}, "abcde", ""}, // "fallback" is too long too
		{"max length fits", []middleware.Option{middleware.WithMaxIDLength(4)}, "abcd", "abcd"},
		{"max length ignored", []middleware.Option{middleware.WithMaxIDLength(0)}, long[:128], long[:128]},
		{
			"validator replaces the character check",
			[]middleware.Option{middleware.WithValidator(func(v string) bool { return strings.HasPrefix(v, "conv ") })},
			"conv 1", "conv 1",
		},
		{
			"validator rejects",
			[]middleware.Option{middleware.WithValidator(func(v string) bool { return v == "fallback" })},
			"conv-1", "fallback",
		},
		{"nil validator", []middleware.Option{middleware.WithValidator(nil)}, "a b", "fallback"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got ids
			h := middleware.Handler(capture(&got), tt.opts...)
			r := newRequest(map[string]string{"Cookie": "oi_session_id=fallback"})
			if tt.session != "" {
				r.Header["X-Session-Id"] = []string{tt.session}
			}
			h.ServeHTTP(httptest.NewRecorder(), r)
			if got.session != tt.want {
				t.Errorf("session = %q, want %q", got.session, tt.want)
			}
		})
	}
}

func TestValidationAppliesToUsers(t *testing.T) {
	var got ids
	h := middleware.Handler(capture(&got), middleware.WithMaxIDLength(5))
	h.ServeHTTP(httptest.NewRecorder(), newRequest(map[string]string{"X-User-ID": "toolong", "Baggage": "user.id=bob"}))
	if got.user != "bob" {
		t.Errorf("user = %q, want the baggage fallback bob", got.user)
	}
	h.ServeHTTP(httptest.NewRecorder(), newRequest(map[string]string{"X-User-ID": "a\nb"}))
	if got.user != "" {
		t.Errorf("user = %q, want none", got.user)
	}
}

func TestValidatorSeesOnlyBoundedValues(t *testing.T) {
	var seen []string
	h := middleware.Handler(http.NotFoundHandler(),
		middleware.WithMaxIDLength(3),
		middleware.WithValidator(func(v string) bool { seen = append(seen, v); return true }))
	h.ServeHTTP(httptest.NewRecorder(), newRequest(map[string]string{"X-Session-ID": "abcd", "X-User-ID": "abc"}))
	if len(seen) != 1 || seen[0] != "abc" {
		t.Errorf("validator saw %q, want only the value within the limit", seen)
	}
}

// Invalid values must not reach any span, response header or cookie.
func TestInvalidValuesAreNeverEchoed(t *testing.T) {
	rec, tp := tracing(t)
	const evil = "evil\r\nSet-Cookie: pwned=1"
	h := instrument(tp, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, span := tp.Tracer("test").Start(r.Context(), "child")
		span.End()
	}), middleware.WithSessionCookie(middleware.SessionCookie{}))
	r := newRequest(map[string]string{"X-User-ID": evil, "Baggage": "session.id=a%20b"})
	r.Header["X-Session-Id"] = []string{evil}
	r.Header["Cookie"] = []string{`oi_session_id="evil value"`}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)

	for _, s := range rec.Ended() {
		for _, kv := range s.Attributes() {
			if v := kv.Value.String(); strings.Contains(v, "evil") || strings.Contains(v, "a b") {
				t.Errorf("span %s: %s = %q", s.Name(), kv.Key, v)
			}
		}
	}
	for k, vs := range w.Header() {
		for _, v := range vs {
			if strings.Contains(v, "evil") || strings.Contains(v, "pwned") {
				t.Errorf("response header %s: %q", k, v)
			}
		}
	}
	if n := len(w.Result().Cookies()); n != 1 {
		t.Fatalf("got %d cookies, want the one minted session", n)
	}
}

func TestOptions(t *testing.T) {
	t.Run("WithSpanKind", func(t *testing.T) {
		rec, tp := tracing(t)
		instrument(tp, http.NotFoundHandler(), middleware.WithSpanKind("agent")).
			ServeHTTP(httptest.NewRecorder(), newRequest(nil))
		if got := spantest.Attrs(serverSpan(t, rec))[semconv.OpenInferenceSpanKind].AsString(); got != semconv.SpanKindAgent {
			t.Errorf("span kind = %q, want AGENT", got)
		}
	})
	t.Run("WithSpanKind empty", func(t *testing.T) {
		rec, tp := tracing(t)
		instrument(tp, http.NotFoundHandler(), middleware.WithSpanKind("")).
			ServeHTTP(httptest.NewRecorder(), newRequest(nil))
		if got := spantest.Attrs(serverSpan(t, rec))[semconv.OpenInferenceSpanKind].AsString(); got != semconv.SpanKindChain {
			t.Errorf("span kind = %q, want CHAIN", got)
		}
	})
	t.Run("WithoutTurn", func(t *testing.T) {
		for _, bind := range []bool{true, false} {
			rec, tp := tracing(t)
			var opts []middleware.Option
			if !bind {
				opts = append(opts, middleware.WithoutTurn())
			}
			instrument(tp, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				ctx, child := tp.Tracer("test").Start(r.Context(), "child")
				sessiontrace.SetOutput(ctx, "reply")
				child.End()
			}), opts...).ServeHTTP(httptest.NewRecorder(), newRequest(map[string]string{"X-Session-ID": "s1"}))

			server := spantest.Attrs(serverSpan(t, rec))
			if server[semconv.SessionID].AsString() != "s1" {
				t.Errorf("bind=%v: server span session.id = %q, want s1", bind, server[semconv.SessionID].AsString())
			}
			// Bound, the output goes to the turn; unbound, to the current span.
			_, onServer := server[semconv.OutputValue]
			if onServer != bind {
				t.Errorf("bind=%v: output on server span = %v", bind, onServer)
			}
		}
	})
	t.Run("WithFilter", func(t *testing.T) {
		rec, tp := tracing(t)
		var got ids
		h := instrument(tp, capture(&got),
			middleware.WithFilter(func(r *http.Request) bool { return r.URL.Path != "/healthz" }),
			middleware.WithFilter(nil),
			middleware.WithSessionCookie(middleware.SessionCookie{}))
		r := httptest.NewRequest(http.MethodGet, "/healthz", nil)
		r.Header.Set("X-Session-ID", "s1")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if got != (ids{}) {
			t.Errorf("filtered request context = %+v, want nothing", got)
		}
		a := spantest.Attrs(serverSpan(t, rec))
		if _, ok := a[semconv.SessionID]; ok {
			t.Errorf("filtered request stamped session.id")
		}
		if _, ok := a[semconv.OpenInferenceSpanKind]; ok {
			t.Errorf("filtered request stamped openinference.span.kind")
		}
		if c := w.Header().Get("Set-Cookie"); c != "" {
			t.Errorf("filtered request got a cookie: %q", c)
		}

		h.ServeHTTP(httptest.NewRecorder(), newRequest(map[string]string{"X-Session-ID": "s1"}))
		if got.session != "s1" {
			t.Errorf("unfiltered request session = %q, want s1", got.session)
		}
	})
	t.Run("several filters all apply", func(t *testing.T) {
		var got ids
		h := middleware.Handler(capture(&got),
			middleware.WithFilter(func(*http.Request) bool { return true }),
			middleware.WithFilter(func(*http.Request) bool { return false }))
		h.ServeHTTP(httptest.NewRecorder(), newRequest(map[string]string{"X-Session-ID": "s1"}))
		if got.session != "" {
			t.Errorf("session = %q, want none", got.session)
		}
	})
	t.Run("New wraps many handlers", func(t *testing.T) {
		mw := middleware.New(middleware.SessionFrom(middleware.Header("X-Conv")))
		for i := range 2 {
			var got ids
			mw(capture(&got)).ServeHTTP(httptest.NewRecorder(), newRequest(map[string]string{"X-Conv": "c"}))
			if got.session != "c" {
				t.Errorf("handler %d: session = %q", i, got.session)
			}
		}
	})
}

func TestBaggageIn(t *testing.T) {
	t.Run("from context before header", func(t *testing.T) {
		var got ids
		inject := func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				m, _ := baggage.NewMember("session.id", "from-context")
				b, _ := baggage.New(m)
				next.ServeHTTP(w, r.WithContext(baggage.ContextWithBaggage(r.Context(), b)))
			})
		}
		inject(middleware.Handler(capture(&got))).ServeHTTP(httptest.NewRecorder(),
			newRequest(map[string]string{"Baggage": "session.id=from-header,user.id=u1"}))
		if got != (ids{"from-context", "u1"}) {
			t.Errorf("got %+v, want the context's session and the header's user", got)
		}
	})
	t.Run("through otelhttp's propagator", func(t *testing.T) {
		rec, tp := tracing(t)
		var got ids
		instrument(tp, capture(&got)).ServeHTTP(httptest.NewRecorder(),
			newRequest(map[string]string{"Baggage": "user.id=u7;prop=1, session.id=s7"}))
		if got != (ids{"s7", "u7"}) {
			t.Errorf("got %+v", got)
		}
		if a := spantest.Attrs(serverSpan(t, rec)); a[semconv.SessionID].AsString() != "s7" {
			t.Errorf("server span session.id = %q", a[semconv.SessionID].AsString())
		}
	})
	for _, header := range []string{
		"session.id",
		"session.id=%zz",
		";;;,,,===",
		"session.id=" + strings.Repeat("x", 9000),
		"session.id=a b",
		"session.id=\x00",
	} {
		t.Run("malformed "+header[:min(len(header), 16)], func(t *testing.T) {
			var got ids
			w := httptest.NewRecorder()
			middleware.Handler(capture(&got)).ServeHTTP(w, newRequest(map[string]string{"Baggage": header}))
			if got.session != "" || w.Code != http.StatusNoContent {
				t.Errorf("session %q, status %d; want none and the handler's 204", got.session, w.Code)
			}
		})
	}
	t.Run("partly malformed keeps the good members", func(t *testing.T) {
		var got ids
		middleware.Handler(capture(&got)).ServeHTTP(httptest.NewRecorder(),
			newRequest(map[string]string{"Baggage": "bad member,session.id=s8"}))
		if got.session != "s8" {
			t.Errorf("session = %q, want s8 as the OpenTelemetry propagator reads it", got.session)
		}
	})
}

// TestBaggageOut sends an outgoing request from the handler through an
// otelhttp client and looks at the baggage the next service receives.
func TestBaggageOut(t *testing.T) {
	prop := propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{})
	for _, propagate := range []bool{false, true} {
		_, tp := tracing(t)
		received := make(chan string, 1)
		next := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			received <- r.Header.Get("Baggage")
		}))
		client := &http.Client{Transport: otelhttp.NewTransport(http.DefaultTransport,
			otelhttp.WithTracerProvider(tp), otelhttp.WithPropagators(prop))}

		var opts []middleware.Option
		if propagate {
			opts = append(opts, middleware.WithBaggagePropagation())
		}
		h := instrument(tp, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			req, _ := http.NewRequestWithContext(r.Context(), http.MethodGet, next.URL, nil)
			resp, err := client.Do(req)
			if err != nil {
				t.Errorf("outgoing request: %v", err)
				return
			}
			resp.Body.Close()
		}), opts...)
		h.ServeHTTP(httptest.NewRecorder(), newRequest(map[string]string{"X-Session-ID": "s/1", "X-User-ID": "u1"}))
		next.Close()
		client.CloseIdleConnections()

		got, err := baggage.Parse(<-received)
		if err != nil {
			t.Fatalf("propagate=%v: outgoing baggage: %v", propagate, err)
		}
		if propagate {
			if got.Member("session.id").Value() != "s/1" || got.Member("user.id").Value() != "u1" {
				t.Errorf("outgoing baggage = %q, want session.id and user.id", got.String())
			}
		} else if got.Len() != 0 {
			t.Errorf("outgoing baggage = %q, want none without WithBaggagePropagation", got.String())
		}
	}
}

func TestBaggagePropagationReplacesIncoming(t *testing.T) {
	var bag baggage.Baggage
	h := middleware.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		bag = baggage.FromContext(r.Context())
	}), middleware.WithBaggagePropagation(), middleware.SessionFrom(middleware.Header("X-Session-ID")))
	r := newRequest(map[string]string{"X-Session-ID": "mine"})
	m1, _ := baggage.NewMember("session.id", "theirs")
	m2, _ := baggage.NewMember("tenant", "t1")
	in, _ := baggage.New(m1, m2)
	h.ServeHTTP(httptest.NewRecorder(), r.WithContext(baggage.ContextWithBaggage(r.Context(), in)))
	if bag.Member("session.id").Value() != "mine" || bag.Member("tenant").Value() != "t1" || bag.Len() != 2 {
		t.Errorf("baggage = %q, want session.id=mine and the tenant kept", bag.String())
	}
}

func TestPanicReachesCallerAndSpanEnds(t *testing.T) {
	rec, tp := tracing(t)
	boom := errors.New("boom")
	h := instrument(tp, http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic(boom) }))
	func() {
		defer func() {
			if p := recover(); p != boom {
				t.Errorf("recovered %v, want the handler's panic", p)
			}
		}()
		h.ServeHTTP(httptest.NewRecorder(), newRequest(map[string]string{"X-Session-ID": "s1"}))
		t.Errorf("ServeHTTP returned normally")
	}()
	if a := spantest.Attrs(serverSpan(t, rec)); a[semconv.SessionID].AsString() != "s1" {
		t.Errorf("ended server span session.id = %q, want s1", a[semconv.SessionID].AsString())
	}
}

func TestWithoutServerSpan(t *testing.T) {
	// No otelhttp: the context still carries the IDs, and a turn is not
	// bound to a span that records nothing, so SetOutput reaches the
	// handler's own span.
	rec, tp := tracing(t)
	h := middleware.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, span := tp.Tracer("test").Start(r.Context(), "handler")
		sessiontrace.SetOutput(ctx, "reply")
		span.End()
	}))
	h.ServeHTTP(httptest.NewRecorder(), newRequest(map[string]string{"X-Session-ID": "s1"}))
	a := spantest.Attrs(rec.Ended()[0])
	if a[semconv.SessionID].AsString() != "s1" || a[semconv.OutputValue].AsString() != "reply" {
		t.Errorf("handler span = %v, want session.id s1 and output.value reply", a)
	}
}

func TestNilAndUnchanged(t *testing.T) {
	w := httptest.NewRecorder()
	middleware.Handler(nil).ServeHTTP(w, newRequest(nil))
	if w.Code != http.StatusNotFound {
		t.Errorf("nil next: status %d, want 404", w.Code)
	}

	var e *middleware.Extractor
	r := newRequest(map[string]string{"X-Session-ID": "s1"})
	if e.Apply(w, r) != r {
		t.Errorf("nil Extractor changed the request")
	}
	e = middleware.NewExtractor(middleware.WithSessionCookie(middleware.SessionCookie{}))
	if e.Apply(w, nil) != nil {
		t.Errorf("nil request: want nil")
	}
	// Without a writer no cookie can be set, so nothing is minted.
	if got := e.Apply(nil, newRequest(nil)); sessiontrace.SessionID(got.Context()) != "" {
		t.Errorf("nil writer minted a session")
	}

	// Nothing to add: the very same request, no copy.
	r = newRequest(nil)
	if middleware.NewExtractor().Apply(w, r) != r {
		t.Errorf("request without IDs was copied")
	}
	// Something to add: a copy, the original untouched.
	r = newRequest(map[string]string{"X-Session-ID": "s1"})
	ctx := r.Context()
	out := middleware.NewExtractor().Apply(w, r)
	if out == r || r.Context() != ctx || sessiontrace.SessionID(out.Context()) != "s1" {
		t.Errorf("Apply must return a derived copy and leave the original alone")
	}
}

func TestSpanContextOnlyIsNotStamped(t *testing.T) {
	// A remote parent without a local span records nothing: IDs go to the
	// context only.
	var got ids
	sc := trace.NewSpanContext(trace.SpanContextConfig{TraceID: [16]byte{1}, SpanID: [8]byte{1}, Remote: true})
	r := newRequest(map[string]string{"X-Session-ID": "s1"})
	r = r.WithContext(trace.ContextWithRemoteSpanContext(context.Background(), sc))
	middleware.Handler(capture(&got)).ServeHTTP(httptest.NewRecorder(), r)
	if got.session != "s1" {
		t.Errorf("session = %q", got.session)
	}
}
