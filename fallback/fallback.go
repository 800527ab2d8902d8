// Package fallback holds rectify's pure-Go kernels.
//
// They are what every architecture without a SIMD path runs, what the purego
// and noasm build tags select, and the reference that every SIMD path is
// checked against bit for bit. Each function is written as the exact
// operation sequence of the SIMD kernels: float64 products are wrapped in
// explicit conversions or written as math.FMA, which is exact on every
// platform, so no compiler can fuse or reorder them.
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
// x[i], NaN inputs quieted.
func ELU(dst, x []float32, alpha float32) {
	check.Slices("ELU", dst, x)
	dst = dst[:len(x)]
	a := float64(alpha)
	for i, v := range x {
		z := float64(v)
		if z < kernels.ELUClamp {
			z = kernels.ELUClamp
		}
		kd, t := reduce(z)
		s, q := scale(kd), expm1Poly(t)
		y := float32(a * math.FMA(s, q, s-1))
		b := math.Float32bits(v)
		dst[i] = quiet(b, selectBits(negMask(b), y, v))
	}
}

// Softplus is rectify.Softplus in pure Go: dst[i] = log(1 + exp(x[i])),
// computed as max(x, 0) + log1p(exp(-|x|)), NaN inputs quieted.
func Softplus(dst, x []float32) {
	check.Slices("Softplus", dst, x)
	dst = dst[:len(x)]
	for i, v := range x {
		b := math.Float32bits(v)
		z := float64(math.Float32frombits(b | kernels.SignBit))
		if z < kernels.ExpClamp {
			z = kernels.ExpClamp
		}
		kd, t := reduce(z)
		s, q := scale(kd), expm1Poly(t)
		e := math.FMA(s, q, s)
		w := e / (2 + e)
		u := float64(w * w)
		r := kernels.Atanh11
		r = math.FMA(r, u, kernels.Atanh9)
		r = math.FMA(r, u, kernels.Atanh7)
		r = math.FMA(r, u, kernels.Atanh5)
		r = math.FMA(r, u, kernels.Atanh3)
		l := math.FMA(float64(w*u), r, 2*w)
		m := float64(math.Float32frombits(b &^ signMask(b))) // x > 0 ? x : +0
		dst[i] = quiet(b, float32(m+l))
	}
}

// Sigmoid is rectify.Sigmoid in pure Go: dst[i] = 1 / (1 + exp(-x[i])),
// computed as x < 0 ? e/(1+e) : 1/(1+e) with e = exp(-|x|), NaN inputs
// quieted.
func Sigmoid(dst, x []float32) {
	check.Slices("Sigmoid", dst, x)
	dst = dst[:len(x)]
	for i, v := range x {
		b := math.Float32bits(v)
		z := float64(math.Float32frombits(b | kernels.SignBit))
		if z < kernels.ExpClamp {
			z = kernels.ExpClamp
		}
		kd, t := reduce(z)
		s, q := scale(kd), expm1Poly(t)
		e := math.FMA(s, q, s)
		// x < 0 ? e : 1 (the sign bit decides; -0 gives 1/2 either way).
		m := uint64(int64(int32(signMask(b))))
		num := math.Float64frombits(math.Float64bits(e)&m | math.Float64bits(1)&^m)
		dst[i] = quiet(b, float32(num/(1+e)))
	}
}

// reduce splits z = n*ln2 + t with |t| <= ln2/2 (plus rounding) and
// returns t and kd, whose low bits hold n + 1023. With s = scale(kd) = 2^n
// and q = expm1Poly(t): exp(z) = fma(s, q, s) and expm1(z) = fma(s, q, s-1).
// The core is split in three so that the compiler inlines every part.
func reduce(z float64) (kd, t float64) {
	kd = math.FMA(z, kernels.Log2e, kernels.ExpShift)
	return kd, math.FMA(kd-kernels.ExpShift, -kernels.Ln2, z)
}

// scale returns 2^n from kd = reduce(z).
func scale(kd float64) float64 {
	return math.Float64frombits(math.Float64bits(kd) << kernels.ExpShiftBits)
}

// expm1Poly returns expm1(t) for |t| <= ln2/2: t + t^2*P(t).
func expm1Poly(t float64) float64 {
	p := math.FMA(kernels.Expm1C7, t, kernels.Expm1C6)
	p = math.FMA(p, t, kernels.Expm1C5)
	p = math.FMA(p, t, kernels.Expm1C4)
	p = math.FMA(p, t, kernels.Expm1C3)
	p = math.FMA(p, t, kernels.Expm1C2)
	return math.FMA(float64(t*t), p, t)
}

// negMask returns all ones if the float32 with bits b is less than zero
// (negative, not -0, not NaN), else zero.
func negMask(b uint32) uint32 {
	// b-0x80000001 < 0x7f800000 exactly for 0x80000001 <= b <= 0xff800000.
	return uint32(int64(uint64(b-(kernels.SignBit+1))-kernels.ExpBits) >> 63)
}

// signMask returns all ones if the sign bit of b is set, else zero.
func signMask(b uint32) uint32 {
	return uint32(int32(b) >> 31)
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
