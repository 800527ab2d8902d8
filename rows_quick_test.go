package rectify

import (
	"github.com/rectify-go/rectify/fallback"
	"github.com/rectify-go/rectify/internal/dispatch"
	"math"
	"math/rand/v2"
	"testing"
)

func TestQuickRowsPaths(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, cols := range []int{1, 5, 16, 17, 31, 32, 33, 64, 65, 100, 256, 1000, 4096, 16384 + 17, 50000} {
		x := make([]float32, cols*2)
		for i := range x {
			x[i] = float32(r.NormFloat64() * 10)
		}
		for k := fallback.RowSoftmax; k <= fallback.RowLogSumExp; k++ {
			n := len(x)
			if k == fallback.RowLogSumExp {
				n = 2
			}
			want := make([]float32, n)
			fallback.Rows(k, want, x, cols, fallback.GoRowPasses)
			for _, l := range dispatch.Supported() {
				got := make([]float32, n)
				fallback.Rows(k, got, x, cols, simdRows[l])
				bad := 0
				for i := range got {
					if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
						bad++
					}
				}
				if bad > 0 {
					t.Errorf("k=%d cols=%d level=%v: %d differ, e.g. %v %v", k, cols, l, bad, got[0], want[0])
				}
			}
		}
	}
}
