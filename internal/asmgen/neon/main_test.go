package main

import (
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/rectify-go/rectify/internal/asmgen/neon/a64"
	"github.com/rectify-go/rectify/internal/ir"
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
func TestWordsDecode(t *testing.T) { testDecode(t, words(t)) }

// TestWordsAssemble assembles every WORD's comment with binutils and
// compares the encodings.
func TestWordsAssemble(t *testing.T) { testAssembler(t, words(t)) }

// TestLowerErrors checks that a Program the NEON back end cannot lower is
// reported as an error naming it, not a panic.
func TestLowerErrors(t *testing.T) {
	add := func(p *ir.Program, in ir.Instr) ir.Value {
		p.Code = append(p.Code, in)
		return ir.Value(len(p.Code) - 1)
	}
	x64 := func(p *ir.Program) ir.Value {
		return add(p, ir.Instr{Op: ir.OpWiden, Type: ir.F64, Args: [3]ir.Value{add(p, ir.Instr{Op: ir.OpInput})}})
	}
	narrow := func(p *ir.Program, v ir.Value) ir.Value {
		return add(p, ir.Instr{Op: ir.OpNarrow, Args: [3]ir.Value{v}})
	}

	bad := &ir.Program{Name: "Bad"}
	bad.Out = narrow(bad, add(bad, ir.Instr{Op: ir.OpOr, Type: ir.F64, Args: [3]ir.Value{x64(bad), 1}}))

	// The sum of x*c for 40 constants c: 40 constant registers (distinct
	// constants), or 80 registers for the products of one vector (one
	// constant 40 times).
	sum := func(name string, konst func(k int) float64) *ir.Program {
		p := &ir.Program{Name: name}
		x := x64(p)
		var terms []ir.Value
		for k := range 40 {
			c := add(p, ir.Instr{Op: ir.OpConst, Type: ir.F64, Const: konst(k)})
			terms = append(terms, add(p, ir.Instr{Op: ir.OpMul, Type: ir.F64, Args: [3]ir.Value{x, c}}))
		}
		s := terms[0]
		for _, v := range terms[1:] {
			s = add(p, ir.Instr{Op: ir.OpAdd, Type: ir.F64, Args: [3]ir.Value{s, v}})
		}
		p.Out = narrow(p, s)
		return p
	}
	consts := sum("Consts", func(k int) float64 { return float64(k + 2) })
	wide := sum("Wide", func(int) float64 { return 2 })

	for _, tc := range []struct {
		p    *ir.Program
		want string
	}{
		{bad, "program Bad: instruction 2 (OpOr F64): OpOr is defined for [F32] only"},
		// Its constants fit once some stay in memory; its terms do not.
		{consts, "constsNEON: main loop: out of vector registers"},
		{wide, "wideNEON: main loop: out of vector registers"},
	} {
		if _, err := lowerKernel(tc.p, tc.p.FuncName("NEON")); err == nil || err.Error() != tc.want {
			t.Errorf("%s: error %v, want %q", tc.p.Name, err, tc.want)
		}
	}

	// x times 40 constants in turn: one value live, 40 constant
	// registers, more than a loop leaves; those read least stay in memory
	// (spillOrder), each loaded where it is read.
	chain := &ir.Program{Name: "Chain"}
	v := x64(chain)
	for k := range 40 {
		c := add(chain, ir.Instr{Op: ir.OpConst, Type: ir.F64, Const: float64(k + 2)})
		v = add(chain, ir.Instr{Op: ir.OpMul, Type: ir.F64, Args: [3]ir.Value{v, c}})
	}
	chain.Out = narrow(chain, v)
	asm, err := lowerKernel(chain, "chainNEON")
	if err != nil {
		t.Fatalf("Chain: %v", err)
	}
	if n := strings.Count(asm, "(R4), F"); n == 0 {
		t.Errorf("Chain: no constant loaded from memory in the loop:\n%s", asm)
	}
}
