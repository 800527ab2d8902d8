package bench

import (
	"fmt"
	"math"
	"testing"

	"github.com/rectify-go/rectify"
	"github.com/rectify-go/rectify/fallback"
	"github.com/rectify-go/rectify/internal/dispatch"
	"github.com/rectify-go/rectify/internal/ir"
	"github.com/rectify-go/rectify/internal/testutil"
)

// RowShapes are the row benchmarks' shapes: rows x cols in one call
// (4096 x 10 and 1024 x 1000: classifier heads of 10 and 1000 classes,
// rows that are no whole number of groups).
var RowShapes = []struct{ Rows, Cols int }{
	{1, 256}, {1, 4 << 10}, {1, 64 << 10}, {64, 256}, {4096, 16}, {4096, 64}, {4096, 10}, {1024, 1000},
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
				rowSweep(b, k, l.String(), &l, rowPublic[i], nil)
			}
			rowSweep(b, k, "fallback", nil, rowFallback[i], nil)
			rowSweep(b, k, "naive", nil, k.Naive, nil)
		})
	}
}

// BenchmarkLogSumExpLogProbs runs LogSumExp as BenchmarkRows does, on
// rows of log-probabilities (LogSoftmax of BenchInput rows, as a beam
// search or a mixture combines them): maxima below 0, where max +
// log(sum) may cancel and each row takes the precise sum
// (fallback.CancelBound). LogSumExpLogProbs/<path>/<rows>x<cols>.
func BenchmarkLogSumExpLogProbs(b *testing.B) {
	k := ir.RowKernels[fallback.RowLogSumExp]
	logProbs := func(x []float32, cols int) { rectify.LogSoftmax(x, x, cols) }
	for _, l := range dispatch.Supported() {
		rowSweep(b, k, l.String(), &l, rectify.LogSumExp, logProbs)
	}
	rowSweep(b, k, "naive", nil, k.Naive, logProbs)
}

// rowSweep runs f on each of RowShapes at level (where not nil), the
// input BenchInput values, then passed through prep where it is not nil.
func rowSweep(b *testing.B, k *ir.RowKernel, path string, level *dispatch.Level, f func(dst, x []float32, cols int), prep func(x []float32, cols int)) {
	b.Run(path, func(b *testing.B) {
		for _, s := range RowShapes {
			b.Run(fmt.Sprintf("%dx%d", s.Rows, s.Cols), func(b *testing.B) {
				if level != nil {
					defer dispatch.Force(*level)()
				}
				n := s.Rows * s.Cols
				x := make([]float32, n)
				testutil.BenchInput(x)
				if prep != nil {
					prep(x, s.Cols)
				}
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

// rowGradPublic and rowGradFallback are the row gradients' functions,
// indexed as ir.RowGradKernels.
var (
	rowGradPublic   = []func(dx, y, dy []float32, cols int){rectify.SoftmaxGrad, rectify.LogSoftmaxGrad}
	rowGradFallback = []func(dx, y, dy []float32, cols int){fallback.SoftmaxGrad, fallback.LogSoftmaxGrad}
)

// BenchmarkRowGrads runs every row gradient as BenchmarkRows does its
// kernels, then its naive loop (ir.RowKernel.NaiveGrad):
// RowGrads/<kernel>/<path>/<rows>x<cols>. y is the forward kernel's output
// (Softmax of BenchInput rows for SoftmaxGrad, LogSoftmax for
// LogSoftmaxGrad), dy BenchInput values; each result counts y and dy read
// and dx written.
func BenchmarkRowGrads(b *testing.B) {
	forward := map[string]func(dst, x []float32, cols int){"SoftmaxGrad": rectify.Softmax, "LogSoftmaxGrad": rectify.LogSoftmax}
	for i, k := range ir.RowGradKernels {
		b.Run(k.Name, func(b *testing.B) {
			sweep := func(path string, level *dispatch.Level, f func(dx, y, dy []float32, cols int)) {
				b.Run(path, func(b *testing.B) {
					for _, s := range RowShapes {
						b.Run(fmt.Sprintf("%dx%d", s.Rows, s.Cols), func(b *testing.B) {
							if level != nil {
								defer dispatch.Force(*level)()
							}
							n := s.Rows * s.Cols
							x, y, dy, dx := make([]float32, n), make([]float32, n), make([]float32, n), make([]float32, n)
							testutil.BenchInput(x)
							forward[k.Name](y, x, s.Cols)
							testutil.BenchInput(dy)
							b.SetBytes(int64(12 * n))
							for b.Loop() {
								f(dx, y, dy, s.Cols)
							}
						})
					}
				})
			}
			for _, l := range dispatch.Supported() {
				sweep(l.String(), &l, rowGradPublic[i])
			}
			sweep("fallback", nil, rowGradFallback[i])
			sweep("naive", nil, k.NaiveGrad)
		})
	}
}

// naiveLogSumExpGrad is the loop a user writes today for LogSumExpGrad:
// Softmax's naive loop (float32, math.Exp per element) times dy[r].
func naiveLogSumExpGrad(dx, x, dy []float32, cols int) {
	for r := 0; r < len(x); r += cols {
		row, out := x[r:r+cols], dx[r:r+cols]
		m := row[0]
		for _, v := range row {
			if v > m {
				m = v
			}
		}
		var s float32
		for i, v := range row {
			out[i] = float32(math.Exp(float64(v - m)))
			s += out[i]
		}
		g := dy[r/cols] / s
		for i := range out {
			out[i] *= g
		}
	}
}

// BenchmarkLogSumExpGrad runs LogSumExpGrad as BenchmarkRows does the row
// kernels, then the fallback and the naive loop:
// LogSumExpGrad/<path>/<rows>x<cols>. Each result counts x and dy read
// and dx written.
func BenchmarkLogSumExpGrad(b *testing.B) {
	sweep := func(path string, level *dispatch.Level, f func(dx, x, dy []float32, cols int)) {
		b.Run(path, func(b *testing.B) {
			for _, s := range RowShapes {
				b.Run(fmt.Sprintf("%dx%d", s.Rows, s.Cols), func(b *testing.B) {
					if level != nil {
						defer dispatch.Force(*level)()
					}
					n := s.Rows * s.Cols
					x, dx, dy := make([]float32, n), make([]float32, n), make([]float32, s.Rows)
					testutil.BenchInput(x)
					testutil.BenchInput(dy)
					b.SetBytes(int64(4 * (2*n + s.Rows)))
					for b.Loop() {
						f(dx, x, dy, s.Cols)
					}
				})
			}
		})
	}
	for _, l := range dispatch.Supported() {
		sweep(l.String(), &l, rectify.LogSumExpGrad)
	}
	sweep("fallback", nil, fallback.LogSumExpGrad)
	sweep("naive", nil, naiveLogSumExpGrad)
}
