package oiattr

import (
	"strconv"
	"sync"
	"sync/atomic"

	semconv "github.com/Arize-ai/openinference/go/openinference-semantic-conventions"
)

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

// Message keys are built once per index and kept: flattening a conversation
// then costs no string building for its keys. The table grows on demand up
// to maxCachedIndices; longer conversations build the rest per call.
const (
	initialCachedIndices = 128
	maxCachedIndices     = 8192
)

// msgKeys are the flattened keys of one message index.
type msgKeys struct {
	prefix, role, content, name, toolCallID string
}

// keyTable holds the input and output keys of indices 0..len-1.
type keyTable struct{ input, output []msgKeys }

var (
	keys     atomic.Pointer[keyTable]
	keysGrow sync.Mutex
)

func init() { growKeys(initialCachedIndices) }

// growKeys extends the table to at least n indices.
func growKeys(n int) *keyTable {
	keysGrow.Lock()
	defer keysGrow.Unlock()
	old := keys.Load()
	if old != nil && len(old.input) >= n {
		return old
	}
	start := 0
	t := &keyTable{input: make([]msgKeys, n), output: make([]msgKeys, n)}
	if old != nil {
		start = copy(t.input, old.input)
		copy(t.output, old.output)
	}
	for i := start; i < n; i++ {
		t.input[i] = buildMsgKeys(false, i)
		t.output[i] = buildMsgKeys(true, i)
	}
	keys.Store(t)
	return t
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

// messageKeys returns the keys of message i; callers flattening n messages
// call prepareKeys(n) first so the table is grown once, not per message.
func messageKeys(output bool, i int) msgKeys {
	t := keys.Load()
	if i >= len(t.input) {
		return buildMsgKeys(output, i)
	}
	if output {
		return t.output[i]
	}
	return t.input[i]
}

// prepareKeys makes sure the keys of n messages are in the table, as far as
// it may grow.
func prepareKeys(n int) {
	if n <= len(keys.Load().input) {
		return
	}
	growKeys(min(max(n, 2*len(keys.Load().input)), maxCachedIndices))
}

// contentKey is llm.{in,out}put_messages.{i}.message.contents.{j}.{child}.
func contentKey(prefix string, j int, child string) string {
	return prefix + semconv.MessageContents + "." + strconv.Itoa(j) + "." + child
}

// toolCallKey is llm.{in,out}put_messages.{i}.message.tool_calls.{j}.{child}.
func toolCallKey(prefix string, j int, child string) string {
	return prefix + semconv.MessageToolCalls + "." + strconv.Itoa(j) + "." + child
}
