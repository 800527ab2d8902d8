package rectify

import (
	"github.com/rectify-go/rectify/fallback"
	"github.com/rectify-go/rectify/internal/check"
	"github.com/rectify-go/rectify/internal/dispatch"
)

// ReLU sets dst[i] = x[i] < 0 ? +0 : x[i] for every i. It is exact: NaNs
// (any payload, signalling too) and -0 come out with the same bits, and -Inf
// gives +0.
//
// dst and x must have the same length; dst may be x itself, but any other
// overlap panics.
func ReLU(dst, x []float32) {
	if len(x) < cutoff(kReLU) {
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
	if len(x) < cutoff(kLeakyReLU) {
		fallback.LeakyReLU(dst, x, alpha)
		return
	}
	run(kLeakyReLU, dst, x, alpha)
}

// PReLU sets dst[i] = x[i] < 0 ? slope[i%len(slope)]*x[i] : x[i] for
// every i: LeakyReLU with one slope per channel of channels-last data (x
// holds len(x)/len(slope) rows of len(slope) channels), as XNNPACK's
// prelu_nc. It is exact: one float32 multiplication rounded to nearest
// even, for any finite or infinite slope. NaN inputs and -0 keep their
// bits; a NaN product (a slope NaN, or a slope 0 with x[i] = -Inf) gives
// the quiet NaN 0x7fc00000.
//
// dst and x must have the same length; dst may be x itself, but any other
// overlap panics. len(x) must be a multiple of len(slope), and len(slope)
// at least 1, else the call panics naming both lengths; dst must not
// overlap slope (x may).
func PReLU(dst, x, slope []float32) {
	if len(x) < cutoff(kPReLU) {
		fallback.PReLU(dst, x, slope)
		return
	}
	check.Repeated(kernelNames[kPReLU], "slope", dst, x, slope)
	runRows(kPReLU, dst, x, slope, 0)
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
	if len(x) < cutoff(kELU) {
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
	if len(x) < cutoff(kSoftplus) {
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
	if len(x) < cutoff(kSigmoid) {
		fallback.Sigmoid(dst, x)
		return
	}
	run(kSigmoid, dst, x, 0)
}

// SELU sets dst[i] = lambda * (x[i] < 0 ? alpha*expm1(x[i]) : x[i]) for
// every i, the scaled ELU of Klambauer et al. with lambda =
// 1.0507009873554804934193349852946 and alpha =
// 1.6732632423543772848170429916717 (not their float32 roundings).
//
// Every result is within 1 ULP of the true value (measured maximum 0.88 ULP
// over all 2^32 inputs). -0 gives -0, +Inf gives +Inf, -Inf gives
// -lambda*alpha, and a NaN input gives the same NaN quieted (bits |
// 0x00400000).
//
// dst and x must have the same length; dst may be x itself, but any other
// overlap panics.
func SELU(dst, x []float32) {
	if len(x) < cutoff(kSELU) {
		fallback.SELU(dst, x)
		return
	}
	run(kSELU, dst, x, 0)
}

// Tanh sets dst[i] = tanh(x[i]) for every i.
//
// Every result is within 1 ULP of the true value (measured maximum 0.76 ULP
// over all 2^32 inputs). ±0 and tiny inputs (|x| <= 2^-12) are returned
// unchanged, ±Inf gives ±1, and a NaN input gives the same NaN quieted
// (bits | 0x00400000).
//
// dst and x must have the same length; dst may be x itself, but any other
// overlap panics.
func Tanh(dst, x []float32) {
	if len(x) < cutoff(kTanh) {
		fallback.Tanh(dst, x)
		return
	}
	run(kTanh, dst, x, 0)
}

// SiLU sets dst[i] = x[i] / (1 + exp(-x[i])) for every i: x times its
// sigmoid, the Swish of beta 1.
//
// Every result is within 1 ULP of the true value (measured maximum 0.83 ULP
// over all 2^32 inputs). ±0 gives ±0, +Inf gives +Inf, -Inf gives -0, and
// a NaN input gives the same NaN quieted (bits | 0x00400000). Subnormal
// results (x below about -91.86) are computed, not flushed.
//
// dst and x must have the same length; dst may be x itself, but any other
// overlap panics.
func SiLU(dst, x []float32) {
	if len(x) < cutoff(kSiLU) {
		fallback.SiLU(dst, x)
		return
	}
	run(kSiLU, dst, x, 0)
}

// GELUTanh sets dst[i] = x/2 * (1 + tanh(sqrt(2/pi) * (x + 0.044715*x^3)))
// for every i (x = x[i]): the tanh approximation of GELU that ports of
// GPT-2 and BERT use. It is computed in float64 as x * sigmoid(2u), the
// same value without the cancellation of 1 + tanh for negative x, and
// rounded once.
//
// Every result is within 1 ULP of the true value of that formula (measured
// maximum 0.55 ULP over all 2^32 inputs). ±0 gives ±0, +Inf gives +Inf,
// -Inf gives -0, and a NaN input gives the same NaN quieted (bits |
// 0x00400000). Subnormal results (x below about -10.10) are computed, not
// flushed.
//
// dst and x must have the same length; dst may be x itself, but any other
// overlap panics.
func GELUTanh(dst, x []float32) {
	if len(x) < cutoff(kGELUTanh) {
		fallback.GELUTanh(dst, x)
		return
	}
	run(kGELUTanh, dst, x, 0)
}

// Exp sets dst[i] = e^x[i] for every i.
//
// Every result is within 1 ULP of the true value (measured maximum 0.87 ULP
// over all 2^32 inputs). ±0 gives 1, x from 88.72284 up (and +Inf) gives
// +Inf, -Inf gives +0, and a NaN input gives the same NaN quieted (bits |
// 0x00400000). Subnormal results (x below about -87.34) are computed, not
// flushed.
//
// dst and x must have the same length; dst may be x itself, but any other
// overlap panics.
func Exp(dst, x []float32) {
	if len(x) < cutoff(kExp) {
		fallback.Exp(dst, x)
		return
	}
	run(kExp, dst, x, 0)
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
	if len(x) < cutoff(kGELU) {
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
