package sessiontrace

import (
	"context"

	instrumentation "github.com/Arize-ai/openinference/go/openinference-instrumentation"
	"go.opentelemetry.io/otel/trace"
)

// The official OpenInference Go package keeps session, user, metadata and
// tags under unexported context keys, which its instrumentors read and our
// setters must therefore set. Setting them through its functions costs four
// allocations a request. Instead, the keys are found once, by watching which
// keys instrumentation.ApplyContextAttributes asks a context for, and our
// own context node answers them. Should the probe ever fail (a future
// version reading them differently), the setters fall back to calling the
// official functions.
var official = probeOfficialKeys()

type officialKeys struct {
	ok                            bool
	session, user, metadata, tags any
}

// probeCtx records every key it is asked for.
type probeCtx struct {
	context.Context
	asked []any
}

func (p *probeCtx) Value(key any) any {
	p.asked = append(p.asked, key)
	return nil
}

func probeOfficialKeys() officialKeys {
	p := &probeCtx{Context: context.Background()}
	instrumentation.ApplyContextAttributes(p, trace.SpanFromContext(context.Background()))
	const mark = "\x00sessiontrace-probe"
	bg := context.Background()
	var k officialKeys
	for _, key := range p.asked {
		switch {
		case instrumentation.WithSession(bg, mark).Value(key) == mark:
			k.session = key
		case instrumentation.WithUser(bg, mark).Value(key) == mark:
			k.user = key
		case instrumentation.WithMetadata(bg, mark).Value(key) == mark:
			k.metadata = key
		default:
			if tags, _ := instrumentation.WithTags(bg, mark).Value(key).([]string); len(tags) == 1 && tags[0] == mark {
				k.tags = key
			}
		}
	}
	k.ok = k.session != nil && k.user != nil && k.metadata != nil && k.tags != nil
	return k
}

// Which fields a context node set itself (as opposed to inherited): only
// those answer the official keys, so that an official setter called between
// two of ours still wins where it is the innermost.
const (
	ownSession uint8 = 1 << iota
	ownUser
	ownMetadata
	ownTags
)

// officialValue answers an official key for the fields c set, or reports
// false.
func (c *stateCtx) officialValue(key any) (any, bool) {
	switch {
	case c.own == 0 || !official.ok:
	case key == official.session && c.own&ownSession != 0:
		return c.s.sessionID, true
	case key == official.user && c.own&ownUser != 0:
		return c.s.userID, true
	case key == official.metadata && c.own&ownMetadata != 0:
		return c.s.metadataJSON, true
	case key == official.tags && c.own&ownTags != 0:
		return c.s.tags, true
	}
	return nil, false
}

// setOfficial sets the official keys through the official functions, for
// when the probe failed.
func setOfficial(ctx context.Context, s *state, own uint8) context.Context {
	if official.ok {
		return ctx
	}
	if own&ownSession != 0 {
		ctx = instrumentation.WithSession(ctx, s.sessionID)
	}
	if own&ownUser != 0 {
		ctx = instrumentation.WithUser(ctx, s.userID)
	}
	if own&ownMetadata != 0 {
		ctx = instrumentation.WithMetadata(ctx, s.metadataJSON)
	}
	if own&ownTags != 0 {
		ctx = instrumentation.WithTags(ctx, s.tags...)
	}
	return ctx
}
