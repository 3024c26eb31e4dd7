package openaitest

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/sashabaranov/go-openai"
)

// responseObject is the Responses API's "response" object, as the plain
// answer and inside the lifecycle events of a stream.
type responseObject struct {
	ID                string         `json:"id"`
	Object            string         `json:"object"`
	CreatedAt         int64          `json:"created_at"`
	Status            string         `json:"status"`
	CompletedAt       *int64         `json:"completed_at"`
	Error             *responseError `json:"error"`
	IncompleteDetails *struct{}      `json:"incomplete_details"`
	Model             string         `json:"model"`
	Output            []any          `json:"output"` // messageItem and functionCallItem values
	Background        bool           `json:"background"`
	Conversation      *conversation  `json:"conversation"`
	ServiceTier       string         `json:"service_tier"`
	TopLogprobs       int            `json:"top_logprobs"`
	Usage             *responseUsage `json:"usage"`
	echoed                           // the request's own settings
}

// echoed are the request fields a response repeats, as the client sent
// them (null when absent, unless the API has a default for them).
type echoed struct {
	Instructions       json.RawMessage `json:"instructions"`
	MaxOutputTokens    json.RawMessage `json:"max_output_tokens"`
	MaxToolCalls       json.RawMessage `json:"max_tool_calls"`
	Metadata           json.RawMessage `json:"metadata"`
	ParallelToolCalls  json.RawMessage `json:"parallel_tool_calls"`
	PreviousResponseID json.RawMessage `json:"previous_response_id"`
	PromptCacheKey     json.RawMessage `json:"prompt_cache_key"`
	Reasoning          json.RawMessage `json:"reasoning"`
	SafetyIdentifier   json.RawMessage `json:"safety_identifier"`
	Store              json.RawMessage `json:"store"`
	Temperature        json.RawMessage `json:"temperature"`
	Text               json.RawMessage `json:"text"`
	ToolChoice         json.RawMessage `json:"tool_choice"`
	Tools              json.RawMessage `json:"tools"`
	TopP               json.RawMessage `json:"top_p"`
	Truncation         json.RawMessage `json:"truncation"`
	User               json.RawMessage `json:"user"`
}

// echo takes the echoed fields from a request body and fills in the API's
// defaults for those the client left out.
func echo(body []byte) echoed {
	var e echoed
	_ = json.Unmarshal(body, &e) // the body is a JSON object (see checkRequired)
	def := func(v *json.RawMessage, value string) {
		if absent(*v) {
			*v = json.RawMessage(value)
		}
	}
	def(&e.Metadata, `{}`)
	def(&e.ParallelToolCalls, `true`)
	def(&e.Reasoning, `{"effort":null,"summary":null}`)
	def(&e.Store, `true`)
	def(&e.Temperature, `1`)
	def(&e.Text, `{"format":{"type":"text"},"verbosity":"medium"}`)
	def(&e.ToolChoice, `"auto"`)
	def(&e.Tools, `[]`)
	def(&e.TopP, `1`)
	def(&e.Truncation, `"disabled"`)
	return e
}

type responseError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

type conversation struct {
	ID string `json:"id"`
}

// conversationOf is the conversation a request names, as an ID string or
// as {"id": …}, or nil.
func conversationOf(v any) *conversation {
	switch c := v.(type) {
	case string:
		return &conversation{ID: c}
	case map[string]any:
		if id, ok := c["id"].(string); ok {
			return &conversation{ID: id}
		}
	}
	return nil
}

type messageItem struct {
	ID      string       `json:"id"`
	Type    string       `json:"type"` // "message"
	Status  string       `json:"status"`
	Content []outputText `json:"content"`
	Role    string       `json:"role"`
}

type outputText struct {
	Type        string     `json:"type"` // "output_text"
	Annotations []struct{} `json:"annotations"`
	Logprobs    []struct{} `json:"logprobs"`
	Text        string     `json:"text"`
}

func newOutputText(text string) outputText {
	return outputText{Type: "output_text", Annotations: []struct{}{}, Logprobs: []struct{}{}, Text: text}
}

type functionCallItem struct {
	ID        string `json:"id"`
	Type      string `json:"type"` // "function_call"
	Status    string `json:"status"`
	Arguments string `json:"arguments"`
	CallID    string `json:"call_id"`
	Name      string `json:"name"`
}

type responseUsage struct {
	InputTokens        int `json:"input_tokens"`
	InputTokensDetails struct {
		CachedTokens     int `json:"cached_tokens"`
		CacheWriteTokens int `json:"cache_write_tokens"` // always 0: openai.Usage has no such count
	} `json:"input_tokens_details"`
	OutputTokens        int `json:"output_tokens"`
	OutputTokensDetails struct {
		ReasoningTokens int `json:"reasoning_tokens"`
	} `json:"output_tokens_details"`
	TotalTokens int `json:"total_tokens"`
}

func newResponseUsage(u *openai.Usage) *responseUsage {
	r := &responseUsage{InputTokens: u.PromptTokens, OutputTokens: u.CompletionTokens, TotalTokens: u.TotalTokens}
	if u.PromptTokensDetails != nil {
		r.InputTokensDetails.CachedTokens = u.PromptTokensDetails.CachedTokens
	}
	if u.CompletionTokensDetails != nil {
		r.OutputTokensDetails.ReasoningTokens = u.CompletionTokensDetails.ReasoningTokens
	}
	return r
}

// answer is what a Reply becomes on the Responses API: an optional message
// item and one function_call item per tool call.
type answer struct {
	message *messageItem
	calls   []functionCallItem
}

func newAnswer(reply *Reply, seq int64) answer {
	var a answer
	calls := toolCalls(reply.ToolCalls, seq)
	if reply.Content != "" || len(calls) == 0 {
		a.message = &messageItem{ID: "msg_" + itoa(seq), Type: "message", Status: "completed", Role: openai.ChatMessageRoleAssistant,
			Content: []outputText{newOutputText(reply.Content)}}
	}
	for i, c := range calls {
		a.calls = append(a.calls, functionCallItem{ID: "fc_" + itoa(seq) + "_" + strconv.Itoa(i), Type: "function_call", Status: "completed",
			Arguments: c.Function.Arguments, CallID: c.ID, Name: c.Function.Name})
	}
	return a
}

// output is the output array of the finished response.
func (a answer) output() []any {
	out := make([]any, 0, 1+len(a.calls))
	if a.message != nil {
		out = append(out, *a.message)
	}
	for _, c := range a.calls {
		out = append(out, c)
	}
	return out
}

func (s *Server) serveResponse(w http.ResponseWriter, r *http.Request, req *openai.CreateResponseRequest, body []byte, reply *Reply, seq int64) {
	model := reply.Model
	if model == "" {
		model = req.Model
	}
	a := newAnswer(reply, seq)
	done := Created
	resp := responseObject{
		ID:           "resp_" + itoa(seq),
		Object:       "response",
		CreatedAt:    Created,
		Status:       "completed",
		CompletedAt:  &done,
		Model:        model,
		Output:       a.output(),
		Background:   req.Background,
		Conversation: conversationOf(req.Conversation),
		ServiceTier:  "default",
		Usage:        newResponseUsage(reply.usage(responseInputTokens(req), Tokens(reply.Content)+toolCallTokens(reply.ToolCalls))),
		echoed:       echo(body),
	}

	if !req.Stream {
		if reply.Fault == FaultStreamError {
			writeServerError(w)
			return
		}
		writeJSON(w, http.StatusOK, resp)
		return
	}
	s.stream(w, r, responseStream(resp, a, reply), reply.ChunkDelay)
}

// eventHead starts every Responses stream event.
type eventHead struct {
	Type           string `json:"type"`
	SequenceNumber int    `json:"sequence_number"`
}

func (h *eventHead) head() *eventHead { return h }

type lifecycleEvent struct {
	eventHead
	Response responseObject `json:"response"`
}

type itemEvent struct {
	eventHead
	OutputIndex int `json:"output_index"`
	Item        any `json:"item"`
}

type partEvent struct {
	eventHead
	ItemID       string     `json:"item_id"`
	OutputIndex  int        `json:"output_index"`
	ContentIndex int        `json:"content_index"`
	Part         outputText `json:"part"`
}

type textEvent struct {
	eventHead
	ItemID       string     `json:"item_id"`
	OutputIndex  int        `json:"output_index"`
	ContentIndex int        `json:"content_index"`
	Delta        *string    `json:"delta,omitempty"` // on response.output_text.delta
	Text         *string    `json:"text,omitempty"`  // on response.output_text.done
	Logprobs     []struct{} `json:"logprobs"`
}

type argumentsEvent struct {
	eventHead
	ItemID      string  `json:"item_id"`
	OutputIndex int     `json:"output_index"`
	Delta       *string `json:"delta,omitempty"`     // on response.function_call_arguments.delta
	Arguments   *string `json:"arguments,omitempty"` // on response.function_call_arguments.done
}

// responseEvents collects the events of a Responses stream, numbering them
// from 0.
type responseEvents [][]byte

func (e *responseEvents) add(typ string, ev interface{ head() *eventHead }) {
	*ev.head() = eventHead{Type: typ, SequenceNumber: len(*e)}
	*e = append(*e, sseEvent(typ, ev))
}

// responseStream lays out the events of a streamed response, as the API
// sends them: response.created and response.in_progress with the response
// in progress; for the message, output_item.added, content_part.added, the
// output_text deltas, output_text.done, content_part.done and
// output_item.done; for each function call, output_item.added, the
// arguments deltas, function_call_arguments.done and output_item.done; then
// response.completed with the whole response and its usage. There is no
// [DONE]. FaultStreamError ends after half the text deltas with
// response.failed; FaultNoDone leaves out response.completed.
func responseStream(resp responseObject, a answer, reply *Reply) [][]byte {
	var events responseEvents

	started := resp
	started.Status, started.CompletedAt, started.Output, started.Usage = "in_progress", nil, []any{}, nil
	events.add("response.created", &lifecycleEvent{Response: started})
	events.add("response.in_progress", &lifecycleEvent{Response: started})

	index := 0
	if m := a.message; m != nil {
		opening := *m
		opening.Status, opening.Content = "in_progress", []outputText{}
		events.add("response.output_item.added", &itemEvent{OutputIndex: index, Item: opening})
		events.add("response.content_part.added", &partEvent{ItemID: m.ID, OutputIndex: index, Part: newOutputText("")})
		pieces := splitContent(reply.Content, reply.Chunks)
		if reply.Fault == FaultStreamError {
			pieces = pieces[:(len(pieces)+1)/2]
		}
		for _, p := range pieces {
			events.add("response.output_text.delta", &textEvent{ItemID: m.ID, OutputIndex: index, Delta: &p, Logprobs: []struct{}{}})
		}
	}
	if reply.Fault == FaultStreamError {
		failed := started
		failed.Status = "failed"
		failed.Error = &responseError{Code: "server_error", Message: serverErrorMessage}
		events.add("response.failed", &lifecycleEvent{Response: failed})
		return events
	}
	if m := a.message; m != nil {
		events.add("response.output_text.done", &textEvent{ItemID: m.ID, OutputIndex: index, Text: &reply.Content, Logprobs: []struct{}{}})
		events.add("response.content_part.done", &partEvent{ItemID: m.ID, OutputIndex: index, Part: m.Content[0]})
		events.add("response.output_item.done", &itemEvent{OutputIndex: index, Item: *m})
		index++
	}
	for _, c := range a.calls {
		opening := c
		opening.Status, opening.Arguments = "in_progress", ""
		events.add("response.output_item.added", &itemEvent{OutputIndex: index, Item: opening})
		for _, p := range splitBytes(c.Arguments, argPieceLen) {
			events.add("response.function_call_arguments.delta", &argumentsEvent{ItemID: c.ID, OutputIndex: index, Delta: &p})
		}
		events.add("response.function_call_arguments.done", &argumentsEvent{ItemID: c.ID, OutputIndex: index, Arguments: &c.Arguments})
		events.add("response.output_item.done", &itemEvent{OutputIndex: index, Item: c})
		index++
	}
	if reply.Fault != FaultNoDone {
		events.add("response.completed", &lifecycleEvent{Response: resp})
	}
	return events
}

// responseInputTokens is the input_tokens of a Responses request: the
// Tokens of its instructions and of the text in its input (see
// inputTexts).
func responseInputTokens(req *openai.CreateResponseRequest) int {
	n := Tokens(req.Instructions)
	for _, text := range inputTexts(req.Input) {
		n += Tokens(text)
	}
	return n
}

// inputTexts are the texts of a Responses input: the input itself when it
// is a string; otherwise, of each item, its content (a string, or the text
// of its parts), a function call's name and arguments, and a function
// call output's output.
func inputTexts(input any) []string {
	switch in := input.(type) {
	case string:
		return []string{in}
	case []any:
		var texts []string
		for _, item := range in {
			m, _ := item.(map[string]any)
			texts = append(texts, itemText(m))
			for _, key := range []string{"name", "arguments", "output"} {
				if s, ok := m[key].(string); ok {
					texts = append(texts, s)
				}
			}
		}
		return texts
	}
	return nil
}

// itemText is the text of an input message item: its content when that is
// a string, or else the texts of its parts joined by a space.
func itemText(item map[string]any) string {
	switch content := item["content"].(type) {
	case string:
		return content
	case []any:
		var texts []string
		for _, part := range content {
			if p, ok := part.(map[string]any); ok {
				if text, ok := p["text"].(string); ok && text != "" {
					texts = append(texts, text)
				}
			}
		}
		return strings.Join(texts, " ")
	}
	return ""
}
