package openaiwire

import (
	"bytes"
	"encoding/json"

	"github.com/sessiontrace/sessiontrace/internal/oiattr"
)

// ID returns v when it may be recorded as a session or user ID that a
// request body names (a Responses request's conversation, user or
// safety_identifier, a chat request's user), and "" otherwise. The rule is
// the middleware's default for IDs from headers and cookies, so that an ID
// is recorded the same way wherever it comes from: 1 to oiattr.MaxIDLength
// bytes, each printable ASCII without spaces (oiattr.PrintableID). An
// empty value, one of only white space, a longer one, or one with control
// characters, spaces or non-ASCII bytes is no ID: it is not recorded at
// all, never cut or cleaned up into another ID.
func ID(v string) string {
	if v == "" || len(v) > oiattr.MaxIDLength || !oiattr.PrintableID(v) {
		return ""
	}
	return v
}

// UserID returns the user a Responses request names: its user when ID
// accepts it, else its safety_identifier when ID accepts that, else "".
// The user field comes first because it was made for that; OpenAI now
// recommends safety_identifier (often a hash of the user's name) in its
// place, so a request that sets only that one still names its user.
func UserID(user, safetyIdentifier string) string {
	if id := ID(user); id != "" {
		return id
	}
	return ID(safetyIdentifier)
}

// ConversationID returns the ID that the JSON value of a Responses
// request's "conversation" names — a string, or an object whose "id" is a
// string — when ID accepts it, and "" for anything else (null, another
// shape, text that is not JSON).
func ConversationID(raw []byte) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return ""
	}
	if raw[0] == '"' {
		var s string
		_ = json.Unmarshal(raw, &s)
		return ID(s)
	}
	var c struct {
		ID string `json:"id"`
	}
	if raw[0] == '{' {
		_ = json.Unmarshal(raw, &c)
	}
	return ID(c.ID)
}
