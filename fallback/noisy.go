package fallback

import (
	"github.com/rectify-go/rectify/internal/check"
	"github.com/rectify-go/rectify/internal/noisy"
)

// NoisyReLU is rectify.NoisyReLU in pure Go: dst[i] = max(0, x[i] +
// sqrt(sigmoid(x[i]))*N), N the standard normal number of index
// offset+i (modulo 2^64) under seed; NaN inputs quieted.
func NoisyReLU(dst, x []float32, seed, offset uint64) {
	check.Slices("NoisyReLU", dst, x)
	noisy.ReLU(dst, x, seed, offset, Sigmoid, nil)
}
