package jsonstring

import (
	"encoding/json"
	"testing"
)

func FuzzAppendMatchesEncodingJSON(f *testing.F) {
	for _, s := range []string{"", "plain", `quote " and \ slash`, "<script>&</script>", "tab\tnew\nline\r",
		"\x00\x1f\x7f", "naïve 日本", "\u2028\u2029", "bad \xff utf8", "\xed\xa0\x80"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := Append([]byte("x"), s); string(got) != "x"+string(want) {
			t.Errorf("Append(%q) = %s, want %s", s, got[1:], want)
		}
	})
}
