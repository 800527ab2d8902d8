package rectify

import (
	"github.com/rectify-go/rectify/fallback"
	"github.com/rectify-go/rectify/internal/dispatch"
)

// ReLU sets dst[i] = x[i] < 0 ? +0 : x[i] for every i. It is exact: NaNs
// (any payload, signalling too) and -0 come out with the same bits, and -Inf
// gives +0.
//
// dst and x must have the same length; dst may be x itself, but any other
// overlap panics.
func ReLU(dst, x []float32) {
	if len(x) < cutoffs[kReLU] {
		fallback.ReLU(dst, x)
		return
	}
	run(kReLU, dst, x, 0)
}

// LeakyReLU sets dst[i] = x[i] < 0 ? alpha*x[i] : x[i] for every i, with
// one float32 multiplication rounded to nearest even: the result is exact
// for any finite or infinite alpha. NaN inputs and -0 keep their bits; a NaN
// product (alpha NaN, or alpha 0 with x[i] = -Inf) gives the quiet NaN
// 0x7fc00000.
//
// dst and x must have the same length; dst may be x itself, but any other
// overlap panics.
func LeakyReLU(dst, x []float32, alpha float32) {
	if len(x) < cutoffs[kLeakyReLU] {
		fallback.LeakyReLU(dst, x, alpha)
		return
	}
	run(kLeakyReLU, dst, x, alpha)
}

// ELU sets dst[i] = x[i] < 0 ? alpha*expm1(x[i]) : x[i] for every i.
//
// For alpha in [0.01, 10] every result is within 1 ULP of the true value
// (measured maximum 0.84 ULP over all 2^32 inputs at alpha 0.01, 0.2, 1,
// 1.6732632 and 10, and 0.82 on the hardest inputs at 300 random alphas). -0 and +Inf are returned unchanged, -Inf gives -alpha,
// and a NaN input gives the same NaN quieted (bits | 0x00400000).
// Subnormal results are computed, not flushed. Any other alpha gives the
// same bits on every path too; a NaN result (alpha NaN or infinite) is the
// quiet NaN 0x7fc00000.
//
// dst and x must have the same length; dst may be x itself, but any other
// overlap panics.
func ELU(dst, x []float32, alpha float32) {
	if len(x) < cutoffs[kELU] {
		fallback.ELU(dst, x, alpha)
		return
	}
	run(kELU, dst, x, alpha)
}

// Softplus sets dst[i] = log(1 + exp(x[i])) for every i, computed as
// max(x, 0) + log1p(exp(-|x|)) so that it never overflows.
//
// Every result is within 1 ULP of the true value (measured maximum 0.80 ULP
// over all 2^32 inputs). +Inf gives +Inf, -Inf gives +0, large x gives x
// exactly, and a NaN input gives the same NaN quieted (bits | 0x00400000).
// Subnormal results (x below about -87.34) are computed, not flushed.
//
// dst and x must have the same length; dst may be x itself, but any other
// overlap panics.
func Softplus(dst, x []float32) {
	if len(x) < cutoffs[kSoftplus] {
		fallback.Softplus(dst, x)
		return
	}
	run(kSoftplus, dst, x, 0)
}

// Sigmoid sets dst[i] = 1 / (1 + exp(-x[i])) for every i.
//
// Every result is within 1 ULP of the true value (measured maximum 0.78 ULP
// over all 2^32 inputs). ±0 gives 0.5, +Inf gives 1, -Inf gives +0, and a
// NaN input gives the same NaN quieted (bits | 0x00400000). Subnormal
// results (x below about -87.34) are computed, not flushed.
//
// dst and x must have the same length; dst may be x itself, but any other
// overlap panics.
func Sigmoid(dst, x []float32) {
	if len(x) < cutoffs[kSigmoid] {
		fallback.Sigmoid(dst, x)
		return
	}
	run(kSigmoid, dst, x, 0)
}

// GELU sets dst[i] = x[i]*Phi(x[i]) = x[i]/2 * erfc(-x[i]/sqrt(2)) for
// every i: the exact (erf) form of the Gaussian error linear unit.
//
// Every result is within 1 ULP of the true value (measured maximum 0.60 ULP
// over all 2^32 inputs, at x = -7.606507). -0 gives -0, +0 gives +0, +Inf
// gives +Inf, -Inf gives -0, and a NaN input gives the same NaN quieted
// (bits | 0x00400000). The negative tail is computed without cancellation:
// subnormal results (x below -13.146) are computed, not flushed, and
// results round to -0 below x = -14.356; from x = 5.3475156 up the result
// is x itself.
//
// dst and x must have the same length; dst may be x itself, but any other
// overlap panics.
func GELU(dst, x []float32) {
	if len(x) < cutoffs[kGELU] {
		fallback.GELU(dst, x)
		return
	}
	run(kGELU, dst, x, 0)
}

// Implementation returns the name of the kernel set in use: "avx512",
// "avx2", "neon" or "generic".
func Implementation() string {
	return dispatch.Selected().String()
}
