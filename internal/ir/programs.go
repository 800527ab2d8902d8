package ir

import (
	"math"

	"github.com/rectify-go/rectify/kernels"
)

func newProgram(name string, params ...string) (*Program, builder) {
	p := &Program{Name: name, Params: params}
	return p, builder{p: p}
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
	x := b.input(0)
	p.Out = b.leaky(x, b.emit(Instr{Op: OpParam, Type: F32, Imm: 0}))
	return p
}

// preluProgram: x < 0 ? y*x : x, LeakyReLU with the slope y[i] of each
// element (the slope repeats along x: Repeat), a NaN product made the
// canonical quiet NaN.
func preluProgram() *Program {
	p, b := newProgram("PReLU")
	p.Repeat = true
	x := b.input(0)
	p.Out = b.leaky(x, b.input(1))
	return p
}

// leaky emits x < 0 ? a*x : x, one float32 multiplication, a NaN product
// (a NaN, or 0 * -Inf) made the canonical quiet NaN.
func (b builder) leaky(x, a Value) Value {
	y := b.op(OpCanon, F32, b.op(OpMul, F32, a, x))
	return b.op(OpSelNeg, F32, x, y, x)
}

// eluProgram: x < 0 ? alpha*expm1(max(x, ELUClamp)) : x, NaN inputs
// quieted, NaN results canonical,
// with the polynomial scaled by alpha and the Fast2Sum of the package
// kernels documentation.
func eluProgram() *Program {
	p, b := newProgram("ELU", "alpha")
	x := b.op(OpInput, F32)
	// alpha if finite (fma(alpha, 0, alpha) keeps -0), else the canonical
	// NaN, once per call: for x < 0 the loop's values are finite but for
	// alpha, so a NaN result is that NaN, the same bits on every ISA,
	// without a canonicalisation per element.
	param := b.emit(Instr{Op: OpParam, Type: F32, Imm: 0})
	alpha := b.op(OpCanon, F32, b.f(OpFMA, param, b.bits(0), param))
	var a []Value // alpha * D7..D2, loop-invariant
	for _, d := range b.consts(kernels.Expm1D7, kernels.Expm1D6, kernels.Expm1D5, kernels.Expm1D4, kernels.Expm1D3, kernels.Expm1D2) {
		a = append(a, b.f(OpMul, alpha, d))
	}
	hi, lo, q, poly := b.expm1Parts(b.f(OpMax, x, b.k(kernels.ELUClamp)), a, false)
	y := b.f(OpFMA, alpha, hi, b.f(OpFMA, q, poly, b.f(OpMul, alpha, lo)))
	p.Out = b.op(OpQuiet, F32, x, b.op(OpSelNeg, F32, x, y, x))
	return p
}

// seluProgram: x < 0 ? lambda*alpha*expm1(max(x, ELUClamp)) : lambda*x,
// ELU's sequence with the constant lambda*alpha as a float-float and the
// polynomial scaled by it; lambda*x = x + (lambda-1)*x; NaN quieted.
func seluProgram() *Program {
	p, b := newProgram("SELU")
	x := b.op(OpInput, F32)
	hi, lo, q, poly := b.expm1Parts(b.f(OpMax, x, b.k(kernels.ELUClamp)),
		b.consts(kernels.SELUD7, kernels.SELUD6, kernels.SELUD5, kernels.SELUD4, kernels.SELUD3, kernels.SELUD2), false)
	ah, al := b.k(kernels.SELUScaleHi), b.k(kernels.SELUScaleLo)
	neg := b.f(OpFMA, ah, hi, b.f(OpFMA, q, poly, b.f(OpFMA, al, hi, b.f(OpMul, ah, lo))))
	pos := b.f(OpFMA, b.k(kernels.SELULambdaM1), x, x)
	p.Out = b.op(OpQuiet, F32, x, b.f(OpSelNeg, x, neg, pos))
	return p
}

// tanhProgram: tanh(|x|) = -m/(2+m) with m = expm1(-2|x|) a float-float
// (ELU's sequence, then renormalised), the division corrected like
// Sigmoid's; the sign of x restored; x itself below TanhTiny, +-1 above
// TanhOne; NaN quieted.
func tanhProgram() *Program {
	p, b := newProgram("Tanh")
	x := b.op(OpInput, F32)
	nax := b.f(OpOr, x, b.bits(kernels.SignBit)) // -|x|
	z := b.f(OpMax, b.f(OpAdd, nax, nax), b.k(kernels.ELUClamp))
	hi, lo, q, poly := b.expm1Parts(z, b.consts(kernels.Expm1D7, kernels.Expm1D6, kernels.Expm1D5, kernels.Expm1D4, kernels.Expm1D3, kernels.Expm1D2), true)
	c := b.f(OpFMA, q, poly, lo)
	mh := b.f(OpAdd, hi, c)
	ml := b.f(OpSub, c, b.f(OpSub, mh, hi))
	// (mh + ml)/(dh + dl), dh + dl = 2 + m exactly; y = -tanh(|x|).
	two := b.k(2)
	dh := b.f(OpAdd, two, mh)
	dl := b.f(OpAdd, b.f(OpAdd, b.f(OpSub, two, dh), mh), ml)
	y := b.f(OpDiv, mh, dh)
	r := b.f(OpFNMA, y, dl, b.f(OpAdd, b.f(OpFNMA, y, dh, mh), ml))
	half := b.k(0.5)
	y = b.f(OpFMA, r, b.f(OpFNMA, y, half, half), y) // 1/(2+m) = (1-y)/2
	y = b.f(OpSelNeg, b.f(OpLess, nax, b.k(-kernels.TanhOne)), b.k(-1), y)
	y = b.f(OpSelNeg, x, y, b.f(OpSub, b.bits(0), y))
	y = b.f(OpSelNeg, b.f(OpLess, nax, b.k(-kernels.TanhTiny)), y, x)
	p.Out = b.op(OpQuiet, F32, x, y)
	return p
}

// softplusProgram: max(x, 0) + log1p(e) with e = exp(-|x|) (scaled by
// 2^64 below SoftplusScaled), log1p(e) = 2*atanh(e/(2+e)); x from
// SoftplusExact up; NaN quieted. Its fast sequence, for |x| <=
// SoftplusExact, leaves out the clamp, the scalings, the select of x and
// the NaN rule, which change nothing there.
func softplusProgram() *Program {
	p := softplusSeq("Softplus", false)
	p.Fast, p.FastBound = softplusSeq("SoftplusFast", true), kernels.SoftplusExact
	return p
}

func softplusSeq(name string, fast bool) *Program {
	p, b := newProgram(name)
	x := b.op(OpInput, F32)
	z := b.f(OpOr, x, b.bits(kernels.SignBit)) // -|x|
	magic := b.k(kernels.ExpMagic)
	if !fast {
		z = b.f(OpMax, z, b.k(kernels.ExpClamp))
		magic = b.selLess(z, kernels.SoftplusScaled, b.k(kernels.ExpMagic64), magic)
	}
	eh, el := b.expFF(z, magic)
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
	if fast {
		p.Out = y
		return p
	}
	y = b.selLess(x, kernels.SoftplusScaled, b.f(OpMul, y, b.k(kernels.Unscale64)), y)
	y = b.f(OpSelNeg, b.f(OpLess, b.k(kernels.SoftplusExact), x), x, y)
	p.Out = b.op(OpQuiet, F32, x, y)
	return p
}

// sigmoidProgram: (x < 0 ? e : 1) / (1 + e) with e = exp(-|x|) * 2^64,
// the division corrected to float-float precision; NaN quieted.
func sigmoidProgram() *Program {
	p, b := newProgram("Sigmoid")
	x := b.op(OpInput, F32)
	eh, el := b.expFF(b.negAbs(x, kernels.ExpClamp), b.k(kernels.ExpMagic64))
	y, r, inv := b.sigmoidFF(x, eh, el, true)
	p.Out = b.op(OpQuiet, F32, x, b.f(OpMul, b.f(OpFMA, r, inv, y), b.k(kernels.Unscale64)))
	return p
}

// siluProgram: x * sigmoid(x), the sigmoid of sigmoidProgram (e clamped
// lower, at ScaledClamp; unscaled for x >= 0) kept as the float-float y +
// r*inv and multiplied by xc = max(x, ScaledClamp) with one rounding, then
// scaled back for x < 0; NaN quieted and +Inf itself (the sequence gives
// NaN there: r is 0).
func siluProgram() *Program {
	p, b := newProgram("SiLU")
	x := b.op(OpInput, F32)
	eh, el := b.expFF(b.negAbs(x, kernels.ScaledClamp), b.k(kernels.ExpMagic64))
	y, r, inv := b.sigmoidFF(x, eh, el, false)
	xc := b.f(OpMax, x, b.k(kernels.ScaledClamp))
	v := b.f(OpFMA, xc, y, b.f(OpMul, xc, b.f(OpMul, r, inv)))
	v = b.f(OpSelNeg, x, b.f(OpMul, v, b.k(kernels.Unscale64)), v)
	p.Out = b.op(OpQuietInf, F32, x, v)
	return p
}

// geluTanhProgram: x * sigmoid(2u), 2u = x*(K1 + K2*x^2) (which is
// x/2 * (1 + tanh(u))), in float64: with xc = max(x, -GELUTanhClamp)
// widened and xz = min(xc, GELUTanhClamp), e = exp(-2u(xz)) = 2^w =
// 2^n*E2(t) (the package kernels documentation) and xc / fma(2^n, E2, 1)
// rounded once to float32; NaN quieted.
func geluTanhProgram() *Program {
	p, b := newProgram("GELUTanh")
	x := b.op(OpInput, F32)
	xc := b.op(OpWiden, F64, b.f(OpMax, x, b.k(-kernels.GELUTanhClamp)))
	xz := b.d(OpMin, xc, b.c(kernels.GELUTanhClamp))
	s, e := b.exp2DParts(b.d(OpMul, xz, b.d(OpFMA, b.d(OpMul, xz, xz), b.c(-kernels.GELUTanhL2), b.c(-kernels.GELUTanhL1))))
	y := b.op(OpNarrow, F32, b.d(OpDiv, xc, b.d(OpFMA, s, e, b.c(1))))
	p.Out = b.op(OpQuiet, F32, x, y)
	return p
}

// expProgram: e^x = s*(1 + P) from the exponential core's parts, scaled
// by 2^-1 (2^64 below ExpScaled, so that subnormal results keep their
// precision) and scaled back with one multiplication; x clamped to
// [ScaledClamp, ExpMax]; NaN quieted.
func expProgram() *Program {
	p, b := newProgram("Exp")
	x := b.op(OpInput, F32)
	z := b.f(OpMax, b.f(OpMin, x, b.k(kernels.ExpMax)), b.k(kernels.ScaledClamp))
	low := b.f(OpLess, z, b.k(kernels.ExpScaled))
	eh := b.expOnce(z, b.f(OpSelNeg, low, b.k(kernels.ExpMagic64), b.k(kernels.ExpMagicHalf)))
	y := b.f(OpMul, eh, b.f(OpSelNeg, low, b.k(kernels.Unscale64), b.k(2)))
	p.Out = b.op(OpQuiet, F32, x, y)
	// |x| <= -ExpScaled: no clamp, no NaN, 2^(n-1) times 2 is 2^n.
	p.Fast, p.FastBound = expFastProgram(), -kernels.ExpScaled
	return p
}

// expFastProgram: Exp for |x| <= -kernels.ExpScaled, where its result is
// fma(s, P, s) at s = 2^n, unscaled.
func expFastProgram() *Program {
	p, b := newProgram("ExpFast")
	p.Out = b.expOnce(b.op(OpInput, F32), b.k(kernels.ExpMagic))
	return p
}

// sigmoidFF returns sigmoid(x) as y + r*inv, from e = exp(-|x|) * 2^64 =
// eh + el: the division (x < 0 ? e : 1) / (1 + e) corrected with the
// remainder r, times 2^64 (for x >= 0 only unless scaled).
func (b builder) sigmoidFF(x, eh, el Value, scaled bool) (y, r, inv Value) {
	one, un := b.k(1), b.k(kernels.Unscale64)
	dh := b.f(OpFMA, eh, un, one)
	dl := b.f(OpFMA, el, un, b.f(OpFMA, eh, un, b.f(OpSub, one, dh)))
	pos := one
	if scaled {
		pos = b.k(kernels.Scale64)
	}
	num := b.f(OpSelNeg, x, eh, pos)
	numl := b.f(OpSelNeg, x, el, b.bits(0))
	y = b.f(OpDiv, num, dh)
	r = b.f(OpFNMA, y, dl, b.f(OpAdd, b.f(OpFNMA, y, dh, num), numl))
	if !scaled {
		return y, r, b.f(OpSelNeg, x, b.f(OpFNMA, y, un, one), y)
	}
	ys := b.f(OpMul, y, un)
	inv = b.f(OpSelNeg, x, b.f(OpSub, one, ys), ys)
	return y, r, inv
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
	// exp(-a²/2) = 2^(-a²/(2 ln 2)), a² exact in float64.
	s, e := b.exp2DParts(b.d(OpMul, b.d(OpMul, aw, aw), b.c(-kernels.GELUHalfLog2e)))
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

// expD emits the float64 exp(z) for z in [-745, 709]: 2^n * E(r), r = z -
// n*ln2, E the polynomial 1, 1, Exp64C2..6.
func (b builder) expD(z Value) Value {
	s, e := b.expDParts(z)
	return b.d(OpMul, s, e)
}

// expDParts emits expD's 2^n and E(r), for a caller that does more with
// their product than round it.
func (b builder) expDParts(z Value) (s, e Value) {
	magic := b.c(kernels.ExpMagicD)
	nn := b.d(OpFMA, z, b.c(kernels.Log2eD), magic)
	r := b.d(OpFMA, b.d(OpSub, nn, magic), b.c(-kernels.Ln2D), z)
	e = b.hornerD(r, kernels.Exp64C6, kernels.Exp64C5, kernels.Exp64C4, kernels.Exp64C3, kernels.Exp64C2, 1, 1)
	s = b.emit(Instr{Op: OpShl, Type: F64, Args: [3]Value{nn}, Imm: kernels.ExpShiftD})
	return s, e
}

// exp2DParts emits 2^w, w in [-1022, 1023], as 2^n and E2(t), t = w - n
// (GELUTanh in the package kernels documentation): the reduction is an
// addition and two subtractions, where expDParts's has two FMAs.
func (b builder) exp2DParts(w Value) (s, e Value) {
	magic := b.c(kernels.ExpMagicD)
	nn := b.d(OpAdd, w, magic)
	t := b.d(OpSub, w, b.d(OpSub, nn, magic))
	e = b.hornerD(t, kernels.Exp2D6, kernels.Exp2D5, kernels.Exp2D4, kernels.Exp2D3, kernels.Exp2D2, kernels.Ln2D, 1)
	s = b.emit(Instr{Op: OpShl, Type: F64, Args: [3]Value{nn}, Imm: kernels.ExpShiftD})
	return s, e
}

// expFF emits exp(z) (times 2^64 with ExpMagic64) as the float-float
// eh + el.
func (b builder) expFF(z, magic Value) (eh, el Value) {
	e0, l0 := b.expCore(z, magic)
	eh = b.f(OpAdd, e0, l0)
	el = b.f(OpSub, l0, b.f(OpSub, eh, e0))
	return eh, el
}

// expOnce emits exp(z) (scaled by magic as in expFF) as s*(1 + P), P =
// th + q rounded, with one more rounding (Exp: the package kernels
// documentation).
func (b builder) expOnce(z, magic Value) Value {
	s, th, q := b.expParts(z, magic)
	return b.f(OpFMA, s, b.f(OpAdd, th, q), s)
}

// expCore emits exp(z) = e0 + l0 unnormalised (the package kernels
// documentation).
func (b builder) expCore(z, magic Value) (e0, l0 Value) {
	s, th, q := b.expParts(z, magic)
	bb := b.f(OpMul, s, th)
	e0 = b.f(OpAdd, s, bb)
	l0 = b.f(OpFMA, s, q, b.f(OpSub, bb, b.f(OpSub, e0, s)))
	return e0, l0
}

// expParts emits the parts of exp(z) = s*(1 + th + q): s = 2^n (scaled
// by magic), th = z - n*Ln2Hi exactly, q = e^t - 1 - th.
func (b builder) expParts(z, magic Value) (s, th, q Value) {
	n, s := b.pow2(z, magic)
	th = b.f(OpFMA, n, b.k(-kernels.Ln2Hi), z)
	tl := b.f(OpMul, n, b.k(-kernels.Ln2Lo))
	t := b.f(OpAdd, th, tl)
	p := b.horner(t, b.consts(kernels.ExpC6, kernels.ExpC5, kernels.ExpC4, kernels.ExpC3, kernels.ExpC2)...)
	q = b.f(OpFMA, b.f(OpMul, t, t), p, tl)
	return s, th, q
}

// expm1Parts emits expm1(z) for z in [ELUClamp, 0] as ELU's sequence
// (the package kernels documentation) with the coefficients d = D7..D2,
// scaled or not: expm1(z) = hi + lo + q*p, hi + lo = s - 1 + s*t. s - 1
// is exact for n >= -24, which suffices for ELU (it saturates there);
// exact adds the rounding error of s - 1 to lo for every n.
func (b builder) expm1Parts(z Value, d []Value, exact bool) (hi, lo, q, p Value) {
	n, s := b.pow2(z, b.k(kernels.ExpMagic))
	t := b.f(OpFMA, n, b.k(-kernels.Ln2), z)
	p = b.horner(t, d...)
	one := b.k(1)
	am1 := b.f(OpSub, s, one)
	bt := b.f(OpMul, s, t)
	q = b.f(OpMul, bt, t)
	hi = b.f(OpAdd, am1, bt)
	lo = b.f(OpSub, bt, b.f(OpSub, hi, am1))
	if exact {
		lo = b.f(OpAdd, lo, b.f(OpSub, s, b.f(OpAdd, am1, one)))
	}
	return hi, lo, q, p
}

// negAbs emits -|x| clamped below at clamp.
func (b builder) negAbs(x Value, clamp float32) Value {
	return b.maxK(b.f(OpOr, x, b.bits(kernels.SignBit)), clamp)
}

// maxK and minK emit the float32 max(v, c) and min(v, c), the clamps of
// a Program: none in a fast sequence, whose inputs they leave alone.
func (b builder) maxK(v Value, c float32) Value {
	if b.fast {
		return v
	}
	return b.f(OpMax, v, b.k(c))
}

func (b builder) minK(v Value, c float32) Value {
	if b.fast {
		return v
	}
	return b.f(OpMin, v, b.k(c))
}

// selLess emits x < c ? y : z for the constant c.
func (b builder) selLess(x Value, c float32, y, z Value) Value {
	return b.f(OpSelNeg, b.f(OpLess, x, b.k(c)), y, z)
}
