package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"runtime/pprof"
	"sync"
	"sync/atomic"
	"time"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/protobuf/proto"
)

// retain says what the receiver keeps of what it decodes.
type retain int

const (
	// retainCounts keeps nothing but counts: for fault runs, whose heap is
	// measured and must not include the receiver's store.
	retainCounts retain = iota
	// retainChecked keeps every span trimmed to what the checks read (see
	// Span.trim): for long load runs.
	retainChecked
	// retainAll keeps every span whole and every request body as received:
	// for the scans of the masking audit and the hostile-header burst.
	retainAll
)

// maxExportBytes bounds one export request. The batch processor sends at
// most a few megabytes; a real collector's limit is in the same range.
const maxExportBytes = 64 << 20

// Receiver is an OTLP/HTTP trace receiver (protobuf on /v1/traces) on
// 127.0.0.1 that keeps what it receives. It can be switched to black-hole
// (accept connections and requests, never answer) and to go away (close
// its listener and every connection, so that later exports are refused).
// It is safe for concurrent use.
type Receiver struct {
	// URL is the traces endpoint, http://127.0.0.1:<port>/v1/traces.
	URL string

	keep    retain
	inspect func(body []byte, spans []Span)
	ln      *holdingListener
	srv     *http.Server

	blackHole atomic.Bool
	bodyLimit atomic.Int64  // LimitBody's, or 0
	gone      chan struct{} // closed by GoAway: releases black-holed requests
	goOnce    sync.Once

	requests atomic.Int64 // export requests decoded
	bytes    atomic.Int64 // their body bytes, as sent
	spans    atomic.Int64
	refused  atomic.Int64 // requests answered with an error (bad body, too large)
	held     atomic.Int64 // requests and connections black-holed
	largest  atomic.Int64 // the largest body decoded, as sent

	mu    sync.Mutex
	store []Span
	raw   [][]byte
}

// NewReceiver starts a receiver on a free port of 127.0.0.1. A non-nil
// inspect sees every export request, its body decompressed and its spans
// whole, before they are trimmed or dropped; calls may be concurrent.
func NewReceiver(keep retain, inspect func(body []byte, spans []Span)) (*Receiver, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	r := &Receiver{keep: keep, inspect: inspect, gone: make(chan struct{})}
	r.ln = &holdingListener{Listener: ln, hold: &r.blackHole, held: &r.held}
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/traces", r.serve)
	r.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	r.URL = "http://" + ln.Addr().String() + "/v1/traces"
	go r.srv.Serve(r.ln)
	return r, nil
}

// BlackHole makes the receiver accept connections and requests from now on
// and never answer them, as a collector behind a dead load balancer does.
// Connections already open are held too.
func (r *Receiver) BlackHole() { r.blackHole.Store(true) }

// LimitBody makes the receiver refuse request bodies over n bytes with 413,
// as the OpenTelemetry Collector does over its max_request_body_size.
func (r *Receiver) LimitBody(n int64) { r.bodyLimit.Store(n) }

// GoAway closes the listener and every connection, held ones included:
// exports from now on fail with "connection refused".
func (r *Receiver) GoAway() {
	r.goOnce.Do(func() {
		close(r.gone)
		r.srv.Close()
		r.ln.closeHeld()
	})
}

// Close is GoAway; it is safe to call more than once.
func (r *Receiver) Close() { r.GoAway() }

// ReceiverStats counts what arrived.
type ReceiverStats struct {
	Requests, Bytes, Spans, Refused, Held, Largest int64
}

// Stats returns the counts so far.
func (r *Receiver) Stats() ReceiverStats {
	return ReceiverStats{r.requests.Load(), r.bytes.Load(), r.spans.Load(), r.refused.Load(), r.held.Load(), r.largest.Load()}
}

// Spans returns the spans kept so far, in arrival order.
func (r *Receiver) Spans() []Span {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Span(nil), r.store...)
}

// Drop forgets the spans and bodies kept so far.
func (r *Receiver) Drop() {
	r.mu.Lock()
	r.store, r.raw = nil, nil
	r.mu.Unlock()
}

// Raw returns the request bodies kept so far (retainAll only), decompressed.
func (r *Receiver) Raw() [][]byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([][]byte(nil), r.raw...)
}

// serve handles one export request. Its CPU time is labelled
// part=otlp-receiver in profiles: it is work a real collector does on
// another machine.
func (r *Receiver) serve(w http.ResponseWriter, req *http.Request) {
	pprof.Do(req.Context(), pprof.Labels("part", "otlp-receiver"), func(context.Context) { r.serveLabeled(w, req) })
}

func (r *Receiver) serveLabeled(w http.ResponseWriter, req *http.Request) {
	if r.blackHole.Load() {
		r.held.Add(1)
		select { // until the exporter gives up, or the receiver goes away
		case <-req.Context().Done():
		case <-r.gone:
		}
		return
	}
	if req.Method != http.MethodPost {
		r.fail(w, http.StatusMethodNotAllowed)
		return
	}
	if ct := req.Header.Get("Content-Type"); ct != "application/x-protobuf" {
		r.fail(w, http.StatusUnsupportedMediaType) // as Phoenix does for OTLP/JSON
		return
	}
	limit := int64(maxExportBytes)
	if n := r.bodyLimit.Load(); n > 0 {
		limit = n
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, req.Body, limit))
	if err != nil {
		code := http.StatusBadRequest
		if tooLarge := (*http.MaxBytesError)(nil); errors.As(err, &tooLarge) {
			code = http.StatusRequestEntityTooLarge
		}
		r.fail(w, code)
		return
	}
	sent := len(body)
	if req.Header.Get("Content-Encoding") == "gzip" {
		if body, err = gunzip(body); err != nil {
			r.fail(w, http.StatusBadRequest)
			return
		}
	}
	var msg coltracepb.ExportTraceServiceRequest
	if err := proto.Unmarshal(body, &msg); err != nil {
		r.fail(w, http.StatusBadRequest)
		return
	}
	r.keepRequest(&msg, body, sent)

	out, _ := proto.Marshal(&coltracepb.ExportTraceServiceResponse{})
	w.Header().Set("Content-Type", "application/x-protobuf")
	w.Write(out)
}

func (r *Receiver) fail(w http.ResponseWriter, code int) {
	r.refused.Add(1)
	http.Error(w, http.StatusText(code), code)
}

// keepRequest counts and, as configured, keeps one decoded export request.
func (r *Receiver) keepRequest(msg *coltracepb.ExportTraceServiceRequest, body []byte, sent int) {
	var spans []Span
	n := 0
	decode := r.keep != retainCounts || r.inspect != nil
	for _, rs := range msg.GetResourceSpans() {
		for _, ss := range rs.GetScopeSpans() {
			n += len(ss.GetSpans())
			if !decode {
				continue
			}
			scope := ss.GetScope().GetName()
			for _, p := range ss.GetSpans() {
				spans = append(spans, spanFromProto(p, scope))
			}
		}
	}
	if r.inspect != nil {
		r.inspect(body, spans)
	}
	if r.keep == retainChecked {
		for i := range spans {
			spans[i].trim()
		}
	}
	r.requests.Add(1)
	r.bytes.Add(int64(sent))
	storeMax(&r.largest, int64(sent))
	r.spans.Add(int64(n))
	if r.keep == retainCounts {
		return
	}
	r.mu.Lock()
	r.store = append(r.store, spans...)
	if r.keep == retainAll {
		r.raw = append(r.raw, body)
	}
	r.mu.Unlock()
}

func gunzip(b []byte) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	return io.ReadAll(io.LimitReader(zr, maxExportBytes))
}

// holdingListener hands connections to the HTTP server, except in
// black-hole mode: then it keeps them open and never reads from them.
type holdingListener struct {
	net.Listener
	hold *atomic.Bool
	held *atomic.Int64

	mu     sync.Mutex
	conns  []net.Conn
	closed bool
}

func (l *holdingListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil || !l.hold.Load() {
			return c, err
		}
		l.mu.Lock()
		if l.closed {
			l.mu.Unlock()
			c.Close()
			return nil, net.ErrClosed
		}
		l.conns = append(l.conns, c)
		l.mu.Unlock()
		l.held.Add(1)
	}
}

func (l *holdingListener) closeHeld() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.closed = true
	for _, c := range l.conns {
		c.Close()
	}
	l.conns = nil
}
