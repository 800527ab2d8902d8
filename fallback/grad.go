package fallback

import (
	"math"

	"github.com/rectify-go/rectify/internal/check"
	"github.com/rectify-go/rectify/kernels"
)

// The gradient kernels: dx[i] = dy[i] * f'(x[i]), f' computed in float64
// and the product rounded once to float64, then to float32 (ELUGrad,
// SELUGrad and ExpGrad: in float32 where x and dy allow it, expGrad32). A NaN x gives
// x quieted, else a NaN dy gives dy quieted, else a NaN product (dy
// infinite and f'(x) = 0, or alpha NaN) gives kernels.CanonicalNaN.

// gradNaN applies the gradient kernels' NaN rule to the product p: p
// itself where none of x, dy and p is a NaN, else gradNaNs. It is small
// enough to be inlined: a call per element took most of ReLUGrad's time.
func gradNaN(x, dy, p float32) float32 {
	if x == x && dy == dy && p == p {
		return p
	}
	return gradNaNs(x, dy, p)
}

// gradNaNs is gradNaN for any x, dy and p.
func gradNaNs(x, dy, p float32) float32 {
	b := math.Float32bits(p)
	p = math.Float32frombits(selectU(nanMask(b), kernels.CanonicalNaN, b))
	return quiet(math.Float32bits(x), quiet(math.Float32bits(dy), p))
}

// zeroIfNeg returns c < 0 ? +0 : g (c's sign bit, as the kernels'
// select: c is never a NaN but for a NaN x, which the NaN rule replaces).
func zeroIfNeg(c float32, g float64) float64 {
	if math.Signbit(float64(c)) {
		return 0
	}
	return g
}

// signSel returns c's sign bit set ? a : b, without a branch, for two
// cheap sides: the sign of an input is as random as the data, and a
// mispredicted branch costs more (measured: SoftplusGrad and GELUGrad;
// SiLUGrad and GELUTanhGrad, whose sides are longer, branch faster).
func signSel(c float32, a, b float64) float64 {
	m := uint64(int64(int32(math.Float32bits(c))) >> 63)
	return math.Float64frombits(math.Float64bits(a)&m | math.Float64bits(b)&^m)
}

// expAcc returns the float64 exp(z), z in [kernels.GradClamp, 709], to
// nearly float64 precision: 2^n * T(r), T the Taylor polynomial of degree
// 13 with coefficients kernels.ExpT2..13.
func expAcc(z float64) float64 {
	nn := math.FMA(z, kernels.Log2eD, kernels.ExpMagicD)
	r := math.FMA(nn-kernels.ExpMagicD, -kernels.Ln2D, z)
	e := math.FMA(math.FMA(math.FMA(math.FMA(kernels.ExpT13, r, kernels.ExpT12), r, kernels.ExpT11), r, kernels.ExpT10), r, kernels.ExpT9)
	e = math.FMA(math.FMA(math.FMA(math.FMA(e, r, kernels.ExpT8), r, kernels.ExpT7), r, kernels.ExpT6), r, kernels.ExpT5)
	e = math.FMA(math.FMA(math.FMA(math.FMA(math.FMA(e, r, kernels.ExpT4), r, kernels.ExpT3), r, kernels.ExpT2), r, 1), r, 1)
	return float64(math.Float64frombits(math.Float64bits(nn)<<kernels.ExpShiftD) * e)
}

// posMask returns all ones if b is the bit pattern of a number above 0
// (0x00000001 to 0x7f800000), else zero: the select x > 0 without a branch,
// which random signs would mispredict.
func posMask(b uint32) uint32 {
	return uint32(int64(uint64(b-1)-kernels.ExpBits) >> 63)
}

// ReLUGrad is rectify.ReLUGrad in pure Go: dx[i] = dy[i] * (x[i] > 0 ? 1
// : +0).
func ReLUGrad(dx, x, dy []float32) {
	check.Grad("ReLUGrad", dx, x, dy)
	dy = dy[:len(x)]
	dx = dx[:len(x)]
	for i, v := range x {
		r := selectBits(posMask(math.Float32bits(v)), 1, 0)
		dx[i] = gradNaN(v, dy[i], float32(dy[i]*r))
	}
}

// LeakyReLUGrad is rectify.LeakyReLUGrad in pure Go: dx[i] = dy[i] *
// (x[i] > 0 ? 1 : alpha).
func LeakyReLUGrad(dx, x, dy []float32, alpha float32) {
	check.Grad("LeakyReLUGrad", dx, x, dy)
	dy = dy[:len(x)]
	dx = dx[:len(x)]
	for i, v := range x {
		r := selectBits(posMask(math.Float32bits(v)), 1, alpha)
		dx[i] = gradNaN(v, dy[i], float32(dy[i]*r))
	}
}

// SigmoidGrad is rectify.SigmoidGrad in pure Go: dx[i] = dy[i] *
// e/(1+e)^2, e = exp(-|x[i]|).
func SigmoidGrad(dx, x, dy []float32) {
	check.Grad("SigmoidGrad", dx, x, dy)
	dy = dy[:len(x)]
	dx = dx[:len(x)]
	for i, v := range x {
		nax := math.Float32frombits(math.Float32bits(v) | kernels.SignBit)
		e := expD(float64(max(nax, kernels.GradClamp)))
		d := 1 + e
		g := e / float64(d*d)
		dx[i] = gradNaN(v, dy[i], float32(float64(dy[i])*zeroIfNeg(nax+kernels.MaxFloat32, g)))
	}
}

// TanhGrad is rectify.TanhGrad in pure Go: dx[i] = dy[i] * 4e/(1+e)^2, e
// = exp(-2|x[i]|).
func TanhGrad(dx, x, dy []float32) {
	check.Grad("TanhGrad", dx, x, dy)
	dy = dy[:len(x)]
	dx = dx[:len(x)]
	for i, v := range x {
		nax := math.Float32frombits(math.Float32bits(v) | kernels.SignBit)
		e := expD(float64(max(nax+nax, kernels.GradClamp)))
		d := 1 + e
		g := float64(4*e) / float64(d*d)
		dx[i] = gradNaN(v, dy[i], float32(float64(dy[i])*zeroIfNeg(nax+kernels.MaxFloat32, g)))
	}
}

// SiLUGrad is rectify.SiLUGrad in pure Go: dx[i] = dy[i] * s(1 + x(1-s)),
// s = sigmoid(x[i]), from e = exp(-|x[i]|).
func SiLUGrad(dx, x, dy []float32) {
	check.Grad("SiLUGrad", dx, x, dy)
	dy = dy[:len(x)]
	dx = dx[:len(x)]
	for i, v := range x {
		xc := max(min(v, -kernels.GradClamp), kernels.GradClamp) // v NaN: the NaN rule
		xw := float64(xc)
		e := expAcc(float64(math.Float32frombits(math.Float32bits(xc) | kernels.SignBit)))
		d := 1 + e
		num := math.FMA(xw, e, d) // 1 + e + x*e
		if math.Signbit(xw) {
			num = float64(e * ((1 + xw) + e))
		}
		g := num / float64(d*d)
		dx[i] = gradNaN(v, dy[i], float32(float64(dy[i])*zeroIfNeg(v+kernels.MaxFloat32, g)))
	}
}

// ELUGrad is rectify.ELUGrad in pure Go: dx[i] = dy[i] * (x[i] > 0 ? 1 :
// alpha*exp(x[i])); for x <= 0 in float32 where x and alpha*dy allow it
// (expGrad32), else in float64.
func ELUGrad(dx, x, dy []float32, alpha float32) {
	check.Grad("ELUGrad", dx, x, dy)
	dy = dy[:len(x)]
	dx = dx[:len(x)]
	aw := float64(alpha)
	for i, v := range x {
		d := dy[i]
		var r float32
		switch {
		case math.Signbit(float64(0 - v)): // x > 0
			r = d
		case grad32(v, float32(alpha*d)):
			r = expGrad32(v, d, alpha, 0)
		default:
			e := expD(float64(max(v, kernels.GradClamp)))
			r = float32(float64(d) * zeroIfNeg(v+kernels.MaxFloat32, float64(aw*e)))
		}
		// gradNaNs, not gradNaN: ELUGrad measured 29 % slower with the
		// NaN test inlined here (SELUGrad 16 % faster).
		dx[i] = gradNaNs(v, d, r)
	}
}

// SELUGrad is rectify.SELUGrad in pure Go: dx[i] = dy[i] * (x[i] > 0 ?
// lambda : lambda*alpha*exp(x[i])); for x > 0 fma(SELULambdaM1, dy, dy),
// for x <= 0 in float32 where x and dy allow it (expGrad32), else in
// float64.
func SELUGrad(dx, x, dy []float32) {
	check.Grad("SELUGrad", dx, x, dy)
	dy = dy[:len(x)]
	dx = dx[:len(x)]
	for i, v := range x {
		d := dy[i]
		var r float32
		switch {
		case math.Signbit(float64(0 - v)): // x > 0
			r = fma(kernels.SELULambdaM1, d, d)
		case grad32(v, d):
			r = expGrad32(v, d, kernels.SELUScaleHi, kernels.SELUScaleLo)
		default:
			e := expD(float64(max(v, kernels.GradClamp)))
			r = float32(float64(d) * zeroIfNeg(v+kernels.MaxFloat32, float64(kernels.SELULambda*kernels.SELUAlpha*e)))
		}
		dx[i] = gradNaN(v, d, r)
	}
}

// grad32 reports whether expGrad32 takes x, with t = dy (SELUGrad) or
// alpha*dy (ELUGrad): x >= GradF32MinX and |t| in [GradF32Min,
// GradF32Max] (true for a NaN t, whose result the NaN rule replaces).
func grad32(x, t float32) bool {
	at := math.Abs(float64(t))
	return !(x < kernels.GradF32MinX || at > kernels.GradF32Max || at < kernels.GradF32Min)
}

// expGrad32 returns (ch + cl)*e^x*dy in float32 as the package kernels
// documentation of SELUGrad says (cl = 0: no term), for x and dy where
// grad32 holds.
func expGrad32(x, dy, ch, cl float32) float32 {
	s, th, q := expPart(x, kernels.ExpMagic)
	u := 1 + th
	ur := ((1 - u) + th) + q
	a := float32(ch * dy)
	nal := fnma(ch, dy, a) // -al
	if cl != 0 {
		nal = fnma(cl, dy, nal)
	}
	w := fnma(nal, u, float32(a*ur))
	return float32(fma(a, u, w) * s)
}

// expGrad1 returns e^x*dy in float32 as the package kernels documentation
// of SELUGrad says for c = 1 (ExpGrad), for x and dy where grad32 holds
// and x <= -GradF32MinX.
func expGrad1(x, dy float32) float32 {
	s, th, q := expPart(x, kernels.ExpMagic)
	hi := fma(dy, th, dy)
	// fma(dy, th, dy - hi), hi's rounding error, whose exact value has at
	// most 48 significant bits: the float64 sum is exact (so is the
	// product, fused or not), and the conversion rounds once, as the FMA
	// does (fma32 would take its slow path on every such sum).
	e := float32(float64(dy)*float64(th) + float64(dy-hi))
	return float32((hi + fma(dy, q, e)) * s)
}

// SoftplusGrad is rectify.SoftplusGrad in pure Go: dx[i] = dy[i] *
// sigmoid(x[i]), from e = exp(-|x[i]|).
func SoftplusGrad(dx, x, dy []float32) {
	check.Grad("SoftplusGrad", dx, x, dy)
	dy = dy[:len(x)]
	dx = dx[:len(x)]
	for i, v := range x {
		nax := math.Float32frombits(math.Float32bits(v) | kernels.SignBit)
		e := expD(float64(max(nax, kernels.GradClamp)))
		g := signSel(v, e, 1) / (1 + e)
		dx[i] = gradNaN(v, dy[i], float32(float64(dy[i])*zeroIfNeg(v+kernels.MaxFloat32, g)))
	}
}

// GELUTanhGrad is rectify.GELUTanhGrad in pure Go: dx[i] = dy[i] *
// (s + x*v'*s*(1-s)), s = sigmoid(v), v = x*(K1 + K2*x^2), from e =
// exp(-|v|).
func GELUTanhGrad(dx, x, dy []float32) {
	check.Grad("GELUTanhGrad", dx, x, dy)
	dy = dy[:len(x)]
	dx = dx[:len(x)]
	for i, v := range x {
		a := float64(negAbs(math.Float32bits(v), -kernels.GELUTanhGradClamp))
		a2 := float64(a * a)
		e := expAcc(float64(a * math.FMA(a2, kernels.GELUTanhK2, kernels.GELUTanhK1)))
		xw := float64(max(min(v, kernels.GELUTanhGradClamp), -kernels.GELUTanhGradClamp)) // v NaN: the NaN rule
		w := math.FMA(a2, 3*kernels.GELUTanhK2, kernels.GELUTanhK1)
		d := 1 + e
		num := math.FMA(float64(xw*w), e, d)
		if math.Signbit(xw) {
			num = float64(e * (math.FMA(xw, w, 1) + e))
		}
		g := num / float64(d*d)
		dx[i] = gradNaN(v, dy[i], float32(float64(dy[i])*zeroIfNeg(v+kernels.MaxFloat32, g)))
	}
}

// GELUGrad is rectify.GELUGrad in pure Go: dx[i] = dy[i] * (Phi(x) +
// x*phi(x)), x = x[i], from GELU's Phi(-|x|), and a polynomial near the
// zero of GELU' (kernels.GELUGradWindow).
func GELUGrad(dx, x, dy []float32) {
	check.Grad("GELUGrad", dx, x, dy)
	dy = dy[:len(x)]
	dx = dx[:len(x)]
	for i, v := range x {
		aw := float64(negAbs(math.Float32bits(v), kernels.GELUGradClamp)) // -a
		t := 1 / math.FMA(aw, -kernels.GELUP, 1)
		r := math.FMA(math.FMA(math.FMA(math.FMA(math.FMA(kernels.GELUR10, t, kernels.GELUR9), t, kernels.GELUR8), t, kernels.GELUR7), t, kernels.GELUR6), t, kernels.GELUR5)
		r = math.FMA(math.FMA(math.FMA(math.FMA(math.FMA(r, t, kernels.GELUR4), t, kernels.GELUR3), t, kernels.GELUR2), t, kernels.GELUR1), t, kernels.GELUR0)
		s, e := exp2DParts(float64(float64(aw*aw) * -kernels.GELUHalfLog2e))
		q := float64(float64(s*e) * math.FMA(aw, kernels.GELUGradInvSqrt2Pi, r))
		g := signSel(v, q, 1-q)
		// Within GELUGradWindow of x0 (only x < 0, where -a is x).
		if s1 := v - kernels.GELUGradX0F32; math.Abs(float64(s1)) < kernels.GELUGradWindow {
			p := fma(fma(fma(fma(fma(kernels.GELUGradC8, s1, kernels.GELUGradC7), s1, kernels.GELUGradC6), s1, kernels.GELUGradC5), s1, kernels.GELUGradC4), s1, kernels.GELUGradC3)
			sv := aw - kernels.GELUGradX0
			g = math.FMA(sv, math.FMA(sv, math.FMA(sv, float64(p), kernels.GELUGradC2), kernels.GELUGradC1), kernels.GELUGradC0)
		}
		dx[i] = gradNaN(v, dy[i], float32(float64(dy[i])*zeroIfNeg(v+kernels.MaxFloat32, g)))
	}
}

// ExpGrad is rectify.ExpGrad in pure Go: dx[i] = dy[i] * e^x[i], in
// float32 where x and dy allow it (expGrad1), else in float64.
func ExpGrad(dx, x, dy []float32) {
	check.Grad("ExpGrad", dx, x, dy)
	dy = dy[:len(x)]
	dx = dx[:len(x)]
	for i, v := range x {
		d := dy[i]
		var r float32
		if grad32(v, d) && !(-kernels.GradF32MinX < v) {
			r = expGrad1(v, d)
		} else {
			g := expD(float64(max(min(v, kernels.ExpGradMax), kernels.GradClamp)))
			if math.Signbit(float64(kernels.MaxFloat32 - v)) {
				g = math.Inf(1)
			}
			r = float32(float64(d) * zeroIfNeg(v+kernels.MaxFloat32, g))
		}
		dx[i] = gradNaN(v, d, r)
	}
}

// preluBlock is the number of channels whose dslope sums PReLUGrad keeps
// on the stack at once.
const preluBlock = 256

// A ColPass is a column pass (ir.ColSignature): one group of
// kernels.RowLanes channels in each row of x, rows stride elements apart,
// its lanes in st.
type ColPass func(dst, x, y []float32, st *kernels.Row, stride int)

// ColPasses are the column passes of a path, by name of the ir.ColPasses
// Program they run.
type ColPasses struct{ PReLUGradCol ColPass }

// colRows is the most rows a column pass takes per call: a call of at
// most 16Ki elements, a preemption point between calls.
const colRows = 1024

// PReLUGrad is rectify.PReLUGrad in pure Go: dx[i] = dy[i] * (x[i] > 0 ?
// 1 : slope[c]) and dslope[c] = the sum over the rows of dy*x where x is
// not > 0, c = i%len(slope). The products are exact in float64 and summed
// compensated (kernels.AddComp), then rounded once to float32: with
// kernels.RowLanes channels or more, each channel's sum runs in row
// order; with fewer, x is taken as rows of v = lcm(len(slope), RowLanes)
// virtual channels (the last row partial), virtual channel j of the slope
// of channel j%len(slope), each summed in row order, and a channel's sum
// adds its virtual channels' in increasing j (so that SIMD lanes share a
// channel's work).
func PReLUGrad(dx, dslope, x, dy, slope []float32) {
	PReLUGradCols(nil, dx, dslope, x, dy, slope)
}

// PReLUGradCols is PReLUGrad with the column passes cp (nil: none) on
// each whole group of kernels.RowLanes (virtual) channels, the Go code on
// the rest: ir.PReLUGradCol runs the Go code's operations, so the bits
// are the same.
func PReLUGradCols(cp *ColPasses, dx, dslope, x, dy, slope []float32) {
	check.PReLUGrad(dx, dslope, x, dy, slope)
	cols := len(slope)
	if cols < kernels.RowLanes {
		preluNarrow(cp, dx, dslope, x, dy, slope)
		return
	}
	c0 := 0
	if cp != nil && len(x) > 0 {
		st := rowStates.Get().(*kernels.Row)
		for ; c0+kernels.RowLanes <= cols; c0 += kernels.RowLanes {
			colSums(cp, dx, x, dy, slope, c0, st)
			for l := range kernels.RowLanes {
				dslope[c0+l] = sumOut(st.Sum[l], st.Comp[l])
			}
		}
		rowStates.Put(st)
	}
	for ; c0 < cols; c0 += preluBlock {
		c1 := min(c0+preluBlock, cols)
		var sum, comp [preluBlock]float64
		preluRows(dx, x, dy, slope, c0, sum[:c1-c0], comp[:c1-c0])
		for j := range c1 - c0 {
			dslope[c0+j] = sumOut(sum[j], comp[j])
		}
	}
}

// maxVirtual is the most virtual channels of a narrow PReLUGrad:
// lcm(15, 16).
const maxVirtual = 15 * kernels.RowLanes

// preluNarrow is PReLUGradCols for fewer than kernels.RowLanes channels,
// on rows of virtual channels (PReLUGrad).
func preluNarrow(cp *ColPasses, dx, dslope, x, dy, slope []float32) {
	cols := len(slope)
	v := cols * kernels.RowLanes / gcd(cols, kernels.RowLanes)
	var tiled [maxVirtual]float32
	var sum, comp [maxVirtual]float64
	t := tiled[:v]
	for j := range t {
		t[j] = slope[j%cols]
	}
	whole := len(x) / v * v
	c0 := 0
	if cp != nil && whole > 0 {
		st := rowStates.Get().(*kernels.Row)
		for ; c0 < v; c0 += kernels.RowLanes {
			colSums(cp, dx[:whole], x[:whole], dy[:whole], t, c0, st)
			copy(sum[c0:], st.Sum[:])
			copy(comp[c0:], st.Comp[:])
		}
		rowStates.Put(st)
	}
	if c0 < v {
		preluRows(dx[:whole], x[:whole], dy[:whole], t, c0, sum[c0:v], comp[c0:v])
	}
	if n := len(x) - whole; n > 0 { // the partial last row
		preluRows(dx[whole:], x[whole:], dy[whole:], t[:n], 0, sum[:n], comp[:n])
	}
	for c := range cols {
		s, k := 0.0, 0.0
		for j := c; j < v; j += cols {
			s, k = kernels.AddComp(s, k, sum[j])
			k += comp[j]
		}
		dslope[c] = sumOut(s, k)
	}
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// colSums runs cp's column pass on channels c0..c0+RowLanes-1 of the
// rows of x (len(slope) channels each), colRows rows per call: dx, and
// the channels' sums in st's lanes (reset first).
func colSums(cp *ColPasses, dx, x, dy, slope []float32, c0 int, st *kernels.Row) {
	cols := len(slope)
	*st = kernels.Row{}
	copy(st.P[:], slope[c0:])
	for r := 0; r < len(x); r += colRows * cols {
		i, j := r+c0, min(r+colRows*cols, len(x))-cols+c0+kernels.RowLanes
		cp.PReLUGradCol(dx[i:j], x[i:j], dy[i:j], st, cols)
	}
}

// preluRows runs channels c0..c0+len(sum)-1 (at most preluBlock) of the
// rows of x (len(slope) channels each): dx, and each channel's terms
// added in row order to its compensated sum in sum and comp.
func preluRows(dx, x, dy, slope []float32, c0 int, sum, comp []float64) {
	cols := len(slope)
	c1 := c0 + len(sum)
	sl := slope[c0:c1]
	comp = comp[:len(sl)]
	var row [preluBlock]float32 // dx of the row, before the NaN rule
	for r := 0; r < len(x); r += cols {
		xr, dyr, dxr := x[r+c0:r+c1], dy[r+c0:r+c1], dx[r+c0:r+c1]
		xr, dyr = xr[:len(sl)], dyr[:len(sl)]
		dxr, q := dxr[:len(sl)], row[:len(sl)]
		nan := false
		for j, v := range xr {
			// Bit selects, no branch: the signs of x are random.
			d, pos := dyr[j], negMask(math.Float32bits(v)^kernels.SignBit) // v > 0
			a := math.Float32frombits(selectU(pos, math.Float32bits(1), math.Float32bits(sl[j])))
			p := math.Float64frombits(math.Float64bits(float64(float64(v)*float64(d))) &^ (uint64(pos)<<32 | uint64(pos)))
			q[j] = float32(d * a)
			nan = nan || q[j] != q[j] || v != v
			sum[j], comp[j] = kernels.AddComp(sum[j], comp[j], p)
		}
		if nan { // out of the loop above: its call would spill the loop's registers
			for j, v := range xr {
				q[j] = gradNaN(v, dyr[j], q[j])
			}
		}
		copy(dxr, q)
	}
}

// sumOut rounds the compensated sum s + c to float32: s itself where it
// is infinite, the quiet NaN kernels.CanonicalNaN where it is a NaN.
func sumOut(s, c float64) float32 {
	switch {
	case s != s:
		return math.Float32frombits(kernels.CanonicalNaN)
	case math.IsInf(s, 0):
		return float32(s)
	}
	return float32(s + c)
}
