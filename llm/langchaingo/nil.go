package langchaingo

import (
	"context"
	"errors"

	"github.com/tmc/langchaingo/chains"
	"github.com/tmc/langchaingo/llms"
	"github.com/tmc/langchaingo/memory"
	"github.com/tmc/langchaingo/schema"
)

// errNil is what a wrapper of nothing returns: the Wrap functions accept a
// nil interface value without panicking, and every call through the wrapper
// then fails with this error (or, for a Chain's keys, returns nothing).
var errNil = errors.New("sessiontrace/langchaingo: the wrapped value is nil")

type nilModel struct{}

func (nilModel) GenerateContent(context.Context, []llms.MessageContent, ...llms.CallOption) (*llms.ContentResponse, error) {
	return nil, errNil
}

func (nilModel) Call(context.Context, string, ...llms.CallOption) (string, error) { return "", errNil }

type nilTool struct{}

func (nilTool) Name() string                                 { return "" }
func (nilTool) Description() string                          { return "" }
func (nilTool) Call(context.Context, string) (string, error) { return "", errNil }

type nilRetriever struct{}

func (nilRetriever) GetRelevantDocuments(context.Context, string) ([]schema.Document, error) {
	return nil, errNil
}

type nilEmbedder struct{}

func (nilEmbedder) EmbedDocuments(context.Context, []string) ([][]float32, error) { return nil, errNil }
func (nilEmbedder) EmbedQuery(context.Context, string) ([]float32, error)         { return nil, errNil }

type nilChain struct{}

func (nilChain) Call(context.Context, map[string]any, ...chains.ChainCallOption) (map[string]any, error) {
	return nil, errNil
}
func (nilChain) GetMemory() schema.Memory { return memory.NewSimple() } //nolint:ireturn
func (nilChain) GetInputKeys() []string   { return nil }
func (nilChain) GetOutputKeys() []string  { return nil }
