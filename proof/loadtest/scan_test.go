package main

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/sashabaranov/go-openai"
	"go.opentelemetry.io/otel/attribute"

	"github.com/sessiontrace/sessiontrace/llm/openai/openaitest"
)

func TestScanner(t *testing.T) {
	token := "0123456789abcdef01234567"
	sc := &scanner{prefixes: []string{"PLANTEDIN-"}, tokenLen: 24, isToken: func(s string) bool { return s == token }}
	for _, tc := range []struct {
		in   string
		hits int
	}{
		{"nothing here", 0},
		{"__REDACTED__", 0},
		{"my card is PLANTEDIN-" + token, 2},               // prefix and token
		{"cut: IN-" + token + " rest", 1},                  // the token alone
		{"glued: ff" + token + "ee", 1},                    // inside a longer run of hex digits
		{"almost: " + token[:23] + "x", 0},                 // one digit short
		{"other: 1123456789abcdef01234567", 0},             // 24 hex digits, not a secret
		{`{"content":"PLANTEDIN-\u0030123"}`, 1},           // the prefix, JSON-escaped digits
		{strings.Repeat("a", 100) + token + "\x00\x01", 1}, // in binary
	} {
		var hits []string
		sc.find(tc.in, func(what string, at int) { hits = append(hits, fmt.Sprintf("%s@%d", what, at)) })
		if len(hits) != tc.hits {
			t.Errorf("find(%.60q) = %q, want %d hits", tc.in, hits, tc.hits)
		}
	}
}

func TestScanRequest(t *testing.T) {
	sc := &scanner{prefixes: []string{hostileMark}}
	var f scanFindings
	spans := []Span{{Name: "POST", Attrs: []attribute.KeyValue{
		attribute.String("a", "fine"),
		attribute.StringSlice("tags", []string{"ok", "x" + hostileMark}),
		attribute.Int("n", 1),
	}}}
	f.scanRequest(sc, []byte("body"), spans)
	f.scanRequest(sc, []byte("body with "+hostileMark), nil)
	if f.Requests != 2 || f.Bytes != int64(len("body")+len("body with ")+len(hostileMark)) || f.Spans != 1 || f.Hits != 2 || len(f.Findings) != 2 {
		t.Errorf("findings: %d requests, %d bytes, %d spans, %d hits %q", f.Requests, f.Bytes, f.Spans, f.Hits, f.Findings)
	}
	// name, status message, "fine", "ok", "xHSTL"
	if f.Strings != 5 {
		t.Errorf("%d strings scanned, want 5", f.Strings)
	}
}

func TestSecrets(t *testing.T) {
	s := newSecrets()
	m := marker{"s", 1}
	msg := s.message(m)
	if !strings.HasPrefix(msg, m.String()) || !strings.Contains(msg, secretInPrefix) {
		t.Fatalf("message %q", msg)
	}
	_, after, _ := strings.Cut(msg, secretInPrefix)
	in := after[:secretLen]
	if !s.isToken(in) || !s.isToken(s.outFor(in)) || s.count() != 2 {
		t.Errorf("the secrets of %q are not remembered", msg)
	}
	if s.message(marker{"s", 2}) == msg || newSecrets().derive("in", m.String()) == in {
		t.Errorf("secrets repeat across requests or runs")
	}

	req := openaitest.Request{Chat: &openai.ChatCompletionRequest{Messages: []openai.ChatCompletionMessage{
		{Role: "system", Content: "be brief"},
		{Role: "user", Content: msg},
	}}}
	reply := s.responder(req).Content
	if !strings.Contains(reply, m.String()) || !strings.Contains(reply, secretInPrefix+in) || !strings.Contains(reply, secretOutPrefix+s.outFor(in)) {
		t.Errorf("reply %q lacks the marker or a secret", reply)
	}
}

func TestSetEnv(t *testing.T) {
	t.Setenv("LOADTEST_A", "before")
	restore := setEnv([]string{"LOADTEST_A", "LOADTEST_B"}, "true")
	if v, v2 := os.Getenv("LOADTEST_A"), os.Getenv("LOADTEST_B"); v != "true" || v2 != "true" {
		t.Errorf("set: %q %q", v, v2)
	}
	restore()
	if v := os.Getenv("LOADTEST_A"); v != "before" {
		t.Errorf("restored A = %q", v)
	}
	if _, ok := os.LookupEnv("LOADTEST_B"); ok {
		t.Errorf("B was unset before and is set after")
	}
}
