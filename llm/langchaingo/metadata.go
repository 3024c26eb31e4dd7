package langchaingo

import (
	"context"
	"fmt"
	"maps"
	"reflect"

	"github.com/sessiontrace/sessiontrace"
)

// sessionKeys are the metadata keys that name a session, in order of
// preference: the first with a non-empty value wins.
var sessionKeys = [...]string{"session_id", "thread_id", "conversation_id"}

// metadataContext returns ctx with what a call's metadata (llms.WithMetadata)
// says about the conversation: the first non-empty of session_id, thread_id
// and conversation_id as the session, user_id as the user, and the whole map
// merged over the context's metadata. It goes through the sessiontrace
// setters, so the span, the spans below it and Arize's own instrumentors all
// see the same values. An empty map returns ctx unchanged.
func metadataContext(ctx context.Context, md map[string]any) context.Context {
	if len(md) == 0 {
		return ctx
	}
	a := sessiontrace.Attributes{UserID: idString(md["user_id"]), Metadata: md}
	for _, k := range sessionKeys {
		if id := idString(md[k]); id != "" {
			a.SessionID = id
			break
		}
	}
	if merged := sessiontrace.FromContext(ctx).Metadata; merged != nil { // a fresh copy
		maps.Copy(merged, md)
		a.Metadata = merged
	}
	return sessiontrace.WithAttributes(ctx, a) // one context node; copies the map
}

// idString turns a metadata value into an ID: a string as is, nil (typed or
// not) as "", anything else formatted with %v (42 → "42").
func idString(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case []byte:
		return string(v)
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Chan, reflect.Func, reflect.Interface:
		if rv.IsNil() {
			return ""
		}
	}
	return formatAny(v)
}

// formatAny is fmt's %v, which also survives a String or Error method that
// panics.
func formatAny(v any) string { return fmt.Sprint(v) }
