package oiattr

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"sort"
	"strconv"
)

// maxLenientDepth bounds how deep JSON walks nested maps after
// json.Marshal has failed: far deeper than real metadata, and the end of a
// map that contains itself.
const maxLenientDepth = 16

// JSON encodes v as a JSON string for an attribute. It never fails, panics or
// hangs: when v cannot be encoded as a whole, a map keeps the values that can
// be encoded, floats that JSON lacks become "NaN", "+Inf" or "-Inf", and any
// other value (a channel, a func, a cycle) is recorded as a string naming
// its type. nil gives "".
func JSON(v any) string {
	if v == nil {
		return ""
	}
	if b, err := json.Marshal(v); err == nil {
		return string(b)
	}
	return string(lenient(v, 0))
}

func lenient(v any, depth int) []byte {
	if b, err := json.Marshal(v); err == nil {
		return b
	}
	if m, ok := v.(map[string]any); ok && depth < maxLenientDepth {
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		out := []byte{'{'}
		for i, k := range keys {
			if i > 0 {
				out = append(out, ',')
			}
			out = strconv.AppendQuote(out, k)
			out = append(out, ':')
			out = append(out, lenient(m[k], depth+1)...)
		}
		return append(out, '}')
	}
	return placeholder(v)
}

// placeholder describes a value JSON cannot hold, without walking into it.
func placeholder(v any) []byte {
	var s string
	switch f := v.(type) {
	case float64:
		s = formatSpecial(f)
	case float32:
		s = formatSpecial(float64(f))
	default:
		if v == nil || reflect.TypeOf(v) == nil {
			return []byte("null")
		}
		s = fmt.Sprintf("<%T>", v)
		if _, ok := v.(map[string]any); ok {
			s = "<nested too deep or cyclic>"
		}
	}
	b, _ := json.Marshal(s)
	return b
}

func formatSpecial(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "+Inf"
	case math.IsInf(f, -1):
		return "-Inf"
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}
