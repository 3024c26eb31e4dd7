package readme

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// snippet is one ```go block of the README.
type snippet struct {
	line int // README.md's line of the block's first line of code
	code string
}

// goBlocks returns the ```go blocks of a Markdown text.
func goBlocks(markdown []byte) []snippet {
	var blocks []snippet
	var code strings.Builder
	in := false
	for i, line := range strings.Split(string(markdown), "\n") {
		switch {
		case !in && strings.TrimSpace(line) == "```go":
			in = true
			blocks = append(blocks, snippet{line: i + 2})
			code.Reset()
		case in && strings.TrimSpace(line) == "```":
			in = false
			blocks[len(blocks)-1].code = code.String()
		case in:
			code.WriteString(line + "\n")
		}
	}
	return blocks
}

func TestGoBlocks(t *testing.T) {
	md := "# t\n\n```go\npackage a\n```\n\ntext\n\n```sh\nls\n```\n```go\npackage b\n\nfunc F() {}\n```\n"
	got := goBlocks([]byte(md))
	want := []snippet{{4, "package a\n"}, {13, "package b\n\nfunc F() {}\n"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("goBlocks = %+v, want %+v", got, want)
	}
}

// hasMain reports whether f declares func main.
func hasMain(f *ast.File) bool {
	for _, d := range f.Decls {
		if fn, ok := d.(*ast.FuncDecl); ok && fn.Recv == nil && fn.Name.Name == "main" {
			return true
		}
	}
	return false
}

// TestSnippetsBuild writes each ```go block of README.md into a package of
// its own (a _test.go file when it imports "testing") in one temporary
// module that requires this checkout, at the versions of its go.mod, then
// vets them all at once, which type-checks every file, and runs the tests
// among them. A //line directive makes every error name README.md's line.
func TestSnippetsBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("builds every Go snippet of README.md in a module of its own")
	}
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	snippets := goBlocks(readme)
	if len(snippets) == 0 {
		t.Fatal("README.md has no ```go block")
	}

	dir := t.TempDir()
	for i, s := range snippets {
		// Positions in errors, from the parser here or the go command
		// later, are README.md's.
		src := fmt.Sprintf("//line %s:%d\n%s", filepath.Join(root, "README.md"), s.line, s.code)
		f, err := parser.ParseFile(token.NewFileSet(), "snippet.go", src, parser.SkipObjectResolution)
		if err != nil {
			t.Errorf("%v\n(every ```go block of README.md is a complete Go file: package clause, imports, code)", err)
			continue
		}
		if f.Name.Name == "main" && !hasMain(f) {
			t.Errorf("README.md:%d: package main without func main", s.line)
		}
		if formatted, err := format.Source([]byte(s.code)); err == nil && !bytes.Equal(formatted, []byte(s.code)) {
			t.Errorf("README.md:%d: the snippet is not gofmt'd; gofmt writes it:\n%s", s.line, formatted)
		}
		name := "snippet.go"
		for _, imp := range f.Imports {
			if imp.Path.Value == strconv.Quote("testing") {
				name = "snippet_test.go"
			}
		}
		pkg := filepath.Join(dir, fmt.Sprintf("s%02d", i+1))
		if err := os.Mkdir(pkg, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(pkg, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if t.Failed() {
		return
	}

	// The checkout's go.mod, renamed, with the checkout required by path.
	gomod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	mod, _, _ := bytes.Cut(gomod, []byte("\n"))
	if !bytes.HasPrefix(mod, []byte("module ")) {
		t.Fatalf("go.mod does not start with its module line: %q", mod)
	}
	self := string(bytes.TrimPrefix(mod, []byte("module ")))
	gomod = append([]byte("module readme.snippets"), gomod[len(mod):]...)
	gomod = fmt.Appendf(gomod, "\nrequire %s v0.0.0\n\nreplace %s => %s\n", self, self, root)
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), gomod, 0o644); err != nil {
		t.Fatal(err)
	}
	sums, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "go.sum"), sums, 0o644); err != nil {
		t.Fatal(err)
	}

	// vet type-checks every file, tests included (go build would add only
	// the check for func main, above, and seconds of linking); test runs
	// the tests.
	for _, args := range [][]string{{"vet", "./..."}, {"test", "./..."}} {
		cmd := exec.CommandContext(t.Context(), "go", args...)
		cmd.Dir = dir
		// Offline, from the module cache; GOFLAGS from outside (-mod=vendor,
		// -race) would not fit this module.
		cmd.Env = append(os.Environ(), "GOWORK=off", "GOPROXY=off", "GOFLAGS=-mod=mod")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go %s: README.md's Go snippets do not build as copied:\n%s", strings.Join(args, " "), out)
		}
	}
}
