package openaigo

import (
	"encoding/json"
	"errors"

	"github.com/sessiontrace/sessiontrace/internal/oiattr"
)

// chunks folds the chunks of a chat or legacy completion stream into the
// completion that a call not streamed would have returned: the content
// (or text) and tool-call fragments of each choice joined by index, the
// finish reasons, the usage chunk.
type chunks struct {
	legacy bool // legacy completions: choices carry text, not deltas

	id, model string
	created   int64
	usage     *usage
	choices   []streamedChoice
}

type streamedChoice struct {
	index            int
	role             string
	content, refusal []byte // the text, for legacy completions
	calls            []streamedCall
	fnName, fnArgs   []byte // the legacy function_call
	hasFunction      bool
	finish           string
}

type streamedCall struct {
	index   int
	id, typ string
	name    string
	args    []byte
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
	if s.id == "" {
		s.id, s.created = c.ID, c.Created
	}
	if c.Model != "" {
		s.model = c.Model
	}
	if c.Usage != nil {
		s.usage = c.Usage
	}
	content := false
	for i := range c.Choices {
		ch := &c.Choices[i]
		sc := s.choice(ch.Index)
		d := &ch.Delta
		if d.Role != "" {
			sc.role = d.Role
		}
		if d.Content != "" || ch.Text != "" || d.Refusal != "" || len(d.ToolCalls) > 0 || d.FunctionCall != nil {
			content = true
		}
		sc.content = append(sc.content, d.Content...)
		sc.content = append(sc.content, ch.Text...)
		sc.refusal = append(sc.refusal, d.Refusal...)
		for k := range d.ToolCalls {
			tc := &d.ToolCalls[k]
			idx := k
			if tc.Index != nil {
				idx = *tc.Index
			}
			call := sc.call(idx)
			if tc.ID != "" {
				call.id = tc.ID
			}
			if tc.Type != "" {
				call.typ = tc.Type
			}
			if tc.Function.Name != "" {
				call.name = tc.Function.Name
			}
			call.args = append(call.args, tc.Function.Arguments...)
		}
		if f := d.FunctionCall; f != nil {
			sc.hasFunction = true
			sc.fnName = append(sc.fnName, f.Name...)
			sc.fnArgs = append(sc.fnArgs, f.Arguments...)
		}
		if ch.FinishReason != "" {
			sc.finish = ch.FinishReason
		}
	}
	return content, nil
}

// complete reports whether every choice has finished: only the usage chunk
// and [DONE] may still be coming.
func (s *chunks) complete() bool {
	for i := range s.choices {
		if s.choices[i].finish == "" {
			return false
		}
	}
	return len(s.choices) > 0
}

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
	c := completion{ID: s.id, Object: "chat.completion", Created: s.created, Model: s.model, Usage: s.usage,
		Choices: make([]choice, len(s.choices))}
	if s.legacy {
		c.Object = "text_completion"
	}
	for i := range s.choices {
		sc := &s.choices[i]
		ch := &c.Choices[i]
		ch.Index, ch.FinishReason = sc.index, sc.finish
		if s.legacy {
			ch.Text = string(sc.content)
			continue
		}
		m := &ch.Message
		m.Role, m.Content, m.Refusal = sc.role, string(sc.content), string(sc.refusal)
		if m.Role == "" {
			m.Role = "assistant"
		}
		for k := range sc.calls {
			call := &sc.calls[k]
			typ := call.typ
			if typ == "" {
				typ = "function"
			}
			m.ToolCalls = append(m.ToolCalls, toolCall{ID: call.id, Type: typ,
				Function: functionCall{Name: call.name, Arguments: string(call.args)}})
		}
		if sc.hasFunction {
			m.FunctionCall = &functionCall{Name: string(sc.fnName), Arguments: string(sc.fnArgs)}
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

// choice returns the choice of the index a chunk names, a new one for an
// index not seen yet.
func (s *chunks) choice(index int) *streamedChoice {
	return byIndex(&s.choices, index, func(c *streamedChoice) *int { return &c.index })
}

// call is choice for the fragments of the tool calls of a choice.
func (sc *streamedChoice) call(index int) *streamedCall {
	return byIndex(&sc.calls, index, func(c *streamedCall) *int { return &c.index })
}

// byIndex returns the element of list whose index (the field indexOf
// points to) is index, appending a new one for an index not seen yet.
func byIndex[E any](list *[]E, index int, indexOf func(*E) *int) *E {
	for i := range *list {
		if *indexOf(&(*list)[i]) == index {
			return &(*list)[i]
		}
	}
	*list = append(*list, *new(E))
	e := &(*list)[len(*list)-1]
	*indexOf(e) = index
	return e
}
