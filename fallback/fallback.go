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
	if alpha != alpha || alpha == 0 {
		// Only these alphas can make a NaN product from a negative x.
		for i, v := range x {
			y := math.Float32bits(float32(alpha * v))
			y = selectU(nanMask(y), kernels.CanonicalNaN, y)
			b := math.Float32bits(v)
			dst[i] = math.Float32frombits(selectU(negMask(b), y, b))
		}
		return
	}
	for i, v := range x {
		b := math.Float32bits(v)
		dst[i] = math.Float32frombits(selectU(negMask(b), math.Float32bits(float32(alpha*v)), b))
	}
}

// ELU is rectify.ELU in pure Go: dst[i] = x[i] < 0 ? alpha*expm1(x[i]) :
// x[i], NaN inputs quieted, NaN results (alpha NaN or infinite) the quiet
// NaN kernels.CanonicalNaN.
func ELU(dst, x []float32, alpha float32) {
	check.Slices("ELU", dst, x)
	// The polynomial scaled by alpha, once per call.
	a7, a6, a5 := float32(alpha*kernels.Expm1D7), float32(alpha*kernels.Expm1D6), float32(alpha*kernels.Expm1D5)
	a4, a3, a2 := float32(alpha*kernels.Expm1D4), float32(alpha*kernels.Expm1D3), float32(alpha*kernels.Expm1D2)
	blocks(dst, x, func(x lanes) (d lanes) {
		var t, s lanes
		for j, v := range x {
			z := max(v, kernels.ELUClamp) // v NaN: the final select
			nn := fma(z, kernels.Log2e, kernels.ExpMagic)
			t[j] = fma(nn-kernels.ExpMagic, -kernels.Ln2, z)
			s[j] = pow2(nn)
		}
		for j, v := range x {
			tj, sj := t[j], s[j]
			p := fma(fma(fma(fma(fma(a7, tj, a6), tj, a5), tj, a4), tj, a3), tj, a2)
			a, b := sj-1, float32(sj*tj)
			hi := a + b
			lo := b - (hi - a)
			y := math.Float32bits(fma(alpha, hi, fma(float32(b*tj), p, float32(alpha*lo))))
			y = selectU(nanMask(y), kernels.CanonicalNaN, y) // alpha NaN or infinite
			bx := math.Float32bits(v)
			d[j] = quiet(bx, math.Float32frombits(selectU(negMask(bx), y, bx)))
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
			z[j] = negAbs(math.Float32bits(v))
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
	magic := lanes{}
	for j := range magic {
		magic[j] = kernels.ExpMagic64
	}
	blocks(dst, x, func(x lanes) (d lanes) {
		var z, eh, el lanes
		for j, v := range x {
			z[j] = negAbs(math.Float32bits(v))
		}
		expFF(&eh, &el, &z, &magic)
		for j, v := range x {
			bx := math.Float32bits(v)
			neg := negMask(bx) // -0 gives 1/2 either way
			// dh + dl = 1 + e, unscaled.
			dh := fma(eh[j], kernels.Unscale64, 1)
			dl := fma(el[j], kernels.Unscale64, fma(eh[j], kernels.Unscale64, 1-dh))
			// (num + numl)/(dh + dl), num + numl = x < 0 ? e : 1 (scaled).
			num := selectBits(neg, eh[j], kernels.Scale64)
			numl := selectBits(neg, el[j], 0)
			y := num / dh
			r := fnma(y, dl, fnma(y, dh, num)+numl)
			ys := float32(y * kernels.Unscale64)
			inv := selectBits(neg, 1-ys, ys)
			d[j] = quiet(bx, float32(fma(r, inv, y)*kernels.Unscale64))
		}
		return d
	})
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
			// exp(-a²/2) = 2^n * exp(rr).
			h := float64(aw * aw)
			nn := math.FMA(h, -kernels.GELUHalfLog2e, kernels.GELUMagic)
			rr := math.FMA(nn-kernels.GELUMagic, -kernels.GELULn2, float64(h*-0.5))
			e := math.FMA(math.FMA(math.FMA(math.FMA(math.FMA(kernels.GELUExp6, rr, kernels.GELUExp5), rr, kernels.GELUExp4), rr, kernels.GELUExp3), rr, kernels.GELUExp2), rr, 1)
			e = math.FMA(e, rr, 1)
			s := math.Float64frombits(math.Float64bits(nn) << kernels.GELUShift)
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

// negAbs returns -|x| for the float32 with bits b, clamped below at
// kernels.ExpClamp.
func negAbs(b uint32) float32 {
	return max(math.Float32frombits(b|kernels.SignBit), kernels.ExpClamp) // NaN: the final select
}

// expFF sets eh + el to exp(z) as a float-float, lane by lane, times 2^64
// where magic is kernels.ExpMagic64.
func expFF(eh, el, z, magic *lanes) {
	var n, s lanes
	for j, zj := range z {
		nn := fma(zj, kernels.Log2e, magic[j])
		n[j] = nn - magic[j]
		s[j] = pow2(nn)
	}
	for j, zj := range z {
		th := fma(n[j], -kernels.Ln2Hi, zj)
		tl := float32(n[j] * -kernels.Ln2Lo)
		t := th + tl
		p := fma(fma(fma(fma(kernels.ExpC6, t, kernels.ExpC5), t, kernels.ExpC4), t, kernels.ExpC3), t, kernels.ExpC2)
		q := fma(float32(t*t), p, tl)
		sj := s[j]
		b := float32(sj * th)
		e0 := sj + b
		l0 := fma(sj, q, b-(e0-sj))
		eh[j] = e0 + l0
		el[j] = l0 - (eh[j] - e0)
	}
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
