package openaigo

import (
	semconv "github.com/Arize-ai/openinference/go/openinference-semantic-conventions"

	"github.com/sessiontrace/sessiontrace/internal/oiattr"
	"github.com/sessiontrace/sessiontrace/internal/openaiwire"
)

// chatEndpoint is POST …/chat/completions, plain and streamed.
var chatEndpoint = endpoint{
	span:      "ChatCompletion",
	kind:      semconv.SpanKindLLM,
	request:   chatRequest,
	response:  completionResponse(chatAnswer),
	newStream: func() streamAnswer { return &chunks{} },
}

// chatRequest describes a chat request: the model, the conversation, the
// tool definitions as sent, the invocation parameters (the request without
// messages, tools and functions), the temperature and the token limit. Its
// user names the user.
func chatRequest(call *oiattr.Call, body []byte) request {
	call.Operation = oiattr.OperationChat
	call.InputBody, call.OutputBody = oiattr.BodyMessages, oiattr.BodyMessages
	var msgs []message
	f := requestFields(body, func(key string) any {
		if key == "messages" {
			return &msgs
		}
		return nil
	})
	f.decode("model", &call.RequestModel)
	call.InputMessages = toMessages(msgs)
	call.Tools = f.list("tools")
	f.decode("temperature", &call.Temperature)
	var maxTokens, maxCompletionTokens int
	f.decode("max_tokens", &maxTokens)
	f.decode("max_completion_tokens", &maxCompletionTokens)
	call.MaxTokens = max(maxTokens, maxCompletionTokens)
	var r request
	f.decode("stream", &r.stream)
	var user string
	f.decode("user", &user)
	r.user = openaiwire.ID(user)
	call.InvocationParameters = f.paramsWithout("tools", "functions")
	return r
}

// chatAnswer adds the choices, the model, the id and the usage of a chat
// completion to call.
func chatAnswer(call *oiattr.Call, c *completion) {
	call.ResponseModel, call.ResponseID = c.Model, c.ID
	call.OutputMessages = make([]oiattr.Message, len(c.Choices))
	call.FinishReasons = make([]string, len(c.Choices))
	for i := range c.Choices {
		call.OutputMessages[i] = toAnswer(&c.Choices[i].Message)
		call.FinishReasons[i] = c.Choices[i].FinishReason
	}
	call.Usage = toUsage(c.Usage)
}
