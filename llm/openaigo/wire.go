package openaigo

import (
	"bytes"
	"encoding/json"
	"errors"

	"github.com/sessiontrace/sessiontrace/internal/oiattr"
)

// The bodies of chat and legacy completion calls are decoded with
// encoding/json into the few fields a span records, declared here, rather
// than into openai-go's own types, which decode through the SDK's own
// reflection layer: decoding a 20-message ChatCompletionNewParams alone
// made a loopback chat call 1.47 times as slow as the bare SDK, and a
// stream chunk took 13 to 19 µs, most of what the SDK itself spends on it.
// Where a union is small and rare (the prompt of a legacy completion, the
// input of embeddings) or where openai-go does real work (the base64
// vectors of embeddings), its types are used. The Responses API's bodies
// are internal/openaiwire's.
//
// encoding/json goes on decoding past a value of the wrong type and only
// reports it, so those errors are ignored: an odd field costs only itself.

// fields is a request body split into its top-level members.
type fields map[string]json.RawMessage

// requestFields splits the JSON object body into its members, except that
// the members typed names (those that make most of a body: the messages)
// are decoded into the values it returns for them, in the same pass. One
// json.Decoder pass reads the body twice; json.Unmarshal into a map of
// raw members and then into each value would read the big members four
// times. It returns nil for a body that is not a JSON object, and what it
// has for one it cannot read to the end.
func requestFields(body []byte, typed func(key string) any) fields {
	dec := json.NewDecoder(bytes.NewReader(body))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil
	}
	f := fields{}
	for dec.More() {
		t, err := dec.Token()
		key, ok := t.(string)
		if err != nil || !ok {
			break
		}
		var v any
		if typed != nil {
			v = typed(key)
		}
		if v == nil {
			var raw json.RawMessage
			if dec.Decode(&raw) != nil {
				break
			}
			f[key] = raw
			continue
		}
		// A value of the wrong type is skipped, and reported; anything
		// else ends the reading.
		if err := dec.Decode(v); err != nil {
			if _, wrongType := errors.AsType[*json.UnmarshalTypeError](err); !wrongType {
				break
			}
		}
	}
	return f
}

// decode decodes the member key into v, leaving v as it is when there is
// no such member or it does not fit.
func (f fields) decode(key string, v any) {
	if raw, ok := f[key]; ok {
		_ = json.Unmarshal(raw, v)
	}
}

// list returns the elements of the array member key as JSON texts, nulls
// left out: the tool definitions as they were sent.
func (f fields) list(key string) []string {
	var items []json.RawMessage
	f.decode(key, &items)
	var out []string
	for _, it := range items {
		if string(it) != "null" {
			out = append(out, string(it))
		}
	}
	return out
}

// paramsWithout returns the invocation parameters: the object without the
// members keys (what the span records on its own), as JSON. The members
// are deleted from f.
func (f fields) paramsWithout(keys ...string) string {
	if f == nil {
		return ""
	}
	for _, k := range keys {
		delete(f, k)
	}
	return encode(f)
}

// encode is json.Marshal without the HTML escaping, which would change the
// text it keeps, or "" for a value it cannot encode.
func encode(v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if enc.Encode(v) != nil {
		return ""
	}
	return string(bytes.TrimSuffix(b.Bytes(), []byte{'\n'}))
}

// message is a chat message of a request's "messages".
type message struct {
	Role         string        `json:"role"`
	Content      any           `json:"content"` // a string, parts ([]any of map[string]any), or nil
	Refusal      string        `json:"refusal"`
	Name         string        `json:"name"`
	ToolCallID   string        `json:"tool_call_id"`
	ToolCalls    []toolCall    `json:"tool_calls"`
	FunctionCall *functionCall `json:"function_call"`
}

// completion is a chat or legacy completion response, and, encoded, the
// answer a stream assembles (output.value).
type completion struct {
	ID      string   `json:"id,omitempty"`
	Object  string   `json:"object,omitempty"`
	Created int64    `json:"created,omitempty"`
	Model   string   `json:"model,omitempty"`
	Choices []choice `json:"choices"`
	Usage   *usage   `json:"usage,omitempty"`
}

type choice struct {
	Index        int    `json:"index"`
	Message      answer `json:"message,omitzero"` // chat
	Text         string `json:"text,omitempty"`   // legacy completion
	FinishReason string `json:"finish_reason,omitempty"`
}

// chunk is one chunk of a chat or legacy completion stream, as far as a
// stream's answer needs it: a chunk is decoded as it passes, so it is
// decoded into no more than that.
type chunk struct {
	ID      string        `json:"id"`
	Created int64         `json:"created"`
	Model   string        `json:"model"`
	Choices []chunkChoice `json:"choices"`
	Usage   *usage        `json:"usage"`
	// Error is the error a server sends in the middle of a stream:
	// openai-go ends the stream at any event whose data has an "error"
	// member.
	Error json.RawMessage `json:"error"`
}

type chunkChoice struct {
	Index        int    `json:"index"`
	Delta        answer `json:"delta"` // chat
	Text         string `json:"text"`  // legacy completion
	FinishReason string `json:"finish_reason"`
}

// answer is the message of a chat choice, or the delta of a chunk.
type answer struct {
	Role         string        `json:"role,omitempty"`
	Content      string        `json:"content,omitempty"`
	Refusal      string        `json:"refusal,omitempty"`
	ToolCalls    []toolCall    `json:"tool_calls,omitempty"`
	FunctionCall *functionCall `json:"function_call,omitempty"` // the legacy function call
}

type toolCall struct {
	Index    *int         `json:"index,omitempty"` // in a chunk: which call the fragment belongs to
	ID       string       `json:"id,omitempty"`
	Type     string       `json:"type,omitempty"`
	Function functionCall `json:"function"`
}

type functionCall struct {
	Name      string `json:"name,omitempty"`
	Arguments string `json:"arguments"`
}

type usage struct {
	PromptTokens            int                `json:"prompt_tokens"`
	CompletionTokens        int                `json:"completion_tokens"`
	TotalTokens             int                `json:"total_tokens"`
	PromptTokensDetails     *promptDetails     `json:"prompt_tokens_details,omitempty"`
	CompletionTokensDetails *completionDetails `json:"completion_tokens_details,omitempty"`
}

type promptDetails struct {
	CachedTokens     int `json:"cached_tokens"`
	CacheWriteTokens int `json:"cache_write_tokens,omitempty"`
	AudioTokens      int `json:"audio_tokens"`
}

type completionDetails struct {
	ReasoningTokens int `json:"reasoning_tokens"`
	AudioTokens     int `json:"audio_tokens"`
}

// decodeBody decodes a response body or the data of a stream event into
// v. Only data that is not JSON at all is an error: openai-go fails on it
// too.
func decodeBody(data []byte, v any) error {
	err := json.Unmarshal(data, v)
	if _, ok := errors.AsType[*json.SyntaxError](err); ok {
		return err
	}
	return nil
}

// toMessages converts a request's conversation into the neutral model.
func toMessages(in []message) []oiattr.Message {
	out := make([]oiattr.Message, len(in))
	for i := range in {
		m := &in[i]
		o := &out[i]
		o.Role, o.Name, o.ToolCallID = m.Role, m.Name, m.ToolCallID
		switch c := m.Content.(type) {
		case string:
			o.Content = c
		case []any:
			o.Parts = toParts(c)
		}
		if o.Content == "" && len(o.Parts) == 0 {
			o.Content = m.Refusal
		}
		o.ToolCalls = toToolCalls(m.ToolCalls, m.FunctionCall)
	}
	return out
}

// toParts keeps the text and image parts of a multi-part content, the two
// OpenInference knows. The content is decoded as any, so that the strings
// of the usual messages are read in the one pass over the body.
func toParts(in []any) []oiattr.Part {
	var out []oiattr.Part
	for _, p := range in {
		p, _ := p.(map[string]any)
		switch p["type"] {
		case "text":
			text, _ := p["text"].(string)
			out = append(out, oiattr.Part{Type: oiattr.PartText, Text: text})
		case "image_url":
			image, _ := p["image_url"].(map[string]any)
			if url, _ := image["url"].(string); url != "" {
				out = append(out, oiattr.Part{Type: oiattr.PartImage, ImageURL: url})
			}
		}
	}
	return out
}

// toToolCalls converts the tool calls of a message; the legacy
// function_call becomes a tool call without an ID.
func toToolCalls(calls []toolCall, fn *functionCall) []oiattr.ToolCall {
	var out []oiattr.ToolCall
	for _, tc := range calls {
		out = append(out, oiattr.ToolCall{ID: tc.ID, Name: tc.Function.Name, Arguments: tc.Function.Arguments})
	}
	if fn != nil {
		out = append(out, oiattr.ToolCall{Name: fn.Name, Arguments: fn.Arguments})
	}
	return out
}

// toAnswer converts the message of a chat choice. A refusal stands in for
// empty content.
func toAnswer(a *answer) oiattr.Message {
	m := oiattr.Message{Role: a.Role, Content: a.Content, ToolCalls: toToolCalls(a.ToolCalls, a.FunctionCall)}
	if m.Content == "" {
		m.Content = a.Refusal
	}
	return m
}

// toUsage converts the usage of a response; nil is a response that
// reported none.
func toUsage(u *usage) oiattr.Usage {
	if u == nil {
		return oiattr.Usage{}
	}
	r := oiattr.Usage{Known: true, Prompt: u.PromptTokens, Completion: u.CompletionTokens, Total: u.TotalTokens}
	if d := u.PromptTokensDetails; d != nil {
		r.CacheRead, r.CacheWrite, r.PromptAudio = d.CachedTokens, d.CacheWriteTokens, d.AudioTokens
	}
	if d := u.CompletionTokensDetails; d != nil {
		r.CompletionReasoning, r.CompletionAudio = d.ReasoningTokens, d.AudioTokens
	}
	return r
}
