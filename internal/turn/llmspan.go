package turn

import (
	"maps"
	"slices"
	"strconv"
	"strings"

	semconv "github.com/Arize-ai/openinference/go/openinference-semantic-conventions"
	"go.opentelemetry.io/otel/attribute"
)

// Texts returns what an LLM span made by anybody tells the turn, read from
// its OpenInference attributes: the text of its last input message with
// role "user", and the text of its first output message. A message's text
// is message.content, or its text parts (message.contents.*) joined with
// newlines. A span that records no messages falls back to input.value and
// output.value when they are plain text (input.mime_type / output.mime_type
// text/plain or absent), as the official OpenInference Go instrumentors
// record the last user message. Either text is "" when the span says
// nothing of it.
func Texts(attrs []attribute.KeyValue) (input, output string) {
	in := map[int]*message{}
	out := map[int]*message{}
	var inValue, outValue, inMime, outMime string
	for _, kv := range attrs {
		k := string(kv.Key)
		switch k {
		case semconv.InputValue:
			inValue = kv.Value.AsString()
		case semconv.OutputValue:
			outValue = kv.Value.AsString()
		case semconv.InputMimeType:
			inMime = kv.Value.AsString()
		case semconv.OutputMimeType:
			outMime = kv.Value.AsString()
		default:
			if rest, ok := strings.CutPrefix(k, semconv.LLMInputMessages+"."); ok {
				readMessage(in, rest, kv.Value)
			} else if rest, ok := strings.CutPrefix(k, semconv.LLMOutputMessages+"."); ok {
				readMessage(out, rest, kv.Value)
			}
		}
	}

	last := -1
	for i, m := range in {
		if m.role == "user" && i > last {
			last = i
		}
	}
	switch {
	case last >= 0:
		input = in[last].text()
	case len(in) == 0 && plainText(inMime):
		input = inValue
	}
	switch {
	case out[0] != nil:
		output = out[0].text()
	case len(out) == 0 && plainText(outMime):
		output = outValue
	}
	return input, output
}

func plainText(mime string) bool { return mime == "" || mime == semconv.MimeTypeText }

// message is what Texts gathers of one flattened message.
type message struct {
	role, content string
	parts         map[int]*part
}

type part struct{ kind, text string }

func (m *message) text() string {
	if m.content != "" || len(m.parts) == 0 {
		return m.content
	}
	var texts []string
	for _, j := range slices.Sorted(maps.Keys(m.parts)) {
		if p := m.parts[j]; (p.kind == "" || p.kind == "text") && p.text != "" {
			texts = append(texts, p.text)
		}
	}
	return strings.Join(texts, "\n")
}

// readMessage files one attribute of the flattened message family into
// msgs: key is what follows "llm.input_messages." or
// "llm.output_messages.", as "3.message.role" or
// "3.message.contents.0.message_content.text".
func readMessage(msgs map[int]*message, key string, v attribute.Value) {
	idx, field, ok := strings.Cut(key, ".")
	if !ok {
		return
	}
	i, err := strconv.Atoi(idx)
	if err != nil || i < 0 {
		return
	}
	m := msgs[i]
	if m == nil {
		m = &message{}
		msgs[i] = m
	}
	switch field {
	case semconv.MessageRole:
		m.role = v.AsString()
	case semconv.MessageContent:
		m.content = v.AsString()
	default:
		rest, ok := strings.CutPrefix(field, semconv.MessageContents+".")
		if !ok {
			return
		}
		idx, child, ok := strings.Cut(rest, ".")
		j, err := strconv.Atoi(idx)
		if !ok || err != nil || j < 0 {
			return
		}
		if m.parts == nil {
			m.parts = map[int]*part{}
		}
		p := m.parts[j]
		if p == nil {
			p = &part{}
			m.parts[j] = p
		}
		switch child {
		case semconv.MessageContentType:
			p.kind = v.AsString()
		case semconv.MessageContentText:
			p.text = v.AsString()
		}
	}
}
