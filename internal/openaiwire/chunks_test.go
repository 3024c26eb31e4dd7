package openaiwire_test

import (
	"reflect"
	"testing"

	"github.com/sessiontrace/sessiontrace/internal/openaiwire"
)

// A stream's chunks, folded: the id and creation time of the first chunk
// with an id, the latest model, the texts of each choice joined, tool calls
// joined by their index (or their place when they give none), the legacy
// function_call joined, and "null" taken for no finish reason.
func TestChunksFold(t *testing.T) {
	one, zero := 1, 0
	var s openaiwire.Chunks
	s.Head("", 0, "")
	s.Head("chatcmpl-1", 100, "gpt-4o")
	s.Head("chatcmpl-2", 200, "")

	a := s.Choice(0)
	if !a.Delta("assistant", "Hel", "", "") || a.Delta("", "", "", "") {
		t.Error("Delta reports text wrongly")
	}
	a.Delta("", "lo", "", "thinking")
	a.ToolCall(0, &one, "call_b", "function", "time", `{"tz":`)
	a.ToolCall(0, &zero, "call_a", "", "weather", `{"city":`)
	a.ToolCall(0, &one, "", "", "", `"UTC"}`)
	a.ToolCall(0, nil, "", "", "", `"Lisbon"}`) // no index: its place in the chunk, 0
	a.SetFinish("null")
	if s.Complete() {
		t.Error("complete before any finish reason")
	}
	b := s.Choice(1)
	b.Delta("", "", "I can't.", "")
	b.FunctionCall("lookup", `{"q":`)
	b.FunctionCall("", `"x"}`)
	b.SetFinish("stop")
	if s.Complete() {
		t.Error("complete with choice 0 unfinished")
	}
	s.Choice(0).SetFinish("tool_calls")
	if !s.Complete() {
		t.Error("not complete with every choice finished")
	}

	want := openaiwire.Chunks{ID: "chatcmpl-1", Created: 100, Model: "gpt-4o", Choices: []openaiwire.ChunkChoice{
		{Index: 0, Role: "assistant", Content: []byte("Hello"), Reasoning: []byte("thinking"), Finish: "tool_calls",
			Calls: []openaiwire.ChunkCall{
				{Index: 1, ID: "call_b", Type: "function", Name: "time", Args: []byte(`{"tz":"UTC"}`)},
				{Index: 0, ID: "call_a", Name: "weather", Args: []byte(`{"city":"Lisbon"}`)},
			}},
		{Index: 1, Refusal: []byte("I can't."), HasFunction: true, FunctionName: []byte("lookup"), FunctionArgs: []byte(`{"q":"x"}`), Finish: "stop"},
	}}
	// Compare the texts as strings: an empty byte slice and nil read the same.
	if got, want := render(s), render(want); !reflect.DeepEqual(got, want) {
		t.Errorf("folded\n %v\nwant\n %v", got, want)
	}
}

func render(s openaiwire.Chunks) []any {
	out := []any{s.ID, s.Created, s.Model}
	for _, c := range s.Choices {
		out = append(out, c.Index, c.Role, string(c.Content), string(c.Refusal), string(c.Reasoning),
			c.HasFunction, string(c.FunctionName), string(c.FunctionArgs), c.Finish)
		for _, k := range c.Calls {
			out = append(out, k.Index, k.ID, k.Type, k.Name, string(k.Args))
		}
	}
	return out
}
