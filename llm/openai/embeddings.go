package openai

import (
	"bytes"
	"context"
	"encoding/json"

	"github.com/sashabaranov/go-openai"
	"go.opentelemetry.io/otel/attribute"

	"github.com/sessiontrace/sessiontrace"
	"github.com/sessiontrace/sessiontrace/internal/oiattr"
)

// CreateEmbeddings calls the wrapped client's CreateEmbeddings inside a span
// named CreateEmbeddings (kind EMBEDDING) and returns its response and error
// unchanged. The span records embedding.model_name and, per input, the text
// and the vector (HideEmbeddingsText and HideEmbeddingVectors redact them;
// token inputs have no text). It records input.value (the request) but no
// output.value: the vectors are already on the span once. A nil conv is
// passed on to go-openai, which panics on it as it would unwrapped.
func (c *Client) CreateEmbeddings(ctx context.Context, conv openai.EmbeddingRequestConverter) (openai.EmbeddingResponse, error) {
	if conv == nil || sessiontrace.IsSuppressed(ctx) {
		return c.Client.CreateEmbeddings(ctx, conv)
	}
	req := conv.Convert()
	ctx, span := c.start(ctx, spanEmbeddings, c.embStart)
	if !span.IsRecording() {
		defer span.End()
		return c.Client.CreateEmbeddings(ctx, conv)
	}
	attrs, texts := c.embeddingRequestAttrs(&req)
	resp, err := c.Client.CreateEmbeddings(ctx, conv)
	model := modelName(string(resp.Model), string(req.Model))
	if err != nil {
		fail(span, oiattr.Embeddings(attrs, model, texts, nil, c.cfg.trace), err)
		return resp, err
	}

	vectors := make([][]float32, max(len(texts), len(resp.Data)))
	for i := range resp.Data {
		d := &resp.Data[i]
		at := d.Index
		if at < 0 || at >= len(vectors) || vectors[at] != nil {
			at = i // an index out of range or repeated: trust the order
		}
		vectors[at] = d.Embedding
	}
	attrs = oiattr.Embeddings(attrs, model, texts, vectors, c.cfg.trace)
	u := toUsage(&resp.Usage)
	attrs = oiattr.TokenCounts(attrs, u)
	attrs = oiattr.GenAIAttributes(attrs, oiattr.GenAI{
		Operation:      oiattr.OperationEmbeddings,
		Provider:       c.cfg.provider,
		RequestModel:   string(req.Model),
		ResponseModel:  string(resp.Model),
		ConversationID: sessiontrace.SessionID(ctx),
		Usage:          u,
	}, c.cfg.trace)
	succeed(span, attrs)
	return resp, nil
}

// embeddingRequestAttrs returns the request side of an embedding span and
// the text of each input ("" for token inputs).
func (c *Client) embeddingRequestAttrs(req *openai.EmbeddingRequest) ([]attribute.KeyValue, []string) {
	tc := c.cfg.trace
	texts := embeddingTexts(req.Input)
	var body, params string
	if !tc.HidesInputBody(oiattr.BodyEmbeddingText) {
		body = embeddingBody(req, true)
	}
	if !tc.HideLLMInvocationParameters {
		params = embeddingBody(req, false)
	}
	attrs := newAttrs(16 + 2*len(texts))
	attrs = oiattr.InputBody(attrs, body, oiattr.BodyEmbeddingText, tc)
	return oiattr.EmbeddingInvocationParameters(attrs, params, tc), texts
}

// embeddingBody encodes the request as go-openai sends it (ExtraBody merged
// into the top level), with or without the input.
func embeddingBody(req *openai.EmbeddingRequest, withInput bool) string {
	r := *req
	r.ExtraBody = nil
	if !withInput {
		r.Input = nil
	}
	b, err := json.Marshal(&r)
	if err != nil {
		return ""
	}
	if !withInput {
		// input is the first field and not omitempty.
		if rest, ok := bytes.CutPrefix(b, []byte(`{"input":null,`)); ok {
			b = append(b[:1], rest...)
		}
	}
	if len(req.ExtraBody) > 0 {
		var m map[string]any
		if json.Unmarshal(b, &m) != nil {
			return ""
		}
		for k, v := range req.ExtraBody {
			m[k] = v
		}
		if b, err = json.Marshal(m); err != nil {
			return ""
		}
	}
	return string(b)
}

// embeddingTexts returns the text of each input: a string, a list of
// strings, or token lists (which have no text).
func embeddingTexts(in any) []string {
	switch in := in.(type) {
	case string:
		return []string{in}
	case []string:
		return in
	case [][]int:
		return make([]string, len(in))
	case []int:
		return []string{""}
	case []any:
		out := make([]string, len(in))
		for i, v := range in {
			out[i], _ = v.(string)
		}
		return out
	}
	return nil
}
