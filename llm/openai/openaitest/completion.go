package openaitest

import (
	"net/http"

	"github.com/sashabaranov/go-openai"
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
	prompts, promptTokens := promptTexts(req.Prompt)
	choices := max(len(prompts), 1) * max(req.N, 1)
	usage := reply.usage(promptTokens, reply.textTokens(choices))
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
			resp.Choices[i] = completionChoice{Text: reply.text(i), Index: i, FinishReason: finish}
		}
		writeJSON(w, http.StatusOK, resp)
		return
	}

	includeUsage := req.StreamOptions != nil && req.StreamOptions.IncludeUsage
	s.stream(w, r, completionStream(id, model, reply, choices, finish, usage, includeUsage), reply.ChunkDelay)
}

type completionChunkChoice struct {
	Text         string    `json:"text"`
	Index        int       `json:"index"`
	Logprobs     *struct{} `json:"logprobs"`
	FinishReason *string   `json:"finish_reason"`
}

// completionStream lays out every event of a streamed legacy completion:
// the pieces of each choice in turn, a finish event per choice, the usage
// event when asked for, then [DONE].
func completionStream(id, model string, reply *Reply, choices int, finish string, usage *openai.Usage, includeUsage bool) [][]byte {
	chunk := newStreamChunk[completionChunkChoice](id, "text_completion", model, includeUsage)
	var events [][]byte
	send := func(c completionChunkChoice) {
		chunk.Choices = []completionChunkChoice{c}
		events = append(events, sseEvent("", chunk))
	}

	if reply.Fault == FaultStreamError {
		choices = 1
	}
	for i := range choices {
		pieces := splitContent(reply.text(i), reply.Chunks)
		if reply.Fault == FaultStreamError {
			pieces = pieces[:(len(pieces)+1)/2]
		}
		for _, p := range pieces {
			send(completionChunkChoice{Text: p, Index: i})
		}
	}
	if reply.Fault != FaultStreamError {
		for i := range choices {
			send(completionChunkChoice{Index: i, FinishReason: &finish})
		}
	}
	return endStream(events, chunk, usage, includeUsage, reply.Fault)
}
