package main

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sashabaranov/go-openai"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	oiopenai "github.com/sessiontrace/sessiontrace/llm/openai"
	"github.com/sessiontrace/sessiontrace/llm/openai/openaitest"
	"github.com/sessiontrace/sessiontrace/phoenix"
)

// collectorLimit is the request size the receiver of the long-conversation
// runs accepts, as the OpenTelemetry Collector does over gRPC by default
// (over HTTP its default is 20 MiB).
const collectorLimit = 4 << 20

// longClients is how many goroutines make the calls of a long-conversation
// run, each waiting for its answer.
const longClients = 32

// longSpec is one long-conversation run: calls chat calls through the
// wrapped go-openai client, each with a history of messages messages of
// about 1 KiB, traced by phoenix.Register with its defaults or, for the
// row to compare with, by the SDK's batch span processor alone (default
// queue of 2048 spans, batches of 512), exporting OTLP/HTTP to a receiver
// that refuses bodies over 4 MiB.
type longSpec struct {
	messages, calls int
	plain           bool // the SDK's batch span processor alone
	blackHole       bool
	tpDeadline      time.Duration
}

func (s longSpec) tracing() string {
	if s.plain {
		return "SDK batch span processor"
	}
	return "phoenix.Register"
}

func (s longSpec) endpoint() string {
	if s.blackHole {
		return faultBlackHole.String()
	}
	return faultNone.String()
}

// longOutcome is what one long-conversation run measured.
type longOutcome struct {
	spec     longSpec
	sent     int64 // calls answered: each made one LLM span
	recv     ReceiverStats
	dropped  int64 // the SDK's count, or phoenix's reports
	errors   int64 // export errors reported
	firstErr string
	peak     runtimeSample
	held     int64 // heap after the calls and a GC, over its level before the run
	shutdown time.Duration
	shutErr  error
}

// longCalls is the number of calls of each run: 1,500 in full mode (as in
// the measurements that showed spans lost) and 500 with 1,000-message
// histories (1.1 MB a span); with -short 100, and one call per client.
func longCalls(m mode, messages int) int {
	switch {
	case m.name == short.name && messages >= 1000:
		return longClients
	case m.name == short.name:
		return 100
	case messages >= 1000:
		return 500
	}
	return 1500
}

// longSection shows whether long conversations reach a collector that
// limits request sizes, and what they hold in memory when the collector
// does not answer: phoenix.Register beside the SDK's batch span processor
// alone.
func longSection(ctx context.Context, rep *report, m mode) {
	rep.printf("## Long conversations: request sizes and memory held\n\n")
	var outs []longOutcome
	for _, messages := range []int{20, 100, 1000} {
		for _, plain := range []bool{false, true} {
			for _, blackHole := range []bool{false, true} {
				if plain && blackHole && (messages >= 1000 || m.name == short.name) {
					continue // 2,048 spans of 1.1 MB: more than this shared machine should hold; with -short, nothing to see
				}
				spec := longSpec{messages: messages, calls: longCalls(m, messages), plain: plain, blackHole: blackHole, tpDeadline: 60 * time.Second}
				if blackHole {
					spec.tpDeadline = m.tpDeadline
					if m.name == short.name {
						spec.tpDeadline = time.Second
					}
				}
				outs = append(outs, longRun(ctx, rep, spec))
			}
		}
	}

	t := newTable("history", "tracing", "OTLP endpoint", "LLM spans sent", "arrived", "requests refused (413)", "largest request",
		"dropped", "export errors", "peak heap", "held after the calls", "TracerProvider shutdown")
	for _, o := range outs {
		shut := ms(o.shutdown) + " of " + fmt.Sprint(o.spec.tpDeadline)
		if o.shutErr != nil {
			shut += " (" + shortErr(o.shutErr) + ")"
		}
		t.add(fmt.Sprintf("%d messages", o.spec.messages), o.spec.tracing(), o.spec.endpoint(), count(o.sent), count(o.recv.Spans),
			count(o.recv.Refused), bytesIEC(o.recv.Largest), count(o.dropped), count(o.errors), mib(o.peak.Heap), mib(uint64(o.held)), shut)
	}
	t.print(rep.w)
	rep.printf("Each run: %d clients make the calls back to back through the wrapped go-openai client against openaitest; every message is about 1 KiB; the model answers after 2 ms per message of history, echoing the last one; the receiver refuses bodies over %s with 413, as the OpenTelemetry Collector does over gRPC by default. ",
		longClients, bytesIEC(collectorLimit))
	rep.printf("phoenix.Register has its defaults: requests of at most %s, a memory budget of %s, a queue of 2048 spans; the SDK's batch span processor its own: a queue of 2048 spans, batches of 512. ",
		bytesIEC(phoenix.DefaultMaxExportBytes), bytesIEC(phoenix.DefaultMemoryBudget))
	rep.printf("The SDK keeps 128 attributes per span by default, so a span of a 1,000-message history carries the whole request body (input.value, about 1 MiB) and the first 60 or so messages. ")
	rep.printf("Dropped: the SDK's own count, or what phoenix reported (over the queue or the budget). Peak heap is sampled every 100 ms and includes the clients, the fake model and garbage not yet collected; held is the heap after the calls and a GC, over its level before the run: what the spans not yet exported hold. ")
	rep.printf("With the SDK's batch span processor alone and a black-holed endpoint, 1,000-message histories are not run: its queue of 2048 spans would hold about 2.3 GB (with -short, none are).\n\n")
}

// longRun makes one run and checks what phoenix.Register must do: with a
// healthy endpoint every span arrives and no request is refused, and with
// a black-holed one the heap stays within the memory budget plus what the
// clients and the fake model use.
func longRun(ctx context.Context, rep *report, spec longSpec) longOutcome {
	name := fmt.Sprintf("long %d messages, %s, %s", spec.messages, spec.tracing(), spec.endpoint())
	out := longOutcome{spec: spec}
	watch.reset()
	before := settled()

	rcv, err := NewReceiver(retainCounts, nil)
	if err != nil {
		rep.fail(name, "starting the receiver: %v", err)
		return out
	}
	defer rcv.Close()
	rcv.LimitBody(collectorLimit)
	if spec.blackHole {
		rcv.BlackHole()
	}
	tp, err := longTracing(ctx, spec.plain, rcv.URL)
	if err != nil {
		rep.fail(name, "setting up tracing: %v", err)
		return out
	}
	fake := openaitest.NewServer(openaitest.WithoutRecording(), openaitest.WithResponder(slowModel))
	client := oiopenai.NewClientWithConfig(fake.ClientConfig(), oiopenai.WithTracerProvider(tp))

	samp := startSampler(100 * time.Millisecond)
	out.sent = chatCalls(ctx, client, longHistory(spec.messages), spec.calls)
	out.peak, _ = samp.Stop()
	// What the spans not yet exported hold, the clients done: the heap after
	// a GC, beyond its level before the run.
	out.held = max(0, int64(settled().Heap)-int64(before.Heap))

	sctx, cancel := context.WithTimeout(ctx, spec.tpDeadline)
	start := time.Now()
	out.shutErr = tp.Shutdown(sctx)
	out.shutdown = time.Since(start)
	cancel()
	fake.Close()
	out.recv = rcv.Stats()
	rcv.Close()
	rcv.Drop()
	if _, _, ok := waitSettle(before.Goroutines+settleGoroutines, before.Heap+heapSlack, settleTimeout); !ok {
		rep.printf("(%s: goroutines or heap not back to their level before the run after %v)\n\n", name, settleTimeout)
	}
	out.dropped, out.errors, out.firstErr = watch.drops(), watch.errors.Load(), watch.firstError()

	if int(out.sent) != spec.calls {
		rep.fail(name, "%d of %d calls answered", out.sent, spec.calls)
	}
	if spec.plain {
		return out
	}
	if !spec.blackHole && (out.recv.Spans != out.sent || out.recv.Refused > 0 || out.dropped > 0 || out.shutErr != nil) {
		rep.fail(name, "%d of %d spans arrived, %d requests refused, %d spans dropped, shutdown: %v (first error: %s)",
			out.recv.Spans, out.sent, out.recv.Refused, out.dropped, out.shutErr, out.firstErr)
	}
	if out.recv.Largest > collectorLimit {
		rep.fail(name, "a request of %d bytes reached the receiver", out.recv.Largest)
	}
	if limit := int64(phoenix.DefaultMemoryBudget + heapSlack); spec.blackHole && out.held > limit {
		rep.fail(name, "the stuck spans hold %s of heap, over the memory budget of %s + %s",
			mib(uint64(out.held)), mib(phoenix.DefaultMemoryBudget), mib(heapSlack))
	}
	return out
}

// slowModel answers as openaitest does by default, after 2 ms per message
// of the request: a model takes longer the longer the conversation (a real
// one far longer still: a 1,000-message history is some 250,000 tokens).
// Without it the clients, the fake model and the in-process receiver, all
// on two shared cores, would produce spans of a megabyte faster than they
// leave them the CPU to export them.
func slowModel(r openaitest.Request) openaitest.Reply {
	if r.Chat != nil {
		time.Sleep(time.Duration(len(r.Chat.Messages)) * 2 * time.Millisecond)
	}
	return openaitest.DefaultResponder(r)
}

// longTracing is the TracerProvider of a run, exporting OTLP/HTTP to
// endpoint.
func longTracing(ctx context.Context, plain bool, endpoint string) (*sdktrace.TracerProvider, error) {
	if !plain {
		return phoenix.Register(ctx, phoenix.WithEndpoint(endpoint), phoenix.WithProtocol(phoenix.HTTPProtobuf),
			phoenix.WithProjectName(projectName), phoenix.WithoutGlobal())
	}
	exp, err := otlptracehttp.New(ctx, otlptracehttp.WithEndpointURL(endpoint))
	if err != nil {
		return nil, err
	}
	res := resource.NewSchemaless(phoenix.ProjectNameKey.String(projectName))
	return sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res)), nil
}

// longHistory is a conversation of n messages of about 1 KiB: a system
// prompt, then users and assistants taking turns.
func longHistory(n int) []openai.ChatCompletionMessage {
	msgs := make([]openai.ChatCompletionMessage, n)
	for i := range msgs {
		role := []string{openai.ChatMessageRoleUser, openai.ChatMessageRoleAssistant}[i%2]
		if i == 0 {
			role = openai.ChatMessageRoleSystem
		}
		text := fmt.Sprintf("Turn %d. ", i) + strings.Repeat("I'm planning three days in Lisbon in May; where should I stay? ", 17)
		msgs[i] = openai.ChatCompletionMessage{Role: role, Content: text[:1024]}
	}
	return msgs
}

// chatCalls makes calls chat calls with history and a last user message of
// its own, longClients at a time, and returns how many were answered. It
// stops by itself.
func chatCalls(ctx context.Context, client *oiopenai.Client, history []openai.ChatCompletionMessage, calls int) int64 {
	var next, answered atomic.Int64
	var wg sync.WaitGroup
	for range longClients {
		wg.Go(func() {
			for {
				i := next.Add(1)
				if i > int64(calls) {
					return
				}
				msgs := append(history[:len(history):len(history)], openai.ChatCompletionMessage{
					Role: openai.ChatMessageRoleUser, Content: fmt.Sprintf("Call %d: and which day trip would you pick from there?", i),
				})
				cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
				resp, err := client.CreateChatCompletion(cctx, openai.ChatCompletionRequest{Model: model, Messages: msgs})
				cancel()
				if err == nil && len(resp.Choices) == 1 {
					answered.Add(1)
				}
			}
		})
	}
	wg.Wait()
	return answered.Load()
}
