package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// The README's first command: offline, it prints both sessions with their
// turns and token totals, and finds no problem in the traces.
func TestQuickstartOffline(t *testing.T) {
	t.Setenv("OPENAI_API_KEY", "")
	t.Setenv("PHOENIX_COLLECTOR_ENDPOINT", "")
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "")
	var out bytes.Buffer
	if err := run(context.Background(), &out); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	got := out.String()
	for _, want := range []string{
		"(10 spans, 2 sessions)",
		"session trip-lisbon-4821  user alice  3 traces  142 tokens (110 prompt + 32 completion)",
		"session trip-kyoto-7310  user bob  2 traces  73 tokens (52 prompt + 21 completion)",
		"  1. I'm planning three days in Lisbon in May. Where should I stay?\n     → Stay in Alfama or Baixa",
		"  2. And how do I avoid the crowds at Tofuku-ji?\n     → Go at opening time",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "problem:") {
		t.Errorf("problems reported:\n%s", got)
	}
}
