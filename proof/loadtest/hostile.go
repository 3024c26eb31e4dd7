package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	semconv "github.com/Arize-ai/openinference/go/openinference-semantic-conventions"

	"github.com/sessiontrace/sessiontrace/proof/internal/chatbot"
)

// hostileMark is in every hostile value and nowhere else: finding it in
// exported data means a hostile value (or part of one) got through.
const hostileMark = "HSTL"

// hostileCase is one kind of hostile request. Its header lines are written
// to the socket as they are, so they can hold what net/http's client
// refuses to send (CR, NUL, other control bytes, obs-fold).
type hostileCase struct {
	name  string   // [a-z0-9-]: also the marker session of its messages
	lines []string // raw header lines, without CRLF
	// user: the case replaces X-User-ID (otherwise "X-User-ID: hostile-probe" is sent).
	user bool
	// fallback: valid IDs sent in baggage after the hostile source, which
	// the middleware must fall back to (an invalid value is treated as
	// absent and the next source is tried). "" when no later source exists.
	fallback string
	// want is the status net/http or the app is expected to answer; any
	// status below 500 passes, a different one is only reported.
	want int
	// resetOK: the server may close the connection before the client has
	// finished writing (a 1 MB header), so no response is acceptable too.
	resetOK bool
}

// filler returns n bytes of valid ID characters, hostileMark every 16.
func filler(n int) string {
	const unit = hostileMark + "-0123456789a"
	return strings.Repeat(unit, n/len(unit)+1)[:n]
}

func repeatLines(n int, f func(i int) string) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = f(i)
	}
	return out
}

// hostileCases are the requests of the burst. Header values that do not
// pass the middleware's checks (length, then printable ASCII without
// spaces) must be treated as absent, so hostileMark is only ever in those.
func hostileCases() []hostileCase {
	fb := func(name string) string { return "fb-" + name }
	bag := func(name string) string { return "baggage: session.id=" + fb(name) }
	return []hostileCase{
		{name: "control", lines: []string{"X-Session-ID: " + fb("control")}, fallback: fb("control"), want: 200},
		{name: "session-100kb", lines: []string{"X-Session-ID: " + filler(100<<10), bag("session-100kb")}, fallback: fb("session-100kb"), want: 200},
		// net/http reads up to MaxHeaderBytes (1 MiB) + 4 KiB of headers.
		{name: "session-1mib", lines: []string{"X-Session-ID: " + filler(1<<20), bag("session-1mib")}, fallback: fb("session-1mib"), want: 200},
		{name: "session-2mib", lines: []string{"X-Session-ID: " + filler(2<<20)}, want: 431, resetOK: true},
		{name: "session-129b", lines: []string{"X-Session-ID: " + filler(129), bag("session-129b")}, fallback: fb("session-129b"), want: 200},
		{name: "user-100kb", user: true, lines: []string{"X-User-ID: " + filler(100<<10), "X-Session-ID: " + fb("user-100kb")}, fallback: fb("user-100kb"), want: 200},
		{name: "session-cr", lines: []string{"X-Session-ID: " + hostileMark + "\rX-Injected: yes"}, want: 400},
		{name: "session-nul", lines: []string{"X-Session-ID: " + hostileMark + "\x00nul"}, want: 400},
		{name: "session-esc", lines: []string{"X-Session-ID: " + hostileMark + "\x1b[31mred\x07"}, want: 400},
		{name: "session-del", lines: []string{"X-Session-ID: " + hostileMark + "\x7f"}, want: 400},
		// net/http joins a folded line to the value: "fine HSTL-folded".
		{name: "session-obs-fold", lines: []string{"X-Session-ID: fine", " " + hostileMark + "-folded", bag("session-obs-fold")}, fallback: fb("session-obs-fold"), want: 200},
		{name: "session-tab", lines: []string{"X-Session-ID: " + hostileMark + "\ttab", bag("session-tab")}, fallback: fb("session-tab"), want: 200},
		{name: "session-space", lines: []string{"X-Session-ID: " + hostileMark + " with spaces", bag("session-space")}, fallback: fb("session-space"), want: 200},
		{name: "session-utf8", lines: []string{"X-Session-ID: " + hostileMark + "-séssion-ü-日本", bag("session-utf8")}, fallback: fb("session-utf8"), want: 200},
		{name: "session-bad-utf8", lines: []string{"X-Session-ID: " + hostileMark + "\xff\xfe\xc0", bag("session-bad-utf8")}, fallback: fb("session-bad-utf8"), want: 200},
		{name: "user-control", user: true, lines: []string{"X-User-ID: " + hostileMark + "\x01", "X-Session-ID: " + fb("user-control")}, want: 400},
		{name: "user-utf8", user: true, lines: []string{"X-User-ID: " + hostileMark + "-ユーザー", "X-Session-ID: " + fb("user-utf8")}, fallback: fb("user-utf8"), want: 200},
		// Header reads the first value only: the 99 valid-looking ones after
		// an invalid first must never be used.
		{name: "session-100-repeats", lines: append(repeatLines(100, func(i int) string {
			if i == 0 {
				return "X-Session-ID: " + hostileMark + " first"
			}
			return fmt.Sprintf("X-Session-ID: %sdup%02d", hostileMark, i)
		}), bag("session-100-repeats")), fallback: fb("session-100-repeats"), want: 200},
		{name: "user-100-repeats", user: true, lines: append(repeatLines(100, func(i int) string {
			return fmt.Sprintf("X-User-ID: %s user %02d", hostileMark, i)
		}), "X-Session-ID: "+fb("user-100-repeats")), fallback: fb("user-100-repeats"), want: 200},
		{name: "baggage-malformed", lines: []string{"baggage: session.id=" + hostileMark + "%ZZ;;==,,=,session.id"}, want: 200},
		{name: "baggage-escaped-control", lines: []string{"baggage: session.id=" + hostileMark + "%0D%0AX-Injected:%20yes%00"}, want: 200},
		{name: "baggage-escaped-space", lines: []string{"baggage: session.id=" + hostileMark + "%20with%20space,user.id=" + hostileMark + "%09tab"}, want: 200},
		{name: "baggage-too-long", lines: []string{"baggage: session.id=" + filler(200)}, want: 200},
		{name: "baggage-200-members", lines: []string{"baggage: " + strings.Join(repeatLines(200, func(i int) string {
			return fmt.Sprintf("k%03d=%s%03d", i, hostileMark, i)
		}), ",") + ",session.id=" + hostileMark + "last"}, want: 200},
		{name: "baggage-10kb", lines: []string{"baggage: session.id=" + filler(10<<10)}, want: 200},
		{name: "cookie-quoted-backslash", lines: []string{`Cookie: oi_session_id="` + hostileMark + `\q"`, bag("cookie-quoted-backslash")}, fallback: fb("cookie-quoted-backslash"), want: 200},
		{name: "cookie-space", lines: []string{"Cookie: oi_session_id=" + hostileMark + " with space", bag("cookie-space")}, fallback: fb("cookie-space"), want: 200},
		{name: "cookie-100kb", lines: []string{"Cookie: oi_session_id=" + filler(100<<10), bag("cookie-100kb")}, fallback: fb("cookie-100kb"), want: 200},
		// An application's own cookies are never read.
		{name: "cookie-login", lines: []string{"Cookie: session=" + hostileMark + "login; auth_token=" + hostileMark + "token; sid=" + hostileMark + "sid", bag("cookie-login")}, fallback: fb("cookie-login"), want: 200},
		{name: "cookie-3001", lines: []string{"Cookie: " + strings.Join(repeatLines(3001, func(i int) string {
			return fmt.Sprintf("c%04d=%s", i, hostileMark)
		}), "; "), bag("cookie-3001")}, fallback: fb("cookie-3001"), want: 200},
	}
}

// hostileBurst sends every case repeat times, 16 requests at a time, over
// raw TCP connections.
func hostileBurst(repeat int) func(ctx context.Context, base string) loadResult {
	return func(ctx context.Context, base string) loadResult {
		addr := strings.TrimPrefix(base, "http://")
		cases := hostileCases()
		var jobs []sentRequest
		for range repeat {
			for _, c := range cases {
				m := marker{Session: "hostile-" + c.name, N: len(jobs) + 1}
				jobs = append(jobs, sentRequest{N: m.N, Session: c.fallback, User: "hostile-probe", Message: defaultMessage(m), Case: c.name, Measured: true})
				if c.user {
					jobs[len(jobs)-1].User = ""
				}
			}
		}
		byName := map[string]hostileCase{}
		for _, c := range cases {
			byName[c.name] = c
		}
		sem := make(chan struct{}, 16)
		var wg sync.WaitGroup
		for i := range jobs {
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer wg.Done()
				defer func() { <-sem }()
				j := &jobs[i]
				begin := time.Now()
				sendRaw(ctx, addr, byName[j.Case], j)
				j.Latency = time.Since(begin)
			}()
		}
		wg.Wait()
		return loadResult{Sent: jobs}
	}
}

// sendRaw writes one request with the case's header lines as they are and
// reads the response.
func sendRaw(ctx context.Context, addr string, c hostileCase, r *sentRequest) {
	body, _ := json.Marshal(chatbot.Request{Message: r.Message})
	var b bytes.Buffer
	fmt.Fprintf(&b, "POST /chat HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n", addr, len(body))
	if !c.user {
		b.WriteString("X-User-ID: hostile-probe\r\n")
	}
	for _, l := range c.lines {
		b.WriteString(l + "\r\n")
	}
	b.WriteString("\r\n")
	b.Write(body)

	d := net.Dialer{Timeout: 5 * time.Second}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		r.Err = err.Error()
		return
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	// Write and read at once: a server that answers 431 stops reading.
	werr := make(chan error, 1)
	go func() {
		_, err := conn.Write(b.Bytes())
		werr <- err
	}()
	resp, rerr := http.ReadResponse(bufio.NewReader(conn), nil)
	if rerr != nil {
		if err := <-werr; err != nil {
			r.Err = "write: " + err.Error()
		} else {
			r.Err = "read: " + rerr.Error()
		}
		return
	}
	defer resp.Body.Close()
	r.Status = resp.StatusCode
	var out chatbot.Response
	if resp.StatusCode == http.StatusOK {
		if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&out); err != nil {
			r.Err = "reading the reply: " + err.Error()
		}
		r.Reply = out.Reply
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	conn.Close()
	<-werr
}

// hostileSection sends the burst and checks that it was served without a
// 5xx and that no hostile value reached the exported data.
func hostileSection(ctx context.Context, rep *report, m mode) {
	rep.printf("## Hostile headers\n\n")
	const name = "hostile headers"
	var found scanFindings
	sc := &scanner{prefixes: []string{hostileMark}}
	perCase := map[string]*caseResult{}
	spec := runSpec{
		Name: name, Sessiontrace: true, Keep: retainChecked,
		Inspect:         func(body []byte, spans []Span) { found.scanRequest(sc, body, spans) },
		TPDeadline:      30 * time.Second,
		Drive:           hostileBurst(m.hostileRepeat),
		OwnStatusChecks: true,
		Check: func(o *runOutcome) {
			perCase = checkHostile(rep, name, o.Spans, o.Sent)
			for _, f := range found.Findings {
				rep.fail(name, "a hostile value reached the exported data: %s", f)
			}
		},
	}
	doRun(ctx, rep, spec)

	t := newTable("case", "requests", "answers", "expected", "traces", "root session.id")
	for _, c := range hostileCases() {
		r := perCase[c.name]
		if r == nil {
			continue
		}
		session := r.rootSession
		if session == "" {
			session = "(none)"
		}
		t.add(c.name, fmt.Sprint(r.requests), tally(r.statuses), fmt.Sprint(c.want), fmt.Sprint(r.traces), session)
	}
	t.print(rep.w)
	rep.printf("Scanned for %q (in every hostile value, nowhere else): %s of OTLP request bodies and %s attribute, event and name strings of %s spans; found %d times.\n\n",
		hostileMark, bytesIEC(found.Bytes), count(found.Strings), count(found.Spans), found.Hits)
}

type caseResult struct {
	requests, traces int
	statuses         map[string]int
	rootSession      string // as exported; "" when none
}

// checkHostile checks every answer (no 5xx, no broken connection but
// where allowed) and every trace (one per request answered 200, its root
// in the expected fallback session or in none).
func checkHostile(rep *report, name string, spans []Span, sent []sentRequest) map[string]*caseResult {
	cases := map[string]hostileCase{}
	for _, c := range hostileCases() {
		cases[c.name] = c
	}
	res := map[string]*caseResult{}
	byN := map[int]*sentRequest{}
	for i := range sent {
		r := &sent[i]
		c := cases[r.Case]
		cr := res[r.Case]
		if cr == nil {
			cr = &caseResult{statuses: map[string]int{}}
			res[r.Case] = cr
		}
		cr.requests++
		switch {
		case r.Status >= 500:
			rep.fail(name, "%s: answered %d", r.Case, r.Status)
		case r.Status == 0 && !c.resetOK:
			rep.fail(name, "%s: no answer: %s", r.Case, r.Err)
		case r.Status == 200 && r.Err != "":
			rep.fail(name, "%s: %s", r.Case, r.Err)
		}
		if r.Status == 0 {
			cr.statuses["no answer (connection closed)"]++
		} else {
			cr.statuses[fmt.Sprint(r.Status)]++
		}
		if r.Status == 200 {
			byN[r.N] = r
		}
	}

	seen := map[int]bool{}
	for _, ts := range tracesOf(spans) {
		var root *Span
		for _, s := range ts {
			if s.IsRoot() {
				root = s
			}
		}
		if root == nil || len(root.Markers) != 1 {
			rep.fail(name, "trace %s: no root carrying one request marker", ts[0].TraceID)
			continue
		}
		r := byN[root.Markers[0].N]
		if r == nil {
			rep.fail(name, "trace %s: request %d was not answered 200", ts[0].TraceID, root.Markers[0].N)
			continue
		}
		seen[r.N] = true
		cr := res[r.Case]
		cr.traces++
		session := root.Str(semconv.SessionID)
		cr.rootSession = session
		if session != r.Session {
			rep.fail(name, "%s: the root's session.id is %q, want %q", r.Case, session, r.Session)
		}
		if user := root.Str(semconv.UserID); user != r.User {
			rep.fail(name, "%s: the root's user.id is %q, want %q", r.Case, user, r.User)
		}
	}
	for n, r := range byN {
		if !seen[n] {
			rep.fail(name, "%s: request %d was answered 200 but has no trace", r.Case, n)
		}
	}
	return res
}
