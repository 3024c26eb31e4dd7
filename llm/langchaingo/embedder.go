package langchaingo

import (
	"context"

	semconv "github.com/Arize-ai/openinference/go/openinference-semantic-conventions"
	"github.com/tmc/langchaingo/embeddings"
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
	if w.cfg.Provider != "" {
		w.provider = w.cfg.Provider
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
	ctx, span, call := e.start(ctx, "EmbedDocuments", texts)
	defer endOnPanic(span)
	vectors, err := e.embedder.EmbedDocuments(ctx, texts)
	e.finish(span, &call, vectors, err)
	return vectors, err
}

// EmbedQuery is EmbedDocuments for a single text.
func (e *Embedder) EmbedQuery(ctx context.Context, text string) ([]float32, error) {
	if sessiontrace.IsSuppressed(ctx) {
		return e.embedder.EmbedQuery(ctx, text)
	}
	ctx, span, call := e.start(ctx, "EmbedQuery", []string{text})
	defer endOnPanic(span)
	vector, err := e.embedder.EmbedQuery(ctx, text)
	var vectors [][]float32
	if vector != nil {
		vectors = [][]float32{vector}
	}
	e.finish(span, &call, vectors, err)
	return vector, err
}

// start starts the span of a call that embeds texts; finish ends it.
func (e *Embedder) start(ctx context.Context, name string, texts []string) (context.Context, trace.Span, oiattr.Call) {
	call := oiattr.Call{
		Kind:           semconv.SpanKindEmbedding,
		System:         e.system,
		Provider:       e.provider,
		RequestModel:   e.cfg.modelName,
		EmbeddingTexts: texts,
		Operation:      oiattr.OperationEmbeddings,
		Session:        sessiontrace.SessionID(ctx),
	}
	ctx, span := e.cfg.start(ctx, name, call.StartAttributes())
	return ctx, span, call
}

// finish records the texts with the vectors the call returned (none when it
// failed) and ends the span.
func (e *Embedder) finish(span trace.Span, call *oiattr.Call, vectors [][]float32, err error) {
	call.EmbeddingVectors = vectors
	span.SetAttributes(call.Attributes(e.cfg.Trace)...)
	end(span, err)
}
