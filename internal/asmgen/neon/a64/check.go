package a64

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

	"golang.org/x/arch/arm64/arm64asm"
)

// Decode returns the GNU spelling of word as golang.org/x/arch decodes it.
func Decode(word uint32) (string, error) {
	var b [4]byte
	binary.LittleEndian.PutUint32(b[:], word)
	in, err := arm64asm.Decode(b[:])
	if err != nil {
		return "", err
	}
	return arm64asm.GNUSyntax(in), nil
}

var spaces = regexp.MustCompile(`\s+`)

// Normalize makes two GNU spellings of one instruction compare equal:
// lower case, single spaces, no space after commas, #0.0 written #0.
func Normalize(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	s = spaces.ReplaceAllString(s, " ")
	s = strings.ReplaceAll(s, ", ", ",")
	s = strings.ReplaceAll(s, "#0.0", "#0")
	return s
}

// CheckDecode decodes every word and reports each whose decoding differs
// from its GNU text.
func CheckDecode(insts []Inst) []string {
	var bad []string
	for _, in := range insts {
		got, err := Decode(in.Word)
		if err != nil {
			bad = append(bad, fmt.Sprintf("0x%08x (%s): %v", in.Word, in.GNU, err))
			continue
		}
		if Normalize(got) != Normalize(in.GNU) {
			bad = append(bad, fmt.Sprintf("0x%08x decodes as %q, comment says %q", in.Word, got, in.GNU))
		}
	}
	return bad
}

// GNUAs is the binutils assembler the assembler check runs.
const GNUAs = "aarch64-linux-gnu-as"

// CheckAssembler assembles every GNU text with GNUAs (in dir) and reports
// each instruction whose word differs from the encoder's.
func CheckAssembler(dir string, insts []Inst) ([]string, error) {
	var src bytes.Buffer
	for _, in := range insts {
		fmt.Fprintf(&src, "\t%s\n", in.GNU)
	}
	s, o := filepath.Join(dir, "x.s"), filepath.Join(dir, "x.o")
	if err := os.WriteFile(s, src.Bytes(), 0o644); err != nil {
		return nil, err
	}
	if out, err := exec.Command(GNUAs, "-o", o, s).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("%s: %v\n%s", GNUAs, err, out)
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
			bad = append(bad, fmt.Sprintf("%s: encoder 0x%08x, %s 0x%08x", in.GNU, in.Word, GNUAs, words[i]))
		}
	}
	return bad, nil
}
