package main

// comparison is one row of the table: benchmark x measured against
// benchmark base. Both live in the same package, so one test binary runs
// them one after the other under the same conditions.
//
// Names are as go test prints them, without the -GOMAXPROCS suffix. perX
// and perBase divide every figure of x and base, to compare costs per unit
// of work (per message) rather than per operation.
type comparison struct {
	label         string
	pkg           string // package directory, relative to the module root
	x, base       string
	perX, perBase float64
}

// comparisons is the whole mapping from benchmarks to rows. When a
// benchmark is renamed, change it here; bench fails naming any benchmark
// it cannot find.
var comparisons = []comparison{
	// {label, package, X, baseline, per X, per baseline}
	{"middleware vs bare handler, IDs present", "./middleware", "BenchmarkMiddleware/present", "BenchmarkBare", 1, 1},
	{"middleware vs bare handler, IDs absent", "./middleware", "BenchmarkMiddleware/absent", "BenchmarkBare", 1, 1},
	{"otelhttp + middleware vs otelhttp, IDs present", "./middleware", "BenchmarkOtelhttpMiddleware/present", "BenchmarkOtelhttp", 1, 1},
	{"otelhttp + middleware vs otelhttp, IDs absent", "./middleware", "BenchmarkOtelhttpMiddleware/absent", "BenchmarkOtelhttp", 1, 1},
	{"otelhttp + middleware vs otelhttp, with a traceparent (the turn a new root)", "./middleware", "BenchmarkOtelhttpMiddlewareTraceparent", "BenchmarkOtelhttpTraceparent", 1, 1},
	{"floor: the least the contract adds to a request with IDs vs otelhttp", "./middleware", "BenchmarkOtelhttpFloor/ids", "BenchmarkOtelhttp", 1, 1},
	{"floor: one bare SDK span more vs otelhttp, with a traceparent", "./middleware", "BenchmarkOtelhttpFloor/turn-span", "BenchmarkOtelhttpTraceparent", 1, 1},
	{"go-openai NewClientWithConfig vs bare, chat (20 messages)", "./llm/openai", "BenchmarkChatCompletion/wire", "BenchmarkChatCompletion/bare", 1, 1},
	{"go-openai Wrap vs bare, chat (20 messages)", "./llm/openai", "BenchmarkChatCompletion/wrapped", "BenchmarkChatCompletion/bare", 1, 1},
	{"go-openai NewClientWithConfig vs bare, stream (500 chunks)", "./llm/openai", "BenchmarkChatCompletionStream/wire", "BenchmarkChatCompletionStream/bare", 1, 1},
	{"go-openai Wrap vs bare, stream (500 chunks)", "./llm/openai", "BenchmarkChatCompletionStream/wrapped", "BenchmarkChatCompletionStream/bare", 1, 1},
	{"go-openai NewClientWithConfig vs bare, CreateResponse (20 items)", "./llm/openai", "BenchmarkCreateResponse/wire", "BenchmarkCreateResponse/bare", 1, 1},
	{"go-openai Wrap vs bare, CreateResponse (20 items)", "./llm/openai", "BenchmarkCreateResponse/wrapped", "BenchmarkCreateResponse/bare", 1, 1},
	{"go-openai NewClientWithConfig vs bare, Responses stream (500 events)", "./llm/openai", "BenchmarkCreateResponseStream/wire", "BenchmarkCreateResponseStream/bare", 1, 1},
	{"openai-go with the middleware vs bare, chat (20 messages)", "./llm/openaigo", "BenchmarkChatCompletion/traced", "BenchmarkChatCompletion/bare", 1, 1},
	{"openai-go with the middleware vs bare, stream (500 chunks)", "./llm/openaigo", "BenchmarkChatCompletionStream/traced", "BenchmarkChatCompletionStream/bare", 1, 1},
	{"floor: openai-go with the least encoding/json reading vs bare, chat (20 messages)", "./llm/openaigo", "BenchmarkChatCompletion/floor", "BenchmarkChatCompletion/bare", 1, 1},
	{"floor: openai-go with the least encoding/json reading vs bare, stream (500 chunks)", "./llm/openaigo", "BenchmarkChatCompletionStream/floor", "BenchmarkChatCompletionStream/bare", 1, 1},
	{"langchaingo model wrapped vs bare", "./llm/langchaingo", "BenchmarkGenerateContent/wrapped", "BenchmarkGenerateContent/bare", 1, 1},
	{"span processor on vs off, empty context", ".", "BenchmarkSpanStart/processor=on/empty", "BenchmarkSpanStart/processor=off/empty", 1, 1},
	{"span processor on vs off, session + user", ".", "BenchmarkSpanStart/processor=on/session+user", "BenchmarkSpanStart/processor=off/session+user", 1, 1},
	{"session sampler + batcher vs batcher, span without a session", ".", "BenchmarkSessionSampler/sampler+batcher/no-session", "BenchmarkSessionSampler/batcher", 1, 1},
	{"phoenix.Register's export path vs the SDK batcher, per span", "./phoenix", "BenchmarkExportPath/register", "BenchmarkExportPath/sdk-batcher", 1, 1},
	{"message flattening, 100 vs 10 messages, per message", "./internal/oiattr", "BenchmarkInputMessages/messages=100", "BenchmarkInputMessages/messages=10", 100, 10},
	{"message flattening, 1000 vs 10 messages, per message", "./internal/oiattr", "BenchmarkInputMessages/messages=1000", "BenchmarkInputMessages/messages=10", 1000, 10},
}
