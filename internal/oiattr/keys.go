package oiattr

import semconv "github.com/Arize-ai/openinference/go/openinference-semantic-conventions"

// Keys the semantic-conventions module does not carry (OpenTelemetry GenAI
// conventions, used when TraceConfig.EnableGenAISemconv is set, and the
// multi-part message content keys).
const (
	GenAIConversationID     = "gen_ai.conversation.id"
	GenAIOperationName      = "gen_ai.operation.name"
	GenAIProviderName       = "gen_ai.provider.name"
	GenAIRequestModel       = "gen_ai.request.model"
	GenAIResponseModel      = "gen_ai.response.model"
	GenAIResponseID         = "gen_ai.response.id"
	GenAIResponseFinish     = "gen_ai.response.finish_reasons"
	GenAIUsageInputTokens   = "gen_ai.usage.input_tokens"
	GenAIUsageOutputTokens  = "gen_ai.usage.output_tokens"
	GenAIRequestTemperature = "gen_ai.request.temperature"
	GenAIRequestMaxTokens   = "gen_ai.request.max_tokens"
	MessageContentImageURL  = semconv.MessageContentImage + "." + semconv.ImageURL // message_content.image.image.url
	HTTPResponseStatusCode  = "http.response.status_code"
)

// GenAI operation names.
const (
	OperationChat           = "chat"
	OperationTextCompletion = "text_completion"
	OperationEmbeddings     = "embeddings"
	OperationExecuteTool    = "execute_tool"
)
