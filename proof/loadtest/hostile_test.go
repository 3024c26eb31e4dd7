package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode"
)

// The burst is only meaningful if hostileMark is confined to values the
// middleware must reject, and the cases can be told apart in the traces.
func TestHostileCases(t *testing.T) {
	names := map[string]bool{}
	for _, c := range hostileCases() {
		if names[c.name] {
			t.Errorf("%s: duplicate name", c.name)
		}
		names[c.name] = true
		var parsed []marker
		parseMarkers(defaultMessage(marker{"hostile-" + c.name, 1}), func(m marker) { parsed = append(parsed, m) })
		if len(parsed) != 1 {
			t.Errorf("%s: the name does not fit in a marker", c.name)
		}
		if strings.Contains(c.fallback, hostileMark) {
			t.Errorf("%s: the fallback %q holds the hostile mark", c.name, c.fallback)
		}
		if c.fallback != "" && !strings.HasPrefix(c.fallback, "fb-") {
			t.Errorf("%s: fallback %q", c.name, c.fallback)
		}
		if c.name != "control" {
			has := false
			for _, l := range c.lines {
				has = has || strings.Contains(l, hostileMark)
			}
			if !has {
				t.Errorf("%s: no line holds the hostile mark", c.name)
			}
		}
		// The first X-Session-ID and X-User-ID are what the middleware reads:
		// one that passed its checks would rightly be recorded, so a value
		// carrying the mark must fail them. (Baggage and cookie values are
		// parsed first; the burst's scan checks those end to end.)
		first := map[string]bool{}
		for _, l := range c.lines {
			k, v, _ := strings.Cut(l, ":")
			if (k != "X-Session-ID" && k != "X-User-ID") || first[k] {
				continue
			}
			first[k] = true
			if strings.Contains(v, hostileMark) && validID(strings.TrimSpace(v)) {
				t.Errorf("%s: %.60q is a valid ID", c.name, l)
			}
		}
	}
	if !names["control"] {
		t.Errorf("no control case")
	}
}

// validID is the middleware's default check: at most 128 bytes of
// printable ASCII without spaces.
func validID(s string) bool {
	if s == "" || len(s) > 128 {
		return false
	}
	for _, r := range s {
		if r <= ' ' || r > '~' || !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}

func TestSendRaw(t *testing.T) {
	var got http.Header
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Clone()
		w.Write([]byte(`{"reply":"ok"}`))
	}))
	defer srv.Close()
	addr := strings.TrimPrefix(srv.URL, "http://")

	r := &sentRequest{Message: "hi"}
	sendRaw(context.Background(), addr, hostileCase{lines: []string{"X-Session-ID: a", "X-Session-ID: b"}}, r)
	if r.Status != 200 || r.Reply != "ok" || r.Err != "" {
		t.Fatalf("request %+v", r)
	}
	if v := got.Values("X-Session-Id"); len(v) != 2 || got.Get("X-User-Id") != "hostile-probe" {
		t.Errorf("headers %v", got)
	}

	r = &sentRequest{Message: "hi"}
	sendRaw(context.Background(), addr, hostileCase{lines: []string{"X-Session-ID: a\x00b"}}, r)
	if r.Status != 400 {
		t.Errorf("a NUL in a header: %+v", r)
	}

	r = &sentRequest{Message: "hi"}
	sendRaw(context.Background(), addr, hostileCase{lines: []string{"X-Session-ID: " + filler(2<<20)}}, r)
	if r.Status != 431 && r.Status != 0 {
		t.Errorf("a 2 MiB header: %+v", r)
	}
}

func TestFiller(t *testing.T) {
	f := filler(1000)
	if len(f) != 1000 || strings.Count(f, hostileMark) < 60 || !validID(f[:128]) {
		t.Errorf("filler: %d bytes, %d marks", len(f), strings.Count(f, hostileMark))
	}
}

func TestTable(t *testing.T) {
	tb := newTable("a", "long header")
	tb.add("xü", "1")
	var b bytes.Buffer
	tb.print(&b)
	want := "| a  | long header |\n| -- | ----------- |\n| xü | 1           |\n\n"
	if b.String() != want {
		t.Errorf("table:\n%s\nwant:\n%s", b.String(), want)
	}
	for n, want := range map[int64]string{0: "0", 9999: "9999", 10000: "10,000", 1234567: "1,234,567"} {
		if got := count(n); got != want {
			t.Errorf("count(%d) = %q, want %q", n, got, want)
		}
	}
}
