package openai

import (
	"github.com/sashabaranov/go-openai"

	"github.com/sessiontrace/sessiontrace/internal/oiattr"
)

// The input of a Responses request is an any in go-openai: a string, or a
// list of whatever the caller put there. Reading the messages back out of
// the encoded body (openaiwire.ResponsesRequest) costs a full JSON decode
// of what is often a long conversation, so the shapes go-openai's own types
// give, which are what its users write, are converted as they are, the way
// chat messages are: a string, and lists of ResponseInputMessage (content a
// string, or ResponseInputText and ResponseInputImage parts) and
// ResponseFunctionCallOutput (a string output). The result is the same as
// openaiwire's reading of the body (a test holds the two side by side).
// Any other shape — maps, raw JSON, output items given back as input, a
// request whose ExtraBody may replace the input — is read from the body.

// typedInput returns the input messages of req, instructions first, and
// reports whether it could read them from go-openai's types; false means
// the body must be read instead.
func typedInput(req *openai.CreateResponseRequest) ([]oiattr.Message, bool) {
	if len(req.ExtraBody) > 0 {
		return nil, false
	}
	var msgs []oiattr.Message
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
	m := oiattr.Message{Role: "tool", ToolCallID: it.CallID}
	switch out := it.Output.(type) {
	case nil:
	case string:
		m.Content = out
	default:
		return oiattr.Message{}, false // encoded as openaiwire encodes it
	}
	return m, true
}
