package ir

import (
	"fmt"
	"math"
	"slices"
)

// An Analysis is what every back end needs to know about a Program's
// values beyond the instructions themselves. Analyze computes it once, so
// that the back ends agree on it; what a back end decides from it (which
// values to keep in registers, which constants to read from memory) stays
// in the back end.
type Analysis struct {
	P *Program
	// Inputs are the program's OpInputs, by input index: one per input
	// slice it reads (Program.Inputs).
	Inputs []Value
	// Canon is each value's representative: for a constant, the first
	// definition of an equal one (OpConst with the same bits, OpBits32 with
	// the same pattern); for a parameter, the first OpParam of the same
	// index; the value itself otherwise. Args returns representatives, and
	// the facts below are recorded on them.
	Canon []Value
	// Invariant marks the loop-invariant values: parameters, constants and
	// anything computed from them alone, the same in every lane and every
	// element. The other instructions are the loop's: they depend on the
	// input.
	Invariant []bool
	// LoopReads counts the operand reads of each value by loop
	// instructions (an instruction reading a value twice counts twice).
	LoopReads []int
	// LastUse is the index of the last instruction reading each value,
	// len(Code) for Out, -1 for a value that nothing reads.
	LastUse []int
	// HasF64 reports whether some instruction computes float64 lanes.
	HasF64 bool
}

// Args returns the operands of instruction i as representatives (Canon).
func (a *Analysis) Args(i int) []Value {
	in := a.P.Code[i]
	out := make([]Value, in.Op.NArgs())
	for k := range out {
		out[k] = a.Canon[in.Args[k]]
	}
	return out
}

// LessCond reports whether in is an OpSelNeg whose condition is an
// OpLess: a comparison that the back ends lower into the select's mask.
func (a *Analysis) LessCond(in Instr) bool {
	return in.Op == OpSelNeg && a.P.Code[a.Canon[in.Args[0]]].Op == OpLess
}

// Analyze checks that p is a well-formed Program and analyses its values.
// It reports what is wrong with p as an error naming p: an unknown Op; an
// operand not defined before its use or of the wrong lane type (see Op);
// an F64 OpMax bound that is no constant, or NaN; a shift by the lane's
// width or more;
// a parameter beyond Params, or more parameters than Signature has (a row
// pass: see RowState); a reduction outside a row pass; an
// input index of MaxInputs or more, two OpInputs of one index, no OpInput of
// a lower index (no OpInput at all); an OpLess read other than as an
// OpSelNeg's condition; an output that is not a float32 value
// depending on an input (a row pass may have none, NoOut, if it reduces).
func Analyze(p *Program) (*Analysis, error) {
	n := len(p.Code)
	a := &Analysis{P: p, Canon: make([]Value, n), Invariant: make([]bool, n),
		LoopReads: make([]int, n), LastUse: make([]int, n)}
	fail := func(format string, args ...any) (*Analysis, error) {
		return nil, fmt.Errorf("program %s: "+format, append([]any{p.Name}, args...)...)
	}
	if len(p.Params) > 1 {
		return fail("%d parameters; the kernel signature %q has one", len(p.Params), Signature(1))
	}
	// Representatives of constants and parameters, by op and bits or index.
	type constKey struct {
		op   Op
		bits uint64
	}
	seen := map[constKey]Value{}
	for i, in := range p.Code {
		v := Value(i)
		a.Canon[i] = v
		a.LastUse[i] = -1
		if err := checkInstr(p, i); err != nil {
			return fail("instruction %d (%v %v): %v", i, in.Op, in.Type, err)
		}
		a.HasF64 = a.HasF64 || in.Type == F64
		var key constKey
		switch in.Op {
		case OpInput:
			k := int(in.Imm)
			if k >= MaxInputs {
				return fail("instruction %d: input %d; a kernel has at most %d", i, k, MaxInputs)
			}
			for len(a.Inputs) <= k {
				a.Inputs = append(a.Inputs, -1)
			}
			if a.Inputs[k] >= 0 {
				return fail("instruction %d: a second OpInput of input %d (the first is %d)", i, k, a.Inputs[k])
			}
			a.Inputs[k] = v
			continue
		case OpLane: // varies with the lane: AVX2 and NEON hold a group in several vectors
			continue
		case OpConst:
			key = constKey{in.Op, math.Float64bits(in.Const)}
		case OpBits32, OpParam:
			key = constKey{in.Op, uint64(in.Imm) | uint64(in.Type)<<32}
		default:
			a.Invariant[i] = true
			for _, x := range a.Args(i) {
				a.Invariant[i] = a.Invariant[i] && a.Invariant[x]
			}
			continue
		}
		if c, ok := seen[key]; ok {
			a.Canon[i] = c
		} else {
			seen[key] = v
		}
		a.Invariant[i] = true
	}
	for k, v := range a.Inputs {
		if v < 0 {
			return fail("no OpInput of input %d, which input %d follows", k, len(a.Inputs)-1)
		}
	}
	reduces := slices.ContainsFunc(p.Code, func(in Instr) bool { return in.Op == OpRedMax || in.Op == OpRedSum || in.Op == OpRedFMA })
	switch {
	case len(a.Inputs) == 0:
		return fail("no OpInput")
	case p.Repeat && (p.Row || len(a.Inputs) != 2):
		return fail("Repeat on a program that is no elementwise kernel of two inputs")
	case p.Row && len(a.Inputs) > len(RowSignatures):
		return fail("a row pass reads one or two inputs, not %d", len(a.Inputs))
	case p.Row && p.Out == NoOut && !reduces:
		return fail("a row pass with neither output nor reduction")
	case p.Row && p.Out == NoOut:
	case p.Out < 0 || int(p.Out) >= n:
		return fail("output %d is no value of the program", p.Out)
	case p.Code[p.Out].Type != F32:
		return fail("output %d is %v, not F32", p.Out, p.Code[p.Out].Type)
	case p.Code[p.Out].Op == OpLess:
		return fail("output %d is an OpLess", p.Out)
	case a.Invariant[p.Out]:
		return fail("output %d does not depend on the input", p.Out)
	}
	for i, in := range p.Code {
		for k, x := range a.Args(i) {
			if p.Code[x].Op == OpLess && (in.Op != OpSelNeg || k != 0) {
				return fail("instruction %d reads OpLess %d, which only an OpSelNeg's condition may", i, x)
			}
			a.LastUse[x] = i
			if !a.Invariant[i] {
				a.LoopReads[x]++
			}
		}
	}
	if p.Out != NoOut {
		a.LastUse[p.Out] = n
	}
	return a, nil
}

// checkInstr checks instruction i of p on its own: its Op and type, and
// its operands' definitions and types.
func checkInstr(p *Program, i int) error {
	in := p.Code[i]
	if !in.Op.valid() {
		return fmt.Errorf("unknown op")
	}
	spec := opSpecs[in.Op]
	if !slices.Contains(spec.types, in.Type) {
		return fmt.Errorf("%v is defined for %v only", in.Op, spec.types)
	}
	want := spec.arg
	if want == asResult {
		want = in.Type
	}
	for k, x := range in.Args[:spec.nargs] {
		if x < 0 || int(x) >= i {
			return fmt.Errorf("operand %d is value %d, not defined before", k, x)
		}
		if t := p.Code[x].Type; t != want && !(in.Op == OpSelSign && k == 0 && t == F32) {
			return fmt.Errorf("operand %d (value %d) is %v, not %v", k, x, t, want)
		}
	}
	switch in.Op {
	case OpParam:
		switch {
		case p.Row && in.Imm != 0 && !(in.Type == F64 && in.Imm == 1):
			return fmt.Errorf("parameter %d of a row pass, whose parameters are M (F32, Imm 0) and C, D (F64, Imm 0, 1)", in.Imm)
		case !p.Row && in.Type == F64:
			return fmt.Errorf("an F64 parameter outside a row pass")
		case !p.Row && int(in.Imm) >= len(p.Params):
			return fmt.Errorf("parameter %d of %d", in.Imm, len(p.Params))
		}
	case OpRedMax, OpRedSum, OpRedFMA, OpLane:
		if !p.Row {
			return fmt.Errorf("%v outside a row pass", in.Op)
		}
		if in.Imm > 1 || ((in.Op == OpRedMax || in.Op == OpRedFMA) && in.Imm != 0) {
			return fmt.Errorf("%v with Imm %d", in.Op, in.Imm)
		}
	case OpMax:
		if b := p.Code[in.Args[1]]; in.Type == F64 && (b.Op != OpConst || math.IsNaN(b.Const)) {
			return fmt.Errorf("the bound (value %d) is no OpConst other than NaN", in.Args[1])
		}
	case OpShl:
		if in.Type == F32 && in.Imm >= 32 || in.Imm >= 64 {
			return fmt.Errorf("shift by %d", in.Imm)
		}
	}
	return nil
}
