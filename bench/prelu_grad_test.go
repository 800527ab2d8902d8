package bench

import (
	"fmt"
	"testing"

	"github.com/rectify-go/rectify"
	"github.com/rectify-go/rectify/internal/testutil"
)

// BenchmarkPReLUGrad times PReLUGrad (the selected path: its column
// passes on whole groups of 16 channels, Go on the rest), the naive loop a Go engine writes (float32 sums), PReLU forward and
// copy() of as many bytes as PReLUGrad moves (x and dy read, dx written), on
// rows of 64 channels and rows of one: PReLUGrad/<path>/<rows>x<cols>.
// Each result counts the bytes read and written.
func BenchmarkPReLUGrad(b *testing.B) {
	shapes := []struct{ rows, cols int }{{64, 64}, {1024, 64}, {16384, 64}, {4096, 1}}
	paths := []struct {
		name string
		f    func(dx, dslope, x, dy, slope []float32)
	}{
		{"rectify", rectify.PReLUGrad},
		{"naive", naivePReLUGrad},
		{"forward", func(dx, _, x, _, slope []float32) { rectify.PReLU(dx, x, slope) }},
		// 12 bytes per element, as PReLUGrad: all of x and half of dy.
		{"copy", func(dx, _, x, dy, _ []float32) { copy(dx, x); copy(dx[:len(dx)/2], dy) }},
	}
	for _, p := range paths {
		b.Run(p.name, func(b *testing.B) {
			for _, s := range shapes {
				b.Run(fmt.Sprintf("%dx%d", s.rows, s.cols), func(b *testing.B) {
					n := s.rows * s.cols
					x, dy, slope := make([]float32, n), make([]float32, n), make([]float32, s.cols)
					testutil.BenchInput(x)
					testutil.BenchInput(dy)
					for c := range slope {
						slope[c] = 0.25
					}
					dx, dslope := make([]float32, n), make([]float32, s.cols)
					b.SetBytes(int64(4 * (3*n + 2*s.cols)))
					for b.Loop() {
						p.f(dx, dslope, x, dy, slope)
					}
				})
			}
		})
	}
}

// naivePReLUGrad is the loop a Go engine writes by hand.
func naivePReLUGrad(dx, dslope, x, dy, slope []float32) {
	clear(dslope)
	for i, v := range x {
		c := i % len(slope)
		if v > 0 {
			dx[i] = dy[i]
		} else {
			dx[i] = slope[c] * dy[i]
			dslope[c] += v * dy[i]
		}
	}
}
