package openaigo

import (
	"encoding/json"

	semconv "github.com/Arize-ai/openinference/go/openinference-semantic-conventions"
	"github.com/openai/openai-go/v3"

	"github.com/sessiontrace/sessiontrace/internal/oiattr"
)

// embeddingsEndpoint is POST …/embeddings.
var embeddingsEndpoint = endpoint{
	span:     "CreateEmbeddings",
	kind:     semconv.SpanKindEmbedding,
	request:  embeddingsRequest,
	response: embeddingsResponse,
}

// embeddingsRequest describes an embeddings request: the model, the text
// of each input ("" for token input) and the invocation parameters (the
// request without its input).
func embeddingsRequest(call *oiattr.Call, body []byte) request {
	call.Operation = oiattr.OperationEmbeddings
	call.InputBody, call.OutputBody = oiattr.BodyEmbeddingText, oiattr.BodyEmbeddingVectors
	f := requestFields(body, nil)
	f.decode("model", &call.RequestModel)
	var input openai.EmbeddingNewParamsInputUnion
	f.decode("input", &input)
	switch {
	case input.OfString.Valid():
		call.EmbeddingTexts = []string{input.OfString.Value}
	case input.OfArrayOfStrings != nil:
		call.EmbeddingTexts = input.OfArrayOfStrings
	case input.OfArrayOfTokens != nil:
		call.EmbeddingTexts = []string{""}
	case input.OfArrayOfTokenArrays != nil:
		call.EmbeddingTexts = make([]string, len(input.OfArrayOfTokenArrays))
	}
	call.InvocationParameters = f.paramsWithout("input")
	return request{}
}

// embeddingsResponse adds the model, the vectors and the usage of an
// embeddings body to call. openai-go's CreateEmbeddingResponse decodes it:
// it turns base64 vectors (encoding_format "base64") into numbers.
func embeddingsResponse(call *oiattr.Call, body []byte) error {
	var resp openai.CreateEmbeddingResponse
	if err := json.Unmarshal(body, &resp); err != nil {
		return err
	}
	call.ResponseModel = resp.Model
	call.EmbeddingVectors = make([][]float32, max(len(call.EmbeddingTexts), len(resp.Data)))
	for i := range resp.Data {
		d := &resp.Data[i]
		at := int(d.Index)
		if at < 0 || at >= len(call.EmbeddingVectors) || call.EmbeddingVectors[at] != nil {
			at = i // an index out of range or repeated: trust the order
		}
		v := make([]float32, len(d.Embedding))
		for k, f := range d.Embedding {
			v[k] = float32(f)
		}
		call.EmbeddingVectors[at] = v
	}
	if resp.JSON.Usage.Valid() {
		call.Usage = oiattr.Usage{Known: true, Prompt: int(resp.Usage.PromptTokens), Total: int(resp.Usage.TotalTokens)}
	}
	return nil
}
