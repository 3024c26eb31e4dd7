package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sessiontrace/sessiontrace/proof/internal/chatbot"
)

func TestPercentile(t *testing.T) {
	d := func(ns ...int) []time.Duration {
		out := make([]time.Duration, len(ns))
		for i, n := range ns {
			out[i] = time.Duration(n)
		}
		return out
	}
	hundred := make([]int, 100)
	for i := range hundred {
		hundred[i] = i + 1
	}
	for _, tc := range []struct {
		in   []time.Duration
		p    float64
		want time.Duration
	}{
		{nil, 50, 0},
		{d(7), 99, 7},
		{d(1, 2), 50, 1},
		{d(1, 2, 3, 4), 50, 2},
		{d(1, 2, 3, 4), 90, 4},
		{d(hundred...), 50, 50},
		{d(hundred...), 90, 90},
		{d(hundred...), 99, 99},
		{d(hundred...), 100, 100},
	} {
		if got := percentile(tc.in, tc.p); got != tc.want {
			t.Errorf("percentile(%v, %v) = %v, want %v", tc.in, tc.p, got, tc.want)
		}
	}
}

func TestLoadStats(t *testing.T) {
	a := loadStats{Lat: []time.Duration{3, 1}, Window: time.Second, CPU: 4, Requests: 3, Failed: 1}
	b := loadStats{Lat: []time.Duration{2}, Window: time.Second, CPU: 2, Requests: 1}
	s := a.merge(b).summary()
	if s.Requests != 4 || s.Failed != 1 || s.Measured != 3 || s.RPS != 1.5 || s.P50 != 2 || s.Max != 3 || s.CPUPerRequest != 2 {
		t.Errorf("summary %+v", s)
	}
	if len(a.Lat) != 2 || a.Lat[0] != 3 {
		t.Errorf("merge or summary changed its input: %v", a.Lat)
	}
}

func TestReadEvents(t *testing.T) {
	body := "data: \"\"\n\ndata: \"Hello\"\n\n: comment\ndata: \" world\"\n\ndata: [DONE]\n\n"
	if got, err := readEvents(strings.NewReader(body), -1); got != "Hello world" || err != nil {
		t.Errorf("readEvents = %q, %v", got, err)
	}
	if got, err := readEvents(strings.NewReader(body), 1); got != "Hello" || err != nil {
		t.Errorf("readEvents(max 1) = %q, %v: the empty role event must not count", got, err)
	}
	if _, err := readEvents(strings.NewReader("data: \"cut\"\n"), -1); err != io.ErrUnexpectedEOF {
		t.Errorf("a stream without [DONE]: %v", err)
	}
	if _, err := readEvents(strings.NewReader("data: {bad\n"), -1); err == nil {
		t.Errorf("a bad event: no error")
	}
}

// An echo server stands in for the chat server: the load loop must give
// each client its own sessions, send their IDs, stop by itself, and flag a
// reply that is not its request's.
func TestRunLoad(t *testing.T) {
	var mu sync.Mutex
	sessionsOf := map[string]map[string]bool{} // user → sessions
	var lie bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req chatbot.Request
		json.NewDecoder(r.Body).Decode(&req)
		mu.Lock()
		user := r.Header.Get("X-User-ID")
		if sessionsOf[user] == nil {
			sessionsOf[user] = map[string]bool{}
		}
		sessionsOf[user][r.Header.Get("X-Session-ID")] = true
		reply := "You said: " + req.Message
		if lie {
			reply = "You said: ~~other~1~~"
		}
		mu.Unlock()
		if r.URL.Path == "/chat/stream" {
			fmt.Fprintf(w, "data: %q\n\ndata: [DONE]\n\n", reply)
			return
		}
		json.NewEncoder(w).Encode(chatbot.Response{Reply: reply})
	}))
	defer srv.Close()

	cfg := loadConfig{BaseURL: srv.URL, RunID: "t", Clients: 3, SessionsPerClient: 2, Duration: 10 * time.Second, MaxPerClient: 4, StreamEvery: 2}
	start := time.Now()
	res := runLoad(context.Background(), cfg)
	if time.Since(start) > 5*time.Second {
		t.Errorf("MaxPerClient did not stop the run")
	}
	if len(res.Sent) != 12 {
		t.Fatalf("sent %d requests, want 12", len(res.Sent))
	}
	seen := map[int]bool{}
	streams := 0
	for _, r := range res.Sent {
		if !r.ok() || seen[r.N] {
			t.Errorf("request %+v", r)
		}
		seen[r.N] = true
		if r.Stream {
			streams++
		}
	}
	if streams != 6 {
		t.Errorf("%d streamed requests, want every second one", streams)
	}
	if len(sessionsOf) != 3 {
		t.Errorf("users %v", sessionsOf)
	}
	for user, sessions := range sessionsOf {
		if len(sessions) != 2 {
			t.Errorf("user %s used sessions %v, want its own 2", user, sessions)
		}
		for s := range sessions {
			if !strings.HasPrefix(s, "t-c") || !strings.HasPrefix(user, "t-user") || s[3:5] != user[6:8] {
				t.Errorf("user %s used session %s of another client", user, s)
			}
		}
	}

	lie = true
	cfg.MaxPerClient, cfg.StreamEvery = 1, 0
	res = runLoad(context.Background(), cfg)
	for _, r := range res.Sent {
		if r.ok() || !strings.Contains(r.Err, "not this request's") {
			t.Errorf("a reply to another request passed: %+v", r)
		}
	}
	if s := statsOf(res).summary(); s.Failed != 3 {
		t.Errorf("summary %+v", s)
	}
	if f := failures(res.Sent, 5); len(f) != 1 || !strings.HasPrefix(f[0], "3× ") {
		t.Errorf("failures %q", f)
	}
}

// A run stops at its deadline too.
func TestRunLoadDeadline(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req chatbot.Request
		json.NewDecoder(r.Body).Decode(&req)
		json.NewEncoder(w).Encode(chatbot.Response{Reply: req.Message})
	}))
	defer srv.Close()
	start := time.Now()
	res := runLoad(context.Background(), loadConfig{BaseURL: srv.URL, RunID: "d", Clients: 2, SessionsPerClient: 1, Warmup: 50 * time.Millisecond, Duration: 200 * time.Millisecond})
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("the run took %v", d)
	}
	measured, warm := 0, 0
	for _, r := range res.Sent {
		if r.Measured {
			measured++
		} else {
			warm++
		}
	}
	if measured == 0 || warm == 0 {
		t.Errorf("%d warm-up and %d measured requests", warm, measured)
	}
}
