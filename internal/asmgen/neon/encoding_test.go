package main

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/arch/arm64/arm64asm"

	"github.com/rectify-go/rectify/internal/asmgen/neon/a64"
)

// decode returns the GNU spelling of word as golang.org/x/arch decodes it.
func decode(word uint32) (string, error) {
	var b [4]byte
	binary.LittleEndian.PutUint32(b[:], word)
	in, err := arm64asm.Decode(b[:])
	if err != nil {
		return "", err
	}
	return arm64asm.GNUSyntax(in), nil
}

var spaces = regexp.MustCompile(`\s+`)

// normalize makes two GNU spellings of one instruction compare equal:
// lower case, single spaces, no space after commas, #0.0 written #0.
func normalize(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	s = spaces.ReplaceAllString(s, " ")
	s = strings.ReplaceAll(s, ", ", ",")
	s = strings.ReplaceAll(s, "#0.0", "#0")
	return s
}

// checkDecode decodes every word and reports each whose decoding differs
// from its GNU text.
func checkDecode(insts []a64.Inst) []string {
	var bad []string
	for _, in := range insts {
		got, err := decode(in.Word)
		if err != nil {
			bad = append(bad, fmt.Sprintf("0x%08x (%s): %v", in.Word, in.GNU, err))
			continue
		}
		if normalize(got) != normalize(in.GNU) {
			bad = append(bad, fmt.Sprintf("0x%08x decodes as %q, comment says %q", in.Word, got, in.GNU))
		}
	}
	return bad
}

// gnuAs is the binutils assembler the assembler check runs.
const gnuAs = "aarch64-linux-gnu-as"

// checkAssembler assembles every GNU text with gnuAs (in dir) and reports
// each instruction whose word differs from the encoder's.
func checkAssembler(dir string, insts []a64.Inst) ([]string, error) {
	var src bytes.Buffer
	for _, in := range insts {
		fmt.Fprintf(&src, "\t%s\n", in.GNU)
	}
	s, o := filepath.Join(dir, "x.s"), filepath.Join(dir, "x.o")
	if err := os.WriteFile(s, src.Bytes(), 0o644); err != nil {
		return nil, err
	}
	if out, err := exec.Command(gnuAs, "-o", o, s).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("%s: %v\n%s", gnuAs, err, out)
	}
	// Read the words back through objdump, which ships with the assembler.
	out, err := exec.Command("aarch64-linux-gnu-objdump", "-d", o).Output()
	if err != nil {
		return nil, fmt.Errorf("aarch64-linux-gnu-objdump: %v", err)
	}
	var words []uint32
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Split(line, "\t")
		if len(f) < 3 || !strings.HasSuffix(strings.TrimSpace(f[0]), ":") {
			continue
		}
		w, err := strconv.ParseUint(strings.TrimSpace(f[1]), 16, 32)
		if err != nil {
			continue
		}
		words = append(words, uint32(w))
	}
	if len(words) != len(insts) {
		return nil, fmt.Errorf("objdump listed %d instructions, want %d", len(words), len(insts))
	}
	var bad []string
	for i, in := range insts {
		if words[i] != in.Word {
			bad = append(bad, fmt.Sprintf("%s: encoder 0x%08x, %s 0x%08x", in.GNU, in.Word, gnuAs, words[i]))
		}
	}
	return bad, nil
}

// testDecode checks insts with checkDecode.
func testDecode(t *testing.T, insts []a64.Inst) {
	t.Helper()
	for _, b := range checkDecode(insts) {
		t.Error(b)
	}
	t.Logf("%d words decoded", len(insts))
}

// testAssembler checks insts with checkAssembler where binutils is
// installed.
func testAssembler(t *testing.T, insts []a64.Inst) {
	t.Helper()
	if _, err := exec.LookPath(gnuAs); err != nil {
		t.Skipf("%s not installed", gnuAs)
	}
	bad, err := checkAssembler(t.TempDir(), insts)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range bad {
		t.Error(b)
	}
	t.Logf("%d words assembled", len(insts))
}

var testRegs = []int{0, 1, 7, 8, 15, 16, 30, 31}

// allForms returns every instruction form package a64 encodes, over the
// given registers.
func allForms(regs []int) []a64.Inst {
	var out []a64.Inst
	for _, a := range []a64.Arrangement{a64.S4, a64.D2} {
		for _, d := range regs {
			for _, n := range regs {
				out = append(out, a64.FCMLTZ(a, d, n), a64.CMLTZ(a, d, n))
				for _, m := range regs {
					out = append(out, a64.FADD(a, d, n, m), a64.FSUB(a, d, n, m), a64.FMUL(a, d, n, m),
						a64.FDIV(a, d, n, m), a64.FMAX(a, d, n, m), a64.FMAXNM(a, d, n, m), a64.FMIN(a, d, n, m), a64.FCMEQ(a, d, n, m), a64.FCMGT(a, d, n, m), a64.FACGE(a, d, n, m))
				}
			}
		}
	}
	for _, d := range regs {
		for _, n := range regs {
			out = append(out, a64.FCVTL(false, d, n), a64.FCVTL(true, d, n), a64.FCVTN(false, d, n), a64.FCVTN(true, d, n),
				a64.UMINV(d, n))
		}
	}
	return out
}

// TestEncodingsDecode decodes every form package a64 encodes, over a set of
// registers, with golang.org/x/arch/arm64/arm64asm.
func TestEncodingsDecode(t *testing.T) { testDecode(t, allForms(testRegs)) }

// TestEncodingsAssemble compares every form package a64 encodes, over a set
// of registers, with binutils' encoding.
func TestEncodingsAssemble(t *testing.T) { testAssembler(t, allForms(testRegs)) }
