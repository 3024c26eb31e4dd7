package phoenix

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/sessiontrace/sessiontrace"
)

// sampleRatioEnv is the environment variable Register reads the session
// sampling ratio from when WithSessionSampling is not given.
const sampleRatioEnv = "SESSIONTRACE_SAMPLE_RATIO"

// WithSessionSampling keeps a fraction ratio of the conversations, whole:
// Register puts sessiontrace.NewSessionSampler(ratio, ...) in front of the
// exporting processor it builds, so every span of a kept session is
// exported and no span of a dropped one (see sessiontrace.KeepSession for
// the rule). Spans without a session are exported as before; sample those
// with WithSampler. A ratio ≥ 1 or NaN keeps every session, ≤ 0 none.
// Processors added with WithSpanProcessor see every span.
//
// It overrides SESSIONTRACE_SAMPLE_RATIO, which Register otherwise reads
// (trimmed, parsed as a float; empty or unset is no sampling, a value
// that is not a number is an error from Register).
func WithSessionSampling(ratio float64) Option {
	return optionFunc(func(c *config) { c.keepRatio = &ratio })
}

// sessionSampling returns what wraps the exporting processor: the session
// sampler at the ratio of WithSessionSampling or of sampleRatioEnv, or
// nothing when neither is set.
func sessionSampling(c config) (func(sdktrace.SpanProcessor) sdktrace.SpanProcessor, error) {
	ratio := c.keepRatio
	if ratio == nil {
		s := strings.TrimSpace(os.Getenv(sampleRatioEnv))
		if s == "" {
			return func(p sdktrace.SpanProcessor) sdktrace.SpanProcessor { return p }, nil
		}
		// A number too large or too small for a float64 is still a
		// number: ParseFloat returns ±Inf or 0 with ErrRange, and the rule
		// clamps it.
		r, err := strconv.ParseFloat(s, 64)
		if err != nil && !errors.Is(err, strconv.ErrRange) {
			return nil, fmt.Errorf("phoenix: %s=%q is not a number: want the fraction of sessions to keep, such as 0.1", sampleRatioEnv, s)
		}
		ratio = &r
	}
	return func(p sdktrace.SpanProcessor) sdktrace.SpanProcessor {
		return sessiontrace.NewSessionSampler(*ratio, p)
	}, nil
}
