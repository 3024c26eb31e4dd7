package openaitest

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/sashabaranov/go-openai"

	"github.com/sessiontrace/sessiontrace/internal/jsonstring"
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
	Index        int                 `json:"index"`
	Message      chatMessage         `json:"message"`
	Logprobs     *struct{}           `json:"logprobs"`
	FinishReason openai.FinishReason `json:"finish_reason"`
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
			Choices:           []chatChoice{{Message: msg, FinishReason: reply.chatFinishReason()}},
			Usage:             usage,
			SystemFingerprint: systemFingerprint,
		})
		return
	}

	includeUsage := req.StreamOptions != nil && req.StreamOptions.IncludeUsage
	ev := getEvents()
	defer putEvents(ev)
	buildChatStream(ev, id, model, reply, calls, usage, includeUsage)
	s.stream(w, r, ev, reply.ChunkDelay)
}

// buildChatStream lays out every event of a streamed chat completion.
func buildChatStream(ev *events, id, model string, reply *Reply, calls []wireToolCall, usage *openai.Usage, includeUsage bool) {
	// Every chunk is head + one choice + tail.
	var head [256]byte
	h := append(head[:0], `data: {"id":`...)
	h = jsonstring.Append(h, id)
	h = append(h, `,"object":"chat.completion.chunk","created":`...)
	h = strconv.AppendInt(h, Created, 10)
	h = append(h, `,"model":`...)
	h = jsonstring.Append(h, model)
	h = append(h, `,"system_fingerprint":"`+systemFingerprint+`","choices":[`...)
	tail := "]}\n\n"
	if includeUsage {
		tail = `],"usage":null}` + "\n\n"
	}
	const choiceEnd = `},"logprobs":null,"finish_reason":null}`

	pieces := splitContent(reply.Content, reply.Chunks)
	fault := reply.Fault
	argBytes := 0
	for _, c := range calls {
		argBytes += len(c.Function.Arguments)
	}
	n := len(pieces) + 2*len(calls) + argBytes/argPieceLen + 4
	ev.grow(n, n*(len(h)+len(tail)+len(choiceEnd)+64)+2*(len(reply.Content)+argBytes))

	ev.buf = append(ev.buf, h...)
	if reply.Content == "" && len(calls) > 0 {
		ev.buf = append(ev.buf, `{"index":0,"delta":{"role":"assistant","content":null,"refusal":null`+choiceEnd...)
	} else {
		ev.buf = append(ev.buf, `{"index":0,"delta":{"role":"assistant","content":"","refusal":null`+choiceEnd...)
	}
	ev.buf = append(ev.buf, tail...)
	ev.end()

	if fault == FaultStreamError {
		pieces = pieces[:(len(pieces)+1)/2]
	}
	for _, p := range pieces {
		ev.buf = append(ev.buf, h...)
		ev.buf = append(ev.buf, `{"index":0,"delta":{"content":`...)
		ev.buf = jsonstring.Append(ev.buf, p)
		ev.buf = append(ev.buf, choiceEnd...)
		ev.buf = append(ev.buf, tail...)
		ev.end()
	}
	if fault == FaultStreamError {
		ev.streamError()
		return
	}

	for i, c := range calls {
		ev.buf = append(ev.buf, h...)
		ev.buf = append(ev.buf, `{"index":0,"delta":{"tool_calls":[{"index":`...)
		ev.buf = strconv.AppendInt(ev.buf, int64(i), 10)
		ev.buf = append(ev.buf, `,"id":`...)
		ev.buf = jsonstring.Append(ev.buf, c.ID)
		ev.buf = append(ev.buf, `,"type":`...)
		ev.buf = jsonstring.Append(ev.buf, string(c.Type))
		ev.buf = append(ev.buf, `,"function":{"name":`...)
		ev.buf = jsonstring.Append(ev.buf, c.Function.Name)
		ev.buf = append(ev.buf, `,"arguments":""}}]`+choiceEnd...)
		ev.buf = append(ev.buf, tail...)
		ev.end()
		for _, p := range splitBytes(c.Function.Arguments, argPieceLen) {
			ev.buf = append(ev.buf, h...)
			ev.buf = append(ev.buf, `{"index":0,"delta":{"tool_calls":[{"index":`...)
			ev.buf = strconv.AppendInt(ev.buf, int64(i), 10)
			ev.buf = append(ev.buf, `,"function":{"arguments":`...)
			ev.buf = jsonstring.Append(ev.buf, p)
			ev.buf = append(ev.buf, `}}]`+choiceEnd...)
			ev.buf = append(ev.buf, tail...)
			ev.end()
		}
	}

	ev.buf = append(ev.buf, h...)
	ev.buf = append(ev.buf, `{"index":0,"delta":{},"logprobs":null,"finish_reason":`...)
	ev.buf = jsonstring.Append(ev.buf, string(reply.chatFinishReason()))
	ev.buf = append(ev.buf, '}')
	ev.buf = append(ev.buf, tail...)
	ev.end()

	if includeUsage {
		ev.buf = append(ev.buf, h...)
		ev.buf = appendUsage(ev.buf, usage)
		ev.end()
	}
	if fault != FaultNoDone {
		ev.done()
	}
}

// appendUsage closes an empty choices array and appends the usage member
// and the end of the event.
func appendUsage(b []byte, usage *openai.Usage) []byte {
	u, err := json.Marshal(usage)
	if err != nil {
		u = []byte("null")
	}
	b = append(b, `],"usage":`...)
	b = append(b, u...)
	return append(b, "}\n\n"...)
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
