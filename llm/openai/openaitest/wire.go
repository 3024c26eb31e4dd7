package openaitest

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"sync"
)

const systemFingerprint = "fp_openaitest"

// events holds the server-sent events of one stream in a single buffer;
// ends[i] is where event i ends.
type events struct {
	buf  []byte
	ends []int
}

var eventsPool = sync.Pool{New: func() any { return new(events) }}

func getEvents() *events { return eventsPool.Get().(*events) }

func putEvents(e *events) {
	if cap(e.buf) > 1<<20 {
		return // let an unusually large stream's buffer go
	}
	e.buf, e.ends = e.buf[:0], e.ends[:0]
	eventsPool.Put(e)
}

// grow makes room for n more events of about size bytes in all.
func (e *events) grow(n, size int) {
	e.ends = slices.Grow(e.ends, n)
	e.buf = slices.Grow(e.buf, size)
}

func (e *events) end() { e.ends = append(e.ends, len(e.buf)) }

func (e *events) done() {
	e.buf = append(e.buf, "data: [DONE]\n\n"...)
	e.end()
}

// streamError is the error event OpenAI sends in the middle of a stream.
const streamError = `data: {"error":{"message":"The server had an error while processing your request. Sorry about that!","type":"server_error","param":null,"code":null}}` + "\n\n"

func (e *events) streamError() {
	e.buf = append(e.buf, streamError...)
	e.end()
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

type apiError struct {
	Message string  `json:"message"`
	Type    string  `json:"type"`
	Param   *string `json:"param"`
	Code    *string `json:"code"`
}

// writeError writes an OpenAI-style JSON error; an empty code is null.
func writeError(w http.ResponseWriter, status int, message, typ, code string) {
	e := apiError{Message: message, Type: typ}
	if code != "" {
		e.Code = &code
	}
	writeJSON(w, status, struct {
		Error apiError `json:"error"`
	}{e})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		// Only a scripted Usage could get here, and openai.Usage always
		// marshals; answer something a client can still decode.
		status = http.StatusInternalServerError
		b = []byte(`{"error":{"message":"openaitest: cannot encode the response","type":"server_error","param":null,"code":null}}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func writeRateLimit(w http.ResponseWriter) {
	h := w.Header()
	h.Set("X-Ratelimit-Limit-Requests", "3")
	h.Set("X-Ratelimit-Remaining-Requests", "0")
	h.Set("X-Ratelimit-Reset-Requests", "20s")
	h.Set("X-Ratelimit-Limit-Tokens", "40000")
	h.Set("X-Ratelimit-Remaining-Tokens", "40000")
	h.Set("X-Ratelimit-Reset-Tokens", "0s")
	writeError(w, http.StatusTooManyRequests,
		"Rate limit reached for requests per min (RPM): Limit 3, Used 3, Requested 1. Please try again in 20s.",
		"requests", "rate_limit_exceeded")
}

const badGatewayHTML = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>openaitest</center>\r\n</body>\r\n</html>\r\n"

func writeBadGateway(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/html")
	w.WriteHeader(http.StatusBadGateway)
	_, _ = w.Write([]byte(badGatewayHTML))
}

func writeServerError(w http.ResponseWriter) {
	writeError(w, http.StatusInternalServerError,
		"The server had an error while processing your request. Sorry about that!", "server_error", "")
}
