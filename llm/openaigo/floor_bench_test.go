package openaigo_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"

	semconv "github.com/Arize-ai/openinference/go/openinference-semantic-conventions"
	"github.com/openai/openai-go/v3/option"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/sessiontrace/sessiontrace"
)

// floorMiddleware is the least that a middleware recording what Middleware
// records of a chat call can do with encoding/json, for the floor benchmarks:
// read beside the middleware's own, it shows how much of the ratio is the
// reading of bytes itself. It handles only the benchmarks' calls, and none
// of their faults:
//
//   - one client span, with the session and the user of the context;
//   - the request body read, and its messages decoded with one
//     json.Unmarshal and flattened into a role and a content each;
//   - a plain answer decoded with one json.Unmarshal: its first choice's
//     role and content, and the token counts;
//   - a stream's bytes passed through as the SDK reads them, split into
//     lines, and the data of each event decoded with one json.Unmarshal,
//     the contents appended;
//   - input.value and output.value the bodies as they went (a stream's
//     output.value the text it assembled, as text/plain).
func floorMiddleware(tp trace.TracerProvider) option.Middleware {
	tracer := tp.Tracer("floor")
	return func(req *http.Request, next option.MiddlewareNext) (*http.Response, error) {
		ctx := req.Context()
		ctx, span := tracer.Start(ctx, "ChatCompletion", trace.WithSpanKind(trace.SpanKindClient),
			trace.WithAttributes(sessiontrace.ContextAttributes(ctx)...))
		body, err := io.ReadAll(req.Body)
		if err != nil {
			span.End()
			return nil, err
		}
		req = req.WithContext(ctx)
		req.Body = io.NopCloser(bytes.NewReader(body))
		var in struct {
			Messages []struct {
				Role    string `json:"role"`
				Content any    `json:"content"`
			} `json:"messages"`
			Stream bool `json:"stream"`
		}
		_ = json.Unmarshal(body, &in)
		attrs := []attribute.KeyValue{
			attribute.String(semconv.OpenInferenceSpanKind, semconv.SpanKindLLM),
			attribute.String(semconv.InputValue, string(body)),
			attribute.String(semconv.InputMimeType, "application/json"),
		}
		for i, m := range in.Messages {
			prefix := semconv.LLMInputMessages + "." + strconv.Itoa(i) + "."
			attrs = append(attrs, attribute.String(prefix+semconv.MessageRole, m.Role))
			if text, ok := m.Content.(string); ok {
				attrs = append(attrs, attribute.String(prefix+semconv.MessageContent, text))
			}
		}
		span.SetAttributes(attrs...)
		resp, err := next(req)
		if err != nil {
			span.End()
			return resp, err
		}
		if in.Stream {
			resp.Body = &floorStream{body: resp.Body, span: span}
			return resp, nil
		}
		out, err := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		resp.Body = io.NopCloser(bytes.NewReader(out))
		if err != nil {
			span.End()
			return resp, nil
		}
		var answer floorAnswer
		_ = json.Unmarshal(out, &answer)
		content := ""
		if len(answer.Choices) > 0 {
			content = answer.Choices[0].Message.Content
		}
		floorEnd(span, string(out), "application/json", content, answer.Usage)
		return resp, nil
	}
}

type floorAnswer struct {
	Choices []struct {
		Message struct {
			Content string `json:"content"`
		} `json:"message"`
		Delta struct {
			Content string `json:"content"`
		} `json:"delta"`
	} `json:"choices"`
	Usage *floorUsage `json:"usage"`
}

type floorUsage struct {
	Prompt     int `json:"prompt_tokens"`
	Completion int `json:"completion_tokens"`
	Total      int `json:"total_tokens"`
}

// floorEnd sets the answer on span and ends it.
func floorEnd(span trace.Span, output, mime, content string, usage *floorUsage) {
	attrs := []attribute.KeyValue{
		attribute.String(semconv.OutputValue, output),
		attribute.String(semconv.OutputMimeType, mime),
		attribute.String(semconv.LLMOutputMessages+".0."+semconv.MessageRole, "assistant"),
		attribute.String(semconv.LLMOutputMessages+".0."+semconv.MessageContent, content),
	}
	if usage != nil {
		attrs = append(attrs,
			attribute.Int(semconv.LLMTokenCountPrompt, usage.Prompt),
			attribute.Int(semconv.LLMTokenCountCompletion, usage.Completion),
			attribute.Int(semconv.LLMTokenCountTotal, usage.Total))
	}
	span.SetAttributes(attrs...)
	span.End()
}

// floorStream is floorMiddleware's stream body.
type floorStream struct {
	body  io.ReadCloser
	span  trace.Span
	line  []byte
	text  strings.Builder
	usage *floorUsage
	ended bool
}

func (s *floorStream) Read(p []byte) (int, error) {
	n, err := s.body.Read(p)
	for rest := p[:n]; len(rest) > 0; {
		i := bytes.IndexByte(rest, '\n')
		if i < 0 {
			s.line = append(s.line, rest...)
			break
		}
		line := rest[:i]
		if len(s.line) > 0 {
			line = append(s.line, line...)
		}
		if data, ok := bytes.CutPrefix(line, []byte("data: ")); ok && !bytes.HasPrefix(data, []byte("[DONE]")) {
			var chunk floorAnswer
			_ = json.Unmarshal(data, &chunk)
			if len(chunk.Choices) > 0 {
				s.text.WriteString(chunk.Choices[0].Delta.Content)
			}
			if chunk.Usage != nil {
				s.usage = chunk.Usage
			}
		}
		s.line = s.line[:0]
		rest = rest[i+1:]
	}
	if err != nil {
		s.end()
	}
	return n, err
}

func (s *floorStream) Close() error {
	s.end()
	return s.body.Close()
}

func (s *floorStream) end() {
	if !s.ended {
		s.ended = true
		floorEnd(s.span, s.text.String(), "text/plain", s.text.String(), s.usage)
	}
}
