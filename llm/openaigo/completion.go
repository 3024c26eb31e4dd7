package openaigo

import (
	semconv "github.com/Arize-ai/openinference/go/openinference-semantic-conventions"
	"github.com/openai/openai-go/v3"

	"github.com/sessiontrace/sessiontrace/internal/oiattr"
)

// completionEndpoint is POST …/completions, the legacy text completions,
// plain and streamed.
var completionEndpoint = endpoint{
	span:      "Completion",
	kind:      semconv.SpanKindLLM,
	request:   completionRequest,
	response:  completionResponse(completionAnswer),
	newStream: func() streamAnswer { return &chunks{legacy: true} },
}

// completionRequest describes a legacy completion request: the model, the
// prompts (llm.prompts), the invocation parameters (the request without
// its prompt), the temperature and the token limit.
func completionRequest(call *oiattr.Call, body []byte) request {
	call.Operation = oiattr.OperationTextCompletion
	call.InputBody, call.OutputBody = oiattr.BodyPrompts, oiattr.BodyChoices
	f := requestFields(body, nil)
	f.decode("model", &call.RequestModel)
	var prompt openai.CompletionNewParamsPromptUnion
	f.decode("prompt", &prompt)
	switch {
	case prompt.OfString.Valid():
		call.Prompts = []string{prompt.OfString.Value}
	case prompt.OfArrayOfStrings != nil:
		call.Prompts = prompt.OfArrayOfStrings
	}
	f.decode("temperature", &call.Temperature)
	f.decode("max_tokens", &call.MaxTokens)
	var r request
	f.decode("stream", &r.stream)
	call.InvocationParameters = f.paramsWithout("prompt")
	return r
}

// completionResponse returns the response reader of an endpoint that
// answers with a completion (chat and legacy completions): it decodes the
// body and adds what answer takes of it to call.
func completionResponse(answer func(*oiattr.Call, *completion)) func(*oiattr.Call, []byte) error {
	return func(call *oiattr.Call, body []byte) error {
		var c completion
		if err := decodeBody(body, &c); err != nil {
			return err
		}
		answer(call, &c)
		return nil
	}
}

// completionAnswer adds the texts of the choices (llm.choices), the model,
// the id and the usage of a legacy completion to call.
func completionAnswer(call *oiattr.Call, c *completion) {
	call.ResponseModel, call.ResponseID = c.Model, c.ID
	call.Choices = make([]string, len(c.Choices))
	call.FinishReasons = make([]string, len(c.Choices))
	for i := range c.Choices {
		call.Choices[i], call.FinishReasons[i] = c.Choices[i].Text, c.Choices[i].FinishReason
	}
	call.Usage = toUsage(c.Usage)
}
