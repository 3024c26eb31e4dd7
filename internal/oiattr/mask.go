package oiattr

import (
	"bytes"
	"encoding/json"
)

// A body recorded as input.value or output.value is the JSON that went over
// the wire (or encoding/json of the library's types). When a flag hides the
// text or the images of messages, the body is decoded with encoding/json,
// the known places are masked, and it is encoded again. Only the objects on
// the way to those places are decoded: everything else is kept as the
// json.RawMessage it was, so numbers and unknown fields survive exactly
// (objects that were decoded come out compacted, with their keys sorted).
//
// The known places are those of the OpenAI shapes. Chat completions: a
// request's messages[].content (a string, or parts whose "text", "refusal"
// and image_url.url are masked), refusal and reasoning_content; and a
// response's choices[].message with the same fields. The Responses API: a
// request's "instructions" and "input" (a string, or items whose content is
// masked as a message's, with a function_call_output's "output" and a
// reasoning item's summary texts), and a response's "output" items masked
// the same way, its "output_text", and the "instructions" it echoes, which
// are input: hidden by the input's rules. A value of another shape in one
// of those places is redacted whole, and a body that is not a JSON object
// is RedactedValue: what cannot be masked is not shown.

// textRules are the rules for the text and images of the messages inside a
// body: those of the input messages or of the output messages.
type textRules struct {
	hideText   bool
	hideImages bool
	imageMax   int // the longest inline image kept; 0: images are not limited
	// hideInstructions hides a Responses body's "instructions", which a
	// response echoes: input text in an output body.
	hideInstructions bool
}

func (c TraceConfig) inputRules() textRules {
	return textRules{hideText: c.HideInputText, hideImages: c.HideInputImages, imageMax: c.imageMax(),
		hideInstructions: c.HideInputText}
}

func (c TraceConfig) outputRules() textRules {
	// OutputMessages leaves images alone. The echoed instructions follow
	// whatever hides the input messages' text.
	return textRules{hideText: c.HideOutputText,
		hideInstructions: c.HideInputText || c.HideInputMessages || c.HideInputs}
}

// redactedJSON is RedactedValue as a JSON value, for a place inside a body.
var redactedJSON = json.RawMessage(`"` + RedactedValue + `"`)

// apply returns body with what r hides masked: body itself when r can hide
// nothing in it, RedactedValue when it is not a JSON object.
func (r textRules) apply(body string) string {
	// An inline image longer than imageMax needs a body longer than that.
	if !r.hideText && !r.hideImages && !r.hideInstructions && (r.imageMax == 0 || len(body) <= r.imageMax) {
		return body
	}
	b := bytes.TrimLeft([]byte(body), " \t\r\n")
	if len(b) == 0 || b[0] != '{' || !json.Valid(b) {
		return RedactedValue
	}
	masked, changed := object(b, r.top)
	if !changed {
		return body
	}
	return string(masked)
}

func (r textRules) top(key string, v json.RawMessage) (json.RawMessage, bool) {
	switch key {
	case "messages":
		return each(v, func(m json.RawMessage) (json.RawMessage, bool) { return object(m, r.message) })
	case "choices":
		return each(v, func(ch json.RawMessage) (json.RawMessage, bool) { return object(ch, r.choice) })
	case "input", "output": // Responses items, or a string input
		if isString(v) {
			return r.text(v)
		}
		return each(v, func(it json.RawMessage) (json.RawMessage, bool) { return object(it, r.item) })
	case "output_text":
		return r.text(v)
	case "instructions":
		return textRules{hideText: r.hideInstructions}.text(v)
	}
	return v, false
}

// item masks a Responses input or output item: a message's content, a
// function_call_output's output, a reasoning item's summary.
func (r textRules) item(key string, v json.RawMessage) (json.RawMessage, bool) {
	switch key {
	case "output":
		return r.text(v)
	case "summary":
		return each(v, func(p json.RawMessage) (json.RawMessage, bool) { return object(p, r.part) })
	}
	return r.message(key, v)
}

func (r textRules) choice(key string, v json.RawMessage) (json.RawMessage, bool) {
	if key == "message" {
		return object(v, r.message)
	}
	return v, false
}

func (r textRules) message(key string, v json.RawMessage) (json.RawMessage, bool) {
	switch key {
	case "content":
		if isString(v) {
			return r.text(v)
		}
		return each(v, func(p json.RawMessage) (json.RawMessage, bool) { return object(p, r.part) })
	case "refusal", "reasoning_content":
		return r.text(v)
	}
	return v, false
}

func (r textRules) part(key string, v json.RawMessage) (json.RawMessage, bool) {
	switch key {
	case "text", "refusal":
		return r.text(v)
	case "image_url":
		if isString(v) {
			return r.url(v)
		}
		return object(v, func(key string, v json.RawMessage) (json.RawMessage, bool) {
			if key == "url" {
				return r.url(v)
			}
			return v, false
		})
	}
	return v, false
}

// text masks a message text: a non-empty string, or anything but null.
func (r textRules) text(v json.RawMessage) (json.RawMessage, bool) {
	if !r.hideText || isNull(v) {
		return v, false
	}
	var s string
	if json.Unmarshal(v, &s) == nil && s == "" {
		return v, false
	}
	return redactedJSON, true
}

// url masks an image URL: every one under hideImages, an inline base64
// image longer than imageMax otherwise.
func (r textRules) url(v json.RawMessage) (json.RawMessage, bool) {
	if isNull(v) || !r.hideImages && (r.imageMax == 0 || len(v) <= r.imageMax) {
		return v, false
	}
	var s string
	if r.hideImages || json.Unmarshal(v, &s) != nil || imageURL(s, r.imageMax) == RedactedValue {
		return redactedJSON, true
	}
	return v, false
}

// object applies f to each field of the JSON object raw, and returns the
// object encoded again when f changed a field. null is kept; anything else
// is redacted whole.
func object(raw json.RawMessage, f func(key string, v json.RawMessage) (json.RawMessage, bool)) (json.RawMessage, bool) {
	if isNull(raw) {
		return raw, false
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return redactedJSON, true
	}
	changed := false
	for k, v := range m {
		if masked, ok := f(k, v); ok {
			m[k], changed = masked, true
		}
	}
	if !changed {
		return raw, false
	}
	return encode(m), true
}

// each is object for the elements of a JSON array.
func each(raw json.RawMessage, f func(json.RawMessage) (json.RawMessage, bool)) (json.RawMessage, bool) {
	if isNull(raw) {
		return raw, false
	}
	var items []json.RawMessage
	if json.Unmarshal(raw, &items) != nil {
		return redactedJSON, true
	}
	changed := false
	for i, v := range items {
		if masked, ok := f(v); ok {
			items[i], changed = masked, true
		}
	}
	if !changed {
		return raw, false
	}
	return encode(items), true
}

// encode is json.Marshal without the HTML escaping, which would change
// the text it keeps.
func encode(v any) json.RawMessage {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if enc.Encode(v) != nil { // only valid JSON inside: cannot happen
		return redactedJSON
	}
	return bytes.TrimSuffix(b.Bytes(), []byte{'\n'})
}

func isNull(v json.RawMessage) bool { return string(v) == "null" }

func isString(v json.RawMessage) bool { return len(v) > 0 && v[0] == '"' }
