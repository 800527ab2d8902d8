package bench

import (
	"fmt"
	"testing"

	"github.com/rectify-go/rectify"
	"github.com/rectify-go/rectify/fallback"
	"github.com/rectify-go/rectify/internal/dispatch"
	"github.com/rectify-go/rectify/internal/ir"
	"github.com/rectify-go/rectify/internal/testutil"
)

// RowShapes are the row benchmarks' shapes: rows x cols in one call.
var RowShapes = []struct{ Rows, Cols int }{
	{1, 256}, {1, 4 << 10}, {1, 64 << 10}, {64, 256}, {4096, 16}, {4096, 64},
}

// rowPublic and rowFallback are the row kernels' functions, indexed as
// ir.RowKernels.
var (
	rowPublic   = []func(dst, x []float32, cols int){rectify.Softmax, rectify.LogSoftmax, rectify.LogSumExp}
	rowFallback = []func(dst, x []float32, cols int){fallback.Softmax, fallback.LogSoftmax, fallback.LogSumExp}
)

// BenchmarkRows runs every row kernel through the public function at each
// supported dispatch level, then the fallback and the naive loop, on each
// of RowShapes: Rows/<kernel>/<path>/<rows>x<cols>. Each result counts the
// bytes read and written (LogSumExp writes one float32 per row).
func BenchmarkRows(b *testing.B) {
	for i, k := range ir.RowKernels {
		b.Run(k.Name, func(b *testing.B) {
			for _, l := range dispatch.Supported() {
				rowSweep(b, k, l.String(), &l, rowPublic[i])
			}
			rowSweep(b, k, "fallback", nil, rowFallback[i])
			rowSweep(b, k, "naive", nil, k.Naive)
		})
	}
}

func rowSweep(b *testing.B, k *ir.RowKernel, path string, level *dispatch.Level, f func(dst, x []float32, cols int)) {
	b.Run(path, func(b *testing.B) {
		for _, s := range RowShapes {
			b.Run(fmt.Sprintf("%dx%d", s.Rows, s.Cols), func(b *testing.B) {
				if level != nil {
					defer dispatch.Force(*level)()
				}
				n := s.Rows * s.Cols
				x := make([]float32, n)
				testutil.BenchInput(x)
				out := n
				if k.Name == "LogSumExp" {
					out = s.Rows
				}
				dst := make([]float32, out)
				b.SetBytes(int64(4 * (n + out)))
				for b.Loop() {
					f(dst, x, s.Cols)
				}
			})
		}
	})
}
