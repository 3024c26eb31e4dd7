package openaigo_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/openai/openai-go/v3/responses"
	goopenai "github.com/sashabaranov/go-openai"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/sessiontrace/sessiontrace"
	"github.com/sessiontrace/sessiontrace/internal/spantest"
	"github.com/sessiontrace/sessiontrace/llm/openai/openaitest"
	"github.com/sessiontrace/sessiontrace/llm/openaigo"
)

const out0 = "llm.output_messages.0.message."

// responseParams asks the Responses API with instructions, one user item
// and a function tool.
func responseParams() responses.ResponseNewParams {
	return responses.ResponseNewParams{
		Model:        "gpt-4.1-mini",
		Instructions: openai.String("Be brief."),
		Input: responses.ResponseNewParamsInputUnion{OfInputItemList: responses.ResponseInputParam{
			responses.ResponseInputItemParamOfMessage("Weather in Paris?", responses.EasyInputMessageRoleUser),
		}},
		Tools:       []responses.ToolUnionParam{responses.ToolParamOfFunction("get_weather", map[string]any{"type": "object"}, false)},
		Temperature: openai.Float(0.3),
	}
}

var weatherCall = []goopenai.ToolCall{{ID: "call_w", Function: goopenai.FunctionCall{Name: "get_weather", Arguments: `{"city":"Paris"}`}}}

func TestResponse(t *testing.T) {
	h := newHarness(t)
	h.srv.Enqueue(openaitest.Reply{Content: "Sunny.", ToolCalls: weatherCall, Usage: &goopenai.Usage{
		PromptTokens: 30, CompletionTokens: 12, TotalTokens: 42,
		PromptTokensDetails: &goopenai.PromptTokensDetails{CachedTokens: 16}, CompletionTokensDetails: &goopenai.CompletionTokensDetails{ReasoningTokens: 5},
	}})
	resp, err := h.client.Responses.New(context.Background(), responseParams())
	if err != nil || resp.OutputText() != "Sunny." {
		t.Fatalf("the caller got %v, %v", resp, err)
	}
	s := h.only(t)
	if s.Name() != "Response" || s.SpanKind() != trace.SpanKindClient || s.Status().Code != codes.Ok {
		t.Errorf("span %q %v %v", s.Name(), s.SpanKind(), s.Status())
	}
	spantest.Want(t, s, map[string]any{
		"openinference.span.kind":                          "LLM",
		"llm.system":                                       "openai",
		"llm.provider":                                     "openai",
		"llm.model_name":                                   "gpt-4.1-mini",
		"input.value":                                      string(h.srv.Requests()[0].Body),
		"output.value":                                     resp.RawJSON(),
		"llm.input_messages.0.message.role":                "system",
		"llm.input_messages.0.message.content":             "Be brief.",
		"llm.input_messages.1.message.role":                "user",
		"llm.input_messages.1.message.content":             "Weather in Paris?",
		out0 + "role":                                      "assistant",
		out0 + "content":                                   "Sunny.",
		out0 + "tool_calls.0.tool_call.id":                 "call_w",
		out0 + "tool_calls.0.tool_call.function.name":      "get_weather",
		out0 + "tool_calls.0.tool_call.function.arguments": `{"city":"Paris"}`,
		"llm.token_count.prompt":                           30,
		"llm.token_count.completion":                       12,
		"llm.token_count.total":                            42,
		"llm.token_count.prompt_details.cache_read":        16,
		"llm.token_count.completion_details.reasoning":     5,
	})
	if p := spantest.String(s, "llm.invocation_parameters"); !spantest.SameJSON(t, p, `{"model":"gpt-4.1-mini","temperature":0.3}`) {
		t.Errorf("invocation parameters = %s", p)
	}
	if tool := spantest.String(s, "llm.tools.0.tool.json_schema"); !strings.Contains(tool, `"name":"get_weather"`) {
		t.Errorf("tool = %s", tool)
	}
}

func TestResponseStream(t *testing.T) {
	h := newHarness(t)
	h.srv.Enqueue(openaitest.Reply{Content: "Sunny, 18°C.", ToolCalls: weatherCall})
	stream := h.client.Responses.NewStreaming(context.Background(), responseParams())
	var text string
	var completed responses.Response
	for stream.Next() {
		switch ev := stream.Current(); ev.Type {
		case "response.output_text.delta":
			text += ev.Delta
		case "response.completed":
			completed = ev.AsResponseCompleted().Response
		}
	}
	if err := stream.Err(); err != nil || text != "Sunny, 18°C." {
		t.Fatalf("the caller read %q, %v", text, err)
	}
	_ = stream.Close()
	s := h.only(t)
	if s.Status().Code != codes.Ok || spantest.Events(s, firstToken) != 1 || spantest.Events(s, closedEarly) != 0 {
		t.Errorf("status %v, events %v", s.Status(), eventNames(s.Events()))
	}
	spantest.Want(t, s, map[string]any{
		"input.value":                      string(h.srv.Requests()[0].Body),
		out0 + "content":                   "Sunny, 18°C.",
		out0 + "tool_calls.0.tool_call.id": "call_w",
		"llm.token_count.total":            int(completed.Usage.TotalTokens),
	})
	if !spantest.SameJSON(t, spantest.String(s, "output.value"), completed.RawJSON()) {
		t.Errorf("output.value = %s, response.completed carried %s", spantest.String(s, "output.value"), completed.RawJSON())
	}
}

// TestResponseFailures covers a Responses call that failed in its body: a
// response whose status is "failed", which openai-go returns without an
// error, and the events of a stream that report one.
func TestResponseFailures(t *testing.T) {
	const (
		created = `{"type":"response.created","sequence_number":0,"response":{"id":"resp_h","object":"response","status":"in_progress","model":"gpt-4.1","output":[]}}`
		added   = `{"type":"response.output_item.added","sequence_number":1,"output_index":0,"item":{"type":"message","id":"msg_1","role":"assistant","content":[]}}`
		hi      = `{"type":"response.output_text.delta","sequence_number":2,"output_index":0,"content_index":0,"delta":"Hi"}`
		more    = `{"type":"response.output_text.delta","sequence_number":4,"output_index":0,"content_index":0,"delta":" there"}`
	)
	sse := func(events ...string) string {
		var b strings.Builder
		for _, e := range events {
			b.WriteString("event: x\ndata: " + e + "\n\n")
		}
		return b.String()
	}
	t.Run("a response with status failed", func(t *testing.T) {
		h := newHarness(t)
		client := h.rawServer(t, replyWith(http.StatusOK, "application/json",
			`{"id":"resp_f","object":"response","status":"failed","model":"gpt-4.1","output":[],"error":{"code":"server_error","message":"It broke."}}`, nil))
		resp, err := client.Responses.New(context.Background(), responseParams())
		if err != nil || resp.Status != "failed" {
			t.Fatalf("the caller got %v, %v", resp, err)
		}
		s := h.only(t)
		if s.Status().Code != codes.Error || s.Status().Description != "It broke." {
			t.Errorf("status %v", s.Status())
		}
	})
	for _, c := range []struct {
		name      string
		body      string
		reply     *openaitest.Reply
		status    codes.Code
		message   string
		callerErr bool
		content   string
	}{
		{name: "response.failed", reply: &openaitest.Reply{Content: "one two three four", Fault: openaitest.FaultStreamError},
			status: codes.Error, message: "The server had an error while processing your request. Sorry about that!", content: "one two"},
		{name: "without response.completed", reply: &openaitest.Reply{Content: "one two", Fault: openaitest.FaultNoDone},
			status: codes.Ok, content: "one two"},
		{name: "an error event, and events after it",
			body:   sse(created, added, hi, `{"type":"error","sequence_number":3,"code":"rate_limit_exceeded","message":"Slow down.","param":null}`, more),
			status: codes.Error, message: "Slow down.", content: "Hi there"},
		{name: "an event of a type nobody knows", body: sse(created, `{"type":"response.x_future","sequence_number":1,"x":[1,2]}`, added, hi),
			status: codes.Ok, content: "Hi"},
		{name: "data that is not JSON", body: sse(created, added, hi, `{"type":"response.output_text.delta","delta":`),
			status: codes.Error, callerErr: true, content: "Hi"},
		{name: "[DONE] after the deltas", body: sse(created, added, hi) + "data: [DONE]\n\n" + sse(more),
			status: codes.Ok, content: "Hi"},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t)
			client := h.client
			if c.reply != nil {
				h.srv.Enqueue(*c.reply)
			} else {
				client = h.rawServer(t, sseHandler(c.body, false))
			}
			stream := client.Responses.NewStreaming(context.Background(), responseParams())
			for stream.Next() {
			}
			if err := stream.Err(); (err != nil) != c.callerErr {
				t.Errorf("the caller's error: %v", err)
			}
			_ = stream.Close()
			s := h.only(t)
			if s.Status().Code != c.status || c.message != "" && s.Status().Description != c.message {
				t.Errorf("status %v, want %v %q", s.Status(), c.status, c.message)
			}
			if spantest.Events(s, closedEarly) != 0 {
				t.Errorf("events %v", eventNames(s.Events()))
			}
			spantest.Want(t, s, map[string]any{out0 + "content": c.content})
		})
	}
}

func TestResponseStreamClosedEarly(t *testing.T) {
	h := newHarness(t)
	ctx, turn := sessiontrace.StartTurn(context.Background(), "turn", sessiontrace.WithTracerProvider(h.tp))
	h.srv.Enqueue(openaitest.Reply{Content: "a b c d e f g", ChunkDelay: 10 * time.Millisecond})
	stream := h.client.Responses.NewStreaming(ctx, responseParams())
	for i := 0; i < 6 && stream.Next(); i++ {
	}
	_ = stream.Close()
	turn.End()
	s := spantest.Named(t, h.rec, "Response")
	if s.Status().Code != codes.Ok || spantest.Events(s, closedEarly) != 1 {
		t.Errorf("status %v, events %v", s.Status(), eventNames(s.Events()))
	}
	if got := spantest.String(s, out0+"content"); !strings.HasPrefix("a b c d e f g", got) || got == "" {
		t.Errorf("answer on the span %q", got)
	}
	spantest.Want(t, spantest.Named(t, h.rec, "turn"), map[string]any{"input.value": nil, "output.value": nil})
}

func TestResponseTurnCapture(t *testing.T) {
	h := newHarness(t)
	ctx, turn := sessiontrace.StartTurn(context.Background(), "turn", sessiontrace.WithTracerProvider(h.tp))
	if _, err := h.client.Responses.New(ctx, responseParams()); err != nil {
		t.Fatal(err)
	}
	turn.End()
	spantest.Want(t, spantest.Named(t, h.rec, "turn"), map[string]any{
		"input.value":  "Weather in Paris?",
		"output.value": "You said: Weather in Paris?",
	})
}

// TestSessionFromRequest names the session and the user in the request
// when the context does not: the conversation of a Responses request, its
// user or else its safety_identifier, a chat request's user. The context
// always wins, and an ID the middleware's rule refuses is none.
func TestSessionFromRequest(t *testing.T) {
	response := func(set func(*responses.ResponseNewParams)) func(context.Context, openai.Client) {
		return func(ctx context.Context, c openai.Client) {
			p := responses.ResponseNewParams{Model: "m", Input: responses.ResponseNewParamsInputUnion{OfString: openai.String("hi")}}
			set(&p)
			_, _ = c.Responses.New(ctx, p)
		}
	}
	conversation := func(id string) func(*responses.ResponseNewParams) {
		return func(p *responses.ResponseNewParams) {
			p.Conversation = responses.ResponseNewParamsConversationUnion{OfString: openai.String(id)}
		}
	}
	chatUser := func(user string, stream bool) func(context.Context, openai.Client) {
		return func(ctx context.Context, c openai.Client) {
			p := chat("hi")
			p.User = openai.String(user)
			if stream {
				_, _ = readStream(c.Chat.Completions.NewStreaming(ctx, p))
			} else {
				_, _ = c.Chat.Completions.New(ctx, p)
			}
		}
	}
	inContext := sessiontrace.WithUser(sessiontrace.WithSession(context.Background(), "ctx-session"), "ctx-user")
	for _, c := range []struct {
		name          string
		ctx           context.Context
		call          func(context.Context, openai.Client)
		session, user any // nil: absent
	}{
		{"conversation as a string", nil, response(conversation("conv_1")), "conv_1", nil},
		{"conversation as an object", nil, response(func(p *responses.ResponseNewParams) {
			p.Conversation = responses.ResponseNewParamsConversationUnion{OfConversationObject: &responses.ResponseConversationParam{ID: "conv_2"}}
		}), "conv_2", nil},
		{"conversation with a space", nil, response(conversation("conv 3")), nil, nil},
		{"conversation over 128 bytes", nil, response(conversation("c" + strings.Repeat("x", 128))), nil, nil},
		{"user before safety_identifier", nil, response(func(p *responses.ResponseNewParams) {
			p.User, p.SafetyIdentifier = openai.String("alice"), openai.String("h-1")
		}), nil, "alice"},
		{"safety_identifier", nil, response(func(p *responses.ResponseNewParams) { p.SafetyIdentifier = openai.String("h-2") }), nil, "h-2"},
		{"the context wins", inContext, response(func(p *responses.ResponseNewParams) {
			conversation("conv_4")(p)
			p.User = openai.String("alice")
		}), "ctx-session", "ctx-user"},
		{"chat user", nil, chatUser("bob", false), nil, "bob"},
		{"chat user, invalid", nil, chatUser("bob\x00", false), nil, nil},
		{"chat stream user", nil, chatUser("carol", true), nil, "carol"},
		{"chat user in a context", inContext, chatUser("bob", false), "ctx-session", "ctx-user"},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t)
			ctx := c.ctx
			if ctx == nil {
				ctx = context.Background()
			}
			c.call(ctx, h.client)
			spantest.Want(t, h.only(t), map[string]any{"session.id": c.session, "user.id": c.user})
		})
	}
}

// roundTripper is an http.RoundTripper made of a function.
type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestSessionFromRequestReachesChildSpans checks that the IDs a request
// names reach the HTTP client's span under the LLM span, through the span
// processor.
func TestSessionFromRequestReachesChildSpans(t *testing.T) {
	srv := openaitest.NewServer()
	t.Cleanup(srv.Close)
	tp, rec := spantest.NewProvider(t, sessiontrace.NewSpanProcessor())
	hc := &http.Client{Transport: roundTripper(func(r *http.Request) (*http.Response, error) {
		_, span := tp.Tracer("http").Start(r.Context(), "POST", trace.WithSpanKind(trace.SpanKindClient))
		defer span.End()
		return srv.HTTPClient().Transport.RoundTrip(r)
	})}
	client := openai.NewClient(option.WithBaseURL(srv.URL+"/v1/"), option.WithAPIKey("test"), option.WithHTTPClient(hc),
		option.WithMiddleware(openaigo.Middleware(openaigo.WithTracerProvider(tp))))
	params := responseParams()
	params.Conversation = responses.ResponseNewParamsConversationUnion{OfString: openai.String("conv_c")}
	params.SafetyIdentifier = openai.String("h-c")
	if _, err := client.Responses.New(context.Background(), params); err != nil {
		t.Fatal(err)
	}
	post, llm := spantest.Named(t, rec, "POST"), spantest.Named(t, rec, "Response")
	if post.Parent().SpanID() != llm.SpanContext().SpanID() {
		t.Error("the HTTP span is not under the LLM span")
	}
	for _, s := range []string{"POST", "Response"} {
		spantest.Want(t, spantest.Named(t, rec, s), map[string]any{"session.id": "conv_c", "user.id": "h-c"})
	}
}
