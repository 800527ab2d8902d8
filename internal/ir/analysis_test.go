package ir

import (
	"math"
	"strings"
	"testing"
)

func TestAnalyzeKernels(t *testing.T) {
	for _, k := range Kernels {
		a, err := Analyze(k.Program)
		if err != nil {
			t.Fatal(err)
		}
		for i, in := range k.Code {
			c := a.Canon[i]
			if a.Canon[c] != c || k.Code[c].Op != in.Op || c > Value(i) {
				t.Errorf("%s: value %d: representative %d", k.Name, i, c)
			}
			if want := in.Op != OpInput; (in.Op.NArgs() == 0) && a.Invariant[i] != want {
				t.Errorf("%s: value %d (%v): invariant %v", k.Name, i, in.Op, a.Invariant[i])
			}
		}
		if a.Invariant[k.Out] || a.LastUse[k.Out] != len(k.Code) {
			t.Errorf("%s: output: invariant %v, last use %d", k.Name, a.Invariant[k.Out], a.LastUse[k.Out])
		}
	}
}

// TestNoDeadCode checks that no Program (the kernels, their fast
// sequences, the row and column passes) computes a value that nothing
// reads: the back ends emit every instruction.
func TestNoDeadCode(t *testing.T) {
	progs := append(append([]*Program(nil), RowPasses...), ColPasses...)
	for _, k := range Kernels {
		progs = append(progs, k.Program)
		if k.Fast != nil {
			progs = append(progs, k.Fast)
		}
	}
	for _, p := range progs {
		a, err := Analyze(p)
		if err != nil {
			t.Fatal(err)
		}
		for i, in := range p.Code {
			switch in.Op {
			case OpInput, OpConst, OpBits32, OpParam, OpLane, OpRedMax, OpRedSum, OpRedFMA:
				continue // no instruction of their own, or a reduction's effect
			}
			if a.Canon[i] == Value(i) && a.LastUse[i] < 0 {
				t.Errorf("%s: value %d (%v) is never read", p.Name, i, in.Op)
			}
		}
	}
}

// TestAnalyzeFacts checks the facts of a small program with a repeated
// constant and parameter, an invariant computation and a value read twice.
func TestAnalyzeFacts(t *testing.T) {
	p, b := newProgram("T", "alpha")
	x := b.op(OpWiden, F64, b.op(OpInput, F32))          // 0, 1
	c1 := b.c(1)                                         // 2
	a := b.op(OpWiden, F64, b.emit(Instr{Op: OpParam}))  // 3, 4
	ac := b.op(OpMul, F64, a, c1)                        // 5: invariant
	xx := b.op(OpMul, F64, x, x)                         // 6
	s8 := b.fma(xx, ac, b.c(1))                          // 7 (c1 again), 8
	a2 := b.op(OpWiden, F64, b.emit(Instr{Op: OpParam})) // 9 (3 again), 10
	s12 := b.fma(s8, a2, b.c(2))                         // 11, 12
	p.Out = b.op(OpNarrow, F32, s12)                     // 13
	an, err := Analyze(p)
	if err != nil {
		t.Fatal(err)
	}
	if len(an.Inputs) != 1 || an.Inputs[0] != 0 || !an.HasF64 {
		t.Errorf("Inputs %v, HasF64 %v", an.Inputs, an.HasF64)
	}
	if an.Canon[7] != c1 || an.Canon[9] != 3 || an.Canon[a2] != a2 {
		t.Errorf("representatives: %v", an.Canon)
	}
	for v, want := range map[Value]bool{0: false, x: false, c1: true, 3: true, a: true, ac: true, xx: false, s8: false, a2: true, p.Out: false} {
		if an.Invariant[v] != want {
			t.Errorf("value %d: invariant %v", v, an.Invariant[v])
		}
	}
	if got := an.Args(8); got[0] != xx || got[1] != ac || got[2] != c1 {
		t.Errorf("Args(8) = %v", got)
	}
	for v, want := range map[Value]int{0: 1, x: 2, c1: 1, 3: 0, a: 0, ac: 1, xx: 1, 7: 0, a2: 1, s12: 1} {
		if an.LoopReads[v] != want {
			t.Errorf("value %d: %d loop reads, want %d", v, an.LoopReads[v], want)
		}
	}
	for v, want := range map[Value]int{x: 6, c1: 8, 3: 10, a: 5, ac: 8, 7: -1, 9: -1, s12: 13, p.Out: 14} {
		if an.LastUse[v] != want {
			t.Errorf("value %d: last use %d, want %d", v, an.LastUse[v], want)
		}
	}
}

// TestAnalyzeTwoInputs checks the facts of a program reading y before x:
// both inputs are loop values, indexed by input.
func TestAnalyzeTwoInputs(t *testing.T) {
	p, b := newProgram("T2")
	y := b.input(1)
	x := b.input(0)
	p.Out = b.op(OpFMA, F32, x, y, x)
	an, err := Analyze(p)
	if err != nil {
		t.Fatal(err)
	}
	if len(an.Inputs) != 2 || an.Inputs[0] != x || an.Inputs[1] != y || an.Invariant[x] || an.Invariant[y] {
		t.Errorf("Inputs %v, invariant %v", an.Inputs, an.Invariant)
	}
	if p.Inputs() != 2 || p.Signature() != "func(dst, x, y []float32, alpha float32)" {
		t.Errorf("%d inputs, signature %q", p.Inputs(), p.Signature())
	}
	if got := EvalLane(p, []float32{3, 2}); got != 9 {
		t.Errorf("EvalLane(x=3, y=2) = %g, want 9", got)
	}
}

func TestAnalyzeErrors(t *testing.T) {
	for _, tc := range []struct {
		name  string
		build func(p *Program, b builder) Value
		want  string
	}{
		{"unknown op", func(p *Program, b builder) Value {
			b.op(OpInput, F32)
			return b.op(Op(200), F32, 0)
		}, "unknown op"},
		{"forward operand", func(p *Program, b builder) Value {
			x := b.op(OpInput, F32)
			return b.op(OpOr, F32, x, 3)
		}, "operand 1 is value 3, not defined before"},
		{"operand type", func(p *Program, b builder) Value {
			x := b.op(OpInput, F32)
			return b.op(OpNarrow, F32, x)
		}, "operand 0 (value 0) is F32, not F64"},
		{"result type", func(p *Program, b builder) Value {
			x := b.op(OpInput, F32)
			return b.op(OpNarrow, F32, b.op(OpOr, F64, b.op(OpWiden, F64, x), b.op(OpWiden, F64, x)))
		}, "OpOr is defined for [F32] only"},
		{"max bound", func(p *Program, b builder) Value {
			x := b.op(OpWiden, F64, b.op(OpInput, F32))
			return b.op(OpNarrow, F32, b.op(OpMax, F64, x, x))
		}, "the bound (value 1) is no OpConst"},
		{"NaN max bound", func(p *Program, b builder) Value {
			x := b.op(OpWiden, F64, b.op(OpInput, F32))
			return b.op(OpNarrow, F32, b.op(OpMax, F64, x, b.c(math.NaN())))
		}, "no OpConst other than NaN"},
		{"shift", func(p *Program, b builder) Value {
			x := b.op(OpWiden, F64, b.op(OpInput, F32))
			return b.op(OpNarrow, F32, b.emit(Instr{Op: OpShl, Type: F64, Args: [3]Value{x}, Imm: 64}))
		}, "shift by 64"},
		{"parameter", func(p *Program, b builder) Value {
			x := b.op(OpInput, F32)
			return b.op(OpMul, F32, x, b.emit(Instr{Op: OpParam, Type: F32, Imm: 1}))
		}, "parameter 1 of 1"},
		{"two parameters", func(p *Program, b builder) Value {
			p.Params = append(p.Params, "beta")
			return b.op(OpInput, F32)
		}, "2 parameters"},
		{"input read twice", func(p *Program, b builder) Value {
			x := b.op(OpInput, F32)
			return b.op(OpOr, F32, x, b.op(OpInput, F32))
		}, "a second OpInput of input 0"},
		{"second input read twice", func(p *Program, b builder) Value {
			x := b.op(OpMul, F32, b.input(0), b.input(1))
			return b.op(OpOr, F32, x, b.input(1))
		}, "a second OpInput of input 1 (the first is 1)"},
		{"third input", func(p *Program, b builder) Value {
			return b.op(OpMul, F32, b.input(0), b.input(2))
		}, "input 2; a kernel has at most 2"},
		{"y without x", func(p *Program, b builder) Value {
			return b.op(OpMul, F32, b.input(1), b.bits(0))
		}, "no OpInput of input 0, which input 1 follows"},
		{"no input", func(p *Program, b builder) Value {
			return b.bits(0)
		}, "no OpInput"},
		{"OpLess as a value", func(p *Program, b builder) Value {
			x := b.op(OpInput, F32)
			return b.op(OpMul, F32, x, b.op(OpLess, F32, x, b.k(1)))
		}, "instruction 3 reads OpLess 2"},
		{"OpLess as a selected value", func(p *Program, b builder) Value {
			x := b.op(OpInput, F32)
			return b.op(OpSelNeg, F32, x, b.op(OpLess, F32, x, b.k(1)), x)
		}, "instruction 3 reads OpLess 2"},
		{"OpLess as the output", func(p *Program, b builder) Value {
			x := b.op(OpInput, F32)
			return b.op(OpLess, F32, x, b.k(1))
		}, "output 2 is an OpLess"},
		{"output out of range", func(p *Program, b builder) Value {
			b.op(OpInput, F32)
			return 1
		}, "output 1 is no value"},
		{"output type", func(p *Program, b builder) Value {
			return b.op(OpWiden, F64, b.op(OpInput, F32))
		}, "output 1 is F64, not F32"},
		{"invariant output", func(p *Program, b builder) Value {
			b.op(OpInput, F32)
			return b.emit(Instr{Op: OpParam, Type: F32})
		}, "does not depend on the input"},
	} {
		p, b := newProgram("Bad", "alpha")
		p.Out = tc.build(p, b)
		_, err := Analyze(p)
		if err == nil || !strings.HasPrefix(err.Error(), "program Bad: ") || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one naming program Bad and saying %q", tc.name, err, tc.want)
		}
	}
}

// fma emits the float64 a*b + c.
func (b builder) fma(x, y, z Value) Value { return b.op(OpFMA, F64, x, y, z) }
