package openaigo_test

import (
	"context"
	"strconv"
	"testing"

	"github.com/openai/openai-go/v3"
	"go.opentelemetry.io/otel/codes"

	"github.com/sessiontrace/sessiontrace"
	"github.com/sessiontrace/sessiontrace/internal/spantest"
	"github.com/sessiontrace/sessiontrace/llm/openai/openaitest"
	"github.com/sessiontrace/sessiontrace/llm/openaigo"
)

func TestEmbeddings(t *testing.T) {
	const model = "text-embedding-3-small"
	for _, c := range []struct {
		name   string
		params openai.EmbeddingNewParams
		texts  []string
	}{
		{"strings", openai.EmbeddingNewParams{Model: model, Input: openai.EmbeddingNewParamsInputUnion{OfArrayOfStrings: []string{"red", "green"}}}, []string{"red", "green"}},
		{"string", openai.EmbeddingNewParams{Model: model, Input: openai.EmbeddingNewParamsInputUnion{OfString: openai.String("blue")}}, []string{"blue"}},
		{"tokens", openai.EmbeddingNewParams{Model: model, Input: openai.EmbeddingNewParamsInputUnion{OfArrayOfTokens: []int64{1, 2, 3}}}, []string{""}},
		{"token arrays", openai.EmbeddingNewParams{Model: model, Input: openai.EmbeddingNewParamsInputUnion{OfArrayOfTokenArrays: [][]int64{{1, 2}, {3}}}}, []string{"", ""}},
		{"base64", openai.EmbeddingNewParams{Model: model, Input: openai.EmbeddingNewParamsInputUnion{OfArrayOfStrings: []string{"x", "y"}},
			EncodingFormat: openai.EmbeddingNewParamsEncodingFormatBase64}, []string{"x", "y"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t)
			h.srv.Enqueue(openaitest.Reply{Model: model + "-v2"})
			resp, err := h.client.Embeddings.New(sessiontrace.WithSession(context.Background(), "sess-e"), c.params)
			if err != nil {
				t.Fatal(err)
			}
			s := h.only(t)
			if s.Name() != "CreateEmbeddings" || s.Status().Code != codes.Ok {
				t.Errorf("span %q %v", s.Name(), s.Status())
			}
			spantest.Want(t, s, map[string]any{
				"openinference.span.kind":   "EMBEDDING",
				"llm.system":                "openai",
				"session.id":                "sess-e",
				"embedding.model_name":      model + "-v2",
				"input.value":               string(h.srv.Requests()[0].Body),
				"input.mime_type":           "application/json",
				"output.mime_type":          "application/json",
				"llm.token_count.prompt":    int(resp.Usage.PromptTokens),
				"llm.token_count.total":     int(resp.Usage.TotalTokens),
				"llm.invocation_parameters": nil,
				"llm.model_name":            nil,
			})
			params := spantest.String(s, "embedding.invocation_parameters")
			want := `{"model":"` + model + `"}`
			if c.params.EncodingFormat != "" {
				want = `{"model":"` + model + `","encoding_format":"base64"}`
			}
			if !spantest.SameJSON(t, params, want) {
				t.Errorf("embedding.invocation_parameters = %s", params)
			}
			attrs := spantest.Attrs(s)
			for i, text := range c.texts {
				key := "embedding.embeddings." + strconv.Itoa(i) + ".embedding."
				if text == "" {
					spantest.Want(t, s, map[string]any{key + "text": nil})
				} else {
					spantest.Want(t, s, map[string]any{key + "text": text})
				}
				// The vector openai-go decoded, base64 or not, as float32
				// like llm/openai records it.
				got, sent := attrs[key+"vector"].AsFloat64Slice(), resp.Data[i].Embedding
				if len(got) == 0 || len(got) != len(sent) {
					t.Fatalf("vector %d: %v, the caller got %v", i, got, sent)
				}
				for k := range got {
					if got[k] != float64(float32(sent[k])) {
						t.Fatalf("vector %d: %v, the caller got %v", i, got, sent)
					}
				}
			}
		})
	}
}

func TestEmbeddingsMasking(t *testing.T) {
	const redacted = sessiontrace.RedactedValue
	h := newHarness(t, openaigo.WithTraceConfig(sessiontrace.TraceConfig{HideEmbeddingsText: true, HideEmbeddingVectors: true}))
	if _, err := h.client.Embeddings.New(context.Background(), openai.EmbeddingNewParams{
		Model: "m", Input: openai.EmbeddingNewParamsInputUnion{OfString: openai.String("secret")},
	}); err != nil {
		t.Fatal(err)
	}
	spantest.Want(t, h.only(t), map[string]any{
		"input.value":                             redacted,
		"output.value":                            redacted,
		"embedding.embeddings.0.embedding.text":   redacted,
		"embedding.embeddings.0.embedding.vector": redacted,
	})
}
