package openaitest

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/sashabaranov/go-openai"
)

// argPieceLen is the largest tool-call argument fragment a stream sends.
const argPieceLen = 8

type chatResponse struct {
	ID                string        `json:"id"`
	Object            string        `json:"object"`
	Created           int64         `json:"created"`
	Model             string        `json:"model"`
	Choices           []chatChoice  `json:"choices"`
	Usage             *openai.Usage `json:"usage"`
	SystemFingerprint string        `json:"system_fingerprint"`
}

type chatChoice struct {
	Index        int         `json:"index"`
	Message      chatMessage `json:"message"`
	Logprobs     *struct{}   `json:"logprobs"`
	FinishReason string      `json:"finish_reason"`
}

type chatMessage struct {
	Role      string         `json:"role"`
	Content   *string        `json:"content"`
	Refusal   *string        `json:"refusal"`
	ToolCalls []wireToolCall `json:"tool_calls,omitempty"`
}

type wireToolCall struct {
	ID       string          `json:"id"`
	Type     openai.ToolType `json:"type"`
	Function wireFunction    `json:"function"`
}

type wireFunction struct {
	Name      string `json:"name"`
	Arguments string `json:"arguments"`
}

// toolCalls fills in the IDs and types a Reply left empty.
func toolCalls(calls []openai.ToolCall, seq int64) []wireToolCall {
	if len(calls) == 0 {
		return nil
	}
	out := make([]wireToolCall, len(calls))
	for i, c := range calls {
		out[i] = wireToolCall{ID: c.ID, Type: c.Type, Function: wireFunction(c.Function)}
		if out[i].ID == "" {
			out[i].ID = "call_" + itoa(seq) + "_" + strconv.Itoa(i)
		}
		if out[i].Type == "" {
			out[i].Type = openai.ToolTypeFunction
		}
	}
	return out
}

func (s *Server) serveChat(w http.ResponseWriter, r *http.Request, req *openai.ChatCompletionRequest, reply *Reply, seq int64) {
	model := reply.Model
	if model == "" {
		model = req.Model
	}
	calls := toolCalls(reply.ToolCalls, seq)
	usage := reply.Usage
	if usage == nil {
		p := chatPromptTokens(req)
		c := Tokens(reply.Content) + toolCallTokens(reply.ToolCalls)
		usage = &openai.Usage{PromptTokens: p, CompletionTokens: c, TotalTokens: p + c}
	}
	id := "chatcmpl-" + itoa(seq)

	if !req.Stream {
		if reply.Fault == FaultStreamError {
			writeServerError(w)
			return
		}
		msg := chatMessage{Role: openai.ChatMessageRoleAssistant, ToolCalls: calls}
		if reply.Content != "" || len(calls) == 0 {
			msg.Content = &reply.Content
		}
		writeJSON(w, http.StatusOK, chatResponse{
			ID:                id,
			Object:            "chat.completion",
			Created:           Created,
			Model:             model,
			Choices:           []chatChoice{{Message: msg, FinishReason: string(reply.chatFinishReason())}},
			Usage:             usage,
			SystemFingerprint: systemFingerprint,
		})
		return
	}

	includeUsage := req.StreamOptions != nil && req.StreamOptions.IncludeUsage
	s.stream(w, r, chatStream(id, model, reply, calls, usage, includeUsage), reply.ChunkDelay)
}

type chatChunk struct {
	ID                string        `json:"id"`
	Object            string        `json:"object"`
	Created           int64         `json:"created"`
	Model             string        `json:"model"`
	SystemFingerprint string        `json:"system_fingerprint"`
	Choices           []chunkChoice `json:"choices"`
	// Usage is absent unless the client asked for usage; then it is null
	// on every chunk but the last, as the API sends it.
	Usage json.RawMessage `json:"usage,omitempty"`
}

type chunkChoice struct {
	Index        int       `json:"index"`
	Delta        any       `json:"delta"` // one of the *Delta types, or struct{} on the finish chunk
	Logprobs     *struct{} `json:"logprobs"`
	FinishReason *string   `json:"finish_reason"`
}

// roleDelta opens a choice; content is "" or, before tool calls only, null.
type roleDelta struct {
	Role    string  `json:"role"`
	Content *string `json:"content"`
	Refusal *string `json:"refusal"`
}

type contentDelta struct {
	Content string `json:"content"`
}

type toolCallsDelta struct {
	ToolCalls []toolCallDelta `json:"tool_calls"`
}

// toolCallDelta is one fragment of a tool call: the first carries id, type
// and name, the later ones only a piece of the arguments.
type toolCallDelta struct {
	Index    int             `json:"index"`
	ID       string          `json:"id,omitempty"`
	Type     openai.ToolType `json:"type,omitempty"`
	Function functionDelta   `json:"function"`
}

type functionDelta struct {
	Name      string `json:"name,omitempty"`
	Arguments string `json:"arguments"`
}

// chatStream lays out every event of a streamed chat completion.
func chatStream(id, model string, reply *Reply, calls []wireToolCall, usage *openai.Usage, includeUsage bool) [][]byte {
	chunk := chatChunk{ID: id, Object: "chat.completion.chunk", Created: Created, Model: model, SystemFingerprint: systemFingerprint}
	if includeUsage {
		chunk.Usage = json.RawMessage("null")
	}
	var events [][]byte
	send := func(delta any, finish *string) {
		chunk.Choices = []chunkChoice{{Delta: delta, FinishReason: finish}}
		events = append(events, sseEvent("", chunk))
	}

	open := roleDelta{Role: openai.ChatMessageRoleAssistant}
	if reply.Content != "" || len(calls) == 0 {
		open.Content = new(string)
	}
	send(open, nil)

	pieces := splitContent(reply.Content, reply.Chunks)
	if reply.Fault == FaultStreamError {
		pieces = pieces[:(len(pieces)+1)/2]
	}
	for _, p := range pieces {
		send(contentDelta{Content: p}, nil)
	}
	if reply.Fault == FaultStreamError {
		return append(events, streamErrorEvent)
	}

	for i, c := range calls {
		send(toolCallsDelta{[]toolCallDelta{{Index: i, ID: c.ID, Type: c.Type, Function: functionDelta{Name: c.Function.Name}}}}, nil)
		for _, p := range splitBytes(c.Function.Arguments, argPieceLen) {
			send(toolCallsDelta{[]toolCallDelta{{Index: i, Function: functionDelta{Arguments: p}}}}, nil)
		}
	}

	finish := string(reply.chatFinishReason())
	send(struct{}{}, &finish)

	if includeUsage {
		chunk.Choices = []chunkChoice{}
		chunk.Usage = mustMarshal(usage)
		events = append(events, sseEvent("", chunk))
	}
	if reply.Fault != FaultNoDone {
		events = append(events, doneEvent)
	}
	return events
}

// splitBytes cuts s into pieces of at most n bytes at rune boundaries.
func splitBytes(s string, n int) []string {
	if s == "" {
		return nil
	}
	pieces := make([]string, 0, (len(s)+n-1)/n)
	for len(s) > 0 {
		end := min(n, len(s))
		for end < len(s) && end > 0 && !isRuneStart(s[end]) {
			end--
		}
		if end == 0 { // a rune longer than n bytes
			end = n
			for end < len(s) && !isRuneStart(s[end]) {
				end++
			}
		}
		pieces = append(pieces, s[:end])
		s = s[end:]
	}
	return pieces
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }
