package oiattr

import (
	"encoding/base64"
	"encoding/json"
)

// MessagesJSON encodes msgs as the JSON object {"messages":[...]}, for the
// input.value or output.value of a wrapper whose library has no wire request
// of its own to record (langchaingo's llms.Model). Each message has the
// OpenAI chat shape: "role", "content" (a string, or for a multi-part
// message an array of {"type":"text","text":…} and
// {"type":"image_url","image_url":{"url":…}} parts), "name",
// "tool_call_id" and "tool_calls" ([{"id","type":"function",
// "function":{"name","arguments"}}]); empty fields are left out. Nothing is
// masked here: a Call with the body as BodyMessages masks its text and
// images as it does any other chat body.
func MessagesJSON(msgs []Message) string {
	out := make([]jsonMessage, len(msgs))
	for i := range msgs {
		m := &msgs[i]
		jm := &out[i]
		jm.Role, jm.Name, jm.ToolCallID = m.Role, m.Name, m.ToolCallID
		if m.Content != "" && len(m.Parts) == 0 {
			jm.Content = m.Content
		}
		if len(m.Parts) > 0 {
			parts := make([]jsonPart, 0, len(m.Parts)+1)
			if m.Content != "" {
				parts = append(parts, jsonPart{Type: "text", Text: m.Content})
			}
			for _, p := range m.Parts {
				switch p.Type {
				case PartText:
					parts = append(parts, jsonPart{Type: "text", Text: p.Text})
				case PartImage:
					parts = append(parts, jsonPart{Type: "image_url", ImageURL: &jsonImage{URL: p.ImageURL}})
				}
			}
			if len(parts) > 0 {
				jm.Content = parts
			}
		}
		for _, tc := range m.ToolCalls {
			jm.ToolCalls = append(jm.ToolCalls, jsonToolCall{
				ID: tc.ID, Type: "function",
				Function: jsonFunction{Name: tc.Name, Arguments: tc.Arguments},
			})
		}
	}
	b, err := json.Marshal(struct {
		Messages []jsonMessage `json:"messages"`
	}{out})
	if err != nil { // only strings inside: cannot happen, but never fail
		return `{"messages":[]}`
	}
	return string(b)
}

type jsonMessage struct {
	Role       string         `json:"role,omitempty"`
	Content    any            `json:"content,omitempty"`
	Name       string         `json:"name,omitempty"`
	ToolCallID string         `json:"tool_call_id,omitempty"`
	ToolCalls  []jsonToolCall `json:"tool_calls,omitempty"`
}

type jsonPart struct {
	Type     string     `json:"type"`
	Text     string     `json:"text,omitempty"`
	ImageURL *jsonImage `json:"image_url,omitempty"`
}

type jsonImage struct {
	URL string `json:"url"`
}

type jsonToolCall struct {
	ID       string       `json:"id,omitempty"`
	Type     string       `json:"type"`
	Function jsonFunction `json:"function"`
}

type jsonFunction struct {
	Name      string `json:"name"`
	Arguments string `json:"arguments"`
}

// ImageDataURL returns the data: URL of an inline image
// ("data:<mime>;base64,<data>") for an input message part. When the URL
// would be longer than Base64ImageMaxLength it returns RedactedValue without
// encoding the data, as InputMessages would redact it anyway; under
// HideInputImages, where the part is dropped, it returns RedactedValue too.
func ImageDataURL(mime string, data []byte, c TraceConfig) string {
	prefix := "data:" + mime + ";base64,"
	if c.HideInputImages || len(prefix)+base64.StdEncoding.EncodedLen(len(data)) > c.imageMax() {
		return RedactedValue
	}
	b := make([]byte, len(prefix)+base64.StdEncoding.EncodedLen(len(data)))
	copy(b, prefix)
	base64.StdEncoding.Encode(b[len(prefix):], data)
	return string(b)
}
