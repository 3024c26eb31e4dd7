package oiattr

import (
	"strconv"
	"strings"

	semconv "github.com/Arize-ai/openinference/go/openinference-semantic-conventions"
	"go.opentelemetry.io/otel/attribute"
)

// SpanKind appends openinference.span.kind.
func SpanKind(attrs []attribute.KeyValue, kind string) []attribute.KeyValue {
	return append(attrs, attribute.String(semconv.OpenInferenceSpanKind, kind))
}

// Input appends input.value and input.mime_type. HideInputs redacts the
// value and drops the mime type.
func Input(attrs []attribute.KeyValue, value, mime string, c TraceConfig) []attribute.KeyValue {
	if c.HideInputs {
		return append(attrs, attribute.String(semconv.InputValue, RedactedValue))
	}
	return append(attrs,
		attribute.String(semconv.InputValue, value),
		attribute.String(semconv.InputMimeType, mime))
}

// Output appends output.value and output.mime_type. HideOutputs redacts the
// value and drops the mime type.
func Output(attrs []attribute.KeyValue, value, mime string, c TraceConfig) []attribute.KeyValue {
	if c.HideOutputs {
		return append(attrs, attribute.String(semconv.OutputValue, RedactedValue))
	}
	return append(attrs,
		attribute.String(semconv.OutputValue, value),
		attribute.String(semconv.OutputMimeType, mime))
}

// TurnInput returns the attributes of a turn's plain-text input: the text is
// redacted under HideInputs or HideInputText, and the mime type dropped under
// HideInputs. It returns nil for an empty text.
func TurnInput(text string, c TraceConfig) []attribute.KeyValue {
	if text == "" {
		return nil
	}
	if c.HideInputText && !c.HideInputs {
		text = RedactedValue
	}
	return Input(make([]attribute.KeyValue, 0, 2), text, semconv.MimeTypeText, c)
}

// TurnOutput is TurnInput for the output side (HideOutputs, HideOutputText).
func TurnOutput(text string, c TraceConfig) []attribute.KeyValue {
	if text == "" {
		return nil
	}
	if c.HideOutputText && !c.HideOutputs {
		text = RedactedValue
	}
	return Output(make([]attribute.KeyValue, 0, 2), text, semconv.MimeTypeText, c)
}

// inputMessages appends llm.input_messages.*. HideInputs and
// HideInputMessages drop them all; HideInputText redacts message.content and
// message_content.text; HideInputImages drops image parts; a data:image
// base64 URL longer than Base64ImageMaxLength is redacted.
func inputMessages(attrs []attribute.KeyValue, msgs []Message, c TraceConfig) []attribute.KeyValue {
	if c.HideInputs || c.HideInputMessages {
		return attrs
	}
	for i := range msgs {
		attrs = appendMessage(attrs, semconv.LLMInputMessages, i, &msgs[i], c.HideInputText, c.HideInputImages, c.imageMax())
	}
	return attrs
}

// outputMessages appends llm.output_messages.*. HideOutputs and
// HideOutputMessages drop them all; HideOutputText redacts their text.
func outputMessages(attrs []attribute.KeyValue, msgs []Message, c TraceConfig) []attribute.KeyValue {
	if c.HideOutputs || c.HideOutputMessages {
		return attrs
	}
	for i := range msgs {
		attrs = appendMessage(attrs, semconv.LLMOutputMessages, i, &msgs[i], c.HideOutputText, false, c.imageMax())
	}
	return attrs
}

// appendMessage appends the attributes of message i of a family
// (llm.input_messages or llm.output_messages).
func appendMessage(attrs []attribute.KeyValue, family string, i int, m *Message, hideText, hideImages bool, imageMax int) []attribute.KeyValue {
	prefix := family + "." + strconv.Itoa(i) + "."
	if m.Role != "" {
		attrs = append(attrs, attribute.String(prefix+semconv.MessageRole, m.Role))
	}
	if m.Content != "" {
		attrs = append(attrs, attribute.String(prefix+semconv.MessageContent, mask(m.Content, hideText)))
	}
	if m.Name != "" {
		attrs = append(attrs, attribute.String(prefix+semconv.MessageName, m.Name))
	}
	if m.ToolCallID != "" {
		attrs = append(attrs, attribute.String(prefix+semconv.MessageToolCallID, m.ToolCallID))
	}
	j := 0 // parts are numbered densely: a dropped image leaves no gap
	for _, p := range m.Parts {
		part := prefix + semconv.MessageContents + "." + strconv.Itoa(j) + "."
		switch p.Type {
		case PartText:
			attrs = append(attrs,
				attribute.String(part+semconv.MessageContentType, "text"),
				attribute.String(part+semconv.MessageContentText, mask(p.Text, hideText)))
		case PartImage:
			if hideImages {
				continue
			}
			attrs = append(attrs,
				attribute.String(part+semconv.MessageContentType, "image"),
				attribute.String(part+MessageContentImageURL, imageURL(p.ImageURL, imageMax)))
		default:
			continue
		}
		j++
	}
	for j, tc := range m.ToolCalls {
		call := prefix + semconv.MessageToolCalls + "." + strconv.Itoa(j) + "."
		for _, kv := range [...]struct{ key, value string }{
			{semconv.ToolCallID, tc.ID},
			{semconv.ToolCallFunctionName, tc.Name},
			{semconv.ToolCallFunctionArgumentsJSON, tc.Arguments},
		} {
			if kv.value != "" {
				attrs = append(attrs, attribute.String(call+kv.key, kv.value))
			}
		}
	}
	return attrs
}

func mask(s string, hide bool) string {
	if hide {
		return RedactedValue
	}
	return s
}

// imageURL redacts an inline base64 image longer than max; links are kept.
func imageURL(url string, max int) string {
	if len(url) > max && strings.HasPrefix(url, "data:image/") && strings.Contains(url[:min(len(url), 64)], ";base64,") {
		return RedactedValue
	}
	return url
}

// tools appends llm.tools.{i}.tool.json_schema, one JSON definition each.
// HideInputs and HideLLMTools drop them.
func tools(attrs []attribute.KeyValue, schemas []string, c TraceConfig) []attribute.KeyValue {
	if c.HideInputs || c.HideLLMTools {
		return attrs
	}
	for i, s := range schemas {
		attrs = append(attrs, attribute.String(semconv.LLMToolKey(i), s))
	}
	return attrs
}

// tokenCounts appends llm.token_count.*; the details only when non-zero.
// Token counts are never masked. Nothing is appended when usage is unknown.
func tokenCounts(attrs []attribute.KeyValue, u Usage) []attribute.KeyValue {
	if !u.Known {
		return attrs
	}
	total := u.Total
	if total == 0 {
		total = u.Prompt + u.Completion
	}
	attrs = append(attrs,
		attribute.Int(semconv.LLMTokenCountPrompt, u.Prompt),
		attribute.Int(semconv.LLMTokenCountCompletion, u.Completion),
		attribute.Int(semconv.LLMTokenCountTotal, total))
	for _, d := range [...]struct {
		key string
		n   int
	}{
		{semconv.LLMTokenCountPromptDetailsCacheRead, u.CacheRead},
		{semconv.LLMTokenCountPromptDetailsCacheWrite, u.CacheWrite},
		{semconv.LLMTokenCountPromptDetailsAudio, u.PromptAudio},
		{semconv.LLMTokenCountCompletionDetailsAudio, u.CompletionAudio},
		{semconv.LLMTokenCountCompletionDetailsReasoning, u.CompletionReasoning},
	} {
		if d.n > 0 {
			attrs = append(attrs, attribute.Int(d.key, d.n))
		}
	}
	return attrs
}

// prompts appends the legacy completion prompts llm.prompts.{i}.prompt.text.
// HideInputs drops them; HidePrompts redacts each.
func prompts(attrs []attribute.KeyValue, texts []string, c TraceConfig) []attribute.KeyValue {
	if c.HideInputs {
		return attrs
	}
	for i, p := range texts {
		attrs = append(attrs, attribute.String(semconv.LLMPromptKey(i), mask(p, c.HidePrompts)))
	}
	return attrs
}

// choices appends the legacy completion choices llm.choices.{i}.completion.text.
// HideOutputs drops them; HideChoices redacts each.
func choices(attrs []attribute.KeyValue, texts []string, c TraceConfig) []attribute.KeyValue {
	if c.HideOutputs {
		return attrs
	}
	for i, t := range texts {
		attrs = append(attrs, attribute.String(semconv.LLMChoiceKey(i), mask(t, c.HideChoices)))
	}
	return attrs
}

// embeddings appends, per input, embedding.embeddings.{i}.embedding.text
// and .vector. HideEmbeddingsText and HideEmbeddingVectors redact them.
// vectors may be shorter than texts (a failed call has none) and texts may
// be empty (token input).
func embeddings(attrs []attribute.KeyValue, texts []string, vectors [][]float32, c TraceConfig) []attribute.KeyValue {
	for i := range max(len(texts), len(vectors)) {
		if i < len(texts) && texts[i] != "" {
			attrs = append(attrs, attribute.String(semconv.EmbeddingKey(i, semconv.EmbeddingText), mask(texts[i], c.HideEmbeddingsText)))
		}
		if i < len(vectors) && vectors[i] != nil {
			if c.HideEmbeddingVectors {
				attrs = append(attrs, attribute.String(semconv.EmbeddingKey(i, semconv.EmbeddingVector), RedactedValue))
				continue
			}
			v := make([]float64, len(vectors[i]))
			for k, f := range vectors[i] {
				v[k] = float64(f)
			}
			attrs = append(attrs, attribute.Float64Slice(semconv.EmbeddingKey(i, semconv.EmbeddingVector), v))
		}
	}
	return attrs
}

// Documents appends retrieval.documents.{i}.document.{id,content,score,metadata}.
func Documents(attrs []attribute.KeyValue, docs []Document) []attribute.KeyValue {
	for i, d := range docs {
		if d.ID != "" {
			attrs = append(attrs, attribute.String(semconv.RetrievalDocumentKey(i, semconv.DocumentID), d.ID))
		}
		attrs = append(attrs, attribute.String(semconv.RetrievalDocumentKey(i, semconv.DocumentContent), d.Content))
		if d.HasScore {
			attrs = append(attrs, attribute.Float64(semconv.RetrievalDocumentKey(i, semconv.DocumentScore), d.Score))
		}
		if len(d.Metadata) > 0 {
			attrs = append(attrs, attribute.String(semconv.RetrievalDocumentKey(i, semconv.DocumentMetadata), JSON(d.Metadata)))
		}
	}
	return attrs
}
