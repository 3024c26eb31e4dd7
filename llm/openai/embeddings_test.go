package openai_test

import (
	"context"
	"testing"

	"github.com/sashabaranov/go-openai"
	"go.opentelemetry.io/otel/codes"

	"github.com/sessiontrace/sessiontrace"
	"github.com/sessiontrace/sessiontrace/internal/spantest"
	"github.com/sessiontrace/sessiontrace/llm/openai/openaitest"
)

func TestEmbeddings(t *testing.T) {
	for _, tc := range []struct {
		name  string
		req   openai.EmbeddingRequestConverter
		texts []string
	}{
		{"strings", openai.EmbeddingRequestStrings{Model: "text-embedding-3-small", Input: []string{"red", "green"}}, []string{"red", "green"}},
		{"string", openai.EmbeddingRequest{Model: "text-embedding-3-small", Input: "blue"}, []string{"blue"}},
		{"tokens", openai.EmbeddingRequestTokens{Model: "text-embedding-3-small", Input: [][]int{{1, 2}, {3}}}, []string{"", ""}},
		{"base64", openai.EmbeddingRequest{Model: "text-embedding-3-small", Input: []string{"x"}, EncodingFormat: openai.EmbeddingEncodingFormatBase64}, []string{"x"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			h.srv.Enqueue(openaitest.Reply{Model: "text-embedding-3-small-v2"})
			ctx := sessiontrace.WithSession(context.Background(), "sess-e")
			resp, err := h.client.CreateEmbeddings(ctx, tc.req)
			if err != nil {
				t.Fatal(err)
			}
			sp := h.only(t)
			if sp.Name() != "CreateEmbeddings" || sp.Status().Code != codes.Ok {
				t.Errorf("%s %v", sp.Name(), sp.Status())
			}
			a := spantest.Attrs(sp)
			spantest.Want(t, sp, map[string]any{
				"openinference.span.kind":           "EMBEDDING",
				"llm.system":                        "openai",
				"session.id":                        "sess-e",
				"embedding.model_name":              "text-embedding-3-small-v2",
				"input.mime_type":                   "application/json",
				"output.mime_type":                  "application/json",
				"llm.invocation_parameters":         nil,
				"llm.model_name":                    nil,
				"llm.token_count.prompt":            resp.Usage.PromptTokens,
				"llm.input_messages.0.message.role": nil,
			})
			if !spantest.SameJSON(t, a["input.value"].AsString(), string(h.srv.Requests()[0].Body)) {
				t.Errorf("input.value %s, sent %s", a["input.value"].AsString(), h.srv.Requests()[0].Body)
			}
			// The response as go-openai decoded it: Wrap cannot see the wire.
			if !spantest.SameJSON(t, a["output.value"].AsString(), mustJSON(resp)) {
				t.Errorf("output.value %s", a["output.value"].AsString())
			}
			params := a["embedding.invocation_parameters"].AsString()
			var p map[string]any
			if err := jsonUnmarshal(params, &p); err != nil || p["model"] != "text-embedding-3-small" || p["input"] != nil {
				t.Errorf("embedding.invocation_parameters %s", params)
			}
			for i, text := range tc.texts {
				key := "embedding.embeddings." + string(rune('0'+i)) + ".embedding."
				if text == "" {
					spantest.Want(t, sp, map[string]any{key + "text": nil})
				} else {
					spantest.Want(t, sp, map[string]any{key + "text": text})
				}
				got := a[key+"vector"].AsFloat64Slice()
				want := resp.Data[i].Embedding
				if len(got) != len(want) || len(got) == 0 {
					t.Fatalf("vector %d: %v, want %v", i, got, want)
				}
				for k := range got {
					if got[k] != float64(want[k]) {
						t.Fatalf("vector %d: %v, want %v", i, got, want)
					}
				}
			}
		})
	}
}

// ExtraBody is merged into the body as go-openai sends it.
func TestEmbeddingsExtraBody(t *testing.T) {
	h := newHarness(t)
	req := openai.EmbeddingRequest{Model: "m", Input: []string{"a"}, Dimensions: 4, ExtraBody: map[string]any{"input_type": "query"}}
	if _, err := h.client.CreateEmbeddings(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	aSpan := h.only(t)
	a := spantest.Attrs(aSpan)
	if !spantest.SameJSON(t, a["input.value"].AsString(), string(h.srv.Requests()[0].Body)) {
		t.Errorf("input.value %s, sent %s", a["input.value"].AsString(), h.srv.Requests()[0].Body)
	}
	spantest.Want(t, aSpan, map[string]any{"embedding.invocation_parameters": `{"dimensions":4,"input_type":"query","model":"m"}`})
}
