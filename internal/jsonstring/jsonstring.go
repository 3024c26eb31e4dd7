// Package jsonstring writes JSON strings without reflection, for the hand
// written encoders of the go-openai wrapper and of the fake server, whose
// output must match encoding/json byte for byte.
package jsonstring

import "unicode/utf8"

const hexDigits = "0123456789abcdef"

// byteClass sorts the bytes of a string for Append: 0 is written as
// is, 1 is escaped, 2 starts (or continues) a multi-byte rune.
var byteClass = func() (t [256]uint8) {
	for c := range 256 {
		switch {
		case c >= utf8.RuneSelf:
			t[c] = 2
		case c < 0x20, c == '"', c == '\\', c == '<', c == '>', c == '&':
			t[c] = 1
		}
	}
	return t
}()

// Append appends s as a JSON string exactly as encoding/json writes it: <, > and & escaped for HTML, invalid UTF-8 as U+FFFD, U+2028 and
// U+2029 escaped.
func Append(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		class := byteClass[s[i]]
		if class == 0 {
			i++
			continue
		}
		if class == 1 {
			c := s[i]
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i++
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
