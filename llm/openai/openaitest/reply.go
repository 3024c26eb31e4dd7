package openaitest

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/sashabaranov/go-openai"
)

// Created is the "created" timestamp of every response and chunk the server
// sends (2025-01-01T00:00:00Z), fixed so that output is deterministic.
const Created int64 = 1735689600

// Reply is what the server answers to one request. The zero Reply is an
// empty assistant message with finish reason "stop".
//
// The chat endpoint uses every field. The legacy completions endpoint uses
// Content and Texts (as the texts of its choices), FinishReason, Model,
// Usage, Chunks, ChunkDelay and Fault, and ignores ToolCalls. The
// responses endpoint uses Content (the output text), ToolCalls (as
// function_call items), Model, Usage, Chunks, ChunkDelay and Fault, and
// ignores Texts and FinishReason. The embeddings endpoint uses only Model,
// Usage and Fault.
type Reply struct {
	// Content is the assistant text (chat) or the completion text, of
	// every choice that Texts does not cover.
	Content string

	// Texts, when set, are the texts of the first choices by index: the
	// chat choices of a request with "n", or the choices of a legacy
	// completion, which come one per prompt (n per prompt with "n", in
	// prompt order). A choice past the end of Texts gets Content.
	Texts []string

	// ToolCalls are the assistant's tool calls. An empty ID becomes
	// "call_<request number>_<position>", an empty Type becomes "function".
	ToolCalls []openai.ToolCall

	// FinishReason defaults to "tool_calls" when ToolCalls is set and to
	// "stop" otherwise.
	FinishReason openai.FinishReason

	// Model is the model named in the response; by default the request's.
	Model string

	// Usage is sent verbatim when set, so that a nil PromptTokensDetails
	// or CompletionTokensDetails goes out as null, as some
	// OpenAI-compatible servers send it. Otherwise the server computes it
	// with Tokens (see DefaultResponder) and, like the API, sends both
	// details objects, with zeros. The responses endpoint sends
	// PromptTokens as input_tokens, CompletionTokens as output_tokens,
	// TotalTokens, and of the details only cached_tokens and
	// reasoning_tokens (zeros when nil).
	Usage *openai.Usage

	// Chunks is the number of content deltas a stream splits Content into,
	// cut at rune boundaries into pieces of near-equal length; when Content
	// has fewer runes than Chunks some pieces are empty strings. Zero means
	// one delta per word, each word carrying the spaces before it
	// ("You", " said:", " hi"). An empty Content sends no content delta.
	// Tool-call arguments are always streamed in pieces of at most 8 bytes.
	Chunks int

	// ChunkDelay is a pause before every stream event after the first
	// (the first, with the assistant role, is sent at once). The stream
	// stops as soon as the client goes away or the server is closed.
	ChunkDelay time.Duration

	// Fault replaces the normal answer with an error; see Fault.
	Fault Fault
}

// Fault is an error a Reply injects. A Fault value not listed here behaves
// like FaultNone.
type Fault int

const (
	// FaultNone answers normally.
	FaultNone Fault = iota

	// FaultRateLimit answers 429 Too Many Requests with the JSON body OpenAI
	// sends ({"error":{"message":…,"type":"requests","code":"rate_limit_exceeded"}}),
	// x-ratelimit-* headers, and retry-after: 0 and retry-after-ms: 10
	// headers, before any stream starts. go-openai returns an
	// *openai.APIError with HTTPStatusCode 429; openai-go retries after
	// 10ms on its own (twice by default).
	FaultRateLimit

	// FaultBadGateway answers 502 Bad Gateway with an HTML body and no
	// retry-after header, as a proxy in front of the API does. go-openai
	// returns an *openai.RequestError with HTTPStatusCode 502; openai-go
	// retries on its own after its own backoff (about half a second).
	FaultBadGateway

	// FaultStreamError, on a stream, sends the first half of the content
	// deltas (of each chat choice, after its role chunk; of the first
	// choice only for legacy completions; no tool calls), then an error event
	// (data: {"error":{…,"type":"server_error"}}) and ends the stream
	// without "[DONE]". go-openai's Recv returns an error wrapping an
	// *openai.APIError whose HTTPStatusCode is 0 (the status line already
	// said 200); openai-go's Stream.Err returns an error.
	//
	// A Responses stream instead ends, after the first half of its text
	// deltas (and no function calls), with the event the API sends when a
	// response fails: response.failed, whose response has status "failed"
	// and error {"code":"server_error",…}. Both SDKs decode it as an
	// ordinary event; the client has to look at its type.
	//
	// On a request that is not streamed it answers 500 with a server_error
	// JSON body, which go-openai returns as an *openai.APIError with
	// HTTPStatusCode 500 (openai-go retries it).
	FaultStreamError

	// FaultNoDone, on a stream, sends every chunk (finish and usage
	// included) but ends the body without "data: [DONE]". go-openai's Recv
	// then returns io.EOF, exactly as after [DONE], so a client cannot tell
	// the two apart. A Responses stream, which has no [DONE], ends without
	// its response.completed event: the stream ends early, usage never
	// comes. It has no effect on requests that are not streamed.
	FaultNoDone
)

// String returns the name of the constant, such as "FaultRateLimit".
func (f Fault) String() string {
	switch f {
	case FaultNone:
		return "FaultNone"
	case FaultRateLimit:
		return "FaultRateLimit"
	case FaultBadGateway:
		return "FaultBadGateway"
	case FaultStreamError:
		return "FaultStreamError"
	case FaultNoDone:
		return "FaultNoDone"
	}
	return "Fault(" + itoa(int64(f)) + ")"
}

// DefaultResponder is the responder a Server uses when no Reply is queued
// and none was set with SetResponder. It never calls tools and answers:
//
//   - chat, last message from a tool: "Tool result: <its text>";
//   - chat, otherwise: "You said: <text of the last user message>";
//   - responses, input a string: "You said: <input>"; last input item a
//     function_call_output: "Tool result: <its output>"; otherwise "You
//     said: <text of the last user message item>" (instructions are not
//     the user's);
//   - legacy completion: "You said: <prompt>", each prompt answered in
//     its own choices (Reply.Texts) when there are several;
//   - any of these, with no text to echo: "You said nothing.";
//   - embeddings and anything else: the zero Reply.
//
// The text of a message is its Content, or else its text parts joined by a
// space. Usage is left to the server, which computes it with Tokens:
// prompt_tokens is the sum over the request's messages (or prompts) of the
// Tokens of their content, their text parts, and the name and arguments of
// their tool calls (a token array counts one token per element); on the
// responses endpoint input_tokens is the Tokens of the instructions plus,
// over the input items, those of their content, text parts, name,
// arguments and output;
// completion_tokens (output_tokens) is, summed over the choices, the Tokens
// of the choice's text plus, for each tool call, the Tokens of its name and
// of its arguments; total_tokens is their sum.
func DefaultResponder(r Request) Reply {
	switch {
	case r.Chat != nil:
		msgs := r.Chat.Messages
		if n := len(msgs); n > 0 && (msgs[n-1].Role == openai.ChatMessageRoleTool || msgs[n-1].Role == openai.ChatMessageRoleFunction) {
			return Reply{Content: "Tool result: " + messageText(msgs[n-1])}
		}
		for i := len(msgs) - 1; i >= 0; i-- {
			if msgs[i].Role == openai.ChatMessageRoleUser {
				return Reply{Content: youSaid(messageText(msgs[i]))}
			}
		}
		return Reply{Content: youSaid("")}
	case r.Completion != nil:
		prompts, _ := promptTexts(r.Completion.Prompt)
		if len(prompts) <= 1 {
			return Reply{Content: youSaid(strings.Join(prompts, ""))}
		}
		n := max(r.Completion.N, 1)
		texts := make([]string, 0, n*len(prompts))
		for _, p := range prompts {
			for range n {
				texts = append(texts, youSaid(p))
			}
		}
		return Reply{Texts: texts}
	case r.Response != nil:
		return responseReply(r.Response.Input)
	}
	return Reply{}
}

// responseReply is DefaultResponder's answer to a Responses input.
func responseReply(input any) Reply {
	switch in := input.(type) {
	case string:
		return Reply{Content: youSaid(in)}
	case []any:
		if n := len(in); n > 0 {
			if last, _ := in[n-1].(map[string]any); last["type"] == "function_call_output" {
				output, _ := last["output"].(string)
				return Reply{Content: "Tool result: " + output}
			}
		}
		for i := len(in) - 1; i >= 0; i-- {
			if item, _ := in[i].(map[string]any); item["role"] == openai.ChatMessageRoleUser {
				return Reply{Content: youSaid(itemText(item))}
			}
		}
	}
	return Reply{Content: youSaid("")}
}

func youSaid(text string) string {
	if strings.TrimSpace(text) == "" {
		return "You said nothing."
	}
	return "You said: " + text
}

// messageText is the text of a chat message: its Content, or else its text
// parts joined by a space.
func messageText(m openai.ChatCompletionMessage) string {
	if m.Content != "" || len(m.MultiContent) == 0 {
		return m.Content
	}
	var b strings.Builder
	for _, p := range m.MultiContent {
		if p.Type != openai.ChatMessagePartTypeText || p.Text == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(p.Text)
	}
	return b.String()
}

// Tokens is the fake token count the server uses for usage: the number of
// words in s, a word being a run of characters other than Unicode white
// space. Tokens("You said: hi") is 3.
func Tokens(s string) int {
	n := 0
	inWord := false
	for _, r := range s {
		if isSpace(r) {
			inWord = false
			continue
		}
		if !inWord {
			n++
			inWord = true
		}
	}
	return n
}

func isSpace(r rune) bool {
	if r < utf8.RuneSelf {
		return r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\v' || r == '\f'
	}
	return unicode.IsSpace(r)
}

// chatPromptTokens is prompt_tokens of a chat request (see DefaultResponder).
func chatPromptTokens(req *openai.ChatCompletionRequest) int {
	n := 0
	for _, m := range req.Messages {
		n += Tokens(m.Content)
		for _, p := range m.MultiContent {
			n += Tokens(p.Text)
		}
		n += toolCallTokens(m.ToolCalls)
	}
	return n
}

func toolCallTokens(calls []openai.ToolCall) int {
	n := 0
	for _, c := range calls {
		n += Tokens(c.Function.Name) + Tokens(c.Function.Arguments)
	}
	return n
}

// text is the text of choice i.
func (r *Reply) text(i int) string {
	if i < len(r.Texts) {
		return r.Texts[i]
	}
	return r.Content
}

// textTokens is the sum of the Tokens of the texts of the first choices.
func (r *Reply) textTokens(choices int) int {
	n := 0
	for i := range choices {
		n += Tokens(r.text(i))
	}
	return n
}

// usage is the scripted Usage, or else the counts given with both details
// objects, zeros, as the API sends them.
func (r *Reply) usage(promptTokens, completionTokens int) *openai.Usage {
	if r.Usage != nil {
		return r.Usage
	}
	return &openai.Usage{
		PromptTokens:            promptTokens,
		CompletionTokens:        completionTokens,
		TotalTokens:             promptTokens + completionTokens,
		PromptTokensDetails:     &openai.PromptTokensDetails{},
		CompletionTokensDetails: &openai.CompletionTokensDetails{},
	}
}

func (r *Reply) chatFinishReason() openai.FinishReason {
	switch {
	case r.FinishReason != "":
		return r.FinishReason
	case len(r.ToolCalls) > 0:
		return openai.FinishReasonToolCalls
	}
	return openai.FinishReasonStop
}

func (r *Reply) completionFinishReason() string {
	if r.FinishReason != "" {
		return string(r.FinishReason)
	}
	return string(openai.FinishReasonStop)
}

// promptTexts returns the text of each prompt of a legacy completion request
// and the prompt token count. A token array becomes an empty text and counts
// one token per element.
func promptTexts(prompt any) (texts []string, tokens int) {
	switch p := prompt.(type) {
	case string:
		return []string{p}, Tokens(p)
	case []string:
		for _, s := range p {
			tokens += Tokens(s)
		}
		return p, tokens
	case []any:
		if len(p) > 0 {
			if _, ok := p[0].(float64); ok {
				return []string{""}, len(p)
			}
		}
		for _, item := range p {
			switch v := item.(type) {
			case string:
				texts = append(texts, v)
				tokens += Tokens(v)
			case []any:
				texts = append(texts, "")
				tokens += len(v)
			}
		}
	}
	return texts, tokens
}

// splitContent cuts s into pieces as Reply.Chunks describes.
func splitContent(s string, chunks int) []string {
	if s == "" {
		return nil
	}
	if chunks <= 0 {
		// One piece per word; the spaces before a word go with it, as
		// OpenAI's tokens carry their leading space.
		pieces := make([]string, 0, 8)
		start, spaceStart, seenWord := 0, -1, false
		for i, r := range s {
			if isSpace(r) {
				if spaceStart < 0 {
					spaceStart = i
				}
				continue
			}
			if spaceStart >= 0 && seenWord {
				pieces = append(pieces, s[start:spaceStart])
				start = spaceStart
			}
			spaceStart, seenWord = -1, true
		}
		return append(pieces, s[start:])
	}
	runes := utf8.RuneCountInString(s)
	pieces := make([]string, 0, chunks)
	start, at, pos := 0, 0, 0
	for i := 1; i <= chunks; i++ {
		target := i * runes / chunks
		for at < target {
			_, size := utf8.DecodeRuneInString(s[pos:])
			pos += size
			at++
		}
		pieces = append(pieces, s[start:pos])
		start = pos
	}
	return pieces
}
