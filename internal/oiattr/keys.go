package oiattr

import (
	"strconv"

	semconv "github.com/Arize-ai/openinference/go/openinference-semantic-conventions"
)

// Keys the semantic-conventions module does not carry (OpenTelemetry GenAI
// conventions, used when Config.EnableGenAISemconv is set, and the
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

// cachedIndices is how many message indices have their keys built once at
// start-up; conversations longer than that build the rest per call.
const cachedIndices = 128

// msgKeys are the flattened keys of one message index.
type msgKeys struct {
	prefix, role, content, name, toolCallID string
}

var inputKeys, outputKeys [cachedIndices]msgKeys

func init() {
	for i := range cachedIndices {
		inputKeys[i] = buildMsgKeys(false, i)
		outputKeys[i] = buildMsgKeys(true, i)
	}
}

func buildMsgKeys(output bool, i int) msgKeys {
	if output {
		p := semconv.LLMOutputMessages + "." + strconv.Itoa(i) + "."
		return msgKeys{
			prefix:     p,
			role:       semconv.LLMOutputMessageRoleKey(i),
			content:    semconv.LLMOutputMessageContentKey(i),
			name:       p + semconv.MessageName,
			toolCallID: p + semconv.MessageToolCallID,
		}
	}
	return msgKeys{
		prefix:     semconv.LLMInputMessages + "." + strconv.Itoa(i) + ".",
		role:       semconv.LLMInputMessageRoleKey(i),
		content:    semconv.LLMInputMessageContentKey(i),
		name:       semconv.LLMInputMessageNameKey(i),
		toolCallID: semconv.LLMInputMessageToolCallIDKey(i),
	}
}

func messageKeys(output bool, i int) msgKeys {
	switch {
	case i >= cachedIndices:
		return buildMsgKeys(output, i)
	case output:
		return outputKeys[i]
	default:
		return inputKeys[i]
	}
}

// contentKey is llm.{in,out}put_messages.{i}.message.contents.{j}.{child}.
func contentKey(prefix string, j int, child string) string {
	return prefix + semconv.MessageContents + "." + strconv.Itoa(j) + "." + child
}

// toolCallKey is llm.{in,out}put_messages.{i}.message.tool_calls.{j}.{child}.
func toolCallKey(prefix string, j int, child string) string {
	return prefix + semconv.MessageToolCalls + "." + strconv.Itoa(j) + "." + child
}
