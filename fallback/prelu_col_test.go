package fallback_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/rectify-go/rectify/fallback"
	"github.com/rectify-go/rectify/internal/ir"
	"github.com/rectify-go/rectify/internal/testutil"
	"github.com/rectify-go/rectify/kernels"
)

// TestPReLUGradCols checks that ir.PReLUGradCol, evaluated as a column
// pass (ir.EvalRow2 on each row's group), gives PReLUGrad's bits, dx and
// dslope, on special values (NaN payloads, infinities, zeros, subnormals)
// and random rows, for channel counts around the group and row counts past
// one call's.
func TestPReLUGradCols(t *testing.T) {
	calls := 0
	eval := &fallback.ColPasses{PReLUGradCol: func(dst, x, y []float32, st *kernels.Row, stride int) {
		calls++
		for r := 0; r+kernels.RowLanes <= len(x); r += stride {
			j := r + kernels.RowLanes
			ir.EvalRow2(ir.PReLUGradCol, st, dst[r:j], x[r:j], y[r:j])
		}
	}}
	special := testutil.Special()
	r := rand.New(rand.NewPCG(3, 4))
	for k, sh := range []struct{ rows, cols int }{{1, 16}, {5, 16}, {3, 17}, {40, 33}, {7, 48}, {4, 15}, {0, 32}, {2100, 20},
		{40, 32}, {300, 16}, {100, 1}, {2000, 1}, {50, 3}, {5000, 4}, {33, 6}, {3, 15}} {
		n := sh.rows * sh.cols
		sparse := []int{3, 31}[k%2] // one in sparse elements special: the sums of sparse rows are mostly not NaN
		x, dy, slope := make([]float32, n), make([]float32, n), make([]float32, sh.cols)
		for i := range x {
			x[i], dy[i] = special[(i*7)%len(special)], special[(i*13+5)%len(special)]
			if i%sparse != 0 {
				x[i], dy[i] = float32(r.NormFloat64()), float32(r.NormFloat64()*1e3)
			}
		}
		for c := range slope {
			slope[c] = special[(c*11)%len(special)]
		}
		got, gotS := make([]float32, n), make([]float32, sh.cols)
		want, wantS := make([]float32, n), make([]float32, sh.cols)
		calls = 0
		fallback.PReLUGradCols(eval, got, gotS, x, dy, slope)
		fallback.PReLUGrad(want, wantS, x, dy, slope)
		passes, rows := sh.cols/kernels.RowLanes, sh.rows
		if sh.cols < kernels.RowLanes { // rows of lcm(cols, 16) virtual channels
			v := sh.cols
			for v%kernels.RowLanes != 0 {
				v += sh.cols
			}
			passes, rows = v/kernels.RowLanes, n/v
		}
		if wantCalls := passes * ((rows + 1023) / 1024); calls != wantCalls {
			t.Errorf("%dx%d: %d calls of the column pass, want %d", sh.rows, sh.cols, calls, wantCalls)
		}
		for i := range got {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
				t.Fatalf("%dx%d: dx[%d] = %#08x (x %#08x, dy %#08x), PReLUGrad gives %#08x", sh.rows, sh.cols, i,
					math.Float32bits(got[i]), math.Float32bits(x[i]), math.Float32bits(dy[i]), math.Float32bits(want[i]))
			}
		}
		nans := 0
		for c := range gotS {
			if gotS[c] != gotS[c] {
				nans++
			}
			if math.Float32bits(gotS[c]) != math.Float32bits(wantS[c]) {
				t.Fatalf("%dx%d: dslope[%d] = %#08x, PReLUGrad gives %#08x", sh.rows, sh.cols, c, math.Float32bits(gotS[c]), math.Float32bits(wantS[c]))
			}
		}
		t.Logf("%dx%d, one in %d special: %d of %d sums NaN", sh.rows, sh.cols, sparse, nans, sh.cols)
	}
}
