package openaiwire

import (
	"encoding/json"

	"github.com/sessiontrace/sessiontrace/internal/oiattr"
)

// ResponsesStream gathers what the events of a streamed Responses call say,
// one event at a time, as the caller reads them. The answer comes from the
// final event (response.completed, response.incomplete or response.failed)
// when there is one; until then, and when a stream ends without it, the
// output items are assembled from response.output_item.added, the text,
// refusal and arguments deltas, and response.output_item.done. An "error"
// event or response.failed is a failure (see Failure); the events after it
// are still read.
//
// The zero value is ready to use. A ResponsesStream is not safe for
// concurrent use.
type ResponsesStream struct {
	head    head            // as the latest lifecycle event said
	final   json.RawMessage // the response of the final event
	items   []streamItem    // the output items, in the order they appeared
	failure *Failure
	done    bool
}

// streamItem is one output item as the events build it.
type streamItem struct {
	index                    int // output_index
	item                     item
	done                     bool // response.output_item.done gave the whole item
	text, refusal, arguments []byte
}

// event is what ResponsesStream reads of the data of an event that carries
// more than a delta.
type event struct {
	Item     json.RawMessage `json:"item"`
	Response json.RawMessage `json:"response"`
	Code     string          `json:"code"`    // of an error event
	Message  string          `json:"message"` // of an error event
}

// Add folds one event into the stream and reports whether it carried
// output text (a response.output_text.delta with a non-empty delta), for
// the first-token event. typ, outputIndex and delta are the event's "type",
// "output_index" and "delta", which the caller's client library has
// decoded already, and data is the whole event as JSON: it is read only
// for the few events that carry more (the lifecycle events' response, the
// output items, an error's code and message), not for every delta. An
// event of a type not named above, and data that is not a JSON object,
// change nothing.
func (s *ResponsesStream) Add(typ string, outputIndex int, delta string, data []byte) bool {
	switch typ {
	case "response.output_text.delta":
		it := s.at(outputIndex)
		it.text = append(it.text, delta...)
		return delta != ""
	case "response.refusal.delta":
		it := s.at(outputIndex)
		it.refusal = append(it.refusal, delta...)
		return false
	case "response.function_call_arguments.delta":
		it := s.at(outputIndex)
		it.arguments = append(it.arguments, delta...)
		return false
	}
	switch typ {
	case "response.created", "response.queued", "response.in_progress":
		s.lifecycle(decodeEvent(data).Response)
	case "response.completed", "response.incomplete", "response.failed":
		response := decodeEvent(data).Response
		s.lifecycle(response)
		s.final, s.done = response, true
		if typ == "response.failed" {
			s.head.Status = "failed" // whatever the object says
			s.failure = s.head.failure()
		}
	case "error":
		e := decodeEvent(data)
		s.failure = &Failure{Code: e.Code, Message: e.Message}
		if s.failure.Message == "" {
			s.failure.Message = "error event"
		}
		s.done = true
	case "response.output_item.added", "response.output_item.done":
		it := s.at(outputIndex)
		var whole item
		if json.Unmarshal(decodeEvent(data).Item, &whole) == nil || whole.Type != "" {
			it.item = whole
		}
		it.done = typ == "response.output_item.done"
	}
	return false
}

// decodeEvent reads the data of an event; data that is not a JSON object
// reads as an empty event.
func decodeEvent(data []byte) event {
	var e event
	_ = json.Unmarshal(data, &e)
	return e
}

// lifecycle takes the head of the response a lifecycle event repeats.
func (s *ResponsesStream) lifecycle(raw json.RawMessage) {
	var h head
	if json.Unmarshal(raw, &h) == nil {
		s.head = h
	}
}

// at returns the item of an output index, adding it when it is new.
func (s *ResponsesStream) at(index int) *streamItem {
	for i := range s.items {
		if s.items[i].index == index {
			return &s.items[i]
		}
	}
	s.items = append(s.items, streamItem{index: index})
	return &s.items[len(s.items)-1]
}

// Done reports whether the stream has had its last word: a final event or
// an error event. A stream closed after it was not cut short.
func (s *ResponsesStream) Done() bool { return s.done }

// Failure returns what an error event or response.failed reported, or nil.
// Its Message is never empty.
func (s *ResponsesStream) Failure() *Failure { return s.failure }

// Answer describes in call what the stream answered, as ResponsesResponse
// does, and sets call.Output, the body recorded as output.value: the
// response object of the final event when it has output items (or when no
// item was streamed at all); otherwise — no final event, or a failed
// response without its output — a response object assembled from the
// events: id, model, status and error as the latest lifecycle event gave
// them, the output items, and the usage of the final event, if any.
func (s *ResponsesStream) Answer(call *oiattr.Call) {
	var r response
	if len(s.final) > 0 {
		_ = json.Unmarshal(s.final, &r)
		if len(r.Output) > 0 || len(s.items) == 0 {
			r.describe(call)
			call.Output = string(s.final)
			return
		}
	}
	r.head = s.head
	r.Object = "response"
	r.Output = s.output()
	r.describe(call)
	call.Output = string(encode(&r))
}

// output assembles the output items. An item that response.output_item.done
// did not give whole gets the text and refusal, or the arguments, of its
// deltas, if it had any; one whose type is still unknown is taken for a
// message when it has text, for a function call when it has arguments, and
// left out otherwise.
func (s *ResponsesStream) output() []item {
	out := make([]item, 0, len(s.items))
	for i := range s.items {
		si := &s.items[i]
		it := si.item
		switch text := len(si.text) > 0 || len(si.refusal) > 0; {
		case si.done:
		case text && (it.Type == "message" || it.Type == ""):
			it.Type = "message"
			if it.Role == "" {
				it.Role = "assistant"
			}
			var parts []part
			if len(si.text) > 0 {
				parts = append(parts, part{Type: "output_text", Text: string(si.text)})
			}
			if len(si.refusal) > 0 {
				parts = append(parts, part{Type: "refusal", Refusal: string(si.refusal)})
			}
			it.Content = encode(parts)
		case len(si.arguments) > 0 && (it.Type == "function_call" || it.Type == ""):
			it.Type = "function_call"
			it.Arguments = string(si.arguments)
		}
		if it.Type != "" {
			out = append(out, it)
		}
	}
	return out
}
