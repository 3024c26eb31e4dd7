package oiattr

import "strings"

// Message is one chat message in the neutral model.
type Message struct {
	Role       string // "user", "assistant", "system", "tool", ...
	Content    string // the text, when the message is a single string
	Parts      []Part // multi-part content (text and images); recorded as message.contents
	Name       string
	ToolCallID string // for a tool's answer: which call it answers
	ToolCalls  []ToolCall
}

// PartType says what a Part holds.
type PartType uint8

// The part types OpenInference knows.
const (
	PartText PartType = iota
	PartImage
)

// Part is one piece of a multi-part message.
type Part struct {
	Type     PartType
	Text     string
	ImageURL string // an http(s) URL or a data: URL
}

// ToolCall is a call to a tool requested by the model.
type ToolCall struct {
	ID        string
	Name      string
	Arguments string // the JSON text the model produced
}

// Usage is the token accounting of one call. Known says the backend reported
// usage at all, so that a zero count is recorded as zero, not left out.
type Usage struct {
	Known                                bool
	Prompt, Completion, Total            int
	CacheRead, CacheWrite, PromptAudio   int
	CompletionAudio, CompletionReasoning int
}

// Document is one retrieved document.
type Document struct {
	ID       string
	Content  string
	Score    float64
	HasScore bool
	Metadata map[string]any
}

// Text returns the message's plain text: Content, or its text parts joined
// with newlines.
func (m Message) Text() string {
	if m.Content != "" || len(m.Parts) == 0 {
		return m.Content
	}
	var texts []string
	for _, p := range m.Parts {
		if p.Type == PartText && p.Text != "" {
			texts = append(texts, p.Text)
		}
	}
	return strings.Join(texts, "\n")
}

// LastUserText returns the text of the last message whose role is "user", or
// "" when there is none. The LLM wrappers use it as the turn's input.
func LastUserText(msgs []Message) string {
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].Role == "user" {
			return msgs[i].Text()
		}
	}
	return ""
}
