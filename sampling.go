package sessiontrace

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"math"

	semconv "github.com/Arize-ai/openinference/go/openinference-semantic-conventions"
	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/sessiontrace/sessiontrace/internal/oiattr"
)

// KeepSession reports whether a session sampled at ratio is kept. It is the
// rule NewSessionSampler applies, and it is stable: every replica, every
// service and every language that applies it to the same session ID makes
// the same choice, so a conversation is kept or dropped whole.
//
// The rule:
//
//   - h is the first 8 bytes of SHA-256 of the session ID's bytes (UTF-8,
//     as they are: no trimming or case folding), read as a big-endian
//     unsigned 64-bit integer;
//   - ratio ≥ 1, and NaN, keep every session; ratio ≤ 0 keeps none;
//   - otherwise the threshold is t = uint64(ratio × 2^64), the float64
//     product (exact: a multiplication by a power of two) truncated toward
//     zero, and the session is kept when h < t. So 0.5 (t =
//     0x8000000000000000) keeps exactly the sessions whose hash has its top
//     bit clear, and 0.1 gives t = 0x1999999999999a00.
//
// An empty session ID is no session: the rule does not sample it, and
// KeepSession returns true whatever the ratio. In Python, once NaN and
// infinite ratios are handled:
//
//	int.from_bytes(hashlib.sha256(id.encode()).digest()[:8], "big") < int(ratio * 2**64)
//
// Test vectors (hash = the first 8 bytes, in hex):
//
//	session ID                              hash              0.1   0.5
//	abc                                     ba7816bf8f01cfea  drop  drop
//	chat-2                                  1801be70ce21aab3  keep  keep
//	chat-6                                  7f977ecb2c47df92  drop  keep
//	session-1                               84097828fc31a8c8  drop  drop
//	conversation-2                          016710bbf34271a6  keep  keep
//	conversation-7                          f121b269a0e32a69  drop  drop
//	3f2b8c1e-5d4a-4e7b-9c6f-0a1b2c3d4e5f    0c70e4c97744ef9e  keep  keep
//	会话-1 (bytes e4bc9ae8af9d2d31)         611a498b849c2441  drop  keep
//	chat-9549865                            1999990c3f3f7e4a  keep  keep
//	chat-13519159                           199999d5831cff0e  drop  keep
//
// The last two sit on either side of the 0.1 threshold.
func KeepSession(sessionID string, ratio float64) bool {
	if sessionID == "" {
		return true
	}
	all, t := sessionThreshold(ratio)
	return all || sessionHash(sessionID) < t
}

// sessionThreshold returns whether ratio keeps every session and, when it
// does not, the threshold sessions' hashes are compared with.
func sessionThreshold(ratio float64) (all bool, t uint64) {
	switch {
	case ratio >= 1 || math.IsNaN(ratio):
		return true, 0
	case ratio <= 0:
		return false, 0
	}
	return false, uint64(ratio * 0x1p64)
}

func sessionHash(id string) uint64 {
	sum := sha256.Sum256([]byte(id))
	return binary.BigEndian.Uint64(sum[:8])
}

// NewSessionSampler returns a span processor that samples whole sessions:
// put it in front of the processor that exports (the batcher), in place of
// registering that one directly. A span whose session is kept by
// KeepSession(id, ratio) reaches next; a span of a dropped session never
// does, so it costs no export and no storage; a span without a session
// reaches next unchanged (sample those with the SDK's own sampler, see
// sdktrace.WithSampler).
//
// A span's session is its session.id attribute when it ends (NewSpanProcessor
// stamps it at start, the middleware on the server span), or, without one,
// its gen_ai.conversation.id, which Phoenix also reads as the session. Only
// non-empty string values count; a span whose ID is of another type passes
// as one without a session. The choice is made span by span: a trace
// should carry one session (Phoenix binds a trace to the first session it
// sees in it), and a span of the trace without any (one started outside
// the session's context) is exported even when the session is dropped.
//
// OnStart passes every span to next, since the session is often set after
// start; only OnEnd is filtered. ForceFlush and Shutdown are next's. A nil
// next gives a processor that passes nothing on and whose methods return
// nil. It is safe for concurrent use if next is.
func NewSessionSampler(ratio float64, next sdktrace.SpanProcessor) sdktrace.SpanProcessor {
	if next == nil {
		next = nothing{}
	}
	s := &sessionSampler{next: next}
	s.all, s.threshold = sessionThreshold(ratio)
	return s
}

type sessionSampler struct {
	next      sdktrace.SpanProcessor
	all       bool
	threshold uint64
}

func (s *sessionSampler) OnStart(parent context.Context, span sdktrace.ReadWriteSpan) {
	s.next.OnStart(parent, span)
}

func (s *sessionSampler) OnEnd(span sdktrace.ReadOnlySpan) {
	if !s.all {
		if id := spanSession(span); id != "" && sessionHash(id) >= s.threshold {
			return
		}
	}
	s.next.OnEnd(span)
}

func (s *sessionSampler) ForceFlush(ctx context.Context) error { return s.next.ForceFlush(ctx) }

func (s *sessionSampler) Shutdown(ctx context.Context) error { return s.next.Shutdown(ctx) }

// spanSession returns the session a span belongs to, as Phoenix binds it:
// session.id, else gen_ai.conversation.id, else "".
func spanSession(span sdktrace.ReadOnlySpan) string {
	conversation := ""
	for _, kv := range span.Attributes() {
		if kv.Value.Type() != attribute.STRING {
			continue
		}
		switch kv.Key {
		case semconv.SessionID:
			if v := kv.Value.AsString(); v != "" {
				return v
			}
		case oiattr.GenAIConversationID:
			if conversation == "" {
				conversation = kv.Value.AsString()
			}
		}
	}
	return conversation
}

// nothing is the processor a sampler without next passes spans to.
type nothing struct{}

func (nothing) OnStart(context.Context, sdktrace.ReadWriteSpan) {}
func (nothing) OnEnd(sdktrace.ReadOnlySpan)                     {}
func (nothing) Shutdown(context.Context) error                  { return nil }
func (nothing) ForceFlush(context.Context) error                { return nil }
