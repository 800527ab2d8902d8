package main

import (
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/rectify-go/rectify/internal/asmgen/neon/a64"
)

// The generated files, relative to this package.
const (
	asmFile = "../../../kernels_arm64.s"
)

var wordLine = regexp.MustCompile(`^\s*WORD\s+\$0x([0-9a-fA-F]{8})\s*//\s*(.+?)\s*$`)

// words returns every WORD directive of the generated assembly with its
// comment.
func words(t *testing.T) []a64.Inst {
	t.Helper()
	src, err := os.ReadFile(asmFile)
	if err != nil {
		t.Fatal(err)
	}
	var out []a64.Inst
	for i, line := range strings.Split(string(src), "\n") {
		if !strings.Contains(line, "WORD") {
			continue
		}
		m := wordLine.FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("%s:%d: WORD without a GNU comment: %q", asmFile, i+1, line)
		}
		w, _ := strconv.ParseUint(m[1], 16, 32)
		out = append(out, a64.Inst{Word: uint32(w), GNU: m[2]})
	}
	if len(out) == 0 {
		t.Fatalf("no WORD lines in %s", asmFile)
	}
	return out
}

// TestWordsDecode decodes every WORD of kernels_arm64.s with
// golang.org/x/arch/arm64/arm64asm and compares it with its comment.
func TestWordsDecode(t *testing.T) {
	ws := words(t)
	for _, b := range a64.CheckDecode(ws) {
		t.Error(b)
	}
	t.Logf("%d WORD lines decoded", len(ws))
}

// TestWordsAssemble assembles every WORD's comment with binutils and
// compares the encodings.
func TestWordsAssemble(t *testing.T) {
	if _, err := exec.LookPath(a64.GNUAs); err != nil {
		t.Skipf("%s not installed", a64.GNUAs)
	}
	ws := words(t)
	bad, err := a64.CheckAssembler(t.TempDir(), ws)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range bad {
		t.Error(b)
	}
	t.Logf("%d WORD lines assembled", len(ws))
}
