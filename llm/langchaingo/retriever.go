package langchaingo

import (
	"context"

	semconv "github.com/Arize-ai/openinference/go/openinference-semantic-conventions"
	"github.com/tmc/langchaingo/schema"
	"go.opentelemetry.io/otel/attribute"

	"github.com/sessiontrace/sessiontrace"
	"github.com/sessiontrace/sessiontrace/internal/oiattr"
)

// Retriever is a schema.Retriever that records an OpenInference RETRIEVER
// span around each call of the retriever it wraps. Make one with
// WrapRetriever.
type Retriever struct {
	retriever schema.Retriever
	cfg       *config
}

var _ schema.Retriever = (*Retriever)(nil)

// WrapRetriever returns r wrapped so that each GetRelevantDocuments records
// a span named "GetRelevantDocuments" with openinference.span.kind
// RETRIEVER, the query as input.value (text/plain, subject to HideInputs)
// and retrieval.documents.{i}.document.content, .score (when non-zero) and
// .metadata (JSON). Give it to a chain such as chains.NewRetrievalQA in
// place of r. A nil r gives a Retriever whose calls return an error.
func WrapRetriever(r schema.Retriever, opts ...Option) *Retriever {
	if w, ok := r.(*Retriever); ok && w != nil {
		r = w.retriever
	}
	if r == nil {
		r = nilRetriever{}
	}
	return &Retriever{retriever: r, cfg: newConfig(opts)}
}

// GetRelevantDocuments runs the wrapped retriever inside the span and
// returns its documents and error unchanged. Under
// sessiontrace.WithSuppression it only runs the retriever.
func (r *Retriever) GetRelevantDocuments(ctx context.Context, query string) ([]schema.Document, error) {
	if sessiontrace.IsSuppressed(ctx) {
		return r.retriever.GetRelevantDocuments(ctx, query)
	}
	attrs := make([]attribute.KeyValue, 0, 4)
	attrs = oiattr.SpanKind(attrs, semconv.SpanKindRetriever)
	attrs = oiattr.Input(attrs, query, semconv.MimeTypeText, r.cfg.Trace)
	ctx, span := r.cfg.start(ctx, "GetRelevantDocuments", attrs)
	defer endOnPanic(span)

	docs, err := r.retriever.GetRelevantDocuments(ctx, query)
	if len(docs) > 0 {
		od := make([]oiattr.Document, len(docs))
		for i, d := range docs {
			od[i] = oiattr.Document{
				Content:  d.PageContent,
				Score:    float64(d.Score),
				HasScore: d.Score != 0,
				Metadata: d.Metadata,
			}
		}
		span.SetAttributes(oiattr.Documents(make([]attribute.KeyValue, 0, 3*len(docs)), od)...)
	}
	end(span, err)
	return docs, err
}
