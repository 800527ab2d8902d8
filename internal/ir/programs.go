package ir

import "github.com/rectify-go/rectify/kernels"

// expCore emits the shared exponential core for z <= 0 (see the package
// documentation) and returns s = 2^n and q = expm1(t).
func (b builder) expCore(z Value) (s, q Value) {
	shift := b.c(kernels.ExpShift)
	kd := b.fma(z, b.c(kernels.Log2e), shift)
	n := b.op(OpSub, F64, kd, shift)
	t := b.fma(n, b.c(-kernels.Ln2), z)
	p := b.c(kernels.Expm1C7)
	for _, c := range []float64{kernels.Expm1C6, kernels.Expm1C5, kernels.Expm1C4, kernels.Expm1C3, kernels.Expm1C2} {
		p = b.fma(p, t, b.c(c))
	}
	q = b.fma(b.op(OpMul, F64, t, t), p, t)
	s = b.emit(Instr{Op: OpShl, Type: F64, Args: [3]Value{kd}, Imm: kernels.ExpShiftBits})
	return s, q
}

func newProgram(name string, params ...string) (*Program, builder) {
	p := &Program{Name: name, Params: params}
	return p, builder{p}
}

// reluProgram: x < 0 ? +0 : x.
func reluProgram() *Program {
	p, b := newProgram("ReLU")
	x := b.op(OpInput, F32)
	p.Out = b.op(OpSelNeg, F32, x, b.bits(0), x)
	return p
}

// leakyReLUProgram: x < 0 ? alpha*x : x, a NaN product (alpha NaN, or
// 0 * -Inf) made the canonical quiet NaN.
func leakyReLUProgram() *Program {
	p, b := newProgram("LeakyReLU", "alpha")
	x := b.op(OpInput, F32)
	a := b.emit(Instr{Op: OpParam, Type: F32, Imm: 0})
	y := b.op(OpCanon, F32, b.op(OpMul, F32, a, x))
	p.Out = b.op(OpSelNeg, F32, x, y, x)
	return p
}

// eluProgram: x < 0 ? alpha*expm1(max(x, kernels.ELUClamp)) : x, NaN quieted.
func eluProgram() *Program {
	p, b := newProgram("ELU", "alpha")
	x := b.op(OpInput, F32)
	a := b.op(OpWiden, F64, b.emit(Instr{Op: OpParam, Type: F32, Imm: 0}))
	z := b.op(OpMax, F64, b.op(OpWiden, F64, x), b.c(kernels.ELUClamp))
	s, q := b.expCore(z)
	em1 := b.fma(s, q, b.op(OpSub, F64, s, b.c(1)))
	y := b.op(OpNarrow, F32, b.op(OpMul, F64, a, em1))
	p.Out = b.op(OpQuiet, F32, x, b.op(OpSelNeg, F32, x, y, x))
	return p
}

// negAbs emits -|x| widened to float64, clamped below at kernels.ExpClamp.
func (b builder) negAbs(x Value) Value {
	nx := b.op(OpOr, F32, x, b.bits(kernels.SignBit))
	return b.op(OpMax, F64, b.op(OpWiden, F64, nx), b.c(kernels.ExpClamp))
}

// softplusProgram: max(x, 0) + log1p(e) with e = exp(-|x|), NaN quieted.
func softplusProgram() *Program {
	p, b := newProgram("Softplus")
	x := b.op(OpInput, F32)
	s, q := b.expCore(b.negAbs(x))
	e := b.fma(s, q, s)
	w := b.op(OpDiv, F64, e, b.op(OpAdd, F64, b.c(2), e))
	u := b.op(OpMul, F64, w, w)
	r := b.c(kernels.Atanh11)
	for _, c := range []float64{kernels.Atanh9, kernels.Atanh7, kernels.Atanh5, kernels.Atanh3} {
		r = b.fma(r, u, b.c(c))
	}
	l := b.fma(b.op(OpMul, F64, w, u), r, b.op(OpAdd, F64, w, w))
	x64 := b.op(OpWiden, F64, x)
	m := b.op(OpSelSign, F64, x64, b.c(0), x64)
	y := b.op(OpNarrow, F32, b.op(OpAdd, F64, m, l))
	p.Out = b.op(OpQuiet, F32, x, y)
	return p
}

// sigmoidProgram: (x < 0 ? e : 1) / (1 + e) with e = exp(-|x|), NaN quieted.
func sigmoidProgram() *Program {
	p, b := newProgram("Sigmoid")
	x := b.op(OpInput, F32)
	s, q := b.expCore(b.negAbs(x))
	e := b.fma(s, q, s)
	one := b.c(1)
	num := b.op(OpSelSign, F64, b.op(OpWiden, F64, x), e, one)
	y := b.op(OpNarrow, F32, b.op(OpDiv, F64, num, b.op(OpAdd, F64, one, e)))
	p.Out = b.op(OpQuiet, F32, x, y)
	return p
}
