package fallback_test

import (
	"math"
	"math/big"
	"testing"
	"unsafe"

	"github.com/rectify-go/rectify/fallback"
	"github.com/rectify-go/rectify/internal/ir"
	"github.com/rectify-go/rectify/internal/testutil"
	"github.com/rectify-go/rectify/kernels"
)

// TestRowState checks the offsets of kernels.Row that the assembly uses.
func TestRowState(t *testing.T) {
	var st kernels.Row
	for _, c := range []struct {
		name      string
		got, want uintptr
	}{
		{"Max", unsafe.Offsetof(st.Max), kernels.RowMaxOff},
		{"Sum", unsafe.Offsetof(st.Sum), kernels.RowSumOff},
		{"Comp", unsafe.Offsetof(st.Comp), kernels.RowCompOff},
		{"M", unsafe.Offsetof(st.M), kernels.RowMOff},
		{"C", unsafe.Offsetof(st.C), kernels.RowCOff},
		{"D", unsafe.Offsetof(st.D), kernels.RowDOff},
		{"Fold", unsafe.Offsetof(st.Fold), kernels.RowFoldOff},
		{"S", unsafe.Offsetof(st.S), kernels.RowSOff},
		{"Lo", unsafe.Offsetof(st.Lo), kernels.RowLoOff},
		{"P", unsafe.Offsetof(st.P), kernels.RowPOff},
	} {
		if c.got != c.want {
			t.Errorf("kernels.Row.%s is at %d, the assembly reads it at %d", c.name, c.got, c.want)
		}
	}
	if got := unsafe.Sizeof(st); got != kernels.RowSize {
		t.Errorf("kernels.Row is %d bytes, the multi-row passes step by %d", got, kernels.RowSize)
	}
}

// TestRowPassesMatchPrograms checks that each Go row pass runs exactly
// its ir.RowPasses Program, reductions and outputs bit for bit, on every
// special value and a walk over the bit patterns, with M and C of several
// magnitudes.
func TestRowPassesMatchPrograms(t *testing.T) {
	x := testutil.Special()
	for b := uint64(0); b < 1<<32; b += 1<<20 + 7 {
		x = append(x, math.Float32frombits(uint32(b)))
	}
	g := fallback.GoRowPasses
	passes := map[string]fallback.RowPass{
		ir.RowMax.Name: g.RowMax, ir.RowSum.Name: g.RowSum, ir.SoftmaxSum.Name: g.SoftmaxSum, ir.ExpSum.Name: g.ExpSum,
		ir.SoftmaxOut.Name: g.SoftmaxOut, ir.LogSoftmaxOut.Name: g.LogSoftmaxOut, ir.GradSum.Name: g.GradSum,
	}
	passes2 := map[string]fallback.RowPass2{
		ir.GradDot.Name: g.GradDot, ir.SoftmaxGradOut.Name: g.SoftmaxGradOut, ir.LogSoftmaxGradOut.Name: g.LogSoftmaxGradOut,
		ir.LogSoftmaxGradFast.Name: g.LogSoftmaxGradFast,
	}
	// The second input of the two-input passes: x reversed, then scaled
	// walks of small values (the gradients' y are at most 0 or 1).
	y := make([]float32, len(x))
	for i := range y {
		y[i] = x[len(x)-1-i]
		if i%3 == 0 {
			y[i] = float32(i%97) * -0.37
		}
	}
	for _, p := range ir.RowPasses {
		f, f2 := passes[p.Name], passes2[p.Name]
		if f == nil && f2 == nil || (f2 != nil) != (p.Inputs() == 2) {
			t.Fatalf("no Go pass for %s with %d inputs", p.Name, p.Inputs())
		}
		for _, m := range []float32{0, 1, -3.5, 88, 1e30, -1e-30} {
			var got, want kernels.Row
			for l := range got.Max {
				got.Max[l], want.Max[l] = float32(math.Inf(-1)), float32(math.Inf(-1))
			}
			got.M, want.M = m, m
			got.C, want.C = 0.37, 0.37
			got.D, want.D = float64(m)*0x1p-60, float64(m)*0x1p-60
			gd, wd := make([]float32, len(x)), make([]float32, len(x))
			if f2 != nil {
				got.C, want.C = float64(m), float64(m)
				f2(gd, x, y, &got)
				ir.EvalRow2(p, &want, wd, x, y)
			} else {
				f(gd, x, &got)
				ir.EvalRow(p, &want, wd, x)
			}
			for i := range gd {
				// A NaN's payload does not matter: Rows settles a row with
				// a NaN entry before the output passes.
				if math.Float32bits(gd[i]) != math.Float32bits(wd[i]) && !(gd[i] != gd[i] && wd[i] != wd[i]) {
					t.Fatalf("%s(%#08x) with M=%g: %#08x, the program gives %#08x", p.Name, math.Float32bits(x[i]), m,
						math.Float32bits(gd[i]), math.Float32bits(wd[i]))
				}
			}
			for l := range got.Max {
				if math.Float32bits(got.Max[l]) != math.Float32bits(want.Max[l]) ||
					!same(got.Sum[l], want.Sum[l]) || !same(got.Comp[l], want.Comp[l]) {
					t.Fatalf("%s with M=%g: lane %d is %v/%v/%v, the program gives %v/%v/%v", p.Name, m, l,
						got.Max[l], got.Sum[l], got.Comp[l], want.Max[l], want.Sum[l], want.Comp[l])
				}
			}
		}
	}
}

// same reports whether a and b have the same bits or are both NaN: a NaN
// sum's payload is never read (the row's output is the canonical NaN).
func same(a, b float64) bool {
	return math.Float64bits(a) == math.Float64bits(b) || a != a && b != b
}

// TestRowGradConstants checks kernels.Ln2LoD and RowGradT12..14 against
// math/big.
func TestRowGradConstants(t *testing.T) {
	ln2, _ := new(big.Float).SetPrec(300).SetString("0.6931471805599453094172321214581765680755001343602552541206800094933936219696947156058633269964186875")
	lo, _ := new(big.Float).SetPrec(300).Sub(ln2, big.NewFloat(kernels.Ln2D)).Float64()
	if lo != kernels.Ln2LoD {
		t.Errorf("Ln2LoD = %x, want %x", kernels.Ln2LoD, lo)
	}
	f := big.NewFloat(1).SetPrec(300)
	for k := 1; k <= 14; k++ {
		f.Quo(f, big.NewFloat(float64(k)))
		want, _ := f.Float64()
		if got := map[int]float64{12: kernels.RowGradT12, 13: kernels.RowGradT13, 14: kernels.RowGradT14}[k]; k >= 12 && got != want {
			t.Errorf("RowGradT%d = %x, want %x", k, got, want)
		}
	}
}
