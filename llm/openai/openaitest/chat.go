package openaitest

import (
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
	n := max(req.N, 1)
	calls := toolCalls(reply.ToolCalls, seq)
	usage := reply.usage(chatPromptTokens(req), reply.textTokens(n)+n*toolCallTokens(reply.ToolCalls))
	id := "chatcmpl-" + itoa(seq)

	if !req.Stream {
		if reply.Fault == FaultStreamError {
			writeServerError(w)
			return
		}
		resp := chatResponse{
			ID:                id,
			Object:            "chat.completion",
			Created:           Created,
			Model:             model,
			Choices:           make([]chatChoice, n),
			Usage:             usage,
			SystemFingerprint: systemFingerprint,
		}
		for i := range resp.Choices {
			msg := chatMessage{Role: openai.ChatMessageRoleAssistant, ToolCalls: calls}
			if text := reply.text(i); text != "" || len(calls) == 0 {
				msg.Content = &text
			}
			resp.Choices[i] = chatChoice{Index: i, Message: msg, FinishReason: string(reply.chatFinishReason())}
		}
		writeJSON(w, http.StatusOK, resp)
		return
	}

	includeUsage := req.StreamOptions != nil && req.StreamOptions.IncludeUsage
	s.stream(w, r, chatStream(id, model, reply, n, calls, usage, includeUsage), reply.ChunkDelay)
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

// chatStream lays out every event of a streamed chat completion. Each
// chunk carries one choice; the chunks of several choices take turns.
func chatStream(id, model string, reply *Reply, n int, calls []wireToolCall, usage *openai.Usage, includeUsage bool) [][]byte {
	perChoice := make([][]chunkChoice, n)
	for i := range perChoice {
		perChoice[i] = choiceDeltas(i, reply, calls)
	}

	chunk := newStreamChunk[chunkChoice](id, "chat.completion.chunk", model, includeUsage)
	chunk.SystemFingerprint = systemFingerprint
	var events [][]byte
	for turn := 0; ; turn++ {
		sent := false
		for _, deltas := range perChoice {
			if turn < len(deltas) {
				chunk.Choices = deltas[turn : turn+1]
				events = append(events, sseEvent("", chunk))
				sent = true
			}
		}
		if !sent {
			break
		}
	}
	return endStream(events, chunk, usage, includeUsage, reply.Fault)
}

// choiceDeltas are the deltas of choice i in the order they are sent: the
// role, the content pieces, the tool-call fragments and the finish reason;
// with FaultStreamError only the role and the first half of the pieces.
func choiceDeltas(i int, reply *Reply, calls []wireToolCall) []chunkChoice {
	text := reply.text(i)
	open := roleDelta{Role: openai.ChatMessageRoleAssistant}
	if text != "" || len(calls) == 0 {
		open.Content = new(string)
	}
	deltas := []chunkChoice{{Index: i, Delta: open}}

	pieces := splitContent(text, reply.Chunks)
	if reply.Fault == FaultStreamError {
		pieces = pieces[:(len(pieces)+1)/2]
	}
	for _, p := range pieces {
		deltas = append(deltas, chunkChoice{Index: i, Delta: contentDelta{Content: p}})
	}
	if reply.Fault == FaultStreamError {
		return deltas
	}

	for j, c := range calls {
		deltas = append(deltas, chunkChoice{Index: i, Delta: toolCallsDelta{[]toolCallDelta{{Index: j, ID: c.ID, Type: c.Type, Function: functionDelta{Name: c.Function.Name}}}}})
		for _, p := range splitBytes(c.Function.Arguments, argPieceLen) {
			deltas = append(deltas, chunkChoice{Index: i, Delta: toolCallsDelta{[]toolCallDelta{{Index: j, Function: functionDelta{Arguments: p}}}}})
		}
	}
	finish := string(reply.chatFinishReason())
	return append(deltas, chunkChoice{Index: i, Delta: struct{}{}, FinishReason: &finish})
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
