// Package openaiwire turns OpenAI API bodies into the oiattr model. It
// reads the JSON that goes over the wire — a request body, a response body,
// the data of each event of a stream — and describes the call in an
// oiattr.Call (messages, tools, invocation parameters, usage), which then
// makes the span's attributes and applies masking as for any other call.
//
// It knows no client library, so that every wrapper of an OpenAI client
// records the same attributes for the same call: llm/openai hands it the
// bodies its wire recorder saw (or encoding/json of go-openai's types), and
// a wrapper that sees only HTTP bodies (openai-go's middleware) hands it
// those.
//
// What it covers: the Responses API, plain (ResponsesRequest,
// ResponsesResponse, and OutputMessages and StatusFailure for an answer a
// client library has decoded already) and streamed (ResponsesStream); the
// folding of chat and legacy completion stream chunks (Chunks), which the
// wrappers feed from their own chunk types; and the session and user IDs a
// request body names (ID, ConversationID). Nothing here fails or
// panics: what a body does not say, or says in a shape this package does
// not know, is left out of the Call.
package openaiwire
