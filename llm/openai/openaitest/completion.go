package openaitest

import (
	"net/http"
	"strconv"

	"github.com/sashabaranov/go-openai"

	"github.com/sessiontrace/sessiontrace/internal/jsonstring"
)

type completionResponse struct {
	ID      string             `json:"id"`
	Object  string             `json:"object"`
	Created int64              `json:"created"`
	Model   string             `json:"model"`
	Choices []completionChoice `json:"choices"`
	Usage   *openai.Usage      `json:"usage"`
}

type completionChoice struct {
	Text         string    `json:"text"`
	Index        int       `json:"index"`
	Logprobs     *struct{} `json:"logprobs"`
	FinishReason string    `json:"finish_reason"`
}

func (s *Server) serveCompletion(w http.ResponseWriter, r *http.Request, req *openai.CompletionRequest, reply *Reply, seq int64) {
	model := reply.Model
	if model == "" {
		model = req.Model
	}
	texts, promptTokens := promptTexts(req.Prompt)
	choices := max(len(texts), 1)
	usage := reply.Usage
	if usage == nil {
		c := Tokens(reply.Content) * choices
		usage = &openai.Usage{PromptTokens: promptTokens, CompletionTokens: c, TotalTokens: promptTokens + c}
	}
	id := "cmpl-" + itoa(seq)
	finish := reply.completionFinishReason()

	if !req.Stream {
		if reply.Fault == FaultStreamError {
			writeServerError(w)
			return
		}
		resp := completionResponse{
			ID:      id,
			Object:  "text_completion",
			Created: Created,
			Model:   model,
			Choices: make([]completionChoice, choices),
			Usage:   usage,
		}
		for i := range resp.Choices {
			resp.Choices[i] = completionChoice{Text: reply.Content, Index: i, FinishReason: finish}
		}
		writeJSON(w, http.StatusOK, resp)
		return
	}

	includeUsage := req.StreamOptions != nil && req.StreamOptions.IncludeUsage
	ev := getEvents()
	defer putEvents(ev)
	buildCompletionStream(ev, id, model, reply, choices, finish, usage, includeUsage)
	s.stream(w, r, ev, reply.ChunkDelay)
}

// buildCompletionStream lays out every event of a streamed legacy
// completion: the pieces of each choice in turn, a finish event per choice,
// the usage event when asked for, then [DONE].
func buildCompletionStream(ev *events, id, model string, reply *Reply, choices int, finish string, usage *openai.Usage, includeUsage bool) {
	var head [256]byte
	h := append(head[:0], `data: {"id":`...)
	h = jsonstring.Append(h, id)
	h = append(h, `,"object":"text_completion","created":`...)
	h = strconv.AppendInt(h, Created, 10)
	h = append(h, `,"model":`...)
	h = jsonstring.Append(h, model)
	h = append(h, `,"choices":[`...)
	tail := "]}\n\n"
	if includeUsage {
		tail = `],"usage":null}` + "\n\n"
	}

	pieces := splitContent(reply.Content, reply.Chunks)
	if reply.Fault == FaultStreamError {
		pieces = pieces[:(len(pieces)+1)/2]
		choices = 1
	}
	n := choices*(len(pieces)+1) + 2
	ev.grow(n, n*(len(h)+len(tail)+64)+2*choices*len(reply.Content))
	for i := range choices {
		for _, p := range pieces {
			ev.buf = append(ev.buf, h...)
			ev.buf = append(ev.buf, `{"text":`...)
			ev.buf = jsonstring.Append(ev.buf, p)
			ev.buf = append(ev.buf, `,"index":`...)
			ev.buf = strconv.AppendInt(ev.buf, int64(i), 10)
			ev.buf = append(ev.buf, `,"logprobs":null,"finish_reason":null}`...)
			ev.buf = append(ev.buf, tail...)
			ev.end()
		}
	}
	if reply.Fault == FaultStreamError {
		ev.streamError()
		return
	}
	for i := range choices {
		ev.buf = append(ev.buf, h...)
		ev.buf = append(ev.buf, `{"text":"","index":`...)
		ev.buf = strconv.AppendInt(ev.buf, int64(i), 10)
		ev.buf = append(ev.buf, `,"logprobs":null,"finish_reason":`...)
		ev.buf = jsonstring.Append(ev.buf, finish)
		ev.buf = append(ev.buf, '}')
		ev.buf = append(ev.buf, tail...)
		ev.end()
	}
	if includeUsage {
		ev.buf = append(ev.buf, h...)
		ev.buf = appendUsage(ev.buf, usage)
		ev.end()
	}
	if reply.Fault != FaultNoDone {
		ev.done()
	}
}
