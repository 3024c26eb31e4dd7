package openaitest

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/sashabaranov/go-openai"
)

const systemFingerprint = "fp_openaitest"

// sseEvent is one server-sent event: an "event:" line when name is not
// empty, then v as the JSON of a "data:" line.
func sseEvent(name string, v any) []byte {
	data := mustMarshal(v)
	var b []byte
	if name != "" {
		b = append(b, "event: "+name+"\n"...)
	}
	b = append(b, "data: "...)
	b = append(b, data...)
	return append(b, "\n\n"...)
}

// mustMarshal encodes a value built by this package from strings, numbers
// and JSON taken from a body that passed json.Valid, which cannot fail.
func mustMarshal(v any) json.RawMessage {
	data, err := json.Marshal(v)
	if err != nil {
		panic("openaitest: encoding a response: " + err.Error())
	}
	return data
}

// streamChunk is one event of a chat or legacy completion stream, carrying
// choices of type C.
type streamChunk[C any] struct {
	ID                string `json:"id"`
	Object            string `json:"object"`
	Created           int64  `json:"created"`
	Model             string `json:"model"`
	SystemFingerprint string `json:"system_fingerprint,omitempty"` // chat only
	Choices           []C    `json:"choices"`
	// Usage is absent unless the client asked for usage; then it is null
	// on every chunk but the last, as the API sends it.
	Usage json.RawMessage `json:"usage,omitempty"`
}

func newStreamChunk[C any](id, object, model string, includeUsage bool) streamChunk[C] {
	c := streamChunk[C]{ID: id, Object: object, Created: Created, Model: model}
	if includeUsage {
		c.Usage = json.RawMessage("null")
	}
	return c
}

// endStream ends the events of a chat or legacy completion stream: with
// the error event for FaultStreamError; otherwise with the usage chunk
// (no choices) when the client asked for usage, then [DONE] unless
// FaultNoDone.
func endStream[C any](events [][]byte, chunk streamChunk[C], usage *openai.Usage, includeUsage bool, fault Fault) [][]byte {
	if fault == FaultStreamError {
		return append(events, streamErrorEvent)
	}
	if includeUsage {
		chunk.Choices = []C{}
		chunk.Usage = mustMarshal(usage)
		events = append(events, sseEvent("", chunk))
	}
	if fault != FaultNoDone {
		events = append(events, doneEvent)
	}
	return events
}

// doneEvent ends a chat or legacy completion stream.
var doneEvent = []byte("data: [DONE]\n\n")

const serverErrorMessage = "The server had an error while processing your request. Sorry about that!"

// streamErrorEvent is the error event OpenAI sends in the middle of a chat
// or legacy completion stream.
var streamErrorEvent = sseEvent("", struct {
	Error apiError `json:"error"`
}{apiError{Message: serverErrorMessage, Type: "server_error"}})

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

type apiError struct {
	Message string  `json:"message"`
	Type    string  `json:"type"`
	Param   *string `json:"param"`
	Code    *string `json:"code"`
}

// writeError writes an OpenAI-style JSON error with a null param; an empty
// code is null.
func writeError(w http.ResponseWriter, status int, message, typ, code string) {
	e := apiError{Message: message, Type: typ}
	if code != "" {
		e.Code = &code
	}
	writeAPIError(w, status, &e)
}

func writeAPIError(w http.ResponseWriter, status int, e *apiError) {
	writeJSON(w, status, struct {
		Error *apiError `json:"error"`
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

// retryAfter is how long a rate-limited client is told to wait: short, so
// that an SDK's automatic retry is quick in tests. OpenAI's SDKs read
// retry-after-ms first; retry-after is whole seconds, rounded down.
const retryAfter = 10 * time.Millisecond

func writeRateLimit(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Retry-After", strconv.Itoa(int(retryAfter/time.Second)))
	h.Set("Retry-After-Ms", strconv.Itoa(int(retryAfter/time.Millisecond)))
	h.Set("X-Ratelimit-Limit-Requests", "3")
	h.Set("X-Ratelimit-Remaining-Requests", "0")
	h.Set("X-Ratelimit-Reset-Requests", retryAfter.String())
	h.Set("X-Ratelimit-Limit-Tokens", "40000")
	h.Set("X-Ratelimit-Remaining-Tokens", "40000")
	h.Set("X-Ratelimit-Reset-Tokens", "0s")
	writeError(w, http.StatusTooManyRequests,
		"Rate limit reached for requests per min (RPM): Limit 3, Used 3, Requested 1. Please try again in "+retryAfter.String()+".",
		"requests", "rate_limit_exceeded")
}

const badGatewayHTML = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>openaitest</center>\r\n</body>\r\n</html>\r\n"

func writeBadGateway(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/html")
	w.WriteHeader(http.StatusBadGateway)
	_, _ = w.Write([]byte(badGatewayHTML))
}

func writeServerError(w http.ResponseWriter) {
	writeError(w, http.StatusInternalServerError, serverErrorMessage, "server_error", "")
}
