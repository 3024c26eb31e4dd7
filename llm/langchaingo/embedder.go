package langchaingo

import (
	"context"

	semconv "github.com/Arize-ai/openinference/go/openinference-semantic-conventions"
	"github.com/tmc/langchaingo/embeddings"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/sessiontrace/sessiontrace"
	"github.com/sessiontrace/sessiontrace/internal/oiattr"
)

// Embedder is an embeddings.Embedder that records an OpenInference
// EMBEDDING span around each call of the embedder it wraps. Make one with
// WrapEmbedder.
type Embedder struct {
	embedder         embeddings.Embedder
	cfg              *config
	system, provider string
}

var _ embeddings.Embedder = (*Embedder)(nil)

// WrapEmbedder returns e wrapped so that EmbedDocuments and EmbedQuery
// record a span of that name with openinference.span.kind EMBEDDING,
// embedding.model_name (WithModelName), llm.provider when known, and per
// text embedding.embeddings.{i}.embedding.text and .vector, subject to
// HideEmbeddingsText and HideEmbeddingVectors. Give it to a vector store in
// place of e. A nil e gives an Embedder whose calls return an error.
func WrapEmbedder(e embeddings.Embedder, opts ...Option) *Embedder {
	if w, ok := e.(*Embedder); ok && w != nil {
		e = w.embedder
	}
	if e == nil {
		e = nilEmbedder{}
	}
	w := &Embedder{embedder: e, cfg: newConfig(opts)}
	w.system, w.provider = detectProvider(e)
	if w.cfg.provider != "" {
		w.provider = w.cfg.provider
	}
	return w
}

// EmbedDocuments runs the wrapped embedder inside the span and returns its
// vectors and error unchanged. Under sessiontrace.WithSuppression it only
// runs the embedder.
func (e *Embedder) EmbedDocuments(ctx context.Context, texts []string) ([][]float32, error) {
	if sessiontrace.IsSuppressed(ctx) {
		return e.embedder.EmbedDocuments(ctx, texts)
	}
	ctx, span := e.start(ctx, "EmbedDocuments")
	defer endOnPanic(span)
	vectors, err := e.embedder.EmbedDocuments(ctx, texts)
	e.finish(span, texts, vectors, err)
	return vectors, err
}

// EmbedQuery is EmbedDocuments for a single text.
func (e *Embedder) EmbedQuery(ctx context.Context, text string) ([]float32, error) {
	if sessiontrace.IsSuppressed(ctx) {
		return e.embedder.EmbedQuery(ctx, text)
	}
	ctx, span := e.start(ctx, "EmbedQuery")
	defer endOnPanic(span)
	vector, err := e.embedder.EmbedQuery(ctx, text)
	var vectors [][]float32
	if vector != nil {
		vectors = [][]float32{vector}
	}
	e.finish(span, []string{text}, vectors, err)
	return vector, err
}

func (e *Embedder) start(ctx context.Context, name string) (context.Context, trace.Span) {
	attrs := make([]attribute.KeyValue, 0, 4)
	attrs = oiattr.SpanKind(attrs, semconv.SpanKindEmbedding)
	attrs = oiattr.Model(attrs, e.system, e.provider, "")
	attrs = oiattr.GenAIAttributes(attrs, oiattr.GenAI{
		Operation:      oiattr.OperationEmbeddings,
		Provider:       e.provider,
		RequestModel:   e.cfg.modelName,
		ConversationID: sessiontrace.SessionID(ctx),
	}, e.cfg.trace)
	return e.cfg.start(ctx, name, attrs)
}

// finish records the texts with the vectors the call returned (none when it
// failed) and ends the span.
func (e *Embedder) finish(span trace.Span, texts []string, vectors [][]float32, err error) {
	attrs := oiattr.Embeddings(make([]attribute.KeyValue, 0, 1+2*len(texts)), e.cfg.modelName, texts, vectors, e.cfg.trace)
	span.SetAttributes(attrs...)
	end(span, err)
}
