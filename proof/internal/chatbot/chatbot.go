// Package chatbot is the chat application the load and fault suite
// (proof/loadtest) puts under load: POST /chat and POST /chat/stream, each
// session's history in memory, the model asked for the next reply through
// the wrapped go-openai client. The examples each have their own handler,
// so that a user can copy them.
package chatbot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/sashabaranov/go-openai"

	"github.com/sessiontrace/sessiontrace"
	oiopenai "github.com/sessiontrace/sessiontrace/llm/openai"
)

// SystemPrompt opens every conversation.
const SystemPrompt = "You are a concise travel assistant."

// maxHistory bounds what one session keeps, so a long conversation cannot
// grow memory without limit.
const maxHistory = 20

// Bot answers messages, remembering each session's conversation.
type Bot struct {
	client *oiopenai.Client
	model  string

	mu      sync.Mutex
	history map[string][]openai.ChatCompletionMessage
}

// New returns a bot that asks model through client.
func New(client *oiopenai.Client, model string) *Bot {
	return &Bot{client: client, model: model, history: map[string][]openai.ChatCompletionMessage{}}
}

// Reply sends message, with the session's history, to the model and returns
// its answer. The session comes from ctx (the middleware put it there); a
// request without one gets no memory.
func (b *Bot) Reply(ctx context.Context, message string) (string, error) {
	session := sessiontrace.SessionID(ctx)
	msgs := b.conversation(session, message)

	resp, err := b.client.CreateChatCompletion(ctx, openai.ChatCompletionRequest{Model: b.model, Messages: msgs})
	if err != nil {
		return "", err
	}
	if len(resp.Choices) == 0 {
		return "", errors.New("the model returned no choices")
	}
	reply := resp.Choices[0].Message.Content
	b.remember(session, message, reply)
	return reply, nil
}

// conversation returns the messages to send for a new user message.
func (b *Bot) conversation(session, message string) []openai.ChatCompletionMessage {
	b.mu.Lock()
	defer b.mu.Unlock()
	msgs := make([]openai.ChatCompletionMessage, 0, len(b.history[session])+2)
	msgs = append(msgs, openai.ChatCompletionMessage{Role: openai.ChatMessageRoleSystem, Content: SystemPrompt})
	msgs = append(msgs, b.history[session]...)
	return append(msgs, openai.ChatCompletionMessage{Role: openai.ChatMessageRoleUser, Content: message})
}

// remember appends one exchange to the session's history.
func (b *Bot) remember(session, message, reply string) {
	if session != "" {
		b.mu.Lock()
		h := append(b.history[session],
			openai.ChatCompletionMessage{Role: openai.ChatMessageRoleUser, Content: message},
			openai.ChatCompletionMessage{Role: openai.ChatMessageRoleAssistant, Content: reply})
		if len(h) > maxHistory {
			h = h[len(h)-maxHistory:]
		}
		b.history[session] = h
		b.mu.Unlock()
	}
}

// Request is the body of POST /chat.
type Request struct {
	Message string `json:"message"`
}

// Response is the answer to POST /chat.
type Response struct {
	Reply     string `json:"reply"`
	SessionID string `json:"session_id,omitempty"`
}

// Stream sends message like Reply but streams the answer: each piece of
// text goes to emit as it arrives. A failing emit (the client went away)
// stops the stream; closing it ends the LLM span with what was received.
func (b *Bot) Stream(ctx context.Context, message string, emit func(string) error) (string, error) {
	session := sessiontrace.SessionID(ctx)
	stream, err := b.client.CreateChatCompletionStream(ctx, openai.ChatCompletionRequest{
		Model: b.model, Messages: b.conversation(session, message), Stream: true,
		StreamOptions: &openai.StreamOptions{IncludeUsage: true},
	})
	if err != nil {
		return "", err
	}
	defer stream.Close()
	var reply strings.Builder
	for {
		chunk, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return "", err
		}
		if len(chunk.Choices) == 0 { // the usage chunk
			continue
		}
		piece := chunk.Choices[0].Delta.Content
		reply.WriteString(piece)
		if err := emit(piece); err != nil {
			return "", err
		}
	}
	b.remember(session, message, reply.String())
	return reply.String(), nil
}

// decode reads the body of POST /chat.
func decode(w http.ResponseWriter, r *http.Request) (string, bool) {
	if r.Method != http.MethodPost {
		http.Error(w, "use POST", http.StatusMethodNotAllowed)
		return "", false
	}
	var req Request
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10)).Decode(&req); err != nil || strings.TrimSpace(req.Message) == "" {
		http.Error(w, `send {"message": "..."}`, http.StatusBadRequest)
		return "", false
	}
	return req.Message, true
}

// ServeStream implements POST /chat/stream for net/http: the reply as
// server-sent events, one "data:" line per piece, then "data: [DONE]".
func (b *Bot) ServeStream(w http.ResponseWriter, r *http.Request) {
	message, ok := decode(w, r)
	if !ok {
		return
	}
	flusher, _ := w.(http.Flusher)
	w.Header().Set("Content-Type", "text/event-stream")
	_, err := b.Stream(r.Context(), message, func(piece string) error {
		data, _ := json.Marshal(piece)
		if _, err := fmt.Fprintf(w, "data: %s\n\n", data); err != nil {
			return err
		}
		if flusher != nil {
			flusher.Flush()
		}
		return r.Context().Err()
	})
	if err == nil {
		fmt.Fprint(w, "data: [DONE]\n\n")
	}
}

// ServeHTTP implements POST /chat for net/http.
func (b *Bot) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	message, ok := decode(w, r)
	if !ok {
		return
	}
	reply, err := b.Reply(r.Context(), message)
	if err != nil {
		// The error is on the span; the client gets no internals.
		http.Error(w, "the model is unavailable", http.StatusBadGateway)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(Response{Reply: reply, SessionID: sessiontrace.SessionID(r.Context())})
}

// Post sends message to a /chat endpoint at url as the given session and
// user (either may be empty) and returns the reply. A status other than 200
// is an error carrying the start of the body.
func Post(ctx context.Context, url, session, user, message string) (string, error) {
	body, _ := json.Marshal(Request{Message: message})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/json")
	if session != "" {
		req.Header.Set("X-Session-ID", session)
	}
	if user != "" {
		req.Header.Set("X-User-ID", user)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return "", fmt.Errorf("POST %s: %s: %s", url, resp.Status, bytes.TrimSpace(msg))
	}
	var r Response
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		return "", err
	}
	return r.Reply, nil
}
