package ir

import (
	"math"

	"github.com/rectify-go/rectify/kernels"
)

// The gradient Programs compute dx = dy * f'(x) from the forward input x
// (input 0) and the incoming gradient dy (input 1). f'(x) is computed as
// the float64 g; dx = dy*g is rounded to float64, then to float32 (the
// error of g, at most 2^-27 relative, and the double rounding add less
// than 0.06 ULP to the rounding); ELUGrad, SELUGrad and ExpGrad compute in
// float32 where x and dy allow it (expGrad32). The NaN rule, an explicit select on
// every path: a NaN x gives x quieted, else a NaN dy gives dy quieted,
// else a NaN product (dy infinite and f'(x) = 0, or alpha NaN) gives the
// canonical quiet NaN 0x7fc00000.

// gradOut emits the final steps of every gradient Program: dx =
// narrow(dy * g) with the NaN rule above. nonzero says that g is finite
// and nonzero wherever the Program's fast sequence runs: there a NaN
// product needs a NaN dy, which the rule's OpQuiet replaces, so the fast
// sequence leaves out OpCanon.
func (b builder) gradOut(x, dy, g Value, nonzero bool) Value {
	dx := b.op(OpNarrow, F32, b.d(OpMul, b.op(OpWiden, F64, dy), g))
	if b.fast && nonzero {
		return b.op(OpQuiet, F32, dy, dx)
	}
	return b.gradNaN(x, dy, dx)
}

// gradNaN emits the NaN rule of the gradient Programs on the float32
// product dx (in a fast sequence, where x is no NaN, without x's step).
func (b builder) gradNaN(x, dy, dx Value) Value {
	dx = b.op(OpQuiet, F32, dy, b.op(OpCanon, F32, dx))
	if b.fast {
		return dx
	}
	return b.op(OpQuiet, F32, x, dx)
}

// zeroIfNeg emits the float64 (c < 0 ? +0 : g) for the float32 c = v +
// MaxFloat32, v being -|x| (or x): c is negative exactly for an infinite
// x, where the derivative's limit is 0. A fast sequence, whose x is
// finite, leaves it out, c too.
func (b builder) zeroIfNeg(v, g Value) Value {
	if b.fast {
		return g
	}
	c := b.f(OpAdd, v, b.k(kernels.MaxFloat32))
	return b.d(OpSelSign, c, b.c(0), g)
}

// newGrad starts gradient Program name, or with fast its fast sequence.
func newGrad(name string, fast bool, params ...string) (*Program, builder) {
	if fast {
		name += "Fast"
	}
	p, b := newProgram(name, params...)
	b.fast = fast
	return p, b
}

// gradFast returns the gradient Program that build builds, with its fast
// sequence (ir.Program.Fast) for |x| <= bound: build with fast set, where
// the clamps (maxK, minK) and the infinite-x limits (zeroIfNeg) change
// nothing and x is no NaN (TestFast). The test of x's magnitude costs the
// main loop a few instructions; the steps left out were about a sixth of a
// gradient's.
func gradFast(build func(fast bool) *Program, bound float32) *Program {
	p := build(false)
	p.Fast, p.FastBound = build(true), bound
	return p
}

// expAcc emits the float64 exp(z) for z in [GradClamp, 709] to nearly
// float64 precision: 2^n * T(r), T the Taylor polynomial of degree 13.
func (b builder) expAcc(z Value) Value {
	magic := b.c(kernels.ExpMagicD)
	nn := b.d(OpFMA, z, b.c(kernels.Log2eD), magic)
	r := b.d(OpFMA, b.d(OpSub, nn, magic), b.c(-kernels.Ln2D), z)
	e := b.hornerD(r, kernels.ExpT13, kernels.ExpT12, kernels.ExpT11, kernels.ExpT10, kernels.ExpT9,
		kernels.ExpT8, kernels.ExpT7, kernels.ExpT6, kernels.ExpT5, kernels.ExpT4, kernels.ExpT3, kernels.ExpT2, 1, 1)
	s := b.emit(Instr{Op: OpShl, Type: F64, Args: [3]Value{nn}, Imm: kernels.ExpShiftD})
	return b.d(OpMul, s, e)
}

// reluGradProgram: dx = dy * (x > 0 ? 1 : +0) with the NaN rule, as x
// > 0 ? dy quieted : OpZeroOf(dy) (the rule's result for dy * +0), then
// x's NaN rule: one VFIXUPIMMPS each on AVX-512 (the first under the mask
// of x > 0); ReLU'(0) = 0.
func reluGradProgram() *Program {
	p, b := newProgram("ReLUGrad")
	x, dy := b.input(0), b.input(1)
	gt := b.f(OpLess, b.bits(0), x)
	zero := b.op(OpZeroOf, F32, dy)
	p.Out = b.f(OpQuiet, x, b.op(OpSelNeg, F32, gt, b.f(OpQuiet, dy, dy), zero))
	return p
}

// leakyReLUGradProgram: dx = dy * (x > 0 ? 1 : alpha), one float32
// multiplication (exact); LeakyReLU'(0) = alpha. For a finite nonzero
// alpha dy*alpha is NaN only where dy is, which dy's rule settles: its
// fast sequence, run on every input of such a call, leaves out the
// canonical NaN.
func leakyReLUGradProgram() *Program {
	p := leakyReLUGrad(false)
	p.Fast, p.FastBound, p.FastFinite = leakyReLUGrad(true), float32(math.Inf(1)), true
	return p
}

func leakyReLUGrad(fast bool) *Program {
	p, b := newGrad("LeakyReLUGrad", fast, "alpha")
	x, dy := b.input(0), b.input(1)
	alpha := b.emit(Instr{Op: OpParam, Type: F32, Imm: 0})
	if !fast {
		p.Out = b.pieceGrad(x, dy, alpha)
		return p
	}
	le := b.f(OpLess, x, b.bits(1))
	p.Out = b.f(OpQuiet, x, b.f(OpQuiet, dy, b.op(OpSelNeg, F32, le, b.f(OpMul, dy, alpha), dy)))
	return p
}

// pieceGrad emits dx = dy * (x > 0 ? 1 : a) with the NaN rule, as x <=
// 0 ? dy*a : dy: x < 2^-149, the least subnormal, is x <= 0 (false for a
// NaN x, which the rule replaces), and the rule's OpCanon makes the NaN
// of dy and of dy*1 the same (a back end with opmasks multiplies under
// the mask).
func (b builder) pieceGrad(x, dy, a Value) Value {
	le := b.f(OpLess, x, b.bits(1))
	return b.gradNaN(x, dy, b.op(OpSelNeg, F32, le, b.f(OpMul, dy, a), dy))
}

// sigmoidGradProgram: sigmoid'(x) = s(1-s) = e/(1+e)^2 with e =
// exp(max(-|x|, GradClamp)) in float64; 0 for infinite x.
func sigmoidGradProgram() *Program { return gradFast(sigmoidGrad, -kernels.GradClamp) }

func sigmoidGrad(fast bool) *Program {
	p, b := newGrad("SigmoidGrad", fast)
	x, dy := b.input(0), b.input(1)
	nax := b.f(OpOr, x, b.bits(kernels.SignBit))
	e := b.expD(b.op(OpWiden, F64, b.maxK(nax, kernels.GradClamp)))
	d := b.d(OpAdd, b.c(1), e)
	g := b.d(OpDiv, e, b.d(OpMul, d, d))
	g = b.zeroIfNeg(nax, g)
	p.Out = b.gradOut(x, dy, g, true)
	return p
}

// tanhGradProgram: tanh'(x) = 1 - tanh^2 = 4e/(1+e)^2 with e =
// exp(max(-2|x|, GradClamp)) in float64; 0 for infinite x.
func tanhGradProgram() *Program { return gradFast(tanhGrad, -kernels.GradClamp/2) }

func tanhGrad(fast bool) *Program {
	p, b := newGrad("TanhGrad", fast)
	x, dy := b.input(0), b.input(1)
	nax := b.f(OpOr, x, b.bits(kernels.SignBit))
	e := b.expD(b.op(OpWiden, F64, b.maxK(b.f(OpAdd, nax, nax), kernels.GradClamp)))
	d := b.d(OpAdd, b.c(1), e)
	g := b.d(OpDiv, b.d(OpMul, b.c(4), e), b.d(OpMul, d, d))
	g = b.zeroIfNeg(nax, g)
	p.Out = b.gradOut(x, dy, g, true)
	return p
}

// siluGradProgram: SiLU'(x) = s(1 + x(1-s)), s = sigmoid(x), in float64
// with e = exp(-|xc|) (xc = x clamped to [GradClamp, -GradClamp]) to
// nearly float64 precision (expAcc): (1 + e + x*e)/(1+e)^2 for x >= 0,
// e*((1 + x) + e)/(1+e)^2 for x < 0 (1 + x is exact, and the sum with e
// near the zero of SiLU' at x = -1.2785 too); 0 for x = -Inf.
// It has no fast sequence: one measured 3 % slower on AVX-512 (10 %
// faster on AVX2) at 64Ki.
func siluGradProgram() *Program {
	p, b := newProgram("SiLUGrad")
	x, dy := b.input(0), b.input(1)
	xc := b.maxK(b.minK(x, -kernels.GradClamp), kernels.GradClamp)
	xw := b.op(OpWiden, F64, xc)
	e := b.expAcc(b.op(OpWiden, F64, b.f(OpOr, xc, b.bits(kernels.SignBit))))
	one := b.c(1)
	d := b.d(OpAdd, one, e)
	pos := b.d(OpFMA, xw, e, d)
	neg := b.d(OpMul, e, b.d(OpAdd, b.d(OpAdd, one, xw), e))
	g := b.d(OpDiv, b.d(OpSelSign, xw, neg, pos), b.d(OpMul, d, d))
	g = b.zeroIfNeg(x, g)
	p.Out = b.gradOut(x, dy, g, false)
	return p
}

// eluGradProgram: ELU'(x) = x > 0 ? 1 : alpha*exp(x) (ELU'(0) = alpha).
// For x > 0 dx = dy; for x <= 0, in float32 where x and a = alpha*dy allow
// it (the package kernels documentation of SELUGrad, with alpha for c),
// else in float64: e = exp(max(x, GradClamp)), 0 for x = -Inf. Its fast
// sequence, the float32 one alone, needs |x| <= -GradF32MinX, |alpha| in
// [ELUGradAlphaMin, ELUGradAlphaMax] (FastFinite, FastAlphaMin,
// FastAlphaMax) and |dy| in [ELUGradDyMin, ELUGradDyMax], where a is in
// the float32 sequence's range.
func eluGradProgram() *Program {
	p := gradFast(eluGrad, -kernels.GradF32MinX)
	p.FastFinite = true
	p.FastAlphaMin, p.FastAlphaMax = kernels.ELUGradAlphaMin, kernels.ELUGradAlphaMax
	p.FastYMin, p.FastYMax = kernels.ELUGradDyMin, kernels.ELUGradDyMax
	return p
}

func eluGrad(fast bool) *Program {
	p, b := newGrad("ELUGrad", fast, "alpha")
	x, dy := b.input(0), b.input(1)
	alpha := b.emit(Instr{Op: OpParam, Type: F32, Imm: 0})
	var wide Value // the float64 sequence's, first: fewer values live across it
	if !fast {
		e := b.expD(b.op(OpWiden, F64, b.maxK(x, kernels.GradClamp)))
		g := b.zeroIfNeg(x, b.d(OpMul, b.op(OpWiden, F64, alpha), e))
		wide = b.op(OpNarrow, F32, b.d(OpMul, b.op(OpWiden, F64, dy), g))
	}
	neg, a := b.expGrad32(x, dy, alpha, noValue)
	if !fast {
		neg = b.grad32Sel(x, a, wide, neg)
	}
	return b.gradPiece(p, x, dy, dy, neg)
}

// seluGradProgram: SELU'(x) = x > 0 ? lambda : lambda*alpha*exp(x)
// (SELU'(0) = lambda*alpha). For x > 0 dx = fma(SELULambdaM1, dy, dy);
// for x <= 0, in float32 where x and dy allow it (the package kernels
// documentation of SELUGrad), else in float64 as eluGradProgram. Its fast
// sequence, for |x| <= -GradF32MinX and |dy| in [GradF32Min,
// GradF32Max], is the float32 one alone.
func seluGradProgram() *Program {
	p := gradFast(seluGrad, -kernels.GradF32MinX)
	p.FastYMin, p.FastYMax = kernels.GradF32Min, kernels.GradF32Max
	return p
}

func seluGrad(fast bool) *Program {
	p, b := newGrad("SELUGrad", fast)
	x, dy := b.input(0), b.input(1)
	var wide Value
	if !fast {
		e := b.expD(b.op(OpWiden, F64, b.maxK(x, kernels.GradClamp)))
		g := b.zeroIfNeg(x, b.d(OpMul, b.c(kernels.SELULambda*kernels.SELUAlpha), e))
		wide = b.op(OpNarrow, F32, b.d(OpMul, b.op(OpWiden, F64, dy), g))
	}
	pos := b.f(OpFMA, b.k(kernels.SELULambdaM1), dy, dy)
	neg, _ := b.expGrad32(x, dy, b.k(kernels.SELUScaleHi), b.k(kernels.SELUScaleLo))
	if !fast {
		neg = b.grad32Sel(x, dy, wide, neg)
	}
	return b.gradPiece(p, x, dy, pos, neg)
}

// noValue stands for an operand left out.
const noValue Value = -1

// expGrad32 emits the float32 (ch + cl)*e^x*dy of the package kernels
// documentation of SELUGrad (cl, or both, may be noValue: c = ch, or 1,
// ExpGrad's sequence there),
// for x in [GradF32MinX, -GradF32MinX] and a = ch*dy, which it returns
// too, of magnitude in [GradF32Min, GradF32Max].
func (b builder) expGrad32(x, dy, ch, cl Value) (dx, a Value) {
	s, th, q := b.expParts(x, b.k(kernels.ExpMagic))
	if ch == noValue { // c = 1: hi + lo = dy*(1 + th + q)
		hi := b.f(OpFMA, dy, th, dy)
		e := b.f(OpFMA, dy, th, b.f(OpSub, dy, hi)) // hi's rounding error
		return b.f(OpMul, b.f(OpAdd, hi, b.f(OpFMA, dy, q, e)), s), dy
	}
	one := b.k(1)
	u := b.f(OpAdd, one, th)
	ur := b.f(OpAdd, b.f(OpAdd, b.f(OpSub, one, u), th), q)
	a = b.f(OpMul, ch, dy)
	nal := b.f(OpFNMA, ch, dy, a) // -al: a - ch*dy
	if cl != noValue {
		nal = b.f(OpFNMA, cl, dy, nal)
	}
	w := b.f(OpFNMA, nal, u, b.f(OpMul, a, ur))
	return b.f(OpMul, b.f(OpFMA, a, u, w), s), a
}

// grad32Sel emits expGrad32's result neg where x >= GradF32MinX and |t|
// (t = dy or a) is in [GradF32Min, GradF32Max] (or t is NaN, which the
// NaN rule settles), else the float64 sequence's result wide.
func (b builder) grad32Sel(x, t, wide, neg Value) Value {
	nat := b.f(OpOr, t, b.bits(kernels.SignBit))
	neg = b.f(OpSelNeg, b.f(OpLess, nat, b.k(-kernels.GradF32Max)), wide, neg)
	neg = b.f(OpSelNeg, b.f(OpLess, b.k(-kernels.GradF32Min), nat), wide, neg)
	return b.f(OpSelNeg, b.f(OpLess, x, b.k(kernels.GradF32MinX)), wide, neg)
}

// gradPiece sets p.Out to x > 0 ? pos : neg, with the NaN rule but in a
// fast sequence (whose x, dy and product are no NaN), and returns p.
func (b builder) gradPiece(p *Program, x, dy, pos, neg Value) *Program {
	dx := b.f(OpSelSign, b.f(OpSub, b.bits(0), x), pos, neg)
	if b.fast {
		p.Out = dx
		return p
	}
	p.Out = b.gradNaN(x, dy, dx)
	return p
}

// softplusGradProgram: Softplus'(x) = sigmoid(x) = (x < 0 ? e : 1)/(1+e)
// with e = exp(max(-|x|, GradClamp)) in float64; 0 for x = -Inf.
func softplusGradProgram() *Program { return gradFast(softplusGrad, -kernels.GradClamp) }

func softplusGrad(fast bool) *Program {
	p, b := newGrad("SoftplusGrad", fast)
	x, dy := b.input(0), b.input(1)
	nax := b.f(OpOr, x, b.bits(kernels.SignBit))
	e := b.expD(b.op(OpWiden, F64, b.maxK(nax, kernels.GradClamp)))
	one := b.c(1)
	g := b.d(OpDiv, b.d(OpSelSign, x, e, one), b.d(OpAdd, one, e))
	g = b.zeroIfNeg(x, g)
	p.Out = b.gradOut(x, dy, g, true)
	return p
}

// geluTanhGradProgram: the derivative of x*sigmoid(v), v = 2u = x*(K1 +
// K2*x^2): sigmoid(v) + x*v'*sigmoid(v)*(1 - sigmoid(v)), v' = K1 +
// 3*K2*x^2, in float64 with e = exp(-|v|) (expAcc, v from max(-|x|,
// -GELUTanhGradClamp)) and x clamped to [-GELUTanhGradClamp,
// GELUTanhGradClamp]: (1 + e + x*v'*e)/(1+e)^2 for x >= 0, e*((1 + x*v') +
// e)/(1+e)^2 for x < 0 (1 + x*v' one FMA; the sum with e exact near the
// zero of the derivative at x = -0.7522); 0 for x = -Inf.
// It has no fast sequence: one measured 8 % slower on AVX-512 (9 % faster
// on AVX2).
func geluTanhGradProgram() *Program {
	p, b := newProgram("GELUTanhGrad")
	x, dy := b.input(0), b.input(1)
	a := b.op(OpWiden, F64, b.negAbs(x, -kernels.GELUTanhGradClamp))
	a2 := b.d(OpMul, a, a)
	e := b.expAcc(b.d(OpMul, a, b.d(OpFMA, a2, b.c(kernels.GELUTanhK2), b.c(kernels.GELUTanhK1))))
	xw := b.op(OpWiden, F64, b.maxK(b.minK(x, kernels.GELUTanhGradClamp), -kernels.GELUTanhGradClamp))
	w := b.d(OpFMA, a2, b.c(3*kernels.GELUTanhK2), b.c(kernels.GELUTanhK1))
	one := b.c(1)
	d := b.d(OpAdd, one, e)
	pos := b.d(OpFMA, b.d(OpMul, xw, w), e, d)
	neg := b.d(OpMul, e, b.d(OpAdd, b.d(OpFMA, xw, w, one), e))
	g := b.d(OpDiv, b.d(OpSelSign, xw, neg, pos), b.d(OpMul, d, d))
	g = b.zeroIfNeg(x, g)
	p.Out = b.gradOut(x, dy, g, false)
	return p
}

// geluGradProgram: GELU'(x) = Phi(x) + x*phi(x) in float64 (the package
// kernels documentation of GELUGrad): q = E*(R - a/sqrt(2*pi)) with
// GELU's E = exp(-a²/2) and R = e^(a²/2)*Phi(-a), a = min(|x|,
// -GELUGradClamp); x < 0 ? q : 1 - q, but the polynomial at the zero x0
// within GELUGradWindow of it; 0 for x = -Inf.
// It has no fast sequence: one measured no faster on AVX-512 and 4 %
// faster on AVX2 at 4Ki.
func geluGradProgram() *Program {
	p, b := newProgram("GELUGrad")
	x, dy := b.input(0), b.input(1)
	aw := b.op(OpWiden, F64, b.negAbs(x, kernels.GELUGradClamp)) // -a
	one := b.c(1)
	t := b.d(OpDiv, one, b.d(OpFMA, aw, b.c(-kernels.GELUP), one))
	r := b.hornerD(t, kernels.GELUR10, kernels.GELUR9, kernels.GELUR8, kernels.GELUR7, kernels.GELUR6,
		kernels.GELUR5, kernels.GELUR4, kernels.GELUR3, kernels.GELUR2, kernels.GELUR1, kernels.GELUR0)
	s, e := b.exp2DParts(b.d(OpMul, b.d(OpMul, aw, aw), b.c(-kernels.GELUHalfLog2e)))
	q := b.d(OpMul, b.d(OpMul, s, e), b.d(OpFMA, aw, b.c(kernels.GELUGradInvSqrt2Pi), r))
	// Within GELUGradWindow of x0 (only x < 0, where -a is x): s' = x -
	// X0F32 and s = -a - X0, both exact there; s'*s' - window² < 0.
	s1 := b.f(OpSub, x, b.k(kernels.GELUGradX0F32))
	in := b.f(OpFMA, s1, s1, b.k(-kernels.GELUGradWindow*kernels.GELUGradWindow))
	qw := b.op(OpWiden, F64, b.horner(s1, b.consts(kernels.GELUGradC8, kernels.GELUGradC7, kernels.GELUGradC6,
		kernels.GELUGradC5, kernels.GELUGradC4, kernels.GELUGradC3)...))
	sv := b.d(OpFMA, aw, one, b.c(-kernels.GELUGradX0))
	w := b.d(OpFMA, sv, b.d(OpFMA, sv, b.d(OpFMA, sv, qw, b.c(kernels.GELUGradC2)), b.c(kernels.GELUGradC1)), b.c(kernels.GELUGradC0))
	g := b.d(OpSelSign, in, w, b.d(OpSelSign, x, q, b.d(OpSub, one, q)))
	g = b.zeroIfNeg(x, g)
	p.Out = b.gradOut(x, dy, g, false)
	return p
}

// expGradProgram: exp'(x) = e^x, in float32 where x and dy allow it (the
// package kernels documentation of SELUGrad, with c = 1: a = dy exactly,
// al = 0), else in float64: e^z, z = x clamped to [GradClamp,
// ExpGradMax]; +Inf for x = +Inf, 0 for x = -Inf. Its fast sequence, for
// |x| <= -GradF32MinX and |dy| in [GradF32Min, GradF32Max], is the
// float32 one alone.
func expGradProgram() *Program {
	p := gradFast(expGrad, -kernels.GradF32MinX)
	p.FastYMin, p.FastYMax = kernels.GradF32Min, kernels.GradF32Max
	return p
}

func expGrad(fast bool) *Program {
	p, b := newGrad("ExpGrad", fast)
	x, dy := b.input(0), b.input(1)
	var wide Value
	if !fast {
		e := b.expD(b.op(OpWiden, F64, b.maxK(b.minK(x, kernels.ExpGradMax), kernels.GradClamp)))
		// MaxFloat32 - x is negative exactly for x = +Inf.
		g := b.d(OpSelSign, b.f(OpSub, b.k(kernels.MaxFloat32), x), b.c(math.Inf(1)), e)
		g = b.zeroIfNeg(x, g)
		wide = b.op(OpNarrow, F32, b.d(OpMul, b.op(OpWiden, F64, dy), g))
	}
	dx, _ := b.expGrad32(x, dy, noValue, noValue)
	if fast {
		p.Out = dx
		return p
	}
	// x above -GradF32MinX too: s = 2^n would overflow from 88.4 up.
	dx = b.f(OpSelNeg, b.f(OpLess, b.k(-kernels.GradF32MinX), x), wide, b.grad32Sel(x, dy, wide, dx))
	p.Out = b.gradNaN(x, dy, dx)
	return p
}
