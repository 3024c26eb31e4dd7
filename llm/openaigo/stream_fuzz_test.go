package openaigo

import (
	"bytes"
	"context"
	"io"
	"testing"

	"github.com/sessiontrace/sessiontrace/internal/spantest"
)

// cutReader returns data in pieces whose lengths cuts gives, one byte of
// cuts per piece (0 is 1), and the rest at once when cuts runs out.
type cutReader struct {
	data, cuts []byte
}

func (r *cutReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, io.EOF
	}
	n := len(r.data)
	if len(r.cuts) > 0 {
		n = max(1, int(r.cuts[0]))
		r.cuts = r.cuts[1:]
	}
	n = copy(p, r.data[:min(n, len(r.data))])
	r.data = r.data[n:]
	return n, nil
}

// FuzzStreamBody reads arbitrary bytes, cut in arbitrary pieces, through
// the stream observer of chat, legacy completion and Responses streams: it
// never panics, the reader gets exactly the bytes sent, and the span ends
// once however often the body is closed.
func FuzzStreamBody(f *testing.F) {
	chunk := `data: {"id":"c","model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":"hi","tool_calls":[{"index":0,"id":"t","function":{"name":"f","arguments":"{}"}}]},"text":"x","finish_reason":"stop"}],"usage":{"prompt_tokens":1}}`
	f.Add([]byte(chunk+"\n\ndata: [DONE]\n\n"), []byte{3, 7, 1}, uint8(0))
	f.Add([]byte(chunk+"\r\n\r\n: comment\n\nevent: ping\ndata: {}\n\n"), []byte{200}, uint8(1))
	f.Add([]byte("data: {\"error\":{\"message\":\"overloaded\"}}\n\n"), []byte{}, uint8(0))
	f.Add([]byte("data: {\"choices\":[{\"index\":-1,\"delta\":{\"tool_calls\":[{\"index\":9}]}}]}\n\ndata: [DONE"), []byte{2, 2}, uint8(0))
	f.Add([]byte("data: not json\n\n\n\ndata:\n\n"), []byte{1}, uint8(1))
	f.Add([]byte("event: response.output_item.added\ndata: {\"type\":\"response.output_item.added\",\"output_index\":0,\"item\":{\"type\":\"message\"}}\n\n"+
		"data: {\"type\":\"response.output_text.delta\",\"output_index\":0,\"delta\":\"Hi\"}\n\n"+
		"data: {\"type\":\"response.completed\",\"response\":{\"output\":[{\"type\":\"message\",\"content\":[{\"type\":\"output_text\",\"text\":\"Hi\"}]}]}}\n\n"), []byte{9, 40}, uint8(2))
	f.Add([]byte("data: {\"type\":\"error\",\"message\":\"x\"}\n\ndata: {\"type\":\"response.failed\",\"response\":{\"status\":\"failed\"}}\n\n"), []byte{}, uint8(2))
	f.Fuzz(func(t *testing.T, stream, cuts []byte, kind uint8) {
		tp, rec := spantest.NewProvider(t)
		ctx, span := tp.Tracer("fuzz").Start(context.Background(), "stream")
		x := &exchange{m: &middleware{cfg: newConfig(nil)}, ep: &chatEndpoint, ctx: ctx, span: span}
		answers := []streamAnswer{&chunks{}, &chunks{legacy: true}, &responsesStream{}}
		body := &streamBody{body: io.NopCloser(&cutReader{data: stream, cuts: cuts}), x: x, answer: answers[int(kind)%len(answers)]}
		got, err := io.ReadAll(body)
		if err != nil || !bytes.Equal(got, stream) {
			t.Fatalf("read %q, %v; sent %q", got, err, stream)
		}
		_ = body.Close()
		_ = body.Close()
		if n := len(rec.Ended()); n != 1 {
			t.Fatalf("%d spans ended", n)
		}
	})
}
