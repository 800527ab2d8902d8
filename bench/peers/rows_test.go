//go:build cgo && amd64

package peers

import (
	"fmt"
	"testing"

	"github.com/rectify-go/rectify"
	"github.com/rectify-go/rectify/internal/ir"
	"github.com/rectify-go/rectify/internal/testutil"
)

// rowShapes are the shapes of BenchmarkRowPeers: rows x cols in one call
// (4096 x 10 and 1024 x 1000: classifier heads of 10 and 1000 classes).
var rowShapes = []struct{ rows, cols int }{{1, 256}, {1, 4 << 10}, {1, 64 << 10}, {64, 256}, {4096, 16}, {4096, 64}, {4096, 10}, {1024, 1000}}

// BenchmarkRowPeers times the row kernels beside XNNPACK's softmax_nc_f32
// (Softmax), the naive loop and copy() of the same bytes, as
// RowPeers/<kernel>/<peer>/<rows>x<cols>.
func BenchmarkRowPeers(b *testing.B) {
	public := map[string]func(dst, x []float32, cols int){
		"Softmax": rectify.Softmax, "LogSoftmax": rectify.LogSoftmax, "LogSumExp": rectify.LogSumExp,
	}
	for _, k := range ir.RowKernels {
		for _, s := range rowShapes {
			n := s.rows * s.cols
			x, dst := Alloc(n), Alloc(n)
			testutil.BenchInput(x)
			copy(dst, x)
			out := dst
			if k.Name == "LogSumExp" {
				out = dst[:s.rows]
			}
			shape := fmt.Sprintf("%dx%d", s.rows, s.cols)
			run := func(peer string, f func()) {
				b.Run(k.Name+"/"+peer+"/"+shape, func(b *testing.B) {
					b.SetBytes(int64(4 * (n + len(out))))
					for b.Loop() {
						f()
					}
				})
			}
			f := public[k.Name] // looked up once, not in the timed loop
			run("rectify", func() { f(out, x, s.cols) })
			if k.Name == "Softmax" {
				run("xnnpack", XNNSoftmax(dst, x, s.cols))
			}
			run("naive", func() { k.Naive(out, x, s.cols) })
			run("copy", func() { copy(out, x) })
		}
	}
}
