package openaiwire

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"

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
//     message answering call_id, its output as the content (encoded as JSON
//     when it is not a string). Other items (reasoning, web searches, item
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
// reports it, so its type errors are ignored on purpose here: one odd field
// or item costs only itself, never the rest of the body.
//
// A request may carry a long conversation, so its body is read in one pass
// with the decoder's tokens (see decodeRequest); responses, smaller, are
// decoded with Unmarshal; a stream's events are read only when they carry
// more than a delta (see ResponsesStream.Add). Content parts are read into
// a struct of the few fields used.

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
	r, ok := decodeRequest(body)
	if !ok {
		return "", ""
	}
	field := func(key string, v any) bool {
		raw, ok := r.params[key]
		return ok && json.Unmarshal(raw, v) == nil
	}
	field("model", &call.RequestModel)
	var temperature float64
	if field("temperature", &temperature) {
		call.Temperature = &temperature
	}
	field("max_output_tokens", &call.MaxTokens)
	var userID, safetyID string
	field("user", &userID)
	field("safety_identifier", &safetyID)

	call.InputMessages = r.messages()
	for _, t := range r.tools {
		if !isNull(t) {
			call.Tools = append(call.Tools, string(t))
		}
	}
	call.InvocationParameters = string(encode(r.params))
	return ConversationID(r.params["conversation"]), UserID(userID, safetyID)
}

// request is what ResponsesRequest reads of a request body.
type request struct {
	params       map[string]json.RawMessage // every field but the three below
	instructions string
	input        []oiattr.Message // the input's messages, converted as they are read
	tools        []json.RawMessage
}

// decodeRequest reads body, reporting false when it is not a JSON object.
// Every field is decoded once, as the decoder reaches it, and the input
// items one at a time.
func decodeRequest(body []byte) (r request, ok bool) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber() // a function call's output is recorded as JSON text: keep its numbers
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return r, false
	}
	r.params = map[string]json.RawMessage{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return r, false
		}
		switch key, _ := t.(string); key {
		case "input":
			err = r.decodeInput(dec)
		case "instructions":
			err = decode(dec, &r.instructions)
		case "tools":
			err = decode(dec, &r.tools)
		default:
			var raw json.RawMessage
			err = decode(dec, &raw)
			r.params[key] = raw
		}
		if err != nil {
			return r, false
		}
	}
	_, err := dec.Token() // the closing brace
	return r, err == nil
}

// decodeInput reads the input: a string, or a list of items. Another
// value is no input.
func (r *request) decodeInput(dec *json.Decoder) error {
	t, err := dec.Token()
	if err != nil {
		return err
	}
	switch t {
	case json.Delim('['):
		var it item
		for dec.More() {
			it = item{}
			if err := decode(dec, &it); err != nil {
				return err
			}
			if m, ok := it.inputMessage(); ok {
				r.input = append(r.input, m)
			}
		}
		_, err = dec.Token()
	case json.Delim('{'):
		for err == nil && dec.More() {
			var skipped json.RawMessage
			if _, err = dec.Token(); err == nil {
				err = decode(dec, &skipped)
			}
		}
		if err == nil {
			_, err = dec.Token()
		}
	default:
		if text, _ := t.(string); text != "" {
			r.input = []oiattr.Message{{Role: "user", Content: text}}
		}
	}
	return err
}

// decode decodes the next value into v. A value of the wrong type is no
// error: v keeps what could be read.
func decode(dec *json.Decoder, v any) error {
	var typeErr *json.UnmarshalTypeError
	if err := dec.Decode(v); err != nil && !errors.As(err, &typeErr) {
		return err
	}
	return nil
}

// messages returns the instructions and the input as messages.
func (r *request) messages() []oiattr.Message {
	if r.instructions == "" {
		return r.input
	}
	return append([]oiattr.Message{{Role: "system", Content: r.instructions}}, r.input...)
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
	Output    any             `json:"output,omitempty"` // of a function_call_output
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
		m := oiattr.Message{Role: it.Role, Content: it.text()}
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
		return ToolOutput(it.CallID, it.Output), true
	}
	return oiattr.Message{}, false
}

// ToolOutput is the message of a function_call_output input item: the tool's
// output, a string as it is and any other JSON value as its JSON text, for
// the call of callID.
func ToolOutput(callID string, output any) oiattr.Message {
	m := oiattr.Message{Role: "tool", ToolCallID: callID}
	switch out := output.(type) {
	case nil:
	case string:
		m.Content = out
	default:
		m.Content = string(encode(out))
	}
	return m
}

// text returns an item's content when it is a string, or "".
func (it *item) text() string {
	var s string
	if len(it.Content) > 0 && it.Content[0] == '"' {
		_ = json.Unmarshal(it.Content, &s)
	}
	return s
}

// parts returns the parts of an item's content when it is a list; a part
// of an unexpected shape reads as one of no type.
func (it *item) parts() []part {
	if len(it.Content) == 0 || it.Content[0] != '[' {
		return nil
	}
	var parts []part
	_ = json.Unmarshal(it.Content, &parts) // a wrong type costs only that part
	return parts
}

func (it *item) toolCall() oiattr.ToolCall {
	return oiattr.ToolCall{ID: it.CallID, Name: it.Name, Arguments: it.Arguments}
}

// response is what this package reads of a response object.
type response struct {
	head
	Output []item          `json:"output"`
	Usage  json.RawMessage `json:"usage,omitempty"` // decoded apart: a usage of the wrong shape is unknown
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

// Failure is what a Responses body or event reports as failed: a response
// whose status is "failed", or an error event of a stream.
type Failure struct {
	Code    string `json:"code,omitempty"`
	Message string `json:"message,omitempty"` // never empty in a Failure returned here
}

// failure is what a response whose status is "failed" reports, or nil.
func (h *head) failure() *Failure {
	var code, message string
	if h.Error != nil {
		code, message = h.Error.Code, h.Error.Message
	}
	return StatusFailure(h.Status, code, message)
}

// StatusFailure is the failure a response with the given status and error
// code and message reports: nil unless the status is "failed"; a failure
// without a message gets "response failed".
func StatusFailure(status, code, message string) *Failure {
	if status != "failed" {
		return nil
	}
	return &Failure{Code: code, Message: cmp.Or(message, "response failed")}
}

// usage is a response's token accounting.
type usage struct {
	InputTokens        int `json:"input_tokens"`
	InputTokensDetails struct {
		CachedTokens     int `json:"cached_tokens"`
		CacheWriteTokens int `json:"cache_write_tokens"`
	} `json:"input_tokens_details"`
	OutputTokens        int `json:"output_tokens"`
	OutputTokensDetails struct {
		ReasoningTokens int `json:"reasoning_tokens"`
	} `json:"output_tokens_details"`
	TotalTokens int `json:"total_tokens"`
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
	var u usage
	if len(r.Usage) > 0 && !isNull(r.Usage) && json.Unmarshal(r.Usage, &u) == nil {
		call.Usage = oiattr.Usage{
			Known:               true,
			Prompt:              u.InputTokens,
			Completion:          u.OutputTokens,
			Total:               u.TotalTokens,
			CacheRead:           u.InputTokensDetails.CachedTokens,
			CacheWrite:          u.InputTokensDetails.CacheWriteTokens,
			CompletionReasoning: u.OutputTokensDetails.ReasoningTokens,
		}
	}
	return r.failure()
}

// outputMessages converts the output items of a response.
func outputMessages(items []item) []oiattr.Message {
	out := make([]OutputItem, len(items))
	for i := range items {
		out[i] = items[i].outputItem()
	}
	return OutputMessages(out)
}

// OutputItem is what the answer takes of one output item of a response.
type OutputItem struct {
	Type          string          // "message" and "function_call" count; other items are skipped
	Role          string          // of a message; "" is "assistant"
	Text, Refusal string          // of a message: its output_text parts, and its refusal parts, joined
	Call          oiattr.ToolCall // of a function_call: call_id, name, arguments
}

// OutputMessages converts the output items of a response into the answer:
// each message item one message whose content is its text (its refusal
// when it has no text), and every function_call item a tool call of one
// assistant message: the first assistant message, or a new one after the
// others when there is none.
func OutputMessages(items []OutputItem) []oiattr.Message {
	var msgs []oiattr.Message
	var calls []oiattr.ToolCall
	for i := range items {
		switch it := &items[i]; it.Type {
		case "message":
			msgs = append(msgs, oiattr.Message{Role: cmp.Or(it.Role, "assistant"), Content: cmp.Or(it.Text, it.Refusal)})
		case "function_call":
			calls = append(calls, it.Call)
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

// outputItem is what the answer takes of an output item.
func (it *item) outputItem() OutputItem {
	o := OutputItem{Type: it.Type, Role: it.Role, Call: it.toolCall()}
	if it.Type != "message" {
		return o
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
	o.Text, o.Refusal = string(text), string(refusal)
	return o
}

func isNull(raw json.RawMessage) bool { return string(bytes.TrimSpace(raw)) == "null" }

// encode is json.Marshal without the HTML escaping, which would change the
// text it keeps.
func encode(v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if enc.Encode(v) != nil { // values decoded from JSON: cannot happen
		return []byte("{}")
	}
	return bytes.TrimSuffix(b.Bytes(), []byte{'\n'})
}
