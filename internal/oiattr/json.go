package oiattr

import (
	"encoding/json"
	"fmt"
	"sort"
)

// JSON encodes v as a JSON string for an attribute. It never fails: a map
// whose values cannot all be encoded (a channel, a func, NaN) keeps the ones
// that can and records the others as their fmt %v text. nil gives "".
func JSON(v any) string {
	if v == nil {
		return ""
	}
	b, err := json.Marshal(v)
	if err == nil {
		return string(b)
	}
	if m, ok := v.(map[string]any); ok {
		return string(encodeMapLeniently(m))
	}
	b, _ = json.Marshal(fmt.Sprintf("%v", v))
	return string(b)
}

func encodeMapLeniently(m map[string]any) []byte {
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
		kb, _ := json.Marshal(k)
		out = append(out, kb...)
		out = append(out, ':')
		vb, err := json.Marshal(m[k])
		if err != nil {
			if sub, ok := m[k].(map[string]any); ok {
				vb = encodeMapLeniently(sub)
			} else {
				vb, _ = json.Marshal(fmt.Sprintf("%v", m[k]))
			}
		}
		out = append(out, vb...)
	}
	return append(out, '}')
}
