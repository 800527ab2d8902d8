// Package fallback holds rectify's pure-Go kernels.
//
// They are what every architecture without a SIMD path runs, what the purego
// and noasm build tags select, and the reference that every SIMD path is
// checked against bit for bit. Each function is written as the exact
// operation sequence of the SIMD kernels: products are wrapped in explicit
// float32 conversions, and fused multiply-adds are computed exactly by
// internal/fma32, so no compiler can fuse or reorder them.
//
// Each function is its namesake in package rectify, bit for bit, on every
// architecture, with the same documentation and the same argument checks:
// dst and x must have the same length; dst may be x itself, but any other
// overlap panics. Package rectify calls them for short slices and where
// there is no SIMD path; call them directly to pin the pure-Go path.
package fallback

import (
	"math"

	"github.com/rectify-go/rectify/internal/check"
	"github.com/rectify-go/rectify/internal/fma32"
	"github.com/rectify-go/rectify/kernels"
)

// ReLU is rectify.ReLU in pure Go: dst[i] = x[i] < 0 ? +0 : x[i].
func ReLU(dst, x []float32) {
	check.Slices("ReLU", dst, x)
	dst = dst[:len(x)]
	for i, v := range x {
		b := math.Float32bits(v)
		dst[i] = math.Float32frombits(b &^ negMask(b))
	}
}

// LeakyReLU is rectify.LeakyReLU in pure Go: dst[i] = x[i] < 0 ?
// alpha*x[i] : x[i], a NaN product (alpha NaN, or 0 times -Inf) giving the
// quiet NaN kernels.CanonicalNaN.
func LeakyReLU(dst, x []float32, alpha float32) {
	check.Slices("LeakyReLU", dst, x)
	dst = dst[:len(x)]
	if nanProduct(alpha) {
		for i, v := range x {
			dst[i] = leakyCanon(v, alpha)
		}
		return
	}
	for i, v := range x {
		dst[i] = leaky(v, alpha)
	}
}

// PReLU is rectify.PReLU in pure Go: dst[i] = x[i] < 0 ?
// slope[i%len(slope)]*x[i] : x[i], a NaN product (slope NaN, or 0 times
// -Inf) giving the quiet NaN kernels.CanonicalNaN.
func PReLU(dst, x, slope []float32) {
	check.Repeated("PReLU", "slope", dst, x, slope)
	dst = dst[:len(x)]
	canon := false
	for _, a := range slope {
		canon = canon || nanProduct(a)
	}
	for r := 0; r < len(x); r += len(slope) {
		d, row := dst[r:r+len(slope)], x[r:r+len(slope)]
		if canon {
			for j, a := range slope {
				d[j] = leakyCanon(row[j], a)
			}
			continue
		}
		for j, a := range slope {
			d[j] = leaky(row[j], a)
		}
	}
}

// nanProduct reports whether alpha*x can be NaN for a negative x: only for
// an alpha that is NaN or zero (times -Inf).
func nanProduct(alpha float32) bool { return alpha != alpha || alpha == 0 }

// leaky returns v < 0 ? alpha*v : v, for an alpha where nanProduct is
// false.
func leaky(v, alpha float32) float32 {
	b := math.Float32bits(v)
	return math.Float32frombits(selectU(negMask(b), math.Float32bits(float32(alpha*v)), b))
}

// leakyCanon returns v < 0 ? alpha*v : v, a NaN product made
// kernels.CanonicalNaN.
func leakyCanon(v, alpha float32) float32 {
	y := math.Float32bits(float32(alpha * v))
	b := math.Float32bits(v)
	return math.Float32frombits(selectU(negMask(b), selectU(nanMask(y), kernels.CanonicalNaN, y), b))
}

// ELU is rectify.ELU in pure Go: dst[i] = x[i] < 0 ? alpha*expm1(x[i]) :
// x[i], NaN inputs quieted, NaN results (alpha NaN or infinite) the quiet
// NaN kernels.CanonicalNaN.
func ELU(dst, x []float32, alpha float32) {
	check.Slices("ELU", dst, x)
	// The polynomial scaled by alpha, once per call.
	a := [6]float32{float32(alpha * kernels.Expm1D7), float32(alpha * kernels.Expm1D6), float32(alpha * kernels.Expm1D5),
		float32(alpha * kernels.Expm1D4), float32(alpha * kernels.Expm1D3), float32(alpha * kernels.Expm1D2)}
	blocks(dst, x, func(x lanes) (d lanes) {
		var z lanes
		for j, v := range x {
			z[j] = max(v, kernels.ELUClamp) // v NaN: the final select
		}
		e := expm1Parts(&z, &a, false)
		for j, v := range x {
			y := math.Float32bits(fma(alpha, e.hi[j], fma(e.q[j], e.p[j], float32(alpha*e.lo[j]))))
			y = selectU(nanMask(y), kernels.CanonicalNaN, y) // alpha NaN or infinite
			bx := math.Float32bits(v)
			d[j] = quiet(bx, math.Float32frombits(selectU(negMask(bx), y, bx)))
		}
		return d
	})
}

// SELU is rectify.SELU in pure Go: dst[i] = lambda * (x[i] < 0 ?
// alpha*expm1(x[i]) : x[i]), NaN inputs quieted.
func SELU(dst, x []float32) {
	check.Slices("SELU", dst, x)
	a := [6]float32{kernels.SELUD7, kernels.SELUD6, kernels.SELUD5, kernels.SELUD4, kernels.SELUD3, kernels.SELUD2}
	blocks(dst, x, func(x lanes) (d lanes) {
		var z lanes
		for j, v := range x {
			z[j] = max(v, kernels.ELUClamp)
		}
		e := expm1Parts(&z, &a, false)
		for j, v := range x {
			neg := fma(kernels.SELUScaleHi, e.hi[j], fma(e.q[j], e.p[j],
				fma(kernels.SELUScaleLo, e.hi[j], float32(kernels.SELUScaleHi*e.lo[j]))))
			pos := fma(kernels.SELULambdaM1, v, v)
			bx := math.Float32bits(v)
			d[j] = quiet(bx, selectBits(negMask(bx), neg, pos))
		}
		return d
	})
}

// Tanh is rectify.Tanh in pure Go: dst[i] = tanh(x[i]), computed as
// -m/(2+m) with m = expm1(-2|x|) and the sign of x, NaN inputs quieted.
func Tanh(dst, x []float32) {
	check.Slices("Tanh", dst, x)
	a := [6]float32{kernels.Expm1D7, kernels.Expm1D6, kernels.Expm1D5, kernels.Expm1D4, kernels.Expm1D3, kernels.Expm1D2}
	blocks(dst, x, func(x lanes) (d lanes) {
		var z lanes
		for j, v := range x {
			nax := math.Float32frombits(math.Float32bits(v) | kernels.SignBit)
			z[j] = max(nax+nax, kernels.ELUClamp)
		}
		e := expm1Parts(&z, &a, true)
		for j, v := range x {
			c := fma(e.q[j], e.p[j], e.lo[j])
			mh := e.hi[j] + c
			ml := c - (mh - e.hi[j])
			// y = (mh + ml)/(dh + dl) = -tanh(|x|), dh + dl = 2 + m exactly.
			dh := 2 + mh
			dl := ((2 - dh) + mh) + ml
			y := mh / dh
			r := fnma(y, dl, fnma(y, dh, mh)+ml)
			y = fma(r, fnma(y, 0.5, 0.5), y)
			bx := math.Float32bits(v)
			nax := math.Float32frombits(bx | kernels.SignBit)
			y = selectBits(negMask(math.Float32bits(nax+kernels.TanhOne)), -1, y)
			y = selectBits(negMask(bx), y, 0-y)
			y = selectBits(negMask(math.Float32bits(nax+kernels.TanhTiny)), y, v)
			d[j] = quiet(bx, y)
		}
		return d
	})
}

// Softplus is rectify.Softplus in pure Go: dst[i] = log(1 + exp(x[i])),
// computed as max(x, 0) + log1p(exp(-|x|)), NaN inputs quieted.
func Softplus(dst, x []float32) {
	check.Slices("Softplus", dst, x)
	blocks(dst, x, func(x lanes) (d lanes) {
		// e = exp(-|x|), times 2^64 below SoftplusScaled.
		var z, magic, eh, el lanes
		for j, v := range x {
			z[j] = negAbs(math.Float32bits(v), kernels.ExpClamp)
			magic[j] = selectBits(negMask(math.Float32bits(z[j]-kernels.SoftplusScaled)), kernels.ExpMagic64, kernels.ExpMagic)
		}
		expFF(&eh, &el, &z, &magic)
		for j, v := range x {
			// w + wl = e/(2+e), from the corrected division (eh + el)/(den + denl).
			ehj := eh[j]
			den := 2 + ehj
			denl := (2 - den) + ehj
			w := ehj / den
			r := fnma(w, denl, fnma(w, den, ehj)+el[j])
			wl := float32(r * fnma(w, 0.5, 0.5))
			u := float32(w * w)
			rr := fma(fma(fma(kernels.Atanh9, u, kernels.Atanh7), u, kernels.Atanh5), u, kernels.Atanh3)
			c := fma(float32(w*u), rr, wl+wl)
			lh := w + w
			// max(x, 0) + lh exactly (big + small, Fast2Sum), then the small terms.
			bx := math.Float32bits(v)
			xp := math.Float32frombits(bx &^ negMask(bx))
			big, sm := xp, lh
			if xp < lh {
				big, sm = lh, xp
			}
			sum := big + sm
			y := sum + ((sm - (sum - big)) + c)
			y = selectBits(negMask(math.Float32bits(v-kernels.SoftplusScaled)), float32(y*kernels.Unscale64), y)
			y = selectBits(negMask(math.Float32bits(kernels.SoftplusExact-v)), v, y)
			d[j] = quiet(bx, y)
		}
		return d
	})
}

// Sigmoid is rectify.Sigmoid in pure Go: dst[i] = 1 / (1 + exp(-x[i])),
// computed as x < 0 ? e/(1+e) : 1/(1+e) with e = exp(-|x|), NaN inputs
// quieted.
func Sigmoid(dst, x []float32) {
	check.Slices("Sigmoid", dst, x)
	blocks(dst, x, func(x lanes) (d lanes) {
		eh, el := expNegAbs(&x, kernels.ExpClamp)
		for j, v := range x {
			y, r, inv := sigmoidFF(v, eh[j], el[j], true)
			d[j] = quiet(math.Float32bits(v), float32(fma(r, inv, y)*kernels.Unscale64))
		}
		return d
	})
}

// SiLU is rectify.SiLU in pure Go: dst[i] = x[i] * sigmoid(x[i]), NaN
// inputs quieted.
func SiLU(dst, x []float32) {
	check.Slices("SiLU", dst, x)
	blocks(dst, x, func(x lanes) (d lanes) {
		eh, el := expNegAbs(&x, kernels.ScaledClamp)
		for j, v := range x {
			neg := negMask(math.Float32bits(v))
			y, r, inv := sigmoidFF(v, eh[j], el[j], false)
			xc := max(v, kernels.ScaledClamp) // v NaN or +Inf: the final select
			s := fma(xc, y, float32(xc*float32(r*inv)))
			s = selectBits(neg, float32(s*kernels.Unscale64), s)
			d[j] = quietInf(math.Float32bits(v), s)
		}
		return d
	})
}

// GELUTanh is rectify.GELUTanh in pure Go: dst[i] = x[i] * sigmoid(2u),
// 2u = x*(K1 + K2*x^2), which is x/2 * (1 + tanh(u)), in float64; NaN
// inputs quieted.
func GELUTanh(dst, x []float32) {
	check.Slices("GELUTanh", dst, x)
	blocks(dst, x, func(x lanes) (d lanes) {
		for j, v := range x {
			xc := float64(max(v, -kernels.GELUTanhClamp)) // v NaN: the final select
			xz := min(xc, kernels.GELUTanhClamp)
			s, e := exp2DParts(float64(xz * math.FMA(float64(xz*xz), -kernels.GELUTanhL2, -kernels.GELUTanhL1))) // -2u(xz)/ln 2
			d[j] = quiet(math.Float32bits(v), float32(xc/math.FMA(s, e, 1)))
		}
		return d
	})
}

// expD returns the float64 exp(z), z in [-745, 709], as the kernels
// compute it: 2^n * E(r), r = z - n*ln2.
func expD(z float64) float64 {
	s, e := expDParts(z)
	return float64(s * e)
}

// exp2DParts returns 2^w, w in [-1022, 1023], as the kernels compute it:
// 2^n and E2(t), t = w - n.
func exp2DParts(w float64) (s, e float64) {
	nn := w + kernels.ExpMagicD
	t := w - (nn - kernels.ExpMagicD)
	e = math.FMA(math.FMA(math.FMA(math.FMA(math.FMA(math.FMA(kernels.Exp2D6, t, kernels.Exp2D5), t, kernels.Exp2D4), t, kernels.Exp2D3), t, kernels.Exp2D2), t, kernels.Ln2D), t, 1)
	return math.Float64frombits(math.Float64bits(nn) << kernels.ExpShiftD), e
}

// expDParts returns expD's 2^n and E(r).
func expDParts(z float64) (s, e float64) {
	nn := math.FMA(z, kernels.Log2eD, kernels.ExpMagicD)
	r := math.FMA(nn-kernels.ExpMagicD, -kernels.Ln2D, z)
	e = math.FMA(math.FMA(math.FMA(math.FMA(math.FMA(math.FMA(kernels.Exp64C6, r, kernels.Exp64C5), r, kernels.Exp64C4), r, kernels.Exp64C3), r, kernels.Exp64C2), r, 1), r, 1)
	return math.Float64frombits(math.Float64bits(nn) << kernels.ExpShiftD), e
}

// Exp is rectify.Exp in pure Go: dst[i] = e^x[i], NaN inputs quieted.
func Exp(dst, x []float32) {
	check.Slices("Exp", dst, x)
	blocks(dst, x, func(x lanes) (d lanes) {
		var z, magic, low lanes
		for j, v := range x {
			z[j] = max(min(v, kernels.ExpMax), kernels.ScaledClamp) // v NaN: the final select
			low[j] = z[j] - kernels.ExpScaled
			magic[j] = selectBits(negMask(math.Float32bits(low[j])), kernels.ExpMagic64, kernels.ExpMagicHalf)
		}
		var s, th, q lanes
		expParts(&s, &th, &q, &z, &magic)
		for j, v := range x {
			scale := selectBits(negMask(math.Float32bits(low[j])), kernels.Unscale64, 2)
			d[j] = quiet(math.Float32bits(v), float32(fma(s[j], th[j]+q[j], s[j])*scale))
		}
		return d
	})
}

// expNegAbs returns exp(max(-|x|, clamp)) * 2^64 as the float-float eh +
// el, lane by lane.
func expNegAbs(x *lanes, clamp float32) (eh, el lanes) {
	var z lanes
	for j, v := range x {
		z[j] = negAbs(math.Float32bits(v), clamp)
	}
	expFF(&eh, &el, &z, &magic64)
	return eh, el
}

// magic64 is kernels.ExpMagic64 in every lane.
var magic64 = lanes{kernels.ExpMagic64, kernels.ExpMagic64, kernels.ExpMagic64, kernels.ExpMagic64,
	kernels.ExpMagic64, kernels.ExpMagic64, kernels.ExpMagic64, kernels.ExpMagic64}

// sigmoidFF returns sigmoid(x) as y + r*inv, from e = exp(-|x|) * 2^64 =
// eh + el: the division (x < 0 ? e : 1) / (1 + e) corrected with the
// remainder r, times 2^64 (for x >= 0 only unless scaled).
func sigmoidFF(x, eh, el float32, scaled bool) (y, r, inv float32) {
	neg := negMask(math.Float32bits(x)) // -0 gives 1/2 either way
	// dh + dl = 1 + e, unscaled.
	dh := fma(eh, kernels.Unscale64, 1)
	dl := fma(el, kernels.Unscale64, fma(eh, kernels.Unscale64, 1-dh))
	// (num + numl)/(dh + dl), num + numl = x < 0 ? e : 1 (scaled).
	pos := float32(1)
	if scaled {
		pos = kernels.Scale64
	}
	num := selectBits(neg, eh, pos)
	numl := selectBits(neg, el, 0)
	y = num / dh
	r = fnma(y, dl, fnma(y, dh, num)+numl)
	if !scaled {
		// The Program's fma(-y, 2^-64, 1), without the emulated FMA: y*2^-64
		// is exact, or below 2^-126, where 1 less it rounds to 1 either way.
		return y, r, selectBits(neg, 1-float32(y*kernels.Unscale64), y)
	}
	ys := float32(y * kernels.Unscale64)
	return y, r, selectBits(neg, 1-ys, ys)
}

// GELU is rectify.GELU in pure Go: dst[i] = x[i]*Phi(x[i]) = x/2 *
// erfc(-x/sqrt2), computed in float64 from a = min(|x|, 15) as max(x, 0) -
// a*Phi(-a), NaN inputs quieted.
func GELU(dst, x []float32) {
	check.Slices("GELU", dst, x)
	blocks(dst, x, func(x lanes) (d lanes) {
		for j, v := range x {
			bx := math.Float32bits(v)
			// -a = max(-|x|, GELUClamp) (NaN: the final select) and max(x, 0), -0 kept.
			na := max(math.Float32frombits(bx|kernels.SignBit), kernels.GELUClamp)
			xp := math.Float32frombits(bx &^ negMask(bx))
			xw, aw := float64(xp), float64(na)
			t := 1 / math.FMA(aw, -kernels.GELUP, 1) // 1/(1 + GELUP*a)
			r := math.FMA(math.FMA(math.FMA(math.FMA(math.FMA(kernels.GELUR10, t, kernels.GELUR9), t, kernels.GELUR8), t, kernels.GELUR7), t, kernels.GELUR6), t, kernels.GELUR5)
			r = math.FMA(math.FMA(math.FMA(math.FMA(math.FMA(r, t, kernels.GELUR4), t, kernels.GELUR3), t, kernels.GELUR2), t, kernels.GELUR1), t, kernels.GELUR0)
			// exp(-a²/2) = 2^(-a²/(2 ln 2)).
			s, e := exp2DParts(float64(float64(aw*aw) * -kernels.GELUHalfLog2e))
			phi := float64(float64(s*e) * r) // Phi(-a)
			// max(x, 0) - a*Phi(-a): x*Phi(x) for |x| <= 15; beyond, a*Phi(-a)
			// vanishes next to x, and gives -0 for x < -15.
			d[j] = quiet(bx, float32(math.FMA(aw, phi, xw)))
		}
		return d
	})
}

// block is the number of elements the exp kernels compute side by side:
// each step of the sequence runs for every lane of a block before the
// next, so that the processor overlaps the lanes' long chains of
// dependent operations (twice as fast as one element at a time).
const block = 8

// lanes holds one value of each element of a block.
type lanes = [block]float32

// blocks sets dst to f of x, block by block, the last block padded. Blocks
// pass by value: nothing escapes, nothing is allocated, and
// dst may be x.
func blocks(dst, x []float32, f func(x lanes) lanes) {
	dst = dst[:len(x)]
	for len(x) >= block {
		*(*lanes)(dst) = f(*(*lanes)(x))
		dst, x = dst[block:], x[block:]
	}
	if len(x) > 0 {
		// Padding with the first element, not zeros, keeps the FMA
		// emulation's rare branches as predictable as the real lanes'.
		var t lanes
		for j := range t {
			t[j] = x[0]
		}
		copy(t[:], x)
		d := f(t)
		copy(dst, d[:])
	}
}

// negAbs returns -|x| for the float32 with bits b, clamped below at clamp.
func negAbs(b uint32, clamp float32) float32 {
	return max(math.Float32frombits(b|kernels.SignBit), clamp) // NaN: the final select
}

// expFF sets eh + el to exp(z) as a float-float, lane by lane, times 2^64
// where magic is kernels.ExpMagic64.
func expFF(eh, el, z, magic *lanes) {
	var e0, l0 lanes
	expCore(&e0, &l0, z, magic)
	for j := range e0 {
		eh[j] = e0[j] + l0[j]
		el[j] = l0[j] - (eh[j] - e0[j])
	}
}

// expCore sets e0 + l0 to exp(z), unnormalised (expFF).
func expCore(e0, l0, z, magic *lanes) {
	var s, th, q lanes
	expParts(&s, &th, &q, z, magic)
	for j, sj := range s {
		b := float32(sj * th[j])
		e0[j] = sj + b
		l0[j] = fma(sj, q[j], b-(e0[j]-sj))
	}
}

// expParts returns the parts of exp(z) = s*(1 + th + q), lane by lane
// (expPart).
func expParts(s, th, q, z, magic *lanes) {
	for j, zj := range z {
		s[j], th[j], q[j] = expPart(zj, magic[j])
	}
}

// expPart returns the parts of exp(z) = s*(1 + th + q): s = 2^n (scaled
// by magic), th = z - n*Ln2Hi exactly, q = e^t - 1 - th.
func expPart(z, magic float32) (s, th, q float32) {
	nn := fma(z, kernels.Log2e, magic)
	n := nn - magic
	th = fma(n, -kernels.Ln2Hi, z)
	tl := float32(n * -kernels.Ln2Lo)
	t := th + tl
	p := fma(fma(fma(fma(kernels.ExpC6, t, kernels.ExpC5), t, kernels.ExpC4), t, kernels.ExpC3), t, kernels.ExpC2)
	return pow2(nn), th, fma(float32(t*t), p, tl)
}

// expm1 holds expm1(z) = hi + lo + q*p lane by lane (expm1Parts).
type expm1 struct{ hi, lo, q, p lanes }

// expm1Parts returns expm1(z) for z in [kernels.ELUClamp, 0] as ELU's
// sequence with the coefficients a = D7..D2, scaled or not: hi + lo is
// s - 1 + s*t, exactly for n >= -24, and for every n if exact.
func expm1Parts(z *lanes, a *[6]float32, exact bool) (e expm1) {
	var t, s lanes
	for j, zj := range z {
		nn := fma(zj, kernels.Log2e, kernels.ExpMagic)
		t[j] = fma(nn-kernels.ExpMagic, -kernels.Ln2, zj)
		s[j] = pow2(nn)
	}
	for j, tj := range t {
		e.p[j] = fma(fma(fma(fma(fma(a[0], tj, a[1]), tj, a[2]), tj, a[3]), tj, a[4]), tj, a[5])
		am1, b := s[j]-1, float32(s[j]*tj)
		e.hi[j] = am1 + b
		e.lo[j] = b - (e.hi[j] - am1)
		if exact {
			e.lo[j] += s[j] - (am1 + 1)
		}
		e.q[j] = float32(b * tj)
	}
	return e
}

// pow2 returns 2^n from nn = fma(z, kernels.Log2e, magic): the biased
// exponent in its low bits, shifted into place.
func pow2(nn float32) float32 {
	return math.Float32frombits(math.Float32bits(nn) << kernels.ExpShift)
}

// fma returns a*b + c rounded once, as the SIMD kernels' FMA does.
func fma(a, b, c float32) float32 { return fma32.FMA(a, b, c) }

// fnma returns c - a*b rounded once.
func fnma(a, b, c float32) float32 { return fma32.FMA(-a, b, c) }

// negMask returns all ones if the float32 with bits b is less than zero
// (negative, not -0, not NaN), else zero.
func negMask(b uint32) uint32 {
	// b-0x80000001 < 0x7f800000 exactly for 0x80000001 <= b <= 0xff800000.
	return uint32(int64(uint64(b-(kernels.SignBit+1))-kernels.ExpBits) >> 63)
}

// nanMask returns all ones if b is the bit pattern of a NaN, else zero.
func nanMask(b uint32) uint32 {
	return uint32(int64(kernels.ExpBits-uint64(b&kernels.AbsMask)) >> 63)
}

// selectU returns m ? a : b, bitwise.
func selectU(m, a, b uint32) uint32 {
	return a&m | b&^m
}

// selectBits returns m ? a : b, bitwise.
func selectBits(m uint32, a, b float32) float32 {
	return math.Float32frombits(selectU(m, math.Float32bits(a), math.Float32bits(b)))
}

// quiet returns the quieted input if the input bits b are a NaN, else y.
func quiet(b uint32, y float32) float32 {
	return selectBits(nanMask(b), math.Float32frombits(b|kernels.QuietBit), y)
}

// quietInf is quiet, but for +Inf (bits b) too, which it returns.
func quietInf(b uint32, y float32) float32 {
	if b == kernels.ExpBits {
		return math.Float32frombits(b)
	}
	return quiet(b, y)
}
