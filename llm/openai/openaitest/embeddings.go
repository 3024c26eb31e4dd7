package openaitest

import (
	"encoding/base64"
	"encoding/binary"
	"hash/fnv"
	"math"
	"net/http"
	"strconv"

	"github.com/sashabaranov/go-openai"
)

// DefaultDimensions is the length of the vectors the embeddings endpoint
// returns when the request does not ask for a number of dimensions (asked
// for, 1 to 4096 are honoured).
const DefaultDimensions = 8

const maxDimensions = 4096

type embeddingInput struct {
	key    string // what the vector is derived from
	tokens int
}

// embeddingInputs accepts what the API accepts: a string, an array of
// strings, an array of tokens, or an array of token arrays.
func embeddingInputs(input any) ([]embeddingInput, bool) {
	switch in := input.(type) {
	case string:
		return []embeddingInput{{key: in, tokens: Tokens(in)}}, true
	case []any:
		if len(in) == 0 {
			return nil, false
		}
		if _, ok := in[0].(float64); ok {
			key, ok := tokenKey(in)
			return []embeddingInput{{key: key, tokens: len(in)}}, ok
		}
		out := make([]embeddingInput, 0, len(in))
		for _, item := range in {
			switch v := item.(type) {
			case string:
				out = append(out, embeddingInput{key: v, tokens: Tokens(v)})
			case []any:
				key, ok := tokenKey(v)
				if !ok {
					return nil, false
				}
				out = append(out, embeddingInput{key: key, tokens: len(v)})
			default:
				return nil, false
			}
		}
		return out, true
	}
	return nil, false
}

// tokenKey renders a token array as "[1,2,3]", the text its vector is
// derived from.
func tokenKey(tokens []any) (string, bool) {
	b := []byte{'['}
	for i, t := range tokens {
		f, ok := t.(float64)
		if !ok {
			return "", false
		}
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendFloat(b, f, 'f', -1, 64)
	}
	return string(append(b, ']')), true
}

// Vector returns the embedding the server gives text: dims float32 values
// derived from an FNV-1a hash of text, scaled to unit length, so that equal
// texts get equal vectors and different texts almost surely different ones.
// A token array is hashed as its JSON text, such as "[1,2,3]". dims below 1
// means DefaultDimensions.
func Vector(text string, dims int) []float32 {
	if dims < 1 {
		dims = DefaultDimensions
	}
	h := fnv.New64a()
	_, _ = h.Write([]byte(text))
	seed := h.Sum64()
	v := make([]float32, dims)
	var sum float64
	for i := range v {
		x := splitmix64(seed + uint64(i)*0x9e3779b97f4a7c15)
		// 24 random bits to a float32 in [-1, 1), exactly representable.
		v[i] = float32(int32(x>>40)-1<<23) / (1 << 23)
		sq := float64(v[i]) * float64(v[i])
		sum += float64(sq) // the conversion keeps the compiler from fusing into FMA
	}
	if sum == 0 {
		return v
	}
	norm := math.Sqrt(sum)
	for i := range v {
		v[i] = float32(float64(v[i]) / norm)
	}
	return v
}

func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

type embeddingResponse struct {
	Object string          `json:"object"`
	Data   []embeddingData `json:"data"`
	Model  string          `json:"model"`
	Usage  any             `json:"usage"`
}

type embeddingData struct {
	Object    string `json:"object"`
	Index     int    `json:"index"`
	Embedding any    `json:"embedding"` // []float32, or a base64 string
}

type embeddingUsage struct {
	PromptTokens int `json:"prompt_tokens"`
	TotalTokens  int `json:"total_tokens"`
}

func serveEmbeddings(w http.ResponseWriter, req *openai.EmbeddingRequest, inputs []embeddingInput, reply *Reply) {
	if reply.Fault == FaultStreamError {
		writeServerError(w)
		return
	}
	model := reply.Model
	if model == "" {
		model = string(req.Model)
	}
	dims := req.Dimensions
	if dims < 1 || dims > maxDimensions {
		dims = DefaultDimensions
	}
	resp := embeddingResponse{Object: "list", Data: make([]embeddingData, len(inputs)), Model: model}
	tokens := 0
	for i, in := range inputs {
		tokens += in.tokens
		vec := Vector(in.key, dims)
		resp.Data[i] = embeddingData{Object: "embedding", Index: i, Embedding: vec}
		if req.EncodingFormat == openai.EmbeddingEncodingFormatBase64 {
			b := make([]byte, 4*len(vec))
			for j, f := range vec {
				binary.LittleEndian.PutUint32(b[4*j:], math.Float32bits(f))
			}
			resp.Data[i].Embedding = base64.StdEncoding.EncodeToString(b)
		}
	}
	if reply.Usage != nil {
		resp.Usage = reply.Usage
	} else {
		resp.Usage = embeddingUsage{PromptTokens: tokens, TotalTokens: tokens}
	}
	writeJSON(w, http.StatusOK, resp)
}
