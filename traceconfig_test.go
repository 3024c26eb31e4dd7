package sessiontrace_test

import (
	"testing"

	"github.com/sessiontrace/sessiontrace"
)

func TestTraceConfigFromEnv(t *testing.T) {
	all := map[string]func(sessiontrace.TraceConfig) bool{
		"OPENINFERENCE_HIDE_INPUTS":                    func(c sessiontrace.TraceConfig) bool { return c.HideInputs },
		"OPENINFERENCE_HIDE_OUTPUTS":                   func(c sessiontrace.TraceConfig) bool { return c.HideOutputs },
		"OPENINFERENCE_HIDE_INPUT_MESSAGES":            func(c sessiontrace.TraceConfig) bool { return c.HideInputMessages },
		"OPENINFERENCE_HIDE_OUTPUT_MESSAGES":           func(c sessiontrace.TraceConfig) bool { return c.HideOutputMessages },
		"OPENINFERENCE_HIDE_INPUT_IMAGES":              func(c sessiontrace.TraceConfig) bool { return c.HideInputImages },
		"OPENINFERENCE_HIDE_INPUT_TEXT":                func(c sessiontrace.TraceConfig) bool { return c.HideInputText },
		"OPENINFERENCE_HIDE_OUTPUT_TEXT":               func(c sessiontrace.TraceConfig) bool { return c.HideOutputText },
		"OPENINFERENCE_HIDE_EMBEDDING_VECTORS":         func(c sessiontrace.TraceConfig) bool { return c.HideEmbeddingVectors },
		"OPENINFERENCE_HIDE_EMBEDDINGS_VECTORS":        func(c sessiontrace.TraceConfig) bool { return c.HideEmbeddingVectors },
		"OPENINFERENCE_HIDE_EMBEDDINGS_TEXT":           func(c sessiontrace.TraceConfig) bool { return c.HideEmbeddingsText },
		"OPENINFERENCE_HIDE_LLM_INVOCATION_PARAMETERS": func(c sessiontrace.TraceConfig) bool { return c.HideLLMInvocationParameters },
		"OPENINFERENCE_HIDE_LLM_TOOLS":                 func(c sessiontrace.TraceConfig) bool { return c.HideLLMTools },
		"OPENINFERENCE_HIDE_PROMPTS":                   func(c sessiontrace.TraceConfig) bool { return c.HidePrompts },
		"OPENINFERENCE_HIDE_CHOICES":                   func(c sessiontrace.TraceConfig) bool { return c.HideChoices },
		"OPENINFERENCE_ENABLE_GENAI_SEMCONV":           func(c sessiontrace.TraceConfig) bool { return c.EnableGenAISemconv },
	}
	for name, get := range all {
		for _, tc := range []struct {
			value string
			want  bool
		}{
			{"true", true}, {"1", true}, {"TRUE", true}, {" t ", true},
			{"false", false}, {"0", false}, {"", false},
			{"yes", false}, {"maybe", false}, {"2", false}, // unparsable: default
		} {
			t.Run(name+"="+tc.value, func(t *testing.T) {
				for other := range all {
					t.Setenv(other, "")
				}
				t.Setenv(name, tc.value)
				c := sessiontrace.TraceConfigFromEnv()
				if get(c) != tc.want {
					t.Errorf("got %v, want %v", get(c), tc.want)
				}
				// Nothing else switched on.
				for other, g := range all {
					if other != name && g(c) && !(tc.want && sameField(name, other)) {
						t.Errorf("%s also on", other)
					}
				}
				if c.Base64ImageMaxLength != 32000 {
					t.Errorf("Base64ImageMaxLength = %d", c.Base64ImageMaxLength)
				}
			})
		}
	}
}

func sameField(a, b string) bool {
	vec := map[string]bool{"OPENINFERENCE_HIDE_EMBEDDING_VECTORS": true, "OPENINFERENCE_HIDE_EMBEDDINGS_VECTORS": true}
	return vec[a] && vec[b]
}

func TestTraceConfigImageLengthFromEnv(t *testing.T) {
	for value, want := range map[string]int{
		"":        32000,
		"100":     100,
		" 5 ":     5,
		"0":       32000,
		"-3":      32000,
		"lots":    32000,
		"1e9":     32000,
		"9999999": 9999999,
	} {
		t.Setenv("OPENINFERENCE_BASE64_IMAGE_MAX_LENGTH", value)
		if got := sessiontrace.TraceConfigFromEnv().Base64ImageMaxLength; got != want {
			t.Errorf("%q: got %d, want %d", value, got, want)
		}
	}
}

func TestDefaultTraceConfig(t *testing.T) {
	if got := sessiontrace.DefaultTraceConfig(); got != (sessiontrace.TraceConfig{Base64ImageMaxLength: 32000}) {
		t.Errorf("DefaultTraceConfig() = %+v", got)
	}
}
