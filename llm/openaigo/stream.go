package openaigo

import (
	"bufio"
	"bytes"
	"cmp"
	"io"
	"sync"

	"github.com/sessiontrace/sessiontrace/internal/oiattr"
)

// streamAnswer is what one endpoint does with the events of its stream: it
// folds each into the answer so far and describes the answer when the
// stream ends.
type streamAnswer interface {
	// add folds the data of one event, whose type is event ("" when the
	// server sent no event: line). It reports whether the event carried
	// content, for the first-token event, and the error an event reports,
	// which ends the stream.
	add(event string, data []byte) (content bool, err error)
	// complete reports whether the answer is whole, so that closing the
	// stream now is not closing it early.
	complete() bool
	// describe adds the answer so far to call, output.value included, and
	// returns the failure the events reported, if any: the span's error
	// when the stream ends without one of its own.
	describe(call *oiattr.Call) error
}

// maxLine is the longest line openai-go's event-stream scanner reads
// (bufio.MaxScanTokenSize<<9); it fails the stream on a longer one.
const maxLine = bufio.MaxScanTokenSize << 9

// streamBody is the body of a streamed response as the SDK reads it: every
// byte passes through unchanged, and each server-sent event on the way is
// read as openai-go's decoder reads it (lines, "event:" and "data:" fields,
// an empty line ending an event, "data: [DONE]") and folded into the
// answer. The span ends exactly once: at [DONE], at an event reporting an
// error, at the end of the body, at a read error, or at Close. mu guards
// everything, because the SDK may close the stream from another goroutine
// to stop a Read that blocks.
type streamBody struct {
	body   io.ReadCloser
	x      *exchange
	answer streamAnswer

	mu     sync.Mutex
	ended  bool
	line   []byte // the start of a line whose end has not arrived
	event  string // the type of the event being read
	data   []byte // its data so far
	events int    // events folded into the answer
	first  bool   // the first-token event was added
}

// Read reads from the body, and observes what it read.
func (s *streamBody) Read(p []byte) (int, error) {
	n, err := s.body.Read(p)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ended {
		return n, err
	}
	s.feed(p[:n])
	switch {
	case s.ended:
	case err == io.EOF:
		s.end(nil, false) // without [DONE]: the answer so far
	case err != nil:
		s.end(err, false)
	}
	return n, err
}

// Close closes the body. A stream closed before its end still ends its
// span with what arrived: status OK with a "Stream Closed Early" event
// unless the answer was whole, or status ERROR when the request's context
// was cancelled. Closing twice is fine.
func (s *streamBody) Close() error {
	s.mu.Lock()
	if !s.ended {
		if err := s.x.ctx.Err(); err != nil {
			s.end(err, false)
		} else {
			s.end(nil, !s.answer.complete())
		}
	}
	s.mu.Unlock()
	return s.body.Close()
}

// feed splits p into lines, keeping an unfinished last line for the next
// read.
func (s *streamBody) feed(p []byte) {
	for len(p) > 0 && !s.ended {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			if len(s.line)+len(p) > maxLine {
				s.end(bufio.ErrTooLong, false)
				return
			}
			s.line = append(s.line, p...)
			return
		}
		line := p[:i]
		if len(s.line) > 0 {
			s.line = append(s.line, line...)
			line = s.line
		}
		s.field(bytes.TrimSuffix(line, []byte{'\r'}))
		s.line = s.line[:0]
		p = p[i+1:]
	}
}

// field reads one line of the event stream.
func (s *streamBody) field(line []byte) {
	if len(line) == 0 {
		s.dispatch()
		return
	}
	name, value, _ := bytes.Cut(line, []byte{':'})
	value = bytes.TrimPrefix(value, []byte{' '})
	switch string(name) {
	case "event":
		s.event = string(value)
	case "data":
		s.data = append(s.data, value...)
		s.data = append(s.data, '\n')
	}
}

// dispatch hands the event that an empty line ended to the answer. An
// event without data is no event.
func (s *streamBody) dispatch() {
	event, data := s.event, s.data
	s.event, s.data = "", s.data[:0]
	if len(data) == 0 {
		return
	}
	if bytes.HasPrefix(data, []byte("[DONE]")) {
		s.end(nil, false)
		return
	}
	s.events++
	content, err := s.answer.add(event, data)
	if content && !s.first {
		s.first = true
		s.x.span.AddEvent(eventFirstToken)
	}
	if err != nil {
		s.end(err, false)
	}
}

// end ends the stream with err (nil for a success); mu is held. A failed
// stream keeps what arrived before the error.
func (s *streamBody) end(err error, early bool) {
	s.ended = true
	s.line, s.data = nil, nil
	if err == nil || s.events > 0 {
		err = cmp.Or(err, s.answer.describe(&s.x.call))
	}
	s.x.end(err, early)
}
