// Package langchaingo records OpenInference spans for applications built
// with github.com/tmc/langchaingo, so that their models, chains, agents,
// tools, retrievers and embedders show up in Arize Phoenix, Arize AX or any
// OpenTelemetry backend, grouped into the conversation they belong to.
//
// Each Wrap function returns a value that implements the same langchaingo
// interface as the one it wraps, so it drops in where the original went:
//
//	llm, _ := openai.New()
//	model := langchaingo.WrapModel(llm)              // LLM spans
//	calc := langchaingo.WrapTool(tools.Calculator{}) // TOOL spans
//	agent := agents.NewOneShotAgent(model, []tools.Tool{calc})
//	exec := langchaingo.WrapChain(agents.NewExecutor(agent)) // AGENT span
//	answer, err := chains.Run(ctx, exec, "What is 3 to the power of 4?")
//
// A wrapper starts its span and hands the span's context to what it wraps,
// so spans nest the way the calls nest: AGENT → LLM and AGENT → TOOL, CHAIN
// → RETRIEVER and CHAIN → LLM. langchaingo's callbacks cannot do this, as
// they cannot return a context. Without WithTracerProvider each call starts
// its span with the provider of the span already in its context, as
// otelhttp does, and only when there is none with the global one.
//
// # Sessions
//
// Every span carries what the context carries (sessiontrace.WithSession,
// WithUser, WithMetadata, WithTags; the HTTP middleware sets the first two
// from each request). A model call can also name its conversation itself, as
// LangChain applications do, through llms.WithMetadata: the first non-empty
// of "session_id", "thread_id" and "conversation_id" becomes the span's
// session.id, over the context's, and "user_id" its user.id; the whole map
// is merged over the context's metadata into the span's metadata. Values
// that are not strings are formatted with fmt's %v (an int 42 becomes "42");
// nil is skipped. The metadata still reaches the model untouched; note that
// langchaingo's OpenAI backend sends it to the API as request metadata.
//
// After each successful model call the turn bound to the context (see
// sessiontrace.BindTurn and the middleware package) gets the last user
// message as its input.value, if it has none yet, and the reply as its
// output.value; a wrapped chain that takes one string and returns one
// string sets them from its own input and output instead.
//
// # Masking
//
// Every wrapper applies a sessiontrace.TraceConfig: WithTraceConfig, or by
// default the OPENINFERENCE_* environment variables read when the wrapper
// is made. Under sessiontrace.WithSuppression the wrappers record nothing.
package langchaingo
