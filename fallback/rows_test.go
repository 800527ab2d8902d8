package fallback_test

import (
	"math"
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
	} {
		if c.got != c.want {
			t.Errorf("kernels.Row.%s is at %d, the assembly reads it at %d", c.name, c.got, c.want)
		}
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
		ir.RowMax.Name: g.RowMax, ir.RowSum.Name: g.RowSum, ir.SoftmaxSum.Name: g.SoftmaxSum,
		ir.SoftmaxOut.Name: g.SoftmaxOut, ir.LogSoftmaxOut.Name: g.LogSoftmaxOut,
	}
	for _, p := range ir.RowPasses {
		f := passes[p.Name]
		if f == nil {
			t.Fatalf("no Go pass for %s", p.Name)
		}
		for _, m := range []float32{0, 1, -3.5, 88, 1e30, -1e-30} {
			var got, want kernels.Row
			for l := range got.Max {
				got.Max[l], want.Max[l] = float32(math.Inf(-1)), float32(math.Inf(-1))
			}
			got.M, want.M = m, m
			got.C, want.C = 0.37, 0.37
			gd, wd := make([]float32, len(x)), make([]float32, len(x))
			f(gd, x, &got)
			ir.EvalRow(p, &want, wd, x)
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
