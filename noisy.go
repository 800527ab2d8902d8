package rectify

import (
	"github.com/rectify-go/rectify/internal/check"
	"github.com/rectify-go/rectify/internal/dispatch"
	"github.com/rectify-go/rectify/internal/noisy"
)

// NoisyReLU sets dst[i] = max(0, x[i] + sqrt(sigmoid(x[i]))*N) for every
// i, where N is a standard normal number drawn for index offset+i
// (modulo 2^64) under seed: the noisy ReLU of Nair and Hinton (2010) with
// the variance of the smooth approximation sigmoid(x). It is meant for
// training; at inference use ReLU.
//
// N is a pure function of (seed, offset+i): Philox4x32-10 keyed by seed on
// the block offset+i >> 2, Box-Muller on its 32-bit words (a fixed
// sequence of float32 operations, the same bits on every architecture;
// see package kernels). A call on x[:k] with offset o and one on x[k:]
// with offset o+k give the bits of one call on x with offset o; to draw
// fresh noise, change seed or advance offset past the elements already
// used. |N| stays below 6.8, and N is within 1e-6 of the exact
// Box-Muller value of its u and angle.
//
// sigmoid is the library's Sigmoid (within 1 ULP), then x + sqrt(s)*N is
// one float32 fused multiply-add (rounded once). A result <= 0 gives +0
// (-0 too), +Inf gives +Inf, -Inf gives +0, and a NaN input gives the
// same NaN quieted (bits | 0x00400000). Results are bit-identical on every
// path and architecture: AVX-512 and AVX2 compute the noise and the output
// in assembly, the same operations in the same order; NEON and pure Go
// run the Go code.
//
// dst and x must have the same length; dst may be x itself, but any other
// overlap panics. It does not allocate.
func NoisyReLU(dst, x []float32, seed, offset uint64) {
	check.Slices("NoisyReLU", dst, x)
	noisy.ReLU(dst, x, seed, offset, Sigmoid, noisyBulk[dispatch.Selected()])
}
