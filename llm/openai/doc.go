// Package openai instruments github.com/sashabaranov/go-openai with
// OpenInference spans, so that every chat, completion and embedding call
// shows up in Arize Phoenix or Arize AX as an LLM (or EMBEDDING) span of the
// conversation it belongs to. Import it under another name, since go-openai
// is package openai too:
//
//	import oiopenai "github.com/sessiontrace/sessiontrace/llm/openai"
//
//	client := oiopenai.NewClient(apiKey)
//	resp, err := client.CreateChatCompletion(ctx, req) // same types as go-openai
//
// [NewClient] and [NewClientWithConfig] build the go-openai client
// themselves, sending through the configuration's HTTPClient with a
// recorder in front of it, so that input.value and output.value are the
// request and response bodies exactly as they went over the wire (fields
// go-openai's types do not know included). [Wrap] takes a client made
// elsewhere and cannot see its wire: it records encoding/json of
// go-openai's request and response instead. Streams record the request as
// sent and, as output.value, the answer assembled from the chunks.
//
// [Client] embeds *openai.Client: CreateChatCompletion,
// CreateChatCompletionStream, CreateCompletion, CreateCompletionStream and
// CreateEmbeddings are traced, every other method passes straight through.
// Requests, responses and errors are go-openai's own, returned unchanged.
//
// Each span carries what the OpenInference conventions define for the call:
// the span kind, llm.system "openai", llm.provider ("openai", or "azure" for
// an Azure configuration given to [NewClientWithConfig]), the model, the
// request as input.value and the response as output.value (JSON), the
// invocation parameters, the input and output messages (multi-part content,
// names, tool calls and tool answers included), the tool definitions, the
// token counts with their cache, audio and reasoning details, and the
// finish reason. It also carries the session, user, metadata, tags and
// prompt template put into the context with sessiontrace.WithSession and
// its siblings, and the OpenTelemetry GenAI attributes when
// TraceConfig.EnableGenAISemconv is set. A failed call gets status ERROR,
// an exception event and http.response.status_code when the error says it.
//
// Streams are wrapped in [ChatCompletionStream] and [CompletionStream],
// which return the same chunks and errors as go-openai's, add a "First
// Token Stream Event" at the first content, join the fragments of every
// choice and tool call, and end the span once: at io.EOF, at an error, or
// at Close. Close the stream, as go-openai asks anyway.
//
// After a successful chat call the turn bound in the context (an HTTP
// request handled by sessiontrace's middleware, or sessiontrace.StartTurn)
// gets the text of the last user message of its first call as its input
// and the answer of its latest call as its output, as plain text: that is
// what Phoenix shows in its Sessions view. [WithoutTurnCapture] turns this
// off for calls that are not the conversation.
//
// Spans go to the TracerProvider of [WithTracerProvider]; without it, to
// the provider of the span already in the call's context (as otelhttp
// does), and when there is none to the global one.
//
// What is recorded follows a sessiontrace.TraceConfig, by default read from
// the OPENINFERENCE_* environment variables when the client is wrapped
// ([WithTraceConfig] replaces it). The rules of the message attributes
// apply to the bodies as well, so that nothing hidden leaks through
// input.value or output.value: under HideInputText, HideInputImages or a
// Base64ImageMaxLength that an inline image exceeds, input.value is the
// body re-encoded with that text or those image URLs redacted and the rest
// kept; HideOutputText does the same to output.value; HideInputMessages
// (like HideInputs) redacts the whole input.value, as HidePrompts does for
// legacy completions and HideEmbeddingsText for embeddings, and the output
// side mirrors this. A body that is not JSON cannot be masked and is
// redacted whole. Under sessiontrace.WithSuppression no span is made at
// all.
package openai
