package openaigo

import (
	"encoding/json"
	"errors"

	"github.com/sessiontrace/sessiontrace/internal/oiattr"
	"github.com/sessiontrace/sessiontrace/internal/openaiwire"
)

// chunks folds the chunks of a chat or legacy completion stream into the
// completion that a call not streamed would have returned: the content
// (or text) and tool-call fragments of each choice joined by index, the
// finish reasons, the usage chunk.
type chunks struct {
	legacy bool // legacy completions: choices carry text, not deltas

	chunks openaiwire.Chunks
	usage  *usage
}

// add folds one chunk. A chunk whose data is not JSON, or that carries an
// "error" member, fails the stream as it fails openai-go's.
func (s *chunks) add(_ string, data []byte) (bool, error) {
	var c chunk
	if err := decodeBody(data, &c); err != nil {
		return false, err
	}
	if len(c.Error) > 0 {
		return false, streamError(c.Error)
	}
	s.chunks.Head(c.ID, c.Created, c.Model)
	if c.Usage != nil {
		s.usage = c.Usage
	}
	content := false
	for i := range c.Choices {
		ch := &c.Choices[i]
		sc := s.chunks.Choice(ch.Index)
		d := &ch.Delta
		if sc.Delta(d.Role, d.Content+ch.Text, d.Refusal, "") || len(d.ToolCalls) > 0 || d.FunctionCall != nil {
			content = true
		}
		for k := range d.ToolCalls {
			tc := &d.ToolCalls[k]
			sc.ToolCall(k, tc.Index, tc.ID, tc.Type, tc.Function.Name, tc.Function.Arguments)
		}
		if f := d.FunctionCall; f != nil {
			sc.FunctionCall(f.Name, f.Arguments)
		}
		sc.SetFinish(ch.FinishReason)
	}
	return content, nil
}

// complete reports whether every choice has finished: only the usage chunk
// and [DONE] may still be coming.
func (s *chunks) complete() bool { return s.chunks.Complete() }

// describe adds the answer assembled so far to call, as output.value too.
// A failure ends these streams at once (see add): there is none left.
func (s *chunks) describe(call *oiattr.Call) error {
	c := s.assemble()
	call.Output = encode(&c)
	if s.legacy {
		completionAnswer(call, &c)
	} else {
		chatAnswer(call, &c)
	}
	return nil
}

// assemble builds the completion that arrived in pieces.
func (s *chunks) assemble() completion {
	c := completion{ID: s.chunks.ID, Object: "chat.completion", Created: s.chunks.Created, Model: s.chunks.Model, Usage: s.usage,
		Choices: make([]choice, len(s.chunks.Choices))}
	if s.legacy {
		c.Object = "text_completion"
	}
	for i := range s.chunks.Choices {
		sc := &s.chunks.Choices[i]
		ch := &c.Choices[i]
		ch.Index, ch.FinishReason = sc.Index, sc.Finish
		if s.legacy {
			ch.Text = string(sc.Content)
			continue
		}
		m := &ch.Message
		m.Role, m.Content, m.Refusal = sc.Role, string(sc.Content), string(sc.Refusal)
		if m.Role == "" {
			m.Role = "assistant"
		}
		for k := range sc.Calls {
			call := &sc.Calls[k]
			typ := call.Type
			if typ == "" {
				typ = "function"
			}
			m.ToolCalls = append(m.ToolCalls, toolCall{ID: call.ID, Type: typ,
				Function: functionCall{Name: call.Name, Arguments: string(call.Args)}})
		}
		if sc.HasFunction {
			m.FunctionCall = &functionCall{Name: string(sc.FunctionName), Arguments: string(sc.FunctionArgs)}
		}
	}
	return c
}

// streamError is the error a server sent in the middle of a stream, its
// message when it has one, else the JSON it sent.
func streamError(raw json.RawMessage) error {
	var e struct {
		Message string `json:"message"`
	}
	if json.Unmarshal(raw, &e) == nil && e.Message != "" {
		return errors.New(e.Message)
	}
	return errors.New(string(raw))
}
