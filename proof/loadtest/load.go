package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sessiontrace/sessiontrace/proof/internal/chatbot"
)

// loadConfig is one load run: Clients goroutines, each the only user of
// its SessionsPerClient sessions, each sending requests back to back and
// cycling through its sessions, until Warmup+Duration has passed or it has
// sent MaxPerClient requests, whichever comes first.
type loadConfig struct {
	BaseURL           string
	RunID             string // prefixes session and user IDs: no two runs share one
	Clients           int
	SessionsPerClient int
	Warmup, Duration  time.Duration
	MaxPerClient      int
	// StreamEvery > 0 sends every StreamEvery-th request of a client to
	// POST /chat/stream instead of POST /chat.
	StreamEvery int
	// Message builds the text of a request from its marker; nil uses
	// defaultMessage.
	Message func(m marker) string
	// KeepText keeps each request's message and reply in its sentRequest;
	// otherwise they are dropped once the reply is checked, to save memory
	// over hundreds of thousands of requests.
	KeepText bool
}

// sentRequest is what a client sent and got back.
type sentRequest struct {
	N        int
	Session  string
	User     string
	Message  string
	Stream   bool
	Status   int    // 0: no response
	Err      string // transport error or a reply that is not this request's
	Reply    string
	Latency  time.Duration
	Measured bool      // started inside the measured window, after the warm-up
	Left     time.Time // when the client abandoned the response (streams section)
	Case     string    // the hostile case (hostile section)
}

func (r *sentRequest) ok() bool { return r.Status == http.StatusOK && r.Err == "" }

// loadResult is everything the clients sent, in no particular order.
type loadResult struct {
	Sent   []sentRequest
	Window time.Duration // the measured window
	CPU    time.Duration // CPU time of the whole process in the window
	Others time.Duration // CPU time of every other process on the machine in the window
}

var phrases = []string{
	"I'm planning three days in Lisbon in May. Where should I stay?",
	"Which day trip would you pick from there?",
	"How do I get there by train?",
	"What is the best month to see the maples in Kyoto?",
	"And how do I avoid the crowds at Tofuku-ji?",
	"Is a rail pass worth it for that trip?",
	"What should I pack for the rainy season?",
	"Can you suggest a vegetarian restaurant nearby?",
}

// defaultMessage is a chat message that starts with the request's marker.
func defaultMessage(m marker) string {
	return m.String() + " " + phrases[m.N%len(phrases)]
}

// sessionID and userID name the sessions and users of a run.
func sessionID(run string, client, k int) string {
	return fmt.Sprintf("%s-c%02d-s%02d", run, client, k)
}
func userID(run string, client int) string { return fmt.Sprintf("%s-user%02d", run, client) }

// newLoadClient returns an HTTP client that keeps one connection per load
// client alive, so the run measures requests, not TCP handshakes.
func newLoadClient(clients int) *http.Client {
	return &http.Client{
		Timeout: 15 * time.Second,
		Transport: &http.Transport{
			Proxy:               nil,
			MaxIdleConns:        2 * clients,
			MaxIdleConnsPerHost: 2 * clients,
			IdleConnTimeout:     30 * time.Second,
			DisableCompression:  true,
		},
	}
}

// runLoad runs the clients and returns what they sent. It stops by
// itself; ctx cancels it early.
func runLoad(ctx context.Context, cfg loadConfig) loadResult {
	if cfg.Message == nil {
		cfg.Message = defaultMessage
	}
	if cfg.MaxPerClient <= 0 {
		cfg.MaxPerClient = 1 << 20
	}
	hc := newLoadClient(cfg.Clients)
	defer hc.CloseIdleConnections()

	start := time.Now()
	measureFrom := start.Add(cfg.Warmup)
	deadline := measureFrom.Add(cfg.Duration)
	var cpuFrom, cpuTo, busyFrom, busyTo atomic.Int64
	t1 := time.AfterFunc(cfg.Warmup, func() { cpuFrom.Store(int64(processCPU())); busyFrom.Store(int64(machineBusy())) })
	t2 := time.AfterFunc(cfg.Warmup+cfg.Duration, func() { cpuTo.Store(int64(processCPU())); busyTo.Store(int64(machineBusy())) })
	defer t1.Stop()
	defer t2.Stop()
	var next atomic.Int64
	results := make([][]sentRequest, cfg.Clients)
	var wg sync.WaitGroup
	for c := range cfg.Clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			user := userID(cfg.RunID, c)
			sessions := make([]string, cfg.SessionsPerClient)
			for k := range sessions {
				sessions[k] = sessionID(cfg.RunID, c, k)
			}
			sent := make([]sentRequest, 0, 1024)
			for i := 0; i < cfg.MaxPerClient && ctx.Err() == nil; i++ {
				begin := time.Now()
				if !begin.Before(deadline) {
					break
				}
				m := marker{Session: sessions[i%len(sessions)], N: int(next.Add(1))}
				r := sentRequest{
					N: m.N, Session: m.Session, User: user, Message: cfg.Message(m),
					Stream:   cfg.StreamEvery > 0 && i%cfg.StreamEvery == cfg.StreamEvery-1,
					Measured: !begin.Before(measureFrom),
				}
				send(ctx, hc, cfg.BaseURL, &r, m)
				r.Latency = time.Since(begin)
				if !cfg.KeepText {
					r.Message, r.Reply = "", ""
				}
				sent = append(sent, r)
			}
			results[c] = sent
		}()
	}
	wg.Wait()
	var all []sentRequest
	for _, s := range results {
		all = append(all, s...)
	}
	res := loadResult{Sent: all, Window: cfg.Duration}
	if from, to := cpuFrom.Load(), cpuTo.Load(); from > 0 && to > from {
		res.CPU = time.Duration(to - from)
		if bf, bt := busyFrom.Load(), busyTo.Load(); bf > 0 && bt > bf {
			res.Others = max(0, time.Duration(bt-bf)-res.CPU)
		}
	}
	return res
}

// send posts one chat message and records the answer. A reply that does
// not echo this request's marker is recorded as an error: the server
// answered someone else's request.
func send(ctx context.Context, hc *http.Client, base string, r *sentRequest, m marker) {
	path := "/chat"
	if r.Stream {
		path = "/chat/stream"
	}
	body, _ := json.Marshal(chatbot.Request{Message: r.Message})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+path, bytes.NewReader(body))
	if err != nil {
		r.Err = err.Error()
		return
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Session-ID", r.Session)
	req.Header.Set("X-User-ID", r.User)
	resp, err := hc.Do(req)
	if err != nil {
		r.Err = err.Error()
		return
	}
	defer resp.Body.Close()
	r.Status = resp.StatusCode
	if r.Stream {
		r.Reply, err = readEvents(resp.Body, -1)
	} else {
		var out chatbot.Response
		err = json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&out)
		r.Reply = out.Reply
		io.Copy(io.Discard, resp.Body)
	}
	switch {
	case resp.StatusCode != http.StatusOK:
		r.Err = "HTTP " + resp.Status
	case err != nil:
		r.Err = "reading the reply: " + err.Error()
	case !strings.Contains(r.Reply, m.String()):
		r.Err = fmt.Sprintf("the reply is not this request's: %.80q", r.Reply)
	}
}

// readEvents reads server-sent events "data: <JSON string>" and returns
// their text joined, until "data: [DONE]", the end of the body, or (when
// max >= 0) max events with text.
func readEvents(body io.Reader, max int) (string, error) {
	var b strings.Builder
	sc := bufio.NewScanner(body)
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	seen := 0
	for sc.Scan() {
		line, ok := strings.CutPrefix(sc.Text(), "data: ")
		if !ok {
			continue
		}
		if line == "[DONE]" {
			return b.String(), nil
		}
		var piece string
		if err := json.Unmarshal([]byte(line), &piece); err != nil {
			return b.String(), fmt.Errorf("bad event %.40q: %w", line, err)
		}
		b.WriteString(piece)
		if piece != "" {
			seen++
			if max >= 0 && seen >= max {
				return b.String(), nil
			}
		}
	}
	if err := sc.Err(); err != nil {
		return b.String(), err
	}
	return b.String(), io.ErrUnexpectedEOF
}

// loadStats is what a run's summary is computed from; the runs of one
// configuration are merged before summarising.
type loadStats struct {
	Lat              []time.Duration // successful requests in the measured window
	Window, CPU      time.Duration
	Others           time.Duration
	Requests, Failed int
}

func statsOf(res loadResult) loadStats {
	st := loadStats{Requests: len(res.Sent), Window: res.Window, CPU: res.CPU, Others: res.Others}
	st.Lat = make([]time.Duration, 0, len(res.Sent))
	for i := range res.Sent {
		r := &res.Sent[i]
		switch {
		case !r.ok():
			st.Failed++
		case r.Measured:
			st.Lat = append(st.Lat, r.Latency)
		}
	}
	return st
}

func (s loadStats) merge(o loadStats) loadStats {
	return loadStats{
		Lat:      append(append([]time.Duration(nil), s.Lat...), o.Lat...),
		Window:   s.Window + o.Window,
		CPU:      s.CPU + o.CPU,
		Others:   s.Others + o.Others,
		Requests: s.Requests + o.Requests,
		Failed:   s.Failed + o.Failed,
	}
}

// latencyStats summarises the measured, successful requests of one or
// more runs.
type latencyStats struct {
	Requests, Failed   int // all requests sent; those that failed
	Measured           int // successful requests in the measured window
	RPS                float64
	P50, P90, P99, Max time.Duration
	CPUPerRequest      time.Duration // process CPU time in the window per measured request
	Cores, OtherCores  float64       // CPUs used on average by this process, and by all others
}

func (s loadStats) summary() latencyStats {
	st := latencyStats{Requests: s.Requests, Failed: s.Failed, Measured: len(s.Lat)}
	lat := append([]time.Duration(nil), s.Lat...)
	if s.Window > 0 {
		st.RPS = float64(len(lat)) / s.Window.Seconds()
	}
	if len(lat) > 0 {
		st.CPUPerRequest = s.CPU / time.Duration(len(lat))
	}
	if s.Window > 0 {
		st.Cores, st.OtherCores = s.CPU.Seconds()/s.Window.Seconds(), s.Others.Seconds()/s.Window.Seconds()
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	st.P50, st.P90, st.P99 = percentile(lat, 50), percentile(lat, 90), percentile(lat, 99)
	if len(lat) > 0 {
		st.Max = lat[len(lat)-1]
	}
	return st
}

// percentile returns the nearest-rank p-th percentile of sorted: the
// smallest value with at least p% of the values at or below it. It is 0
// for no values.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(p/100*float64(len(sorted)) + 0.999999999)
	rank = min(max(rank, 1), len(sorted))
	return sorted[rank-1]
}

// failures returns up to n distinct error messages of a run's requests,
// with how often each occurred.
func failures(sent []sentRequest, n int) []string {
	count := map[string]int{}
	var order []string
	for i := range sent {
		if sent[i].ok() {
			continue
		}
		msg := sent[i].Err
		if msg == "" {
			msg = fmt.Sprintf("HTTP %d", sent[i].Status)
		}
		if count[msg] == 0 {
			order = append(order, msg)
		}
		count[msg]++
	}
	var out []string
	for _, m := range order {
		if len(out) == n {
			break
		}
		out = append(out, fmt.Sprintf("%d× %s", count[m], m))
	}
	return out
}
