package phoenix

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"

	"github.com/sessiontrace/sessiontrace/internal/oiattr"
)

// What the tests of both packages, phoenix and phoenix_test, share.
var (
	ConversationAttrs = conversationAttrs
	WatchErrors       = watchErrors
)

// conversationAttrs returns the attributes the go-openai wrapper records on
// the LLM span of a chat call whose request carries n messages of size
// bytes each: the request body as input.value, the messages again as
// llm.input_messages.*, the reply as output.value and
// llm.output_messages.*, model and token counts. The strings of a given n
// and size are the same on every call: a test that needs each span to hold
// its own memory copies them.
func conversationAttrs(n, size int) []attribute.KeyValue {
	type wireMessage struct {
		Role    string `json:"role"`
		Content string `json:"content"`
	}
	msgs := make([]oiattr.Message, n)
	wire := make([]wireMessage, n)
	for i := range msgs {
		role := []string{"user", "assistant"}[i%2]
		if i == 0 {
			role = "system"
		}
		msgs[i] = oiattr.Message{Role: role, Content: messageText(i, size)}
		wire[i] = wireMessage{role, msgs[i].Content}
	}
	body, _ := json.Marshal(struct {
		Model    string        `json:"model"`
		Messages []wireMessage `json:"messages"`
	}{"gpt-4o-mini", wire})
	reply := oiattr.Message{Role: "assistant", Content: messageText(n, size)}
	out, _ := json.Marshal(struct {
		ID      string `json:"id"`
		Choices []struct {
			Message wireMessage `json:"message"`
		} `json:"choices"`
	}{ID: "chatcmpl-1", Choices: []struct {
		Message wireMessage `json:"message"`
	}{{wireMessage{reply.Role, reply.Content}}}})

	call := oiattr.Call{
		Kind: "LLM", System: "openai", Provider: "openai", RequestModel: "gpt-4o-mini",
		Input: string(body), InputBody: oiattr.BodyMessages, InputMessages: msgs,
		Output: string(out), OutputBody: oiattr.BodyMessages, OutputMessages: []oiattr.Message{reply},
		Usage: oiattr.Usage{Known: true, Prompt: n * size / 4, Completion: size / 4, Total: (n + 1) * size / 4},
	}
	return append(call.StartAttributes(), call.Attributes(oiattr.TraceConfig{})...)
}

// messageText is message i of a conversation, size bytes of plain text.
func messageText(i, size int) string {
	s := fmt.Sprintf("Message %d: ", i) + strings.Repeat("what is the best month to see the maples in Kyoto? ", size/50+1)
	return s[:size]
}

// ErrorsSeen collects what reaches otel.Handle during a test.
type ErrorsSeen struct {
	mu   sync.Mutex
	errs []error
}

// watchErrors sends otel.Handle's errors to the returned collector until
// the test ends.
func watchErrors(t *testing.T) *ErrorsSeen {
	e := &ErrorsSeen{}
	before := otel.GetErrorHandler()
	otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) {
		e.mu.Lock()
		e.errs = append(e.errs, err)
		e.mu.Unlock()
	}))
	t.Cleanup(func() { otel.SetErrorHandler(before) })
	return e
}

// All returns the errors so far.
func (e *ErrorsSeen) All() []error {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]error(nil), e.errs...)
}

// Dropped sums the DroppedSpansError reports so far (the limits are the
// last report's), and returns the other errors.
func (e *ErrorsSeen) Dropped() (total DroppedSpansError, reports int, others []error) {
	for _, err := range e.All() {
		var d *DroppedSpansError
		if errors.As(err, &d) {
			total.Full += d.Full
			total.FullBytes += d.FullBytes
			total.TooLarge += d.TooLarge
			total.Largest = max(total.Largest, d.Largest)
			total.MemoryBudget, total.MaxQueueSize, total.MaxExportBytes = d.MemoryBudget, d.MaxQueueSize, d.MaxExportBytes
			reports++
		} else {
			others = append(others, err)
		}
	}
	return total, reports, others
}
