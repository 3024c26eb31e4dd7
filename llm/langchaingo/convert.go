package langchaingo

import (
	"encoding/json"
	"math"
	"reflect"
	"strings"

	semconv "github.com/Arize-ai/openinference/go/openinference-semantic-conventions"
	"github.com/tmc/langchaingo/llms"

	"github.com/sessiontrace/sessiontrace/internal/oiattr"
)

// role maps langchaingo's message types to the OpenAI / OpenInference roles.
func role(t llms.ChatMessageType) string {
	switch t {
	case llms.ChatMessageTypeHuman, llms.ChatMessageTypeGeneric:
		return "user" // langchaingo's OpenAI backend sends generic as user too
	case llms.ChatMessageTypeAI:
		return "assistant"
	case llms.ChatMessageTypeSystem:
		return "system"
	case llms.ChatMessageTypeTool:
		return "tool"
	case llms.ChatMessageTypeFunction:
		return "function"
	}
	return string(t)
}

// inputMessages converts the messages of a call into the neutral model.
// A message with a single text part keeps it as content; text and image
// parts otherwise become contents. Binary parts are recorded only when they
// are images (as data: URLs, subject to the image rules of c); tool calls
// and tool responses fill tool_calls and tool_call_id.
func inputMessages(in []llms.MessageContent, c oiattr.TraceConfig) []oiattr.Message {
	out := make([]oiattr.Message, len(in))
	for i := range in {
		m := &out[i]
		m.Role = role(in[i].Role)
		var parts []oiattr.Part
		for _, p := range in[i].Parts {
			switch p := p.(type) {
			case llms.TextContent:
				parts = append(parts, oiattr.Part{Type: oiattr.PartText, Text: p.Text})
			case *llms.TextContent:
				if p != nil {
					parts = append(parts, oiattr.Part{Type: oiattr.PartText, Text: p.Text})
				}
			case llms.ImageURLContent:
				parts = append(parts, oiattr.Part{Type: oiattr.PartImage, ImageURL: p.URL})
			case *llms.ImageURLContent:
				if p != nil {
					parts = append(parts, oiattr.Part{Type: oiattr.PartImage, ImageURL: p.URL})
				}
			case llms.BinaryContent:
				parts = appendBinary(parts, p, c)
			case *llms.BinaryContent:
				if p != nil {
					parts = appendBinary(parts, *p, c)
				}
			case llms.ToolCall:
				m.ToolCalls = append(m.ToolCalls, toolCall(p))
			case *llms.ToolCall:
				if p != nil {
					m.ToolCalls = append(m.ToolCalls, toolCall(*p))
				}
			case llms.ToolCallResponse:
				parts = appendToolResponse(m, parts, p)
			case *llms.ToolCallResponse:
				if p != nil {
					parts = appendToolResponse(m, parts, *p)
				}
			}
		}
		if len(parts) == 1 && parts[0].Type == oiattr.PartText {
			m.Content = parts[0].Text
		} else {
			m.Parts = parts
		}
	}
	return out
}

func appendBinary(parts []oiattr.Part, b llms.BinaryContent, c oiattr.TraceConfig) []oiattr.Part {
	if !strings.HasPrefix(b.MIMEType, "image/") {
		return parts // audio, PDF, ...: OpenInference has no part type for them
	}
	return append(parts, oiattr.Part{Type: oiattr.PartImage, ImageURL: oiattr.ImageDataURL(b.MIMEType, b.Data, c)})
}

func appendToolResponse(m *oiattr.Message, parts []oiattr.Part, r llms.ToolCallResponse) []oiattr.Part {
	if m.ToolCallID == "" {
		m.ToolCallID = r.ToolCallID
	}
	if m.Name == "" {
		m.Name = r.Name
	}
	return append(parts, oiattr.Part{Type: oiattr.PartText, Text: r.Content})
}

func toolCall(tc llms.ToolCall) oiattr.ToolCall {
	out := oiattr.ToolCall{ID: tc.ID}
	if tc.FunctionCall != nil {
		out.Name, out.Arguments = tc.FunctionCall.Name, tc.FunctionCall.Arguments
	}
	return out
}

// outputMessages makes one assistant message per choice. The legacy
// FuncCall counts only when the choice has no ToolCalls (langchaingo's
// OpenAI backend copies the first tool call there too).
func outputMessages(choices []*llms.ContentChoice) []oiattr.Message {
	out := make([]oiattr.Message, 0, len(choices))
	for _, ch := range choices {
		if ch == nil {
			continue
		}
		m := oiattr.Message{Role: "assistant", Content: ch.Content}
		for _, tc := range ch.ToolCalls {
			m.ToolCalls = append(m.ToolCalls, toolCall(tc))
		}
		if len(ch.ToolCalls) == 0 && ch.FuncCall != nil {
			m.ToolCalls = append(m.ToolCalls, oiattr.ToolCall{Name: ch.FuncCall.Name, Arguments: ch.FuncCall.Arguments})
		}
		out = append(out, m)
	}
	return out
}

// replyText is the text the assistant said: the content of the first choice
// that has any.
func replyText(choices []*llms.ContentChoice) string {
	for _, ch := range choices {
		if ch != nil && ch.Content != "" {
			return ch.Content
		}
	}
	return ""
}

// usage reads the token counts from the GenerationInfo of the first choice
// that has them (backends repeat the call's usage in every choice).
// OpenAI-style keys (PromptTokens, CompletionTokens, TotalTokens and the
// cached, audio and reasoning details) are tried first, then Anthropic-style
// ones (InputTokens, OutputTokens, CacheReadInputTokens,
// CacheCreationInputTokens; Anthropic's InputTokens leaves the cached tokens
// out, so the prompt count is the sum of the three), then the snake_case
// input_tokens / output_tokens of the Google and Bedrock backends.
func usage(choices []*llms.ContentChoice) oiattr.Usage {
	for _, ch := range choices {
		if ch == nil || len(ch.GenerationInfo) == 0 {
			continue
		}
		if u, ok := usageFrom(ch.GenerationInfo); ok {
			return u
		}
	}
	return oiattr.Usage{}
}

func usageFrom(g map[string]any) (oiattr.Usage, bool) {
	var u oiattr.Usage
	prompt, okP := count(g, "PromptTokens")
	completion, okC := count(g, "CompletionTokens")
	if okP || okC {
		u.Known = true
		u.Prompt, u.Completion = prompt, completion
		u.Total, _ = count(g, "TotalTokens")
		u.CacheRead = first(g, "PromptCachedTokens", "CachedTokens", "CacheReadInputTokens")
		u.CacheWrite = first(g, "CacheCreationInputTokens")
		u.PromptAudio = first(g, "PromptAudioTokens")
		u.CompletionAudio = first(g, "CompletionAudioTokens")
		u.CompletionReasoning = first(g, "CompletionReasoningTokens", "ReasoningTokens")
		return u, true
	}
	in, okI := count(g, "InputTokens")
	out, okO := count(g, "OutputTokens")
	if okI || okO {
		u.Known = true
		u.CacheRead = first(g, "CacheReadInputTokens")
		u.CacheWrite = first(g, "CacheCreationInputTokens")
		u.Prompt = in + u.CacheRead + u.CacheWrite
		u.Completion = out
		return u, true
	}
	in, okI = count(g, "input_tokens")
	out, okO = count(g, "output_tokens")
	if okI || okO {
		u.Known = true
		u.Prompt, u.Completion = in, out
		u.Total, _ = count(g, "total_tokens")
		return u, true
	}
	return u, false
}

func first(g map[string]any, keys ...string) int {
	for _, k := range keys {
		if n, ok := count(g, k); ok && n != 0 {
			return n
		}
	}
	return 0
}

// count reads a token count of any numeric type. Negative, fractional,
// non-finite and non-numeric values are not counts.
func count(g map[string]any, key string) (int, bool) {
	var f float64
	switch v := g[key].(type) {
	case int:
		return nonNegative(int64(v))
	case int64:
		return nonNegative(v)
	case int32:
		return nonNegative(int64(v))
	case int16:
		return nonNegative(int64(v))
	case int8:
		return nonNegative(int64(v))
	case uint:
		return nonNegative(int64(min(uint64(v), math.MaxInt32)))
	case uint64:
		return nonNegative(int64(min(v, math.MaxInt32)))
	case uint32:
		return int(v), true
	case uint16:
		return int(v), true
	case uint8:
		return int(v), true
	case float64:
		f = v
	case float32:
		f = float64(v)
	case json.Number:
		if n, err := v.Int64(); err == nil {
			return nonNegative(n)
		}
		return 0, false
	default:
		return 0, false
	}
	if f < 0 || f > math.MaxInt32 || f != math.Trunc(f) {
		return 0, false
	}
	return int(f), true
}

func nonNegative(n int64) (int, bool) {
	if n < 0 {
		return 0, false
	}
	return int(min(n, math.MaxInt32)), true
}

// responseModel is the model a backend reports in GenerationInfo (the
// Mistral backend does), or "".
func responseModel(choices []*llms.ContentChoice) string {
	for _, ch := range choices {
		if ch == nil {
			continue
		}
		for _, k := range [...]string{"model", "Model"} {
			if s, ok := ch.GenerationInfo[k].(string); ok && s != "" {
				return s
			}
		}
	}
	return ""
}

// finishReasons has the stop reason of each choice, "" where it has none.
func finishReasons(choices []*llms.ContentChoice) []string {
	var out []string
	for _, ch := range choices {
		if ch != nil {
			out = append(out, ch.StopReason)
		}
	}
	return out
}

const langchaingoLLMs = "github.com/tmc/langchaingo/llms/"

// detectProvider names llm.system and llm.provider from the package that
// defines v's type, for langchaingo's own backends.
func detectProvider(v any) (system, provider string) {
	t := reflect.TypeOf(v)
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil {
		return "", ""
	}
	pkg, ok := strings.CutPrefix(t.PkgPath(), langchaingoLLMs)
	if !ok {
		return "", ""
	}
	pkg, _, _ = strings.Cut(pkg, "/")
	switch pkg {
	case "openai":
		return semconv.LLMSystemOpenAI, semconv.LLMProviderOpenAI
	case "anthropic":
		return semconv.LLMSystemAnthropic, semconv.LLMProviderAnthropic
	case "googleai":
		return semconv.LLMSystemVertexAI, semconv.LLMProviderGoogle
	case "bedrock":
		return "", semconv.LLMProviderAWS
	case "mistral":
		return semconv.LLMSystemMistralAI, semconv.LLMProviderMistralAI
	case "cohere":
		return semconv.LLMSystemCohere, semconv.LLMProviderCohere
	}
	return "", ""
}

// invocationParameters are the call options other than messages, tools,
// metadata and callbacks, under langchaingo's own JSON names; zero values
// are left out because langchaingo cannot tell them from unset ones.
type invocationParameters struct {
	Model                string   `json:"model,omitempty"`
	CandidateCount       int      `json:"candidate_count,omitempty"`
	MaxTokens            int      `json:"max_tokens,omitempty"`
	Temperature          float64  `json:"temperature,omitempty"`
	StopWords            []string `json:"stop_words,omitempty"`
	TopK                 int      `json:"top_k,omitempty"`
	TopP                 float64  `json:"top_p,omitempty"`
	Seed                 int      `json:"seed,omitempty"`
	MinLength            int      `json:"min_length,omitempty"`
	MaxLength            int      `json:"max_length,omitempty"`
	N                    int      `json:"n,omitempty"`
	RepetitionPenalty    float64  `json:"repetition_penalty,omitempty"`
	FrequencyPenalty     float64  `json:"frequency_penalty,omitempty"`
	PresencePenalty      float64  `json:"presence_penalty,omitempty"`
	JSONMode             bool     `json:"json,omitempty"`
	ToolChoice           any      `json:"tool_choice,omitempty"`
	FunctionCallBehavior string   `json:"function_call,omitempty"`
	ResponseMIMEType     string   `json:"response_mime_type,omitempty"`
	Stream               bool     `json:"stream,omitempty"`
}

func invocationJSON(o *llms.CallOptions, streamed bool) string {
	js := oiattr.JSON(invocationParameters{
		Model: o.Model, CandidateCount: o.CandidateCount, MaxTokens: o.MaxTokens,
		Temperature: o.Temperature, StopWords: o.StopWords, TopK: o.TopK, TopP: o.TopP,
		Seed: o.Seed, MinLength: o.MinLength, MaxLength: o.MaxLength, N: o.N,
		RepetitionPenalty: o.RepetitionPenalty, FrequencyPenalty: o.FrequencyPenalty,
		PresencePenalty: o.PresencePenalty, JSONMode: o.JSONMode, ToolChoice: o.ToolChoice,
		FunctionCallBehavior: string(o.FunctionCallBehavior), ResponseMIMEType: o.ResponseMIMEType,
		Stream: streamed,
	})
	if js == "{}" {
		return ""
	}
	return js
}

// toolSchemas returns one OpenAI-style JSON definition per tool, the
// deprecated Functions included.
func toolSchemas(o *llms.CallOptions) []string {
	if len(o.Tools) == 0 && len(o.Functions) == 0 {
		return nil
	}
	out := make([]string, 0, len(o.Tools)+len(o.Functions))
	for _, t := range o.Tools {
		out = append(out, oiattr.JSON(t))
	}
	for i := range o.Functions {
		out = append(out, oiattr.JSON(llms.Tool{Type: "function", Function: &o.Functions[i]}))
	}
	return out
}
