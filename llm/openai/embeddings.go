package openai

import (
	"context"
	"encoding/json"
	"maps"

	semconv "github.com/Arize-ai/openinference/go/openinference-semantic-conventions"
	"github.com/sashabaranov/go-openai"

	"github.com/sessiontrace/sessiontrace"
	"github.com/sessiontrace/sessiontrace/internal/oiattr"
)

// CreateEmbeddings calls the wrapped client's CreateEmbeddings inside a span
// named CreateEmbeddings (kind EMBEDDING) and returns its response and error
// unchanged. The span records embedding.model_name, the request and the
// response as input.value and output.value and, per input, the text and
// the vector (HideEmbeddingsText and HideEmbeddingVectors redact them, the
// bodies included; token inputs have no text). A nil conv is passed on to
// go-openai, which panics on it as it would unwrapped.
func (c *Client) CreateEmbeddings(ctx context.Context, conv openai.EmbeddingRequestConverter) (openai.EmbeddingResponse, error) {
	if conv == nil || sessiontrace.IsSuppressed(ctx) {
		return c.Client.CreateEmbeddings(ctx, conv)
	}
	ctx, span := c.start(ctx, spanEmbeddings, c.embStart)
	if !span.IsRecording() {
		defer span.End()
		return c.Client.CreateEmbeddings(ctx, conv)
	}
	sendCtx, x := c.record(ctx, false)
	resp, err := c.Client.CreateEmbeddings(sendCtx, conv)

	req := conv.Convert()
	call := c.newCall(semconv.SpanKindEmbedding)
	call.RequestModel = string(req.Model)
	call.Input = c.requestBody(x, oiattr.BodyEmbeddingText, func() string { return embeddingBody(&req, true) })
	call.InputBody, call.OutputBody = oiattr.BodyEmbeddingText, oiattr.BodyEmbeddingVectors
	call.InvocationParameters = embeddingBody(&req, false)
	call.EmbeddingTexts = embeddingTexts(req.Input)
	call.Operation = oiattr.OperationEmbeddings
	call.Session = sessiontrace.SessionID(ctx)
	if err == nil {
		call.ResponseModel = string(resp.Model)
		call.Output = c.responseBody(x, oiattr.BodyEmbeddingVectors, &resp)
		call.EmbeddingVectors = make([][]float32, max(len(call.EmbeddingTexts), len(resp.Data)))
		for i := range resp.Data {
			d := &resp.Data[i]
			at := d.Index
			if at < 0 || at >= len(call.EmbeddingVectors) || call.EmbeddingVectors[at] != nil {
				at = i // an index out of range or repeated: trust the order
			}
			call.EmbeddingVectors[at] = d.Embedding
		}
		call.Usage = toUsage(&resp.Usage)
	}
	c.end(span, &call, err)
	return resp, err
}

// embeddingBody returns the request as go-openai sends it: a JSON object
// with ExtraBody merged into its top level. Without its input it is
// embedding.invocation_parameters.
func embeddingBody(req *openai.EmbeddingRequest, withInput bool) string {
	r := *req
	r.ExtraBody = nil
	if !withInput {
		r.Input = nil
	}
	var m map[string]any
	if json.Unmarshal([]byte(encodeJSON(&r)), &m) != nil {
		return ""
	}
	maps.Copy(m, req.ExtraBody)
	if !withInput {
		delete(m, "input")
	}
	return encodeJSON(m)
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
