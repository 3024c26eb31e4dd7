// Package openaitest provides a fake OpenAI-compatible API server for tests,
// offline examples and benchmarks.
//
// [NewServer] starts an [net/http/httptest] server on 127.0.0.1 that answers
// the three endpoints the LLM wrappers use, with the JSON and server-sent
// event shapes the real API produces:
//
//   - POST …/chat/completions: a chat completion, or with "stream": true a
//     stream of chat.completion.chunk events: a first chunk with role
//     "assistant", content deltas, tool-call deltas (the first fragment of
//     each call carries index, id, type and function name, later fragments
//     only argument pieces), a chunk with finish_reason, a usage chunk with
//     "choices": [] when stream_options.include_usage is true, and
//     "data: [DONE]".
//   - POST …/completions: a legacy text completion, plain or streamed, with
//     one choice per prompt.
//   - POST …/embeddings: small deterministic unit vectors derived from a hash
//     of each input (float or base64 encoding).
//
// Routing looks only at how the path ends, so the OpenAI layout
// (/v1/chat/completions) and the Azure layout
// (/openai/deployments/{name}/chat/completions?api-version=…) both work.
// Any other path gets a 404 with an OpenAI-style JSON error, a body that is
// not JSON a 400. The server checks no credentials.
//
// What the server answers is decided per request: a [Reply] queued with
// [Server.Enqueue] if there is one (first in, first out), otherwise the
// responder set with [Server.SetResponder], otherwise [DefaultResponder],
// which echoes the user ("You said: …"). A Reply can also inject a [Fault]:
// a 429 rate limit, a 502 with an HTML body, an error in the middle of a
// stream, or a stream that ends without "[DONE]". Slow streams
// ([Reply.ChunkDelay]) stop as soon as the client goes away.
//
// Everything is deterministic: IDs count the requests the server has
// received ("chatcmpl-1", "chatcmpl-2", …), every response carries the fixed
// timestamp [Created], and token usage, unless scripted, is the word count
// computed by [Tokens]. [Server.Requests] returns what arrived, decoded, for
// assertions.
//
// A typical test:
//
//	srv := openaitest.NewServer()
//	t.Cleanup(srv.Close)
//	srv.Enqueue(openaitest.Reply{Content: "Paris."})
//	resp, err := srv.Client().CreateChatCompletion(ctx, req)
package openaitest
