//lint:file-ignore SA1019 go-openai still sends Functions and MaxTokens; the span records what was sent.

package openai

import (
	"bytes"
	"encoding/json"
	"strconv"
	"unsafe"

	"github.com/sashabaranov/go-openai"

	"github.com/sessiontrace/sessiontrace/internal/jsonstring"
	"github.com/sessiontrace/sessiontrace/internal/oiattr"
)

// The request body of a chat call is recorded as input.value. go-openai
// encodes it once to send it; encoding it again with encoding/json would
// nearly double the wrapper's cost, because every message goes through
// ChatCompletionMessage.MarshalJSON and a second validation pass. So the
// body is put together from two parts: the parameters, encoded by
// encoding/json from a copy of the request without messages, tools and
// functions (which is also llm.invocation_parameters), and the messages,
// written directly by appendMessages in the same shape MarshalJSON gives.
// The response (output.value) is written the same way. Tests check both
// against encoding/json byte for byte, and fail when go-openai adds a field
// to a type written here by hand.

// messagesNull is how the parameters' encoding starts its second field.
var messagesNull = []byte(`,"messages":null`)

// chatParams returns llm.invocation_parameters: the request without
// messages, tools and functions, as JSON. It also returns that encoding
// with the messages field still in it (as null) and where that field
// starts, for chatBody; at is -1 when it is not found.
func chatParams(req *openai.ChatCompletionRequest, stream bool) (params string, enc []byte, at int, err error) {
	p := *req
	p.Messages, p.Tools, p.Functions = nil, nil, nil
	if stream {
		p.Stream = true
	}
	enc, err = json.Marshal(&p)
	if err != nil {
		return "", nil, 0, err
	}
	// "model" is the first field and its value a string, in which a quote
	// is always escaped: the first match is the field itself.
	at = bytes.Index(enc, messagesNull)
	if at < 0 {
		return string(enc), enc, -1, nil
	}
	b := make([]byte, 0, len(enc)-len(messagesNull))
	b = append(b, enc[:at]...)
	b = append(b, enc[at+len(messagesNull):]...)
	return unsafeString(b), enc, at, nil
}

// chatBody assembles the request body from the parameters' encoding (enc,
// split at at), the messages, and the tools' encodings. Message text and
// image URLs are masked as c says (HideInputText, HideInputImages,
// Base64ImageMaxLength), by the rules of internal/oiattr. It returns ""
// when the request cannot be encoded, in which case go-openai fails the
// call too.
func chatBody(req *openai.ChatCompletionRequest, enc []byte, at int, tools []string, c oiattr.TraceConfig) string {
	if at < 0 {
		return ""
	}
	n := len(enc) + 32
	for i := range req.Messages {
		n += messageSize(&req.Messages[i])
	}
	for _, t := range tools {
		n += len(t) + 1
	}
	b := make([]byte, 0, n)
	b = append(b, enc[:at]...)
	b = append(b, `,"messages":`...)
	b, ok := appendMessages(b, req.Messages, mask{c: c})
	if !ok {
		return ""
	}
	b = append(b, enc[at+len(messagesNull):len(enc)-1]...)
	if len(req.Functions) > 0 {
		fj, err := json.Marshal(req.Functions)
		if err != nil {
			return ""
		}
		b = append(b, `,"functions":`...)
		b = append(b, fj...)
	}
	if len(req.Tools) > 0 {
		if len(tools) != len(req.Tools) {
			return ""
		}
		b = append(b, `,"tools":[`...)
		for i, t := range tools {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, t...)
		}
		b = append(b, ']')
	}
	b = append(b, '}')
	return unsafeString(b)
}

// unsafeString returns b as a string without copying it, as
// strings.Builder does; b must not change afterwards.
func unsafeString(b []byte) string {
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// messageSize estimates the encoded size of m.
func messageSize(m *openai.ChatCompletionMessage) int {
	n := 32 + len(m.Role) + len(m.Content) + len(m.Refusal) + len(m.Name) + len(m.ReasoningContent) + len(m.ToolCallID)
	for i := range m.MultiContent {
		p := &m.MultiContent[i]
		n += 40 + len(p.Text)
		if p.ImageURL != nil {
			n += len(p.ImageURL.URL)
		}
	}
	for i := range m.ToolCalls {
		n += 64 + len(m.ToolCalls[i].ID) + len(m.ToolCalls[i].Function.Name) + len(m.ToolCalls[i].Function.Arguments)
	}
	return n
}

// chatResponseBody returns output.value: resp as encoding/json encodes it,
// with the message text masked as c says. The usual shape (no log
// probabilities, no content filter results) is written directly, for the
// reason chatBody is; anything else goes through encoding/json. It returns
// "" when resp cannot be encoded.
func chatResponseBody(resp *openai.ChatCompletionResponse, c oiattr.TraceConfig) string {
	if !plainResponse(resp) {
		b, err := json.Marshal(maskResponse(resp, c))
		if err != nil {
			return ""
		}
		return unsafeString(b)
	}
	n := 256 + len(resp.ID) + len(resp.Model) + len(resp.SystemFingerprint)
	for i := range resp.Choices {
		n += 64 + len(zeroFilterJSON) + messageSize(&resp.Choices[i].Message)
	}
	b := make([]byte, 0, n)
	b = append(b, `{"id":`...)
	b = jsonstring.Append(b, resp.ID)
	b = append(b, `,"object":`...)
	b = jsonstring.Append(b, resp.Object)
	b = append(b, `,"created":`...)
	b = strconv.AppendInt(b, resp.Created, 10)
	b = append(b, `,"model":`...)
	b = jsonstring.Append(b, resp.Model)
	b = append(b, `,"choices":`...)
	if resp.Choices == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i := range resp.Choices {
			ch := &resp.Choices[i]
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"index":`...)
			b = strconv.AppendInt(b, int64(ch.Index), 10)
			b = append(b, `,"message":`...)
			var ok bool
			if b, ok = appendMessage(b, &ch.Message, mask{c: c, output: true}); !ok {
				return ""
			}
			b = append(b, `,"finish_reason":`...)
			if r := finishReason(ch.FinishReason); r == "" {
				b = append(b, "null"...)
			} else {
				b = jsonstring.Append(b, r)
			}
			b = append(b, `,"content_filter_results":`...)
			b = append(b, zeroFilterJSON...)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	u := &resp.Usage
	b = append(b, `,"usage":{"prompt_tokens":`...)
	b = strconv.AppendInt(b, int64(u.PromptTokens), 10)
	b = append(b, `,"completion_tokens":`...)
	b = strconv.AppendInt(b, int64(u.CompletionTokens), 10)
	b = append(b, `,"total_tokens":`...)
	b = strconv.AppendInt(b, int64(u.TotalTokens), 10)
	b = append(b, `,"prompt_tokens_details":`...)
	if d := u.PromptTokensDetails; d == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, `{"audio_tokens":`...)
		b = strconv.AppendInt(b, int64(d.AudioTokens), 10)
		b = append(b, `,"cached_tokens":`...)
		b = strconv.AppendInt(b, int64(d.CachedTokens), 10)
		b = append(b, '}')
	}
	b = append(b, `,"completion_tokens_details":`...)
	if d := u.CompletionTokensDetails; d == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, `{"audio_tokens":`...)
		b = strconv.AppendInt(b, int64(d.AudioTokens), 10)
		b = append(b, `,"reasoning_tokens":`...)
		b = strconv.AppendInt(b, int64(d.ReasoningTokens), 10)
		b = append(b, `,"accepted_prediction_tokens":`...)
		b = strconv.AppendInt(b, int64(d.AcceptedPredictionTokens), 10)
		b = append(b, `,"rejected_prediction_tokens":`...)
		b = strconv.AppendInt(b, int64(d.RejectedPredictionTokens), 10)
		b = append(b, '}')
	}
	b = append(b, `},"system_fingerprint":`...)
	b = jsonstring.Append(b, resp.SystemFingerprint)
	if resp.ServiceTier != "" {
		b = append(b, `,"service_tier":`...)
		b = jsonstring.Append(b, string(resp.ServiceTier))
	}
	b = append(b, '}')
	return unsafeString(b)
}

// zeroFilterJSON is how encoding/json writes empty content filter results
// (omitempty does not leave a struct out).
var zeroFilterJSON, _ = json.Marshal(openai.ContentFilterResults{})

// plainResponse reports whether chatResponseBody can write resp directly.
func plainResponse(resp *openai.ChatCompletionResponse) bool {
	if len(resp.PromptFilterResults) > 0 {
		return false
	}
	for i := range resp.Choices {
		ch := &resp.Choices[i]
		if ch.LogProbs != nil || ch.ContentFilterResults != (openai.ContentFilterResults{}) {
			return false
		}
	}
	return true
}

// mask applies the masking rules of internal/oiattr to the text and image
// URLs of messages written into a body: those of input messages, or with
// output set those of output messages.
type mask struct {
	c      oiattr.TraceConfig
	output bool
}

func (m mask) text(s string) string {
	if m.output {
		return m.c.OutputText(s)
	}
	return m.c.InputText(s)
}

func (m mask) image(url string) string {
	if m.output {
		return url // OutputMessages leaves images alone
	}
	return m.c.InputImageURL(url)
}

// appendMessages appends msgs as encoding/json encodes them through
// ChatCompletionMessage.MarshalJSON, but for the text and images c masks.
// It reports false where MarshalJSON fails (Content and MultiContent both
// set).
func appendMessages(b []byte, msgs []openai.ChatCompletionMessage, c mask) ([]byte, bool) {
	if msgs == nil {
		return append(b, "null"...), true
	}
	b = append(b, '[')
	for i := range msgs {
		if i > 0 {
			b = append(b, ',')
		}
		var ok bool
		if b, ok = appendMessage(b, &msgs[i], c); !ok {
			return b, false
		}
	}
	return append(b, ']'), true
}

func appendMessage(b []byte, m *openai.ChatCompletionMessage, c mask) ([]byte, bool) {
	if m.Content != "" && m.MultiContent != nil {
		return b, false
	}
	b = append(b, `{"role":`...)
	b = jsonstring.Append(b, m.Role)
	if len(m.MultiContent) > 0 {
		b = appendStringField(b, `,"refusal":`, c.text(m.Refusal))
		b = append(b, `,"content":[`...)
		for i := range m.MultiContent {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendPart(b, &m.MultiContent[i], c)
		}
		b = append(b, ']')
	} else {
		b = appendStringField(b, `,"content":`, c.text(m.Content))
		b = appendStringField(b, `,"refusal":`, c.text(m.Refusal))
	}
	b = appendStringField(b, `,"name":`, m.Name)
	b = appendStringField(b, `,"reasoning_content":`, c.text(m.ReasoningContent))
	if m.FunctionCall != nil {
		b = append(b, `,"function_call":`...)
		b = appendFunctionCall(b, m.FunctionCall)
	}
	if len(m.ToolCalls) > 0 {
		b = append(b, `,"tool_calls":[`...)
		for i := range m.ToolCalls {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendToolCall(b, &m.ToolCalls[i])
		}
		b = append(b, ']')
	}
	b = appendStringField(b, `,"tool_call_id":`, m.ToolCallID)
	return append(b, '}'), true
}

func appendPart(b []byte, p *openai.ChatMessagePart, c mask) []byte {
	o := object{b: append(b, '{')}
	o.string("type", string(p.Type))
	o.string("text", c.text(p.Text))
	if p.ImageURL != nil {
		o.key("image_url")
		u := object{b: append(o.b, '{')}
		if p.ImageURL.URL != "" {
			u.string("url", c.image(p.ImageURL.URL))
		}
		u.string("detail", string(p.ImageURL.Detail))
		o.b = append(u.b, '}')
	}
	return append(o.b, '}')
}

func appendToolCall(b []byte, tc *openai.ToolCall) []byte {
	o := object{b: append(b, '{')}
	if tc.Index != nil {
		o.key("index")
		o.b = strconv.AppendInt(o.b, int64(*tc.Index), 10)
	}
	o.string("id", tc.ID)
	o.key("type")
	o.b = jsonstring.Append(o.b, string(tc.Type))
	o.key("function")
	o.b = appendFunctionCall(o.b, &tc.Function)
	return append(o.b, '}')
}

func appendFunctionCall(b []byte, f *openai.FunctionCall) []byte {
	o := object{b: append(b, '{')}
	o.string("name", f.Name)
	o.string("arguments", f.Arguments)
	return append(o.b, '}')
}

// object writes the fields of a JSON object whose opening brace is already
// in b, with the commas between them.
type object struct {
	b    []byte
	more bool
}

func (o *object) key(k string) {
	if o.more {
		o.b = append(o.b, ',')
	}
	o.more = true
	o.b = append(o.b, '"')
	o.b = append(o.b, k...)
	o.b = append(o.b, '"', ':')
}

// string writes a string field, unless s is empty (omitempty).
func (o *object) string(k, s string) {
	if s != "" {
		o.key(k)
		o.b = jsonstring.Append(o.b, s)
	}
}

// appendStringField appends key (which starts with a comma) and s, unless s
// is empty (omitempty).
func appendStringField(b []byte, key, s string) []byte {
	if s == "" {
		return b
	}
	b = append(b, key...)
	return jsonstring.Append(b, s)
}
