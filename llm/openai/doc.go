// Package openai instruments github.com/sashabaranov/go-openai with
// OpenInference spans, so that every chat, Responses, completion and
// embedding call shows up in Arize Phoenix or Arize AX as an LLM (or
// EMBEDDING) span of the conversation it belongs to. Import it under
// another name, since go-openai is package openai too:
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
// CreateChatCompletionStream, CreateCompletion, CreateCompletionStream,
// CreateEmbeddings, and the Responses API's CreateResponse and
// CreateResponseStream are traced; every other method passes straight
// through. Requests, responses and errors are go-openai's own, returned
// unchanged.
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
// A Responses API call makes a span named Response, mapped as the
// OpenInference Python instrumentor maps it: the instructions are input
// message 0 with role "system", a string input is a "user" message, and
// each input item a message (a function_call item an assistant message with
// its tool call, a function_call_output item a "tool" message answering
// its call_id; reasoning, built-in tool and other items are left out); the
// output items are the answer (the text of the message items, and every
// function_call item as a tool call of one assistant message, its id the
// call_id); the tools, the invocation parameters (the request without
// input, instructions and tools) and the token counts, with cached and
// reasoning tokens, are recorded as for chat. An input written with
// go-openai's types (a string, ResponseInputMessage, ResponseInputText,
// ResponseInputImage, ResponseFunctionCallOutput) is converted as it is,
// like chat messages; any other shape (maps, raw JSON, an ExtraBody) and
// the response are read from the JSON, with the code openai-go's middleware
// uses, which gives the same attributes. A response whose status is
// "failed" ends the span with ERROR.
//
// Streams are wrapped in [ChatCompletionStream], [CompletionStream] and
// [ResponseStream], which return the same chunks, events and errors as
// go-openai's, add a "First Token Stream Event" at the first content (the
// first response.output_text.delta of a Responses stream), join the
// fragments of every choice and tool call, and end the span once: at
// io.EOF, at an error, or at Close. A Responses stream takes its answer,
// tool calls and usage from response.completed, or assembles them from the
// deltas when that event never comes; an "error" or response.failed event
// gives the span status ERROR while the events go on passing through.
// Close the stream, as go-openai asks anyway.
//
// When the context carries no session (see sessiontrace.WithSession), a
// Responses request's conversation (an ID string, or an object with an
// "id") becomes the span's session.id; when it carries no user, the
// request's user, else its safety_identifier, becomes user.id, and so does
// a chat completion request's user. The context always wins. The values
// are checked as the middleware checks IDs from headers (1 to 128 bytes of
// printable ASCII without spaces); any other value names no session or
// user and is not recorded. They are put into the call's context before the
// span starts, so the spans under it (the HTTP client span of the call) get
// them from sessiontrace's span processor too; the turn and the caller's
// context are left as they were.
//
// After a successful chat or Responses call the turn bound in the context (an HTTP
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
