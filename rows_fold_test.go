package rectify

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/rectify-go/rectify/fallback"
	"github.com/rectify-go/rectify/internal/dispatch"
	"github.com/rectify-go/rectify/kernels"
)

// TestRowFold checks the passes that fold their lanes on a row's last call
// (kernels.Row.Fold), on every level: RowMax's M must be fallback.FoldMax
// of the lanes the same pass leaves without the request, SoftmaxSum's S
// fallback.FoldSum of them, bit for bit, and the lanes must be reset to
// -Inf and 0 for the next row; the lanes themselves must be the Go
// passes', RowMax's but for the sign of a zero. The rows' entries spread
// e^(x-M) over many binades, so that a sum in another order, or with
// another rounding, would differ in its last bits (a mutation of the AVX2
// tree, and one adding SoftmaxSum's terms unfused, went unnoticed by the
// row kernels' tests, whose outputs round to float32).
func TestRowFold(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for _, l := range dispatch.Supported() {
		p := simdRows[l]
		for _, n := range []int{16, 32, 48, 64, 80, 1024, chunk + 16, 2*chunk + 32} {
			for trial := range 20 {
				x := make([]float32, n)
				for i := range x {
					x[i] = float32(-40 * r.Float64())
				}
				x[r.IntN(n)] = 0
				if trial%5 == 0 {
					x[r.IntN(n)] = float32(math.Copysign(0, -1))
				}
				what := fmt.Sprintf("%v, %d elements, trial %d", l, n, trial)

				var plain, folded kernels.Row
				for _, st := range []*kernels.Row{&plain, &folded} {
					for i := range st.Max {
						st.Max[i] = float32(math.Inf(-1))
					}
				}
				folded.Fold = 1
				p.RowMax(nil, x, &plain)
				p.RowMax(nil, x, &folded)
				if l != dispatch.Generic {
					if folded.Fold != kernels.RowFolded {
						t.Fatalf("%s: RowMax left Fold %d", what, folded.Fold)
					}
					if got, want := folded.M+0, fallback.FoldMax(&plain.Max); math.Float32bits(got) != math.Float32bits(want) {
						t.Errorf("%s: RowMax folded %v, the lanes' maximum is %v", what, got, want)
					}
					for i, v := range folded.Max {
						if !math.IsInf(float64(v), -1) {
							t.Fatalf("%s: RowMax left lane %d = %v, want -Inf", what, i, v)
						}
					}
				}

				var goSt kernels.Row
				for i := range goSt.Max {
					goSt.Max[i] = float32(math.Inf(-1))
				}
				fallback.GoRowPasses.RowMax(nil, x, &goSt)
				for i, v := range plain.Max {
					if math.Float32bits(v+0) != math.Float32bits(goSt.Max[i]+0) {
						t.Fatalf("%s: RowMax's lane %d is %v, the Go pass's %v", what, i, v, goSt.Max[i])
					}
				}

				m := fallback.FoldMax(&plain.Max)
				plain.M, folded.M, folded.Fold, goSt.M = m, m, 1, m
				p.SoftmaxSum(nil, x, &plain)
				p.SoftmaxSum(nil, x, &folded)
				fallback.GoRowPasses.SoftmaxSum(nil, x, &goSt)
				for i, v := range plain.Sum {
					if math.Float64bits(v) != math.Float64bits(goSt.Sum[i]) {
						t.Fatalf("%s: SoftmaxSum's lane %d is %v, the Go pass's %v", what, i, v, goSt.Sum[i])
					}
				}
				if l == dispatch.Generic {
					continue
				}
				if folded.Fold != kernels.RowFolded {
					t.Fatalf("%s: SoftmaxSum left Fold %d", what, folded.Fold)
				}
				if got, want := folded.S, fallback.FoldSum(&plain.Sum); math.Float64bits(got) != math.Float64bits(want) {
					t.Errorf("%s: SoftmaxSum folded %v, the lanes' tree gives %v", what, got, want)
				}
				if folded.Sum != [kernels.RowLanes]float64{} {
					t.Fatalf("%s: SoftmaxSum left the lanes %v, want zeros", what, folded.Sum)
				}
			}
		}
	}
}

// TestRowFoldComp checks the folds of the compensated sums (GradDot,
// GradSum, ExpSum, RowSum) on the x86 paths: asked for on a row's last
// call (kernels.Row.Fold), the lanes' float-float tree
// (fallback.CombineSum) into S + Lo and, for the gradients' sums,
// normalised into C + D, the lanes reset to zeros. NEON
// leaves the fold to Go: there the lanes must be those of the call
// without Fold, and Fold as it was.
func TestRowFoldComp(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	for _, l := range dispatch.Supported() {
		if l == dispatch.Generic {
			continue
		}
		p := simdRows[l]
		passes := []struct {
			name string
			grad bool
			f    func(x, y []float32, st *kernels.Row)
		}{
			{"GradDot", true, func(x, y []float32, st *kernels.Row) { p.GradDot(nil, x, y, st) }},
			{"GradSum", true, func(x, _ []float32, st *kernels.Row) { p.GradSum(nil, x, st) }},
			{"ExpSum", false, func(x, _ []float32, st *kernels.Row) { p.ExpSum(nil, x, st) }},
			{"RowSum", false, func(x, _ []float32, st *kernels.Row) { p.RowSum(nil, x, st) }},
		}
		for _, n := range []int{16, 48, 1024, chunk + 16} {
			x, y := make([]float32, n), make([]float32, n)
			for i := range x {
				x[i] = float32(math.Ldexp(r.NormFloat64(), r.IntN(40)-20))
				y[i] = float32(r.NormFloat64())
			}
			for _, ps := range passes {
				what := fmt.Sprintf("%v %s, %d elements", l, ps.name, n)
				var plain, folded kernels.Row
				plain.M, folded.M = slices.Max(x), slices.Max(x) // the exponentials' maximum
				plain.C, folded.C, plain.D, folded.D = 0.25, 0.25, -3, -3
				folded.Fold = 1
				ps.f(x, y, &plain)
				ps.f(x, y, &folded)
				if l == dispatch.NEON {
					if folded.Fold != 1 || folded.Sum != plain.Sum || folded.Comp != plain.Comp {
						t.Fatalf("%s: Fold %d, lanes %v + %v, want 1 and the lanes of a call without Fold", what, folded.Fold, folded.Sum, folded.Comp)
					}
					continue
				}
				if folded.Fold != kernels.RowFolded {
					t.Fatalf("%s: Fold left at %d", what, folded.Fold)
				}
				s, c := fallback.CombineSum(&plain)
				if math.Float64bits(folded.S) != math.Float64bits(s) || math.Float64bits(folded.Lo) != math.Float64bits(c) {
					t.Errorf("%s: folded %v + %v, the lanes' tree gives %v + %v", what, folded.S, folded.Lo, s, c)
				}
				// The gradients' sums set C + D; the others leave them
				// alone (LogSumExp's blocks keep their logs in C).
				hi, lo := s+c, c-(s+c-s)
				if !ps.grad {
					hi, lo = plain.C, plain.D
				}
				if math.Float64bits(folded.C) != math.Float64bits(hi) || math.Float64bits(folded.D) != math.Float64bits(lo) {
					t.Errorf("%s: C + D %v + %v, want %v + %v", what, folded.C, folded.D, hi, lo)
				}
				if folded.Sum != [kernels.RowLanes]float64{} || folded.Comp != [kernels.RowLanes]float64{} {
					t.Fatalf("%s: the lanes left %v, %v, want zeros", what, folded.Sum, folded.Comp)
				}
			}
		}
	}
}
