package bench

import (
	"math"
	"slices"
	"testing"

	"github.com/rectify-go/rectify/internal/api"
	"github.com/rectify-go/rectify/internal/dispatch"
	"github.com/rectify-go/rectify/internal/ir"
	"github.com/rectify-go/rectify/internal/testutil"
)

// BenchmarkFastSequence times each kernel with a fast sequence
// (ir.Program.Fast) at 4Ki elements through the public function on every
// supported level, on inputs that decide which sequence its main loop
// runs: FastSequence/<kernel>/<level>/<input>, where input is "bench"
// (testutil.BenchInput: nearly every group of elements in range), "sparse"
// (BenchInput with -Inf at every 256th element: one group in four out of
// range on AVX-512), "out" (every element 1.5 times the bound: every group
// out of range, normal results) and "tiny" (every element -100: out of
// range, Exp's results subnormal). A gradient's dy is BenchInput's values.
func BenchmarkFastSequence(b *testing.B) {
	const n = 4 << 10
	for i, k := range ir.Kernels {
		if k.Fast == nil {
			continue
		}
		b.Run(k.Name, func(b *testing.B) {
			for _, l := range dispatch.Supported() {
				b.Run(l.String(), func(b *testing.B) {
					for _, in := range []string{"bench", "sparse", "out", "tiny"} {
						b.Run(in, func(b *testing.B) {
							defer dispatch.Force(l)()
							x := make([]float32, n)
							testutil.BenchInput(x)
							for j := range x {
								switch {
								case in == "sparse" && j%256 == 0:
									x[j] = float32(math.Inf(-1))
								case in == "out":
									x[j] = 1.5 * k.FastBound
								case in == "tiny":
									x[j] = -100
								}
							}
							dst := make([]float32, n)
							var dy []float32 // a gradient's: BenchInput's values reversed
							if k.Inputs() == 2 {
								dy = make([]float32, n)
								testutil.BenchInput(dy)
								slices.Reverse(dy)
							}
							b.SetBytes(int64(4 * (1 + k.Inputs()) * n))
							for b.Loop() {
								api.Public[i](dst, x, dy, 0)
							}
						})
					}
				})
			}
		})
	}
}
