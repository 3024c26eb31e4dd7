package openai

import (
	"slices"

	"github.com/sashabaranov/go-openai"

	"github.com/sessiontrace/sessiontrace/internal/oiattr"
	"github.com/sessiontrace/sessiontrace/internal/openaiwire"
)

// Both sides of a Responses call are read from go-openai's types where it
// has them, as chat calls are, rather than from the JSON bodies, which would
// cost a full encoding/json decode of what is often a long conversation.
// The result is the same as openaiwire's reading of the bodies (tests hold
// the two side by side); input.value and output.value stay the bodies.
//
// The input is an any in go-openai. The shapes its own types give, which
// are what its users write, are converted as they are: a string, and lists
// of ResponseInputMessage (content a string, or ResponseInputText and
// ResponseInputImage parts) and ResponseFunctionCallOutput (a string
// output). Any other shape (maps, raw JSON, output items given back as
// input, a request whose ExtraBody may replace the input) is read from the
// body. The answer's output items are left by go-openai as decoded JSON,
// maps, and read from those.

// typedInput returns the input messages of req, instructions first, and
// reports whether it could read them from go-openai's types; false means
// the body must be read instead.
func typedInput(req *openai.CreateResponseRequest) ([]oiattr.Message, bool) {
	if len(req.ExtraBody) > 0 {
		return nil, false
	}
	var msgs []oiattr.Message
	if in, ok := req.Input.([]any); ok {
		msgs = make([]oiattr.Message, 0, 1+len(in))
	}
	if req.Instructions != "" {
		msgs = append(msgs, oiattr.Message{Role: "system", Content: req.Instructions})
	}
	switch in := req.Input.(type) {
	case nil:
	case string:
		if in != "" {
			msgs = append(msgs, oiattr.Message{Role: "user", Content: in})
		}
	case []any:
		for _, it := range in {
			m, ok := typedItem(it)
			if !ok {
				return nil, false
			}
			msgs = append(msgs, m)
		}
	case []openai.ResponseInputMessage:
		msgs = slices.Grow(msgs, len(in))
		for i := range in {
			m, ok := typedMessage(&in[i])
			if !ok {
				return nil, false
			}
			msgs = append(msgs, m)
		}
	default:
		return nil, false
	}
	return msgs, true
}

// typedItem converts one item of an input list.
func typedItem(it any) (oiattr.Message, bool) {
	switch it := it.(type) {
	case openai.ResponseInputMessage:
		return typedMessage(&it)
	case *openai.ResponseInputMessage:
		if it != nil {
			return typedMessage(it)
		}
	case openai.ResponseFunctionCallOutput:
		return typedOutput(&it)
	case *openai.ResponseFunctionCallOutput:
		if it != nil {
			return typedOutput(it)
		}
	}
	return oiattr.Message{}, false
}

// typedMessage converts a message item whose content is a string or a list
// of text and image parts.
func typedMessage(it *openai.ResponseInputMessage) (oiattr.Message, bool) {
	if it.Type != "message" && (it.Type != "" || it.Role == "") {
		return oiattr.Message{}, false
	}
	m := oiattr.Message{Role: it.Role}
	switch c := it.Content.(type) {
	case nil:
	case string:
		m.Content = c
	case []any:
		for _, p := range c {
			var ok bool
			if m.Parts, ok = appendPart(m.Parts, p); !ok {
				return oiattr.Message{}, false
			}
		}
	default:
		return oiattr.Message{}, false
	}
	return m, true
}

// appendPart appends a content part to parts, as openaiwire reads it: text
// parts as text, an image with a URL as an image, an image without one as
// nothing.
func appendPart(parts []oiattr.Part, p any) ([]oiattr.Part, bool) {
	switch p := p.(type) {
	case openai.ResponseInputText:
		if p.Type != "input_text" && p.Type != "output_text" {
			return parts, false
		}
		return append(parts, oiattr.Part{Type: oiattr.PartText, Text: p.Text}), true
	case openai.ResponseInputImage:
		if p.Type != "input_image" {
			return parts, false
		}
		if p.ImageURL != "" {
			parts = append(parts, oiattr.Part{Type: oiattr.PartImage, ImageURL: p.ImageURL})
		}
		return parts, true
	}
	return parts, false
}

// typedOutput converts a function call's output given back to the model.
func typedOutput(it *openai.ResponseFunctionCallOutput) (oiattr.Message, bool) {
	if it.Type != "function_call_output" {
		return oiattr.Message{}, false
	}
	switch it.Output.(type) {
	case nil, string:
		return openaiwire.ToolOutput(it.CallID, it.Output), true
	}
	// Any other Go value would be encoded from its Go type, which need not
	// give the JSON the body carries: read the body instead.
	return oiattr.Message{}, false
}

// typedAnswer describes in call the answer of a plain Responses call from
// the response go-openai decoded, as openaiwire.ResponsesResponse would
// from its body, and returns the failure a response with status "failed"
// reports. go-openai leaves the output items as decoded JSON (maps).
func typedAnswer(call *oiattr.Call, resp *openai.CreateResponseResponse) *openaiwire.Failure {
	call.ResponseModel, call.ResponseID = resp.Model, resp.ID
	items := make([]openaiwire.OutputItem, len(resp.Output))
	for i, it := range resp.Output {
		items[i] = outputItem(it)
	}
	call.OutputMessages = openaiwire.OutputMessages(items)
	if u := resp.Usage; u != nil {
		call.Usage = oiattr.Usage{Known: true, Prompt: u.InputTokens, Completion: u.OutputTokens, Total: u.TotalTokens}
		if d := u.InputTokensDetails; d != nil {
			call.Usage.CacheRead, call.Usage.CacheWrite = d.CachedTokens, d.CacheWriteTokens
		}
		if d := u.OutputTokensDetails; d != nil {
			call.Usage.CompletionReasoning = d.ReasoningTokens
		}
	}
	var code, message string
	if e := resp.Error; e != nil {
		code, message = e.Code, e.Message
	}
	return openaiwire.StatusFailure(string(resp.Status), code, message)
}

// outputItem reads one output item as go-openai decoded it: a JSON object
// as a map; anything else is no item.
func outputItem(v any) openaiwire.OutputItem {
	m, _ := v.(map[string]any)
	str := func(m map[string]any, key string) string { s, _ := m[key].(string); return s }
	it := openaiwire.OutputItem{Type: str(m, "type"), Role: str(m, "role"),
		Call: oiattr.ToolCall{ID: str(m, "call_id"), Name: str(m, "name"), Arguments: str(m, "arguments")}}
	parts, _ := m["content"].([]any)
	for _, p := range parts {
		p, _ := p.(map[string]any)
		switch str(p, "type") {
		case "output_text":
			it.Text += str(p, "text")
		case "refusal":
			it.Refusal += str(p, "refusal")
		}
	}
	return it
}
