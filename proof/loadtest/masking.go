package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	semconv "github.com/Arize-ai/openinference/go/openinference-semantic-conventions"

	"github.com/sessiontrace/sessiontrace"
	"github.com/sessiontrace/sessiontrace/llm/openai/openaitest"
)

// maskingEnv is every OPENINFERENCE_HIDE_* variable sessiontrace reads
// (REFERENCE.md), plus the GenAI switch, so that the gen_ai.* attributes
// are audited too.
var maskingEnv = []string{
	"OPENINFERENCE_HIDE_INPUTS",
	"OPENINFERENCE_HIDE_OUTPUTS",
	"OPENINFERENCE_HIDE_INPUT_MESSAGES",
	"OPENINFERENCE_HIDE_OUTPUT_MESSAGES",
	"OPENINFERENCE_HIDE_INPUT_IMAGES",
	"OPENINFERENCE_HIDE_INPUT_TEXT",
	"OPENINFERENCE_HIDE_OUTPUT_TEXT",
	"OPENINFERENCE_HIDE_EMBEDDING_VECTORS",
	"OPENINFERENCE_HIDE_EMBEDDINGS_VECTORS",
	"OPENINFERENCE_HIDE_EMBEDDINGS_TEXT",
	"OPENINFERENCE_HIDE_LLM_INVOCATION_PARAMETERS",
	"OPENINFERENCE_HIDE_LLM_TOOLS",
	"OPENINFERENCE_HIDE_PROMPTS",
	"OPENINFERENCE_HIDE_CHOICES",
	"OPENINFERENCE_ENABLE_GENAI_SEMCONV",
}

// setEnv sets every name to value and returns a function that restores
// what was there before.
func setEnv(names []string, value string) (restore func()) {
	type old struct {
		v  string
		ok bool
	}
	prev := map[string]old{}
	for _, n := range names {
		v, ok := os.LookupEnv(n)
		prev[n] = old{v, ok}
		os.Setenv(n, value)
	}
	return func() {
		for n, o := range prev {
			if o.ok {
				os.Setenv(n, o.v)
			} else {
				os.Unsetenv(n)
			}
		}
	}
}

// Planted secrets: a prefix and a unique run of hex digits, one pair per
// request. The user's message carries secretIn; the model's reply repeats
// the message and adds secretOut, derived from secretIn, so the responder
// needs no shared state. Both also enter the session's history and so
// every later request of the session.
const (
	secretInPrefix  = "PLANTEDIN-"
	secretOutPrefix = "PLANTEDOUT-"
	secretLen       = 24 // hex digits
)

// secrets makes and remembers the secrets of one run.
type secrets struct {
	key []byte

	mu     sync.RWMutex
	tokens map[string]bool
}

func newSecrets() *secrets {
	k := make([]byte, 16)
	rand.Read(k)
	return &secrets{key: k, tokens: map[string]bool{}}
}

func (s *secrets) derive(parts ...string) string {
	h := sha256.New()
	h.Write(s.key)
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))[:secretLen]
}

func (s *secrets) remember(tokens ...string) {
	s.mu.Lock()
	for _, t := range tokens {
		s.tokens[t] = true
	}
	s.mu.Unlock()
}

func (s *secrets) isToken(t string) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.tokens[t]
}

func (s *secrets) count() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.tokens)
}

// outFor is the reply secret for an input secret token.
func (s *secrets) outFor(in string) string { return s.derive("out", in) }

// message is a chat message carrying a fresh secret. Both the secret and
// the reply secret the model will add are remembered before the request
// is sent, so the scan knows them by the time anything is exported.
func (s *secrets) message(m marker) string {
	in := s.derive("in", m.String())
	s.remember(in, s.outFor(in))
	return fmt.Sprintf("%s my card number is %s%s, keep it safe. %s", m, secretInPrefix, in, phrases[m.N%len(phrases)])
}

// responder echoes the user's message (secret included) and adds the
// reply secret.
func (s *secrets) responder(r openaitest.Request) openaitest.Reply {
	reply := openaitest.DefaultResponder(r)
	if r.Chat == nil {
		return reply
	}
	last := ""
	for i := len(r.Chat.Messages) - 1; i >= 0; i-- {
		if r.Chat.Messages[i].Role == "user" {
			last = r.Chat.Messages[i].Content
			break
		}
	}
	if _, after, ok := strings.Cut(last, secretInPrefix); ok && len(after) >= secretLen {
		reply.Content += " I noted it as " + secretOutPrefix + s.outFor(after[:secretLen]) + "."
	}
	return reply
}

// maskingSection runs the load with every masking variable set and scans
// everything exported for the planted secrets; then a short control run
// without the variables, where the same scan must find them.
func maskingSection(ctx context.Context, rep *report, m mode) {
	rep.printf("## Masking audit: every OPENINFERENCE_HIDE_* set, secrets planted in every prompt and reply\n\n")
	t := newTable("run", "requests (streamed)", "secrets planted", "replies carrying both secrets", "traces / lost / contaminated",
		"spans scanned", "OTLP bytes scanned", "strings scanned", "input.value = "+sessiontrace.RedactedValue, "secrets found")

	restore := setEnv(maskingEnv, "true")
	masked := auditRun(ctx, rep, m, "masking", m.duration)
	restore()
	control := auditRun(ctx, rep, m, "masking off (control)", m.duration/6)

	for _, a := range []*audit{masked, control} {
		t.add(a.name, fmt.Sprintf("%s (%s)", count(int64(a.out.Stats.Requests)), count(int64(a.streamed))), count(int64(a.planted)), count(int64(a.passed)),
			fmt.Sprintf("%s / %d / %d", count(int64(a.v.Traces)), a.v.Lost, a.v.Contaminated), count(a.found.Spans), bytesIEC(a.found.Bytes),
			count(a.found.Strings), count(int64(a.redacted))+" spans", count(int64(a.found.Hits)))
	}
	for _, f := range masked.found.Findings {
		rep.fail(masked.name, "a planted secret was exported: %s", f)
	}
	if masked.found.Hits > len(masked.found.Findings) {
		rep.fail(masked.name, "... %d secrets found in all", masked.found.Hits)
	}
	if control.found.Hits == 0 {
		rep.fail(control.name, "the scan found no secret in a run without masking: it cannot be trusted")
	}
	t.print(rep.w)
	rep.printf("Set before the wrapper was built, as a user would: %s=true. ", strings.Join(maskingEnv, ", "))
	rep.printf("Every message carries %s<%d hex digits> and every reply %s<%d hex digits>, unique per request; both stay in the session's history and reach later requests. ",
		secretInPrefix, secretLen, secretOutPrefix, secretLen)
	rep.printf("Each OTLP request body (raw protobuf) and every string decoded from it was searched for both prefixes and for every secret's digits on their own. ")
	rep.printf("One request in four is streamed (POST /chat/stream). Sessions are checked by count per session and user, since the inputs that name each request are masked. ")
	rep.printf("The control run is the same without the variables: the same scan must find the secrets there.\n\n")
}

// audit is one run of the masking audit.
type audit struct {
	name                                string
	out                                 *runOutcome
	found                               scanFindings
	v                                   verdict
	planted, passed, streamed, redacted int
}

func auditRun(ctx context.Context, rep *report, m mode, name string, d time.Duration) *audit {
	a := &audit{name: name}
	sec := newSecrets()
	sc := &scanner{prefixes: []string{secretInPrefix, secretOutPrefix}, tokenLen: secretLen, isToken: sec.isToken}
	spec := loadSpec(m, name, true, retainChecked)
	spec.Load.RunID = runID("m")
	spec.Load.Duration = d
	spec.Load.Message = sec.message
	spec.Load.StreamEvery = 4
	spec.Load.KeepText = true
	spec.Responder = sec.responder
	spec.Inspect = func(body []byte, spans []Span) { a.found.scanRequest(sc, body, spans) }
	spec.Check = func(o *runOutcome) {
		checkTraces(rep, verifyOptions{Sessiontrace: true}, &a.v)(o)
		// The secrets did pass through the server: each reply holds both.
		for i := range o.Sent {
			r := &o.Sent[i]
			if r.Stream {
				a.streamed++
			}
			if strings.Contains(r.Reply, secretOutPrefix) && strings.Contains(r.Reply, secretInPrefix) {
				a.passed++
			}
		}
		for i := range o.Spans {
			if o.Spans[i].Str(semconv.InputValue) == sessiontrace.RedactedValue {
				a.redacted++
			}
		}
	}
	a.out = doRun(ctx, rep, spec)
	a.planted = sec.count()
	if ok := a.out.Stats.Requests - a.out.Stats.Failed; a.passed < ok {
		rep.fail(name, "only %d of %d replies carried their secrets: the audit did not exercise what it claims", a.passed, ok)
	}
	return a
}
