package middleware

import "net/http"

// Handler returns next wrapped by the middleware configured by opts (see
// the package documentation for what it does per request). Put otelhttp
// outside it, so that the server span exists when it runs. A nil next
// answers 404 Not Found, rather than falling back to
// http.DefaultServeMux and whatever is registered there.
func Handler(next http.Handler, opts ...Option) http.Handler {
	return New(opts...)(next)
}

// New returns the middleware configured by opts as a
// func(http.Handler) http.Handler, the shape routers such as chi take. The
// options are read once; the returned function may wrap many handlers.
func New(opts ...Option) func(http.Handler) http.Handler {
	e := NewExtractor(opts...)
	return func(next http.Handler) http.Handler {
		if next == nil {
			next = http.NotFoundHandler()
		}
		return &handler{e: e, next: next}
	}
}

type handler struct {
	e    *Extractor
	next http.Handler
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	r = h.e.Apply(w, r)
	defer h.e.Finish(r)
	h.next.ServeHTTP(w, r)
}
