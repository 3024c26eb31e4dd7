package openaiwire

// Chunks folds the chunks of a chat completion stream, or of a legacy
// completion stream, into what a call that was not streamed would have
// answered: the content (a legacy completion's text), refusal, reasoning
// and tool-call fragments of each choice joined by index, the finish
// reasons, the id, creation time and model. The caller decodes each chunk
// with its client library's types and hands the pieces over; it keeps the
// usage, whose type is its library's, itself.
//
// The zero value is ready to use. A Chunks is not safe for concurrent use.
type Chunks struct {
	ID      string // of the first chunk that has one
	Created int64  // of that chunk
	Model   string // the latest one named
	Choices []ChunkChoice
}

// ChunkChoice is one choice as its chunks built it.
type ChunkChoice struct {
	Index                       int
	Role                        string // the latest one named
	Content, Refusal, Reasoning []byte // Content is a legacy completion's text
	Calls                       []ChunkCall
	FunctionName, FunctionArgs  []byte // the legacy function_call
	HasFunction                 bool
	Finish                      string
}

// ChunkCall is one tool call as its fragments built it.
type ChunkCall struct {
	Index          int
	ID, Type, Name string // the latest ones named
	Args           []byte
}

// Head takes what a chunk says of the whole answer: its id and creation
// time until a chunk with an id has come, its model when it names one.
func (s *Chunks) Head(id string, created int64, model string) {
	if s.ID == "" {
		s.ID, s.Created = id, created
	}
	if model != "" {
		s.Model = model
	}
}

// Choice returns the choice of the index a chunk names, a new one for an
// index not seen yet.
func (s *Chunks) Choice(index int) *ChunkChoice {
	return byIndex(&s.Choices, index, func(c *ChunkChoice) *int { return &c.Index })
}

// Complete reports whether there are choices and every one has finished:
// only the usage chunk may still be coming.
func (s *Chunks) Complete() bool {
	for i := range s.Choices {
		if s.Choices[i].Finish == "" {
			return false
		}
	}
	return len(s.Choices) > 0
}

// Delta adds the role and the texts of a chunk's delta (or a legacy
// choice's text, as content) and reports whether it carried any text.
func (c *ChunkChoice) Delta(role, content, refusal, reasoning string) bool {
	if role != "" {
		c.Role = role
	}
	c.Content = append(c.Content, content...)
	c.Refusal = append(c.Refusal, refusal...)
	c.Reasoning = append(c.Reasoning, reasoning...)
	return content != "" || refusal != "" || reasoning != ""
}

// ToolCall adds the k-th tool-call fragment of a delta to the call it
// continues: the one of the fragment's index, or of k when it gives none.
func (c *ChunkChoice) ToolCall(k int, index *int, id, typ, name, args string) {
	if index != nil {
		k = *index
	}
	call := byIndex(&c.Calls, k, func(c *ChunkCall) *int { return &c.Index })
	if id != "" {
		call.ID = id
	}
	if typ != "" {
		call.Type = typ
	}
	if name != "" {
		call.Name = name
	}
	call.Args = append(call.Args, args...)
}

// FunctionCall adds a fragment of the legacy function_call.
func (c *ChunkChoice) FunctionCall(name, args string) {
	c.HasFunction = true
	c.FunctionName = append(c.FunctionName, name...)
	c.FunctionArgs = append(c.FunctionArgs, args...)
}

// SetFinish records a finish reason; "" and "null" are none.
func (c *ChunkChoice) SetFinish(reason string) {
	if reason != "" && reason != "null" {
		c.Finish = reason
	}
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
