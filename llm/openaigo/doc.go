// Package openaigo traces github.com/openai/openai-go/v3, the official
// OpenAI Go SDK, with OpenInference spans, so that every chat, Responses,
// completion and embedding call shows up in Arize Phoenix or Arize AX as an
// LLM (or EMBEDDING) span of the conversation it belongs to. It is a middleware of
// the SDK's own, given to the client once:
//
//	client := openai.NewClient(option.WithMiddleware(openaigo.Middleware()))
//	resp, err := client.Chat.Completions.New(ctx, params) // as without it
//
// POST …/chat/completions, …/responses (the Responses API), …/completions
// (all three plain and streamed) and …/embeddings are traced, on the OpenAI
// API, on Azure (/openai/deployments/{name}/…) and on any compatible
// server; every other request passes through untouched and untraced. The
// spans are those of sessiontrace's go-openai wrapper (llm/openai) for the
// same call: named ChatCompletion, Response, Completion and
// CreateEmbeddings, of kind LLM or EMBEDDING,
// with llm.system "openai", llm.provider ("openai", or "azure" for an Azure
// host; see [WithProvider]), the model, the invocation parameters, the
// input and output messages (multi-part content, names, tool calls and tool
// answers included), the tool definitions, the legacy prompts and choices,
// the embedded texts and their vectors, the token counts with their cache,
// audio and reasoning details, and the finish reason. A Responses call is
// mapped as the OpenInference Python instrumentor maps it, by the same code
// as in llm/openai: the instructions as the system message, the input
// items as messages, the output items as the answer and its tool calls.
// The spans also carry the session, user, metadata, tags and prompt
// template put into the context with sessiontrace.WithSession and its
// siblings, and the OpenTelemetry GenAI attributes when
// TraceConfig.EnableGenAISemconv is set.
//
// When the context names no session, a Responses request's conversation
// (an ID, or an object with an "id") does; when it names no user, the
// request's user, else its safety_identifier, does, and so does a chat
// request's user. The context always wins, and an ID the middleware's rule
// refuses (1 to 128 bytes of printable ASCII without spaces) is ignored.
// The IDs reach the spans under the LLM span too (the HTTP client's, with
// sessiontrace's span processor), not the turn.
//
// input.value is the request body exactly as the SDK sent it and
// output.value the response body exactly as the server returned it, both
// application/json, fields openai-go's types do not know included. A
// streamed call records, as output.value, the answer assembled from its
// chunks (a Responses stream: the response of its response.completed
// event). A successful call gets status OK; a failed one status ERROR and
// an exception event: for a response with a failed status, the status code
// as http.response.status_code and the body the server sent as the error's
// text; for a Responses call that failed in its body (status "failed", or
// an "error" or response.failed event), the API's message, though openai-go
// returns no error then. The SDK's own results and errors reach the caller
// unchanged.
//
// Streams are observed as the SDK reads them: the body passes through byte
// for byte while the middleware reads its server-sent events, adds a
// "First Token Stream Event" at the first content, joins the content and
// tool-call fragments of every choice, takes the usage chunk (ask for it
// with stream_options.include_usage), and ends the span exactly once: at
// "data: [DONE]" or the end of the body (status OK, with what arrived), at
// an error event or a read error (status ERROR), or when the stream is
// closed before its end (a "Stream Closed Early" event; status ERROR if the
// request's context was cancelled). A Responses stream ends with its body
// (openai-go reads it to the end), its answer from response.completed, or
// from the deltas when that never comes. Close the stream, as openai-go asks
// anyway: a stream neither read to its end nor closed leaves its span open.
//
// openai-go retries a failed request itself (twice by default: on
// connection errors, 408, 409, 429 and 5xx statuses, after the wait the
// server asks for or its own back-off), and every try passes through the
// middleware. So every try is a span of its own: siblings under the
// caller's span, the failed tries with status ERROR and their status code,
// the last one with the call's outcome. A call that needed two retries
// shows three spans; option.WithMaxRetries sets how many there may be.
//
// After a successful chat or Responses call the turn bound in the context
// (an HTTP request handled by sessiontrace's middleware, or
// sessiontrace.StartTurn) gets the text of the last user message of its
// first call as its input and the answer of its latest call as its output,
// as plain text: that is what Phoenix shows in its Sessions view. A failed
// try, or a stream closed before its end, leaves the turn alone.
// [WithoutTurnCapture] turns this off for a client whose calls are not the
// conversation.
//
// Spans go to the TracerProvider of [WithTracerProvider]; without it, to
// the provider of the span already in the request's context (as otelhttp
// does), and when there is none to the global one. The span's context is
// the one the request is sent in, so an otelhttp transport under the
// client nests its HTTP span under the LLM span. Under
// sessiontrace.WithSuppression no span is made at all.
//
// What is recorded follows a sessiontrace.TraceConfig, by default read from
// the OPENINFERENCE_* environment variables when Middleware is called
// ([WithTraceConfig] replaces it). The rules of the message attributes
// apply to the bodies as well, so that nothing hidden leaks through
// input.value or output.value: under HideInputText, HideInputImages or a
// Base64ImageMaxLength that an inline image exceeds, input.value is the
// body re-encoded with that text or those image URLs redacted and the rest
// kept; HideOutputText does the same to output.value; HideInputMessages
// (like HideInputs) redacts the whole input.value, as HidePrompts does for
// legacy completions and HideEmbeddingsText for embeddings, and the output
// side mirrors this. A body that is not JSON cannot be masked and is then
// redacted whole.
//
// The official OpenInference instrumentation of openai-go targets openai-go
// v1, traces chat completions only (no Responses API, completions or
// embeddings), records only the last user message as input.value, without
// mime types, streamed output or stream token counts, and leaves the
// status unset. This package is for openai-go v3.
package openaigo
