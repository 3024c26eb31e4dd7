package openaitest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sashabaranov/go-openai"
)

// maxBodyBytes bounds a request body; base64 images make chat bodies large.
const maxBodyBytes = 64 << 20

// Server is a fake OpenAI-compatible API server listening on 127.0.0.1. It
// is safe for concurrent use. Create it with NewServer and stop it with
// Close.
type Server struct {
	// URL is the server's base URL without the /v1 prefix and without a
	// trailing slash, for example "http://127.0.0.1:41234".
	URL string

	srv       *httptest.Server
	transport *http.Transport
	client    *http.Client
	record    bool
	done      chan struct{} // closed by Close; stops streams in progress
	closeOnce sync.Once
	seq       atomic.Int64 // requests received

	mu        sync.Mutex
	queue     []Reply
	responder func(Request) Reply
	requests  []Request
}

// Request is one request the server received, as recorded by
// Server.Requests and given to a responder.
type Request struct {
	Method   string
	Path     string      // URL path, such as "/v1/chat/completions"
	RawQuery string      // such as "api-version=2023-05-15" for Azure
	Header   http.Header // a copy of the request headers

	// Body is exactly the bytes received, also on a server created with
	// WithoutRecording (whose responder still gets it), so that fields the
	// go-openai types below drop (a string "stop", "prompt_cache_key",
	// "modalities", …) can be asserted on.
	Body []byte

	// At most one of these is set: the body decoded for the endpoint it was
	// sent to (Response for POST …/responses). The decoding is lenient: a
	// field whose JSON type does not fit the go-openai type (such as
	// metadata with a number value) is left zero. All are nil for an
	// unknown path or a body that is not JSON.
	Chat       *openai.ChatCompletionRequest
	Completion *openai.CompletionRequest
	Embedding  *openai.EmbeddingRequest
	Response   *openai.CreateResponseRequest
}

// NewServer starts a Server on a free port of 127.0.0.1. It panics when no
// port can be opened, as net/http/httptest does. Options that are nil are
// ignored.
func NewServer(opts ...Option) *Server {
	cfg := newConfig(opts)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(fmt.Sprintf("openaitest: listening on 127.0.0.1: %v", err))
	}
	s := &Server{
		record:    !cfg.noRecord,
		responder: cfg.responder,
		done:      make(chan struct{}),
	}
	s.srv = &httptest.Server{
		Listener: ln,
		Config:   &http.Server{Handler: http.HandlerFunc(s.serveHTTP)},
	}
	s.srv.Start()
	s.URL = s.srv.URL
	s.transport = &http.Transport{
		Proxy:               nil, // always talk to 127.0.0.1 directly
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
		MaxIdleConns:        512,
		MaxIdleConnsPerHost: 512, // load tests run 64+ clients at once
		IdleConnTimeout:     90 * time.Second,
	}
	s.client = &http.Client{Transport: s.transport}
	return s
}

// Close stops streams in progress, closes every client connection, shuts the
// server down and waits for its handlers to return. It is safe to call more
// than once, so it can be passed to t.Cleanup.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		close(s.done)
		s.srv.CloseClientConnections()
		s.srv.Close()
		s.transport.CloseIdleConnections()
	})
}

// HTTPClient returns the HTTP client that ClientConfig and Client use. Its
// idle connections are closed by Close.
func (s *Server) HTTPClient() *http.Client { return s.client }

// ClientConfig returns a go-openai configuration for the server: auth token
// "test", BaseURL URL+"/v1" and the server's HTTPClient.
func (s *Server) ClientConfig() openai.ClientConfig {
	cfg := openai.DefaultConfig("test")
	cfg.BaseURL = s.URL + "/v1"
	cfg.HTTPClient = s.client
	return cfg
}

// Client returns a go-openai client configured with ClientConfig.
func (s *Server) Client() *openai.Client {
	return openai.NewClientWithConfig(s.ClientConfig())
}

// Enqueue appends scripted replies. Each request to a model endpoint (chat
// completions, completions, embeddings, responses) takes the oldest queued
// reply; when the queue is empty the responder answers. Requests rejected
// before they reach a model (unknown path, bad JSON, a required parameter
// missing) take nothing from the queue.
func (s *Server) Enqueue(replies ...Reply) {
	s.mu.Lock()
	s.queue = append(s.queue, replies...)
	s.mu.Unlock()
}

// SetResponder replaces the function that answers when no reply is queued.
// It may be called from several goroutines at once, so it must be safe for
// concurrent use. A nil f restores DefaultResponder.
func (s *Server) SetResponder(f func(Request) Reply) {
	s.mu.Lock()
	s.responder = f
	s.mu.Unlock()
}

// Requests returns the requests received so far, oldest first, including
// rejected ones. It returns nil when the server was created with
// WithoutRecording. The Header and Body of each Request are shared with the
// server's record, so do not modify them.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.requests == nil {
		return nil
	}
	return append([]Request(nil), s.requests...)
}

// next takes the reply for one model request.
func (s *Server) next(r Request) Reply {
	s.mu.Lock()
	if len(s.queue) > 0 {
		reply := s.queue[0]
		s.queue[0] = Reply{}
		s.queue = s.queue[1:]
		s.mu.Unlock()
		return reply
	}
	f := s.responder
	s.mu.Unlock()
	if f == nil {
		return DefaultResponder(r)
	}
	return f(r)
}

func (s *Server) recordRequest(r Request) {
	if !s.record {
		return
	}
	s.mu.Lock()
	s.requests = append(s.requests, r)
	s.mu.Unlock()
}

type endpoint int

const (
	endpointUnknown endpoint = iota
	endpointChat
	endpointCompletion
	endpointEmbedding
	endpointResponse
)

func route(path string) endpoint {
	path = strings.TrimRight(path, "/")
	switch {
	case strings.HasSuffix(path, "/chat/completions"):
		return endpointChat
	case strings.HasSuffix(path, "/completions"):
		return endpointCompletion
	case strings.HasSuffix(path, "/embeddings"):
		return endpointEmbedding
	case strings.HasSuffix(path, "/responses"):
		return endpointResponse
	}
	return endpointUnknown
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	seq := s.seq.Add(1)
	w.Header().Set("X-Request-Id", "req_"+itoa(seq))

	req := Request{
		Method:   r.Method,
		Path:     r.URL.Path,
		RawQuery: r.URL.RawQuery,
		Header:   r.Header.Clone(),
	}
	body, err := readBody(w, r)
	req.Body = body
	if err != nil {
		s.recordRequest(req)
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			writeError(w, http.StatusRequestEntityTooLarge, "Request body too large.", "invalid_request_error", "")
			return
		}
		writeError(w, http.StatusBadRequest, "Could not read the request body.", "invalid_request_error", "")
		return
	}

	ep := route(r.URL.Path)
	switch {
	case ep == endpointUnknown:
		s.recordRequest(req)
		writeError(w, http.StatusNotFound, "Invalid URL ("+r.Method+" "+r.URL.Path+")", "invalid_request_error", "")
		return
	case r.Method != http.MethodPost:
		s.recordRequest(req)
		w.Header().Set("Allow", http.MethodPost)
		writeError(w, http.StatusMethodNotAllowed, "Method "+r.Method+" is not allowed; use POST.", "invalid_request_error", "")
		return
	case !json.Valid(body):
		s.recordRequest(req)
		writeError(w, http.StatusBadRequest, "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)", "invalid_request_error", "")
		return
	}

	// Lenient decoding: json.Unmarshal fills every field it can and only
	// reports the first mismatch, which a fake server can ignore.
	switch ep {
	case endpointChat:
		req.Chat = new(openai.ChatCompletionRequest)
		_ = json.Unmarshal(body, req.Chat)
	case endpointCompletion:
		req.Completion = new(openai.CompletionRequest)
		_ = json.Unmarshal(body, req.Completion)
	case endpointEmbedding:
		req.Embedding = new(openai.EmbeddingRequest)
		_ = json.Unmarshal(body, req.Embedding)
	case endpointResponse:
		req.Response = new(openai.CreateResponseRequest)
		_ = json.Unmarshal(body, req.Response)
	}
	s.recordRequest(req)

	if e := checkRequired(ep, body); e != nil {
		writeAPIError(w, http.StatusBadRequest, e)
		return
	}
	var inputs []embeddingInput
	if ep == endpointEmbedding {
		var ok bool
		if inputs, ok = embeddingInputs(req.Embedding.Input); !ok {
			writeAPIError(w, http.StatusBadRequest, paramError("'input' must be a string, an array of strings, an array of tokens or an array of token arrays.", "input", ""))
			return
		}
	}

	reply := s.next(req)
	switch reply.Fault {
	case FaultRateLimit:
		writeRateLimit(w)
		return
	case FaultBadGateway:
		writeBadGateway(w)
		return
	}

	switch ep {
	case endpointChat:
		s.serveChat(w, r, req.Chat, &reply, seq)
	case endpointCompletion:
		s.serveCompletion(w, r, req.Completion, &reply, seq)
	case endpointEmbedding:
		serveEmbeddings(w, req.Embedding, inputs, &reply)
	case endpointResponse:
		s.serveResponse(w, r, req.Response, body, &reply, seq)
	}
}

func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	n := r.ContentLength
	if n < 0 || n > maxBodyBytes {
		n = 0
	}
	buf := bytes.NewBuffer(make([]byte, 0, n+bytes.MinRead))
	_, err := buf.ReadFrom(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	return buf.Bytes(), err
}

// stream sends events with a flush after each, pausing delay before every
// event but the first. It returns early when the client goes away, and
// aborts the response when the server closes.
func (s *Server) stream(w http.ResponseWriter, r *http.Request, events [][]byte, delay time.Duration) {
	h := w.Header()
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	h.Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)

	var timer *time.Timer
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	for i, event := range events {
		if i > 0 && delay > 0 {
			if timer == nil {
				timer = time.NewTimer(delay)
			} else {
				timer.Reset(delay)
			}
			select {
			case <-timer.C:
			case <-r.Context().Done():
				return
			case <-s.done:
				// Cut the connection rather than end the body cleanly, so
				// the client sees a broken stream, not a finished one.
				panic(http.ErrAbortHandler)
			}
		}
		if _, err := w.Write(event); err != nil {
			return
		}
		if err := rc.Flush(); err != nil {
			return
		}
	}
}
