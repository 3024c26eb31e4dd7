package openaigo

// Version is the version of this instrumentation, recorded as the
// instrumentation scope version of its spans.
func Version() string {
	return "0.1.0"
}
