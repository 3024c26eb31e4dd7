package openaiwire

import (
	"bytes"
	"encoding/json"

	"github.com/sessiontrace/sessiontrace/internal/oiattr"
)

// The Responses API (POST …/responses), mapped as the OpenInference Python
// instrumentor maps it, onto the same model as chat completions:
//
//   - "instructions" is input message 0, role "system";
//   - a string "input" is a "user" message; a list has one message per item
//     this package knows: a message item ("type": "message", or no type with
//     a role) with its role and its content, a string or parts (input_text,
//     output_text and refusal as text, input_image as an image); a
//     function_call item is an assistant message with one tool call (id =
//     call_id, name, arguments); a function_call_output item is a "tool"
//     message answering call_id, its output as the content (JSON text when
//     it is not a string). Other items (reasoning, web searches, item
//     references, …) and other parts (files, audio) are skipped;
//   - "tools" is one JSON definition per tool, as sent;
//   - the invocation parameters are the request without input,
//     instructions and tools;
//   - the output items become the output messages: each message item one
//     message whose content is its output_text parts joined (its refusal
//     when it has no text), and every function_call item a tool call of one
//     assistant message — the first assistant message, or a new one after
//     the others when there is none — so that an answer reads as a chat
//     answer would. Other items (reasoning, tool calls of built-in tools)
//     are skipped;
//   - the usage gives input, output and total tokens, input_tokens_details'
//     cached_tokens (cache read) and cache_write_tokens, and
//     output_tokens_details' reasoning_tokens.
//
// encoding/json goes on decoding past a value of the wrong type and only
// reports it, so the errors of Unmarshal are ignored on purpose here: one
// odd field or item costs only itself, never the rest of the body.

// ResponsesRequest describes in call the request side of a Responses call
// whose body is body: the model, the input messages, the tool definitions,
// the invocation parameters, the temperature and max_output_tokens, the
// GenAI operation ("chat"), and that both bodies carry messages (so that
// masking applies inside them). It leaves call.Input, the recorded body,
// to the caller. It also returns the session and user IDs the request
// names (ConversationID, UserID), each "" when it names none that ID
// accepts. A body that is not a JSON object describes nothing.
func ResponsesRequest(call *oiattr.Call, body []byte) (session, user string) {
	call.Operation = oiattr.OperationChat
	call.InputBody, call.OutputBody = oiattr.BodyMessages, oiattr.BodyMessages
	var fields map[string]json.RawMessage
	if json.Unmarshal(body, &fields) != nil || fields == nil {
		return "", ""
	}
	decode := func(key string, v any) bool {
		raw, ok := fields[key]
		return ok && json.Unmarshal(raw, v) == nil
	}
	decode("model", &call.RequestModel)
	var temperature float64
	if decode("temperature", &temperature) {
		call.Temperature = &temperature
	}
	decode("max_output_tokens", &call.MaxTokens)
	var instructions string
	decode("instructions", &instructions)
	call.InputMessages = inputMessages(instructions, fields["input"])
	var tools []json.RawMessage
	decode("tools", &tools)
	for _, t := range tools {
		if !isNull(t) {
			call.Tools = append(call.Tools, string(t))
		}
	}
	var userID, safetyID string
	decode("user", &userID)
	decode("safety_identifier", &safetyID)
	session, user = ConversationID(fields["conversation"]), UserID(userID, safetyID)

	delete(fields, "input")
	delete(fields, "instructions")
	delete(fields, "tools")
	call.InvocationParameters = string(encode(fields))
	return session, user
}

// inputMessages converts the instructions and the input of a request.
func inputMessages(instructions string, input json.RawMessage) []oiattr.Message {
	var msgs []oiattr.Message
	if instructions != "" {
		msgs = append(msgs, oiattr.Message{Role: "system", Content: instructions})
	}
	if text, ok := asString(input); ok {
		if text != "" {
			msgs = append(msgs, oiattr.Message{Role: "user", Content: text})
		}
		return msgs
	}
	var items []item
	_ = json.Unmarshal(input, &items)
	for i := range items {
		if m, ok := items[i].inputMessage(); ok {
			msgs = append(msgs, m)
		}
	}
	return msgs
}

// item is an input or output item; which fields it has depends on its
// type.
type item struct {
	Type      string          `json:"type,omitempty"`
	ID        string          `json:"id,omitempty"`
	Status    string          `json:"status,omitempty"`
	Role      string          `json:"role,omitempty"`
	Content   json.RawMessage `json:"content,omitempty"` // a string, or parts
	CallID    string          `json:"call_id,omitempty"`
	Name      string          `json:"name,omitempty"`
	Arguments string          `json:"arguments,omitempty"`
	Output    json.RawMessage `json:"output,omitempty"` // of a function_call_output
}

// part is one part of an item's content.
type part struct {
	Type     string `json:"type"`
	Text     string `json:"text,omitempty"`
	Refusal  string `json:"refusal,omitempty"`
	ImageURL string `json:"image_url,omitempty"`
}

// inputMessage converts an input item, reporting false for one of a type
// that is skipped.
func (it *item) inputMessage() (oiattr.Message, bool) {
	switch {
	case it.Type == "message" || it.Type == "" && it.Role != "":
		m := oiattr.Message{Role: it.Role}
		if text, ok := asString(it.Content); ok {
			m.Content = text
			return m, true
		}
		for _, p := range it.parts() {
			switch p.Type {
			case "input_text", "output_text":
				m.Parts = append(m.Parts, oiattr.Part{Type: oiattr.PartText, Text: p.Text})
			case "refusal":
				m.Parts = append(m.Parts, oiattr.Part{Type: oiattr.PartText, Text: p.Refusal})
			case "input_image":
				if p.ImageURL != "" {
					m.Parts = append(m.Parts, oiattr.Part{Type: oiattr.PartImage, ImageURL: p.ImageURL})
				}
			}
		}
		return m, true
	case it.Type == "function_call":
		return oiattr.Message{Role: "assistant", ToolCalls: []oiattr.ToolCall{it.toolCall()}}, true
	case it.Type == "function_call_output":
		m := oiattr.Message{Role: "tool", ToolCallID: it.CallID}
		if text, ok := asString(it.Output); ok {
			m.Content = text
		} else if !isNull(it.Output) {
			m.Content = string(it.Output)
		}
		return m, true
	}
	return oiattr.Message{}, false
}

func (it *item) parts() []part {
	var parts []part
	_ = json.Unmarshal(it.Content, &parts)
	return parts
}

func (it *item) toolCall() oiattr.ToolCall {
	return oiattr.ToolCall{ID: it.CallID, Name: it.Name, Arguments: it.Arguments}
}

// response is what this package reads of a response object.
type response struct {
	head
	Output []item          `json:"output"`
	Usage  json.RawMessage `json:"usage,omitempty"`
}

// head is what a response object says besides its output and usage: all
// that a stream needs of the lifecycle events that repeat the response.
type head struct {
	ID     string   `json:"id,omitempty"`
	Object string   `json:"object,omitempty"`
	Model  string   `json:"model,omitempty"`
	Status string   `json:"status,omitempty"`
	Error  *Failure `json:"error,omitempty"`
}

// failure is what a response whose status is "failed" reports, or nil.
func (h *head) failure() *Failure {
	if h.Status != "failed" {
		return nil
	}
	f := Failure{Message: "response failed"}
	if h.Error != nil {
		f.Code = h.Error.Code
		if h.Error.Message != "" {
			f.Message = h.Error.Message
		}
	}
	return &f
}

// Failure is what a Responses body or event reports as failed: a response
// whose status is "failed", or an error event of a stream.
type Failure struct {
	Code    string `json:"code,omitempty"`
	Message string `json:"message,omitempty"` // never empty in a Failure returned here
}

// usage is a response's token accounting.
type usage struct {
	InputTokens        int `json:"input_tokens"`
	OutputTokens       int `json:"output_tokens"`
	TotalTokens        int `json:"total_tokens"`
	InputTokensDetails struct {
		CachedTokens     int `json:"cached_tokens"`
		CacheWriteTokens int `json:"cache_write_tokens"`
	} `json:"input_tokens_details"`
	OutputTokensDetails struct {
		ReasoningTokens int `json:"reasoning_tokens"`
	} `json:"output_tokens_details"`
}

// ResponsesResponse describes in call the answer of a Responses call whose
// response object is body (the body of a plain call, or the "response" of
// a stream's final event): the model that answered, the response ID, the
// output messages and the usage (unknown when "usage" is absent or null).
// It leaves call.Output, the recorded body, to the caller. It returns the
// failure a response whose status is "failed" reports, or nil. A body that
// is not a JSON object describes nothing.
func ResponsesResponse(call *oiattr.Call, body []byte) *Failure {
	var r response
	_ = json.Unmarshal(body, &r) // not JSON, or not an object: r says nothing
	return r.describe(call)
}

// describe puts r into call and returns its failure, if any.
func (r *response) describe(call *oiattr.Call) *Failure {
	call.ResponseModel, call.ResponseID = r.Model, r.ID
	call.OutputMessages = outputMessages(r.Output)
	call.Usage = toUsage(r.Usage)
	return r.failure()
}

// outputMessages converts the output items of a response.
func outputMessages(items []item) []oiattr.Message {
	var msgs []oiattr.Message
	var calls []oiattr.ToolCall
	for i := range items {
		it := &items[i]
		switch it.Type {
		case "message":
			msgs = append(msgs, it.answer())
		case "function_call":
			calls = append(calls, it.toolCall())
		}
	}
	if len(calls) == 0 {
		return msgs
	}
	for i := range msgs {
		if msgs[i].Role == "assistant" {
			msgs[i].ToolCalls = calls
			return msgs
		}
	}
	return append(msgs, oiattr.Message{Role: "assistant", ToolCalls: calls})
}

// answer converts an output message item.
func (it *item) answer() oiattr.Message {
	m := oiattr.Message{Role: it.Role}
	if m.Role == "" {
		m.Role = "assistant"
	}
	if text, ok := asString(it.Content); ok { // not the API's shape, but plain
		m.Content = text
		return m
	}
	var text, refusal []byte
	for _, p := range it.parts() {
		switch p.Type {
		case "output_text":
			text = append(text, p.Text...)
		case "refusal":
			refusal = append(refusal, p.Refusal...)
		}
	}
	if len(text) == 0 {
		text = refusal
	}
	m.Content = string(text)
	return m
}

func toUsage(raw json.RawMessage) oiattr.Usage {
	if len(raw) == 0 || isNull(raw) {
		return oiattr.Usage{}
	}
	var u usage
	if err := json.Unmarshal(raw, &u); err != nil && u == (usage{}) {
		return oiattr.Usage{} // not an object, or nothing in it could be read
	}
	return oiattr.Usage{
		Known:               true,
		Prompt:              u.InputTokens,
		Completion:          u.OutputTokens,
		Total:               u.TotalTokens,
		CacheRead:           u.InputTokensDetails.CachedTokens,
		CacheWrite:          u.InputTokensDetails.CacheWriteTokens,
		CompletionReasoning: u.OutputTokensDetails.ReasoningTokens,
	}
}

// asString returns the string a JSON value holds, and whether it is one.
func asString(raw json.RawMessage) (string, bool) {
	raw = bytes.TrimLeft(raw, " \t\r\n")
	if len(raw) == 0 || raw[0] != '"' {
		return "", false
	}
	var s string
	return s, json.Unmarshal(raw, &s) == nil
}

func isNull(raw json.RawMessage) bool { return string(bytes.TrimSpace(raw)) == "null" }

// encode is json.Marshal without the HTML escaping, which would change the
// text it keeps.
func encode(v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if enc.Encode(v) != nil { // raw values that were decoded from JSON: cannot happen
		return []byte("{}")
	}
	return bytes.TrimSuffix(b.Bytes(), []byte{'\n'})
}
