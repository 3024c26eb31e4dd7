package main

import (
	"strings"
	"testing"

	semconv "github.com/Arize-ai/openinference/go/openinference-semantic-conventions"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
)

// fakeTrace builds the two spans sessiontrace exports for request r, as
// the receiver decodes them: the server span (the turn) and the LLM span.
func fakeTrace(n byte, r sentRequest) []Span {
	tid := trace.TraceID{n}
	ids := []attribute.KeyValue{attribute.String(semconv.SessionID, r.Session), attribute.String(semconv.UserID, r.User)}
	root := Span{TraceID: tid, SpanID: trace.SpanID{n, 1}, Kind: trace.SpanKindServer, Name: "POST /chat",
		Attrs: append([]attribute.KeyValue{
			attribute.String(semconv.OpenInferenceSpanKind, "CHAIN"),
			attribute.String(semconv.InputValue, r.Message),
			attribute.String(semconv.OutputValue, "You said: "+r.Message),
		}, ids...)}
	llm := Span{TraceID: tid, SpanID: trace.SpanID{n, 2}, Parent: root.SpanID, Kind: trace.SpanKindClient, Name: "ChatCompletion",
		Attrs: append([]attribute.KeyValue{
			attribute.String(semconv.OpenInferenceSpanKind, "LLM"),
			attribute.String(semconv.InputValue, `{"messages":[{"content":"`+r.Message+`"}]}`),
			attribute.Int(semconv.LLMTokenCountPrompt, 5), attribute.Int(semconv.LLMTokenCountCompletion, 7),
		}, ids...)}
	out := []Span{root, llm}
	for i := range out {
		out[i].Markers = out[i].findMarkers()
	}
	return out
}

func request(n int, session, user string) sentRequest {
	m := marker{Session: session, N: n}
	return sentRequest{N: n, Session: session, User: user, Message: defaultMessage(m), Status: 200}
}

func TestVerify(t *testing.T) {
	sent := []sentRequest{request(1, "s1", "u1"), request(2, "s2", "u2"), request(3, "s1", "u1")}
	clean := func() []Span {
		var spans []Span
		for i, r := range sent {
			spans = append(spans, fakeTrace(byte(i+1), r)...)
		}
		return spans
	}
	st := verifyOptions{Sessiontrace: true, InputsVisible: true}

	for _, tc := range []struct {
		name             string
		opt              verifyOptions
		mutate           func([]Span) []Span
		lost, contam     int
		problemSubstring string
	}{
		{name: "clean", opt: st, mutate: func(s []Span) []Span { return s }},
		{name: "clean, inputs masked", opt: verifyOptions{Sessiontrace: true}, mutate: func(s []Span) []Span { return s }},
		{name: "a trace lost", opt: st, mutate: func(s []Span) []Span { return s[2:] }, lost: 1, problemSubstring: "no complete trace"},
		{name: "an LLM span lost", opt: st, mutate: func(s []Span) []Span { return append(s[:1:1], s[2:]...) }, lost: 1, problemSubstring: "LLM spans"},
		{name: "a root lost", opt: st, mutate: func(s []Span) []Span { return s[1:] }, lost: 1, problemSubstring: "0 root spans"},
		{
			name: "the LLM span stamped with another session", opt: st, lost: 0, contam: 1,
			mutate: func(s []Span) []Span {
				s[1].Attrs[len(s[1].Attrs)-2] = attribute.String(semconv.SessionID, "s2")
				return s
			},
			problemSubstring: "carries text of session",
		},
		{
			name: "history of another session in the LLM input", opt: st, contam: 1,
			mutate: func(s []Span) []Span {
				s[1].Markers = append(s[1].Markers, marker{"s2", 2})
				return s
			},
			problemSubstring: `carries text of session "s2"`,
		},
		{
			name: "a root in the wrong session", opt: st, contam: 1,
			mutate: func(s []Span) []Span {
				for i := range s[:2] {
					s[i].Attrs[len(s[i].Attrs)-2] = attribute.String(semconv.SessionID, "s9")
					s[i].Markers = []marker{{"s9", 1}}
				}
				return s
			},
			problemSubstring: "was sent as session",
		},
		{
			name: "a root without a user", opt: st, contam: 1,
			mutate: func(s []Span) []Span {
				s[0].Attrs = s[0].Attrs[:len(s[0].Attrs)-1]
				return s
			},
			problemSubstring: "no user.id",
		},
		{
			name: "a request traced twice", opt: st,
			mutate: func(s []Span) []Span {
				dup := fakeTrace(9, sent[0])
				return append(s, dup...)
			},
			problemSubstring: "has two traces",
		},
		{
			name: "masked inputs: counts per session disagree", opt: verifyOptions{Sessiontrace: true},
			mutate: func(s []Span) []Span {
				for i := 4; i < 6; i++ { // request 3 (s1) exported as s2
					s[i].Attrs[len(s[i].Attrs)-2] = attribute.String(semconv.SessionID, "s2")
					s[i].Attrs[len(s[i].Attrs)-1] = attribute.String(semconv.UserID, "u2")
					s[i].Markers = nil
				}
				return s
			},
			problemSubstring: "traces exported",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := verify(tc.mutate(clean()), sent, tc.opt)
			if v.Lost != tc.lost || v.Contaminated != tc.contam {
				t.Errorf("lost %d, contaminated %d; want %d, %d; problems %q", v.Lost, v.Contaminated, tc.lost, tc.contam, v.Problems)
			}
			if tc.problemSubstring == "" && len(v.Problems) > 0 {
				t.Errorf("problems %q", v.Problems)
			}
			if tc.problemSubstring != "" && !strings.Contains(strings.Join(v.Problems, "\n"), tc.problemSubstring) {
				t.Errorf("problems %q, want one containing %q", v.Problems, tc.problemSubstring)
			}
			if tc.name == "clean" && (v.Traces != 3 || v.OK != 3 || v.Sessions != 2) {
				t.Errorf("verdict %+v", v)
			}
		})
	}
}

func TestVerifyBaseline(t *testing.T) {
	sent := []sentRequest{request(1, "s1", "u1"), request(2, "s1", "u1")}
	var spans []Span
	for i, r := range sent {
		spans = append(spans, fakeTrace(byte(i+1), r)[0]) // the server span alone
	}
	if v := verify(spans, sent, verifyOptions{}); v.Lost != 0 || len(v.Problems) != 0 {
		t.Errorf("baseline: %+v", v)
	}
	if v := verify(spans[:1], sent, verifyOptions{}); v.Lost != 1 {
		t.Errorf("baseline with a trace lost: %+v", v)
	}
	sent[1].Status = 502
	if v := verify(spans[:1], sent, verifyOptions{}); v.Lost != 0 || !strings.Contains(strings.Join(v.Problems, ""), "1 of 2 requests failed") {
		t.Errorf("a failed request: %+v", v)
	}
}
