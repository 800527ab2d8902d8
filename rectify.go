package rectify

import (
	"strconv"
	"unsafe"

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
	check("ReLU", dst, x)
	if simple(len(x), cutoffSimple) {
		fallback.ReLU(dst, x)
		return
	}
	run(active().relu, dst, x)
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
	check("LeakyReLU", dst, x)
	if simple(len(x), cutoffSimple) {
		fallback.LeakyReLU(dst, x, alpha)
		return
	}
	runAlpha(active().leakyReLU, dst, x, alpha)
}

// ELU sets dst[i] = x[i] < 0 ? alpha*expm1(x[i]) : x[i] for every i.
//
// For alpha in [0.01, 10] every result is within 1 ULP of the true value
// (measured maximum 0.50 ULP over all 2^32 inputs). -0 and +Inf are
// returned unchanged, -Inf gives -alpha, and a NaN input gives the same NaN
// quieted (bits | 0x00400000). Subnormal results are computed, not flushed.
//
// dst and x must have the same length; dst may be x itself, but any other
// overlap panics.
func ELU(dst, x []float32, alpha float32) {
	check("ELU", dst, x)
	if simple(len(x), cutoffExp) {
		fallback.ELU(dst, x, alpha)
		return
	}
	runAlpha(active().elu, dst, x, alpha)
}

// Softplus sets dst[i] = log(1 + exp(x[i])) for every i, computed as
// max(x, 0) + log1p(exp(-|x|)) so that it never overflows.
//
// Every result is within 1 ULP of the true value (measured maximum 0.50 ULP
// over all 2^32 inputs). +Inf gives +Inf, -Inf gives +0, large x gives x
// exactly, and a NaN input gives the same NaN quieted (bits | 0x00400000).
// Subnormal results (x below about -87.34) are computed, not flushed.
//
// dst and x must have the same length; dst may be x itself, but any other
// overlap panics.
func Softplus(dst, x []float32) {
	check("Softplus", dst, x)
	if simple(len(x), cutoffExp) {
		fallback.Softplus(dst, x)
		return
	}
	run(active().softplus, dst, x)
}

// Sigmoid sets dst[i] = 1 / (1 + exp(-x[i])) for every i.
//
// Every result is within 1 ULP of the true value (measured maximum 0.50 ULP
// over all 2^32 inputs). ±0 gives 0.5, +Inf gives 1, -Inf gives +0, and a
// NaN input gives the same NaN quieted (bits | 0x00400000). Subnormal
// results (x below about -87.34) are computed, not flushed.
//
// dst and x must have the same length; dst may be x itself, but any other
// overlap panics.
func Sigmoid(dst, x []float32) {
	check("Sigmoid", dst, x)
	if simple(len(x), cutoffExp) {
		fallback.Sigmoid(dst, x)
		return
	}
	run(active().sigmoid, dst, x)
}

// Implementation returns the name of the kernel set in use: "avx512",
// "avx2", "neon" or "generic".
func Implementation() string {
	return dispatch.Selected().String()
}

// check panics unless dst and x have the same length and are either the
// same slice or do not overlap. It is small enough to be inlined.
func check(fn string, dst, x []float32) {
	d := uintptr(unsafe.Pointer(unsafe.SliceData(dst)))
	s := uintptr(unsafe.Pointer(unsafe.SliceData(x)))
	n := uintptr(len(x)) * 4
	if len(dst) != len(x) || d != s && d < s+n && s < d+n {
		fail(fn, len(dst), len(x))
	}
}

// fail panics with check's message.
//
//go:noinline
func fail(fn string, nd, nx int) {
	if nd != nx {
		panic("rectify: " + fn + ": len(dst)=" + strconv.Itoa(nd) + " != len(x)=" + strconv.Itoa(nx))
	}
	panic("rectify: " + fn + ": dst and x overlap (only dst == x is allowed)")
}
