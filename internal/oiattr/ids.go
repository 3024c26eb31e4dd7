package oiattr

// MaxIDLength is the default longest session or user ID recorded, in
// bytes: the middleware's default for IDs from headers, cookies and
// baggage, and the limit for IDs the wrappers take from request bodies.
const MaxIDLength = 128

// PrintableID reports whether every byte of v is printable ASCII without
// spaces (0x21 to 0x7E), which leaves out control characters (CR and LF
// among them) and non-ASCII: the default rule for the session and user IDs
// sessiontrace records, wherever they come from. The length limit is the
// caller's to apply first.
func PrintableID(v string) bool {
	for i := 0; i < len(v); i++ {
		if v[i] < 0x21 || v[i] > 0x7e {
			return false
		}
	}
	return true
}
