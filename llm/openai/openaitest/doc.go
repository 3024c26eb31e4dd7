// Package openaitest provides a fake OpenAI-compatible API server for tests,
// offline examples and benchmarks, which the official SDKs and go-openai
// cannot tell from the real API for what they do.
//
// [NewServer] starts an [net/http/httptest] server on 127.0.0.1 that answers
// the four endpoints the LLM wrappers use, with the JSON and server-sent
// event shapes the real API produces:
//
//   - POST …/chat/completions: a chat completion with "n" choices, or with
//     "stream": true a stream of chat.completion.chunk events: a first chunk
//     with role "assistant", content deltas, tool-call deltas (the first
//     fragment of each call carries index, id, type and function name, later
//     fragments only argument pieces), a chunk with finish_reason, a usage
//     chunk with "choices": [] when stream_options.include_usage is true,
//     and "data: [DONE]". Each chunk carries one choice; with several
//     choices their chunks take turns.
//   - POST …/responses: the Responses API. A response object whose output
//     is a message item (the Reply's Content as output_text) and a
//     function_call item per tool call (call_id is the tool call's ID),
//     or with "stream": true the API's event sequence, each event an
//     "event:" line and a "data:" line with type and sequence_number:
//     response.created, response.in_progress, response.output_item.added,
//     response.content_part.added, response.output_text.delta, …,
//     response.function_call_arguments.delta, …, response.completed with
//     the whole response; there is no [DONE].
//   - POST …/completions: a legacy text completion, plain or streamed, with
//     "n" choices per prompt.
//   - POST …/embeddings: small deterministic unit vectors derived from a hash
//     of each input (float or base64 encoding).
//
// Usage adds up and, unless scripted, carries the details objects the API
// sends (prompt_tokens_details and completion_tokens_details, or
// input_tokens_details and output_tokens_details), with zeros.
//
// Routing looks only at how the path ends, so the OpenAI layout
// (/v1/chat/completions) and the Azure layout
// (/openai/deployments/{name}/chat/completions?api-version=…) both work.
// Any other path gets a 404 with an OpenAI-style JSON error, a body that is
// not JSON a 400, and so does a body without a parameter the endpoint
// requires ("model", a chat's "messages" as an array, a legacy completion's
// "prompt", the "input" of embeddings and of a response that names no
// previous_response_id, conversation or prompt): an invalid_request_error
// whose param names it, with the API's message and code. The server checks
// no credentials.
//
// What the server answers is decided per request: a [Reply] queued with
// [Server.Enqueue] if there is one (first in, first out), otherwise the
// responder set with [Server.SetResponder], otherwise [DefaultResponder],
// which echoes the user ("You said: …"). A Reply can also inject a [Fault]:
// a 429 rate limit whose retry-after and retry-after-ms headers let an
// SDK's own retries be quick, a 502 with an HTML body, an error in the
// middle of a stream (response.failed on the Responses API), or a stream
// that ends early (without "[DONE]", or without response.completed). Slow
// streams ([Reply.ChunkDelay]) stop as soon as the client goes away.
//
// Everything is deterministic: IDs count the requests the server has
// received ("chatcmpl-1", "resp_2", …), every response carries the fixed
// timestamp [Created], and token usage, unless scripted, is the word count
// computed by [Tokens]. [Server.Requests] returns what arrived, decoded for
// its endpoint and as the raw bytes, for assertions on fields that
// go-openai's types drop.
//
// A typical test with go-openai:
//
//	srv := openaitest.NewServer()
//	t.Cleanup(srv.Close)
//	srv.Enqueue(openaitest.Reply{Content: "Paris."})
//	resp, err := srv.Client().CreateChatCompletion(ctx, req)
//
// and with openai-go, the official SDK:
//
//	client := openai.NewClient(
//		option.WithBaseURL(srv.URL+"/v1/"),
//		option.WithAPIKey("test"),
//		option.WithHTTPClient(srv.HTTPClient()),
//	)
package openaitest
