package main

import "testing"

func TestProblems(t *testing.T) {
	in := "goos: linux\ngoarch: amd64\npkg: example.com/m/p\ncpu: Xeon\n" +
		"BenchmarkF/ok-2         \t       1\t       395.0 ns/op\t       0 B/op\t       0 allocs/op\n" +
		"noise on stderr\n--- FAIL: BenchmarkF/bad\n    f_test.go:12: boom\n--- FAIL: BenchmarkF\nFAIL\n" +
		"exit status 1\nFAIL\texample.com/m/p\t0.013s\n" +
		"PASS\nok  \texample.com/m/q\t0.1s\n" +
		"# example.com/m/r\nr/x.go:3:1: syntax error\n"
	want := "noise on stderr\n--- FAIL: BenchmarkF/bad\n    f_test.go:12: boom\n--- FAIL: BenchmarkF\nFAIL\n" +
		"exit status 1\nFAIL\texample.com/m/p\t0.013s\n" +
		"# example.com/m/r\nr/x.go:3:1: syntax error\n"
	if got := problems([]byte(in)); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}
