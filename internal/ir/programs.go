package ir

import (
	"math"

	"github.com/rectify-go/rectify/kernels"
)

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

// eluProgram: x < 0 ? alpha*expm1(max(x, ELUClamp)) : x, NaN inputs
// quieted, NaN results canonical,
// with the polynomial scaled by alpha and the Fast2Sum of the package
// kernels documentation.
func eluProgram() *Program {
	p, b := newProgram("ELU", "alpha")
	x := b.op(OpInput, F32)
	alpha := b.emit(Instr{Op: OpParam, Type: F32, Imm: 0})
	var a []Value // alpha * D7..D2, loop-invariant
	for _, d := range b.consts(kernels.Expm1D7, kernels.Expm1D6, kernels.Expm1D5, kernels.Expm1D4, kernels.Expm1D3, kernels.Expm1D2) {
		a = append(a, b.f(OpMul, alpha, d))
	}
	z := b.f(OpMax, x, b.k(kernels.ELUClamp))
	n, s := b.pow2(z, b.k(kernels.ExpMagic))
	t := b.f(OpFMA, n, b.k(-kernels.Ln2), z)
	poly := b.horner(t, a...)
	am1 := b.f(OpSub, s, b.k(1))
	bt := b.f(OpMul, s, t)
	q := b.f(OpMul, bt, t)
	hi := b.f(OpAdd, am1, bt)
	lo := b.f(OpSub, bt, b.f(OpSub, hi, am1))
	y := b.f(OpFMA, alpha, hi, b.f(OpFMA, q, poly, b.f(OpMul, alpha, lo)))
	// A NaN y (alpha NaN or infinite) is made canonical: its payload
	// would depend on the ISA.
	y = b.op(OpCanon, F32, y)
	p.Out = b.op(OpQuiet, F32, x, b.op(OpSelNeg, F32, x, y, x))
	return p
}

// softplusProgram: max(x, 0) + log1p(e) with e = exp(-|x|) (scaled by
// 2^64 below SoftplusScaled), log1p(e) = 2*atanh(e/(2+e)); x from
// SoftplusExact up; NaN quieted.
func softplusProgram() *Program {
	p, b := newProgram("Softplus")
	x := b.op(OpInput, F32)
	z := b.negAbs(x)
	eh, el := b.expFF(z, b.selLess(z, kernels.SoftplusScaled, b.k(kernels.ExpMagic64), b.k(kernels.ExpMagic)))
	two := b.k(2)
	den := b.f(OpAdd, two, eh)
	denl := b.f(OpAdd, b.f(OpSub, two, den), eh)
	w := b.f(OpDiv, eh, den)
	r := b.f(OpFNMA, w, denl, b.f(OpAdd, b.f(OpFNMA, w, den, eh), el))
	half := b.k(0.5)
	wl := b.f(OpMul, r, b.f(OpFNMA, w, half, half))
	u := b.f(OpMul, w, w)
	rr := b.horner(u, b.consts(kernels.Atanh9, kernels.Atanh7, kernels.Atanh5, kernels.Atanh3)...)
	c := b.f(OpFMA, b.f(OpMul, w, u), rr, b.f(OpAdd, wl, wl))
	lh := b.f(OpAdd, w, w)
	xp := b.f(OpSelNeg, x, b.bits(0), x)
	big := b.f(OpMax, xp, lh)
	sm := b.f(OpMin, lh, xp)
	sum := b.f(OpAdd, big, sm)
	y := b.f(OpAdd, sum, b.f(OpAdd, b.f(OpSub, sm, b.f(OpSub, sum, big)), c))
	y = b.selLess(x, kernels.SoftplusScaled, b.f(OpMul, y, b.k(kernels.Unscale64)), y)
	y = b.f(OpSelNeg, b.f(OpSub, b.k(kernels.SoftplusExact), x), x, y)
	p.Out = b.op(OpQuiet, F32, x, y)
	return p
}

// sigmoidProgram: (x < 0 ? e : 1) / (1 + e) with e = exp(-|x|) * 2^64,
// the division corrected to float-float precision; NaN quieted.
func sigmoidProgram() *Program {
	p, b := newProgram("Sigmoid")
	x := b.op(OpInput, F32)
	eh, el := b.expFF(b.negAbs(x), b.k(kernels.ExpMagic64))
	one, un := b.k(1), b.k(kernels.Unscale64)
	dh := b.f(OpFMA, eh, un, one)
	dl := b.f(OpFMA, el, un, b.f(OpFMA, eh, un, b.f(OpSub, one, dh)))
	num := b.f(OpSelNeg, x, eh, b.k(kernels.Scale64))
	numl := b.f(OpSelNeg, x, el, b.bits(0))
	y := b.f(OpDiv, num, dh)
	r := b.f(OpFNMA, y, dl, b.f(OpAdd, b.f(OpFNMA, y, dh, num), numl))
	ys := b.f(OpMul, y, un)
	inv := b.f(OpSelNeg, x, b.f(OpSub, one, ys), ys)
	p.Out = b.op(OpQuiet, F32, x, b.f(OpMul, b.f(OpFMA, r, inv, y), un))
	return p
}

// geluProgram: x*Phi(x) in float64 from a = min(|x|, 15): Phi(-a) =
// exp(-a²/2)*R(t), t = 1/(1 + GELUP*a), then max(x, 0) - a*Phi(-a)
// rounded once to float32; NaN quieted.
func geluProgram() *Program {
	p, b := newProgram("GELU")
	x := b.op(OpInput, F32)
	// -a = max(-|x|, GELUClamp), and max(x, 0) with -0 kept.
	na := b.f(OpMax, b.f(OpOr, x, b.bits(kernels.SignBit)), b.k(kernels.GELUClamp))
	xp := b.f(OpSelNeg, x, b.bits(0), x)
	xw, aw := b.op(OpWiden, F64, xp), b.op(OpWiden, F64, na)
	one := b.c(1)
	t := b.d(OpDiv, one, b.d(OpFMA, aw, b.c(-kernels.GELUP), one))
	r := b.hornerD(t, kernels.GELUR10, kernels.GELUR9, kernels.GELUR8, kernels.GELUR7, kernels.GELUR6,
		kernels.GELUR5, kernels.GELUR4, kernels.GELUR3, kernels.GELUR2, kernels.GELUR1, kernels.GELUR0)
	// exp(-a²/2) = 2^n * exp(rr), a² exact in float64.
	h := b.d(OpMul, aw, aw)
	magic := b.c(kernels.GELUMagic)
	nn := b.d(OpFMA, h, b.c(-kernels.GELUHalfLog2e), magic)
	n := b.d(OpSub, nn, magic)
	rr := b.d(OpFMA, n, b.c(-kernels.GELULn2), b.d(OpMul, h, b.c(-0.5)))
	e := b.hornerD(rr, kernels.GELUExp6, kernels.GELUExp5, kernels.GELUExp4, kernels.GELUExp3, kernels.GELUExp2, 1, 1)
	s := b.emit(Instr{Op: OpShl, Type: F64, Args: [3]Value{nn}, Imm: kernels.GELUShift})
	phi := b.d(OpMul, b.d(OpMul, s, e), r) // Phi(-a)
	// x*Phi(x) = max(x, 0) - a*Phi(-a) for |x| <= 15; beyond, a*Phi(-a)
	// vanishes next to x, and gives -0 for x < -15.
	y := b.op(OpNarrow, F32, b.d(OpFMA, aw, phi, xw))
	p.Out = b.op(OpQuiet, F32, x, y)
	return p
}

// c emits the float64 constant v.
func (b builder) c(v float64) Value { return b.emit(Instr{Op: OpConst, Type: F64, Const: v}) }

// d emits a float64 instruction.
func (b builder) d(op Op, args ...Value) Value { return b.op(op, F64, args...) }

// hornerD emits the float64 c[0]*t^k + ... + c[k] by Horner's rule with
// FMAs.
func (b builder) hornerD(t Value, c ...float64) Value {
	p := b.c(c[0])
	for _, ck := range c[1:] {
		p = b.d(OpFMA, p, t, b.c(ck))
	}
	return p
}

// k emits the float32 constant v.
func (b builder) k(v float32) Value { return b.bits(math.Float32bits(v)) }

// f emits a float32 instruction.
func (b builder) f(op Op, args ...Value) Value { return b.op(op, F32, args...) }

// consts emits float32 constants.
func (b builder) consts(vs ...float32) []Value {
	out := make([]Value, len(vs))
	for i, v := range vs {
		out[i] = b.k(v)
	}
	return out
}

// pow2 emits nn = fma(z, Log2e, magic), n = nn - magic and s = 2^n (the
// package kernels documentation), and returns n and s.
func (b builder) pow2(z, magic Value) (n, s Value) {
	nn := b.f(OpFMA, z, b.k(kernels.Log2e), magic)
	n = b.f(OpSub, nn, magic)
	s = b.emit(Instr{Op: OpShl, Type: F32, Args: [3]Value{nn}, Imm: kernels.ExpShift})
	return n, s
}

// horner emits c[0]*t^k + ... + c[k] by Horner's rule with FMAs.
func (b builder) horner(t Value, c ...Value) Value {
	p := c[0]
	for _, ck := range c[1:] {
		p = b.f(OpFMA, p, t, ck)
	}
	return p
}

// expFF emits exp(z) (times 2^64 with ExpMagic64) as the float-float
// eh + el.
func (b builder) expFF(z, magic Value) (eh, el Value) {
	n, s := b.pow2(z, magic)
	th := b.f(OpFMA, n, b.k(-kernels.Ln2Hi), z)
	tl := b.f(OpMul, n, b.k(-kernels.Ln2Lo))
	t := b.f(OpAdd, th, tl)
	p := b.horner(t, b.consts(kernels.ExpC6, kernels.ExpC5, kernels.ExpC4, kernels.ExpC3, kernels.ExpC2)...)
	q := b.f(OpFMA, b.f(OpMul, t, t), p, tl)
	bb := b.f(OpMul, s, th)
	e0 := b.f(OpAdd, s, bb)
	l0 := b.f(OpFMA, s, q, b.f(OpSub, bb, b.f(OpSub, e0, s)))
	eh = b.f(OpAdd, e0, l0)
	el = b.f(OpSub, l0, b.f(OpSub, eh, e0))
	return eh, el
}

// negAbs emits -|x| clamped below at ExpClamp.
func (b builder) negAbs(x Value) Value {
	return b.f(OpMax, b.f(OpOr, x, b.bits(kernels.SignBit)), b.k(kernels.ExpClamp))
}

// selLess emits x < c ? y : z for the constant c, as (x - c) < 0 ? y : z:
// the difference of two float32 is negative exactly when x < c.
func (b builder) selLess(x Value, c float32, y, z Value) Value {
	return b.f(OpSelNeg, b.f(OpSub, x, b.k(c)), y, z)
}
