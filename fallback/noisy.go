package fallback

import (
	"github.com/rectify-go/rectify/internal/check"
	"github.com/rectify-go/rectify/internal/noisy"
)

// noisyChunk is the number of elements NoisyReLU computes Sigmoid for at a
// time, into dst, with x saved on the stack when dst is x.
const noisyChunk = 512

// NoisyReLU is rectify.NoisyReLU in pure Go: dst[i] = max(0, x[i] +
// sqrt(sigmoid(x[i]))*N), N the standard normal number of index
// offset+i (modulo 2^64) under seed; NaN inputs quieted.
func NoisyReLU(dst, x []float32, seed, offset uint64) {
	check.Slices("NoisyReLU", dst, x)
	var saved [noisyChunk]float32
	for len(x) > 0 {
		m := min(len(x), noisyChunk)
		xs := x[:m]
		if &dst[0] == &x[0] {
			xs = saved[:m]
			copy(xs, x)
		}
		Sigmoid(dst[:m], x[:m])
		noisy.Apply(dst[:m], xs, dst[:m], seed, offset)
		dst, x = dst[m:], x[m:]
		offset += uint64(m)
	}
}
