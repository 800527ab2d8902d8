package bench

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/rectify-go/rectify"
	"github.com/rectify-go/rectify/bench/internal/report"
	"github.com/rectify-go/rectify/fallback"
	"github.com/rectify-go/rectify/internal/dispatch"
	"github.com/rectify-go/rectify/internal/testutil"
)

// noisySizes are NoisyReLU's benchmark sizes.
var noisySizes = []int{16, 256, 4 << 10, 64 << 10}

// BenchmarkNoisyReLU runs NoisyReLU through the public function at each
// supported dispatch level, the fallback and the naive loop, beside
// Sigmoid's public function at the same level (the yardstick:
// NoisyReLU within 3x Sigmoid's time): NoisyReLU/<path>/n=<size> and
// NoisyReLU/Sigmoid-<level>/n=<size>. It is not in ir.Kernels (its
// parameters are a seed and an offset), hence not in `make bench`.
//
//	go test ./bench -run '^$' -bench 'NoisyReLU/.*/n=4Ki' -benchtime 100ms -count 3
func BenchmarkNoisyReLU(b *testing.B) {
	run := func(path string, level *dispatch.Level, f func(dst, x []float32, seed, offset uint64)) {
		b.Run(path, func(b *testing.B) {
			for _, n := range noisySizes {
				b.Run("n="+report.FormatSize(n), func(b *testing.B) {
					if level != nil {
						defer dispatch.Force(*level)()
					}
					dst, x := make([]float32, n), make([]float32, n)
					testutil.BenchInput(x)
					b.SetBytes(int64(8 * n))
					b.ReportAllocs()
					off := uint64(0)
					for b.Loop() {
						f(dst, x, 1, off)
						off += uint64(n)
					}
				})
			}
		})
	}
	for _, l := range dispatch.Supported() {
		run(l.String(), &l, rectify.NoisyReLU)
		run("Sigmoid-"+l.String(), &l, func(dst, x []float32, _, _ uint64) { rectify.Sigmoid(dst, x) })
	}
	run("fallback", nil, fallback.NoisyReLU)
	r := rand.New(rand.NewPCG(1, 2))
	run("naive", nil, func(dst, x []float32, _, _ uint64) { naiveNoisyReLU(dst, x, r) })
}

// naiveNoisyReLU is the loop a user writes with package math and
// math/rand/v2 (a sequential generator: no splitting, no reproducibility
// across chunkings).
func naiveNoisyReLU(dst, x []float32, r *rand.Rand) {
	for i, v := range x {
		s := 1 / (1 + math.Exp(-float64(v)))
		dst[i] = float32(math.Max(0, float64(v)+math.Sqrt(s)*r.NormFloat64()))
	}
}
