package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	semconv "github.com/Arize-ai/openinference/go/openinference-semantic-conventions"
	"go.opentelemetry.io/otel/codes"

	"github.com/sessiontrace/sessiontrace/llm/openai/openaitest"
	"github.com/sessiontrace/sessiontrace/proof/internal/chatbot"
)

// The fake model streams its answers in streamChunks pieces, streamDelay
// apart: a whole answer takes about two seconds, so a span that ends
// within a fraction of that ended because its client left.
const (
	streamChunks = 40
	streamDelay  = 50 * time.Millisecond
	fullStream   = (streamChunks - 1) * streamDelay
)

// Events the go-openai wrapper adds to stream spans (llm/openai/stream.go).
const (
	eventFirstToken  = "First Token Stream Event"
	eventClosedEarly = "Stream Closed Early"
	eventException   = "exception"
)

// slowStreams answers streamed chat requests slowly, echoing the last
// user message (marker included) followed by filler words.
func slowStreams(r openaitest.Request) openaitest.Reply {
	reply := openaitest.DefaultResponder(r)
	if r.Chat != nil && r.Chat.Stream {
		reply.Content += strings.Repeat(" and then some more words", 12)
		reply.Chunks, reply.ChunkDelay = streamChunks, streamDelay
	}
	return reply
}

// abandonStreams sends n requests to POST /chat/stream, up to 32 at a
// time, each in a session of its own; each client reads until the first
// piece of text, then cancels its request and closes the body.
func abandonStreams(run string, n int) func(ctx context.Context, base string) loadResult {
	return func(ctx context.Context, base string) loadResult {
		hc := newLoadClient(32)
		defer hc.CloseIdleConnections()
		sent := make([]sentRequest, n)
		sem := make(chan struct{}, 32)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer wg.Done()
				defer func() { <-sem }()
				m := marker{Session: fmt.Sprintf("%s-%03d", run, i), N: i + 1}
				r := &sent[i]
				*r = sentRequest{N: m.N, Session: m.Session, User: run + "-user", Message: defaultMessage(m), Stream: true, Measured: true}
				begin := time.Now()
				abandonOne(ctx, hc, base, r)
				r.Latency = time.Since(begin)
			}()
		}
		wg.Wait()
		return loadResult{Sent: sent}
	}
}

func abandonOne(ctx context.Context, hc *http.Client, base string, r *sentRequest) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	body, _ := json.Marshal(chatbot.Request{Message: r.Message})
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, base+"/chat/stream", bytes.NewReader(body))
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
	r.Reply, err = readEvents(resp.Body, 1)
	switch {
	case resp.StatusCode != http.StatusOK:
		r.Err = "HTTP " + resp.Status
	case err != nil:
		r.Err = "before the first piece of text: " + err.Error()
	}
	cancel() // the client walks away mid-answer
	r.Left = time.Now()
}

// streamSection checks that streams abandoned by their clients still end
// their LLM span, promptly, and export it.
func streamSection(ctx context.Context, rep *report, m mode) {
	rep.printf("## Streams abandoned mid-response\n\n")
	const name = "abandoned streams"
	id := runID("a")
	var st streamFindings
	spec := runSpec{
		Name: name, Sessiontrace: true, Keep: retainAll, Responder: slowStreams,
		TPDeadline: 30 * time.Second,
		Drive:      abandonStreams(id, m.streams),
		Check:      func(o *runOutcome) { st = checkStreams(rep, name, o.Spans, o.Sent) },
	}
	o := doRun(ctx, rep, spec)

	t := newTable("streams abandoned", "LLM spans exported", "status", "events", "LLM span ended after the client left (p50 / max)", "a whole answer takes", "goroutines before / settled")
	t.add(fmt.Sprint(len(o.Load.Lat)+o.Load.Failed), fmt.Sprint(st.llmSpans), st.statuses, st.events,
		ms(st.endP50)+" / "+ms(st.endMax), ms(fullStream), fmt.Sprintf("%d / %d", o.Before.Goroutines, o.After.Goroutines))
	t.print(rep.w)
	rep.printf("Each client reads POST /chat/stream until the first piece of text, then cancels its request. ")
	rep.printf("The server's request context ends, the go-openai wrapper's Recv returns the cancellation, and the LLM span ends with it (llm/openai/stream.go: fail, or Close's closeEarly). ")
	rep.printf("Checked: one trace per stream with the server span and one ChatCompletion LLM span, both in the stream's session, the LLM span ended with status ERROR or a %q event, within %v of the client leaving.\n\n", eventClosedEarly, fullStream/2)
}

type streamFindings struct {
	llmSpans         int
	statuses, events string
	endP50, endMax   time.Duration
}

func checkStreams(rep *report, name string, spans []Span, sent []sentRequest) streamFindings {
	var f streamFindings
	byN := map[int]*sentRequest{}
	for i := range sent {
		if sent[i].ok() {
			byN[sent[i].N] = &sent[i]
		}
	}
	statuses, events := map[string]int{}, map[string]int{}
	var ends []time.Duration
	seen := map[int]bool{}
	for _, ts := range tracesOf(spans) {
		var root, llm *Span
		for _, s := range ts {
			switch {
			case s.IsRoot():
				root = s
			case s.IsLLM():
				llm = s
			}
		}
		if root == nil || llm == nil || len(ts) != 2 || llm.Parent != root.SpanID {
			rep.fail(name, "trace %s: %d spans, want the server span and one LLM span under it", ts[0].TraceID, len(ts))
			continue
		}
		f.llmSpans++
		if len(llm.Markers) != 1 {
			rep.fail(name, "trace %s: the LLM span carries %d request markers, want 1", ts[0].TraceID, len(llm.Markers))
			continue
		}
		r := byN[llm.Markers[0].N]
		if r == nil {
			rep.fail(name, "trace %s: no successful stream request %d", ts[0].TraceID, llm.Markers[0].N)
			continue
		}
		if seen[r.N] {
			rep.fail(name, "stream %d has two traces", r.N)
		}
		seen[r.N] = true
		for _, s := range []*Span{root, llm} {
			if got := s.Str(semconv.SessionID); got != r.Session {
				rep.fail(name, "trace %s: %s has session %q, the stream was sent as %q", ts[0].TraceID, s.describe(), got, r.Session)
			}
		}
		if llm.Name != "ChatCompletion" {
			rep.fail(name, "trace %s: the LLM span is named %q", ts[0].TraceID, llm.Name)
		}
		statuses[statusName(llm.Status.Code)]++
		for _, e := range []string{eventFirstToken, eventClosedEarly, eventException} {
			if llm.HasEvent(e) {
				events[e]++
			}
		}
		if llm.Status.Code != codes.Error && !llm.HasEvent(eventClosedEarly) {
			rep.fail(name, "trace %s: the LLM span of an abandoned stream has status %s and no %q event", ts[0].TraceID, statusName(llm.Status.Code), eventClosedEarly)
		}
		after := llm.End.Sub(r.Left)
		ends = append(ends, after)
		if after > fullStream/2 {
			rep.fail(name, "trace %s: the LLM span ended %v after the client left", ts[0].TraceID, after)
		}
	}
	for n := range byN {
		if !seen[n] {
			rep.fail(name, "stream %d: no LLM span exported", n)
		}
	}
	sort.Slice(ends, func(i, j int) bool { return ends[i] < ends[j] })
	f.endP50 = percentile(ends, 50)
	if len(ends) > 0 {
		f.endMax = ends[len(ends)-1]
	}
	f.statuses, f.events = tally(statuses), tally(events)
	if f.events == "" {
		f.events = "none"
	}
	return f
}

func statusName(c codes.Code) string {
	switch c {
	case codes.Ok:
		return "OK"
	case codes.Error:
		return "ERROR"
	}
	return "UNSET"
}

// tally formats counts as "name n, name n" in name order.
func tally(m map[string]int) string {
	var parts []string
	for _, k := range sortedKeys(m) {
		parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
	}
	return strings.Join(parts, ", ")
}
