package rectify

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/rectify-go/rectify/fallback"
	"github.com/rectify-go/rectify/internal/dispatch"
	"github.com/rectify-go/rectify/internal/testutil"
	"github.com/rectify-go/rectify/kernels"
)

// rowKernels are the row kernels' public functions, by fallback.RowKind.
var rowKernels = []struct {
	name string
	kind fallback.RowKind
	f    func(dst, x []float32, cols int)
}{
	{"Softmax", fallback.RowSoftmax, Softmax},
	{"LogSoftmax", fallback.RowLogSoftmax, LogSoftmax},
	{"LogSumExp", fallback.RowLogSumExp, LogSumExp},
}

// outLen is the length of dst for kind on x in rows of cols.
func outLen(kind fallback.RowKind, n, cols int) int {
	if kind == fallback.RowLogSumExp {
		return n / cols
	}
	return n
}

// rowRef returns the row kernel's true outputs for one row of finite or
// -Inf entries, at least one finite: float64 exponentials, a Neumaier
// compensated sum and its log taken with log1p near 1.
func rowRef(kind fallback.RowKind, x []float32) []float64 {
	m := math.Inf(-1)
	for _, v := range x {
		m = max(m, float64(v))
	}
	var s, c float64
	t := make([]float64, len(x))
	for i, v := range x {
		t[i] = math.Exp(float64(v) - m)
		n := s + t[i]
		if math.Abs(s) >= math.Abs(t[i]) {
			c += (s - n) + t[i]
		} else {
			c += (t[i] - n) + s
		}
		s = n
	}
	var l float64
	if s < 2 {
		l = math.Log1p((s - 1) + c)
	} else {
		l = math.Log(s) + c/s
	}
	switch kind {
	case fallback.RowSoftmax:
		for i := range t {
			t[i] /= s + c
		}
		return t
	case fallback.RowLogSoftmax:
		for i, v := range x {
			t[i] = (float64(v) - m) - l
		}
		return t
	}
	return []float64{m + l}
}

// rowInputs returns rows of cols elements in the style named.
func rowInputs(style string, rows, cols int, r *rand.Rand) []float32 {
	x := make([]float32, rows*cols)
	for i := range x {
		switch style {
		case "unit":
			x[i] = float32(2*r.Float64() - 1)
		case "wide":
			x[i] = float32(200*r.Float64() - 100)
		case "tiny":
			x[i] = float32(2e-3*r.Float64() - 1e-3)
		case "huge":
			x[i] = float32((2*r.Float64() - 1) * math.MaxFloat32)
		case "logits":
			x[i] = float32(3 * r.NormFloat64())
		case "masked":
			x[i] = float32(2 * r.NormFloat64())
			if r.IntN(10) < 4 {
				x[i] = float32(math.Inf(-1))
			}
		}
	}
	for row := range rows {
		switch style {
		case "logits":
			x[row*cols+r.IntN(cols)] = 30
		case "masked":
			x[row*cols+r.IntN(cols)] = float32(r.NormFloat64())
		}
	}
	return x
}

// TestRows checks every row kernel on every path against the Go passes,
// bit for bit, and the Go passes against the float64 reference: at most
// 1 ULP per output, over rows of 1 to 1Mi elements (64Ki in -short) in six
// styles. It logs the largest error of each kernel.
func TestRows(t *testing.T) {
	lens := []int{1, 2, 3, 7, 15, 16, 17, 31, 33, 64, 100, 256, 1000, 4096, 1<<16 + 3}
	if !testing.Short() {
		lens = append(lens, chunk*3+5, 1<<20)
	}
	styles := []string{"unit", "wide", "tiny", "huge", "logits", "masked"}
	r := rand.New(rand.NewPCG(10, 11))
	for _, rk := range rowKernels {
		worst, at := 0.0, ""
		for _, cols := range lens {
			for _, style := range styles {
				rows := max(1, 4096/cols)
				if cols > 4096 && style != "unit" && style != "masked" {
					continue
				}
				x := rowInputs(style, min(rows, 3), cols, r)
				n := outLen(rk.kind, len(x), cols)
				want := make([]float32, n)
				fallback.Rows(rk.kind, want, x, cols, fallback.GoRowPasses)
				for _, l := range dispatch.Supported() {
					got := make([]float32, n)
					fallback.Rows(rk.kind, got, x, cols, simdRows[l])
					for i := range got {
						if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
							t.Fatalf("%s %s cols=%d on %v: output %d is %#08x, the Go passes give %#08x",
								rk.name, style, cols, l, i, math.Float32bits(got[i]), math.Float32bits(want[i]))
						}
					}
				}
				got := make([]float32, n)
				rk.f(got, x, cols)
				if fmt.Sprint(got) != fmt.Sprint(want) {
					t.Fatalf("%s %s cols=%d: the public function differs from the Go passes", rk.name, style, cols)
				}
				per := n / (len(x) / cols)
				for row := range len(x) / cols {
					ref := rowRef(rk.kind, x[row*cols:(row+1)*cols])
					for i, v := range ref {
						e := testutil.ULP(want[row*per+i], v)
						if e > worst {
							worst, at = e, fmt.Sprintf("%s cols=%d: %g, want %g", style, cols, want[row*per+i], v)
						}
					}
				}
			}
		}
		t.Logf("%s: max %.4f ULP (%s)", rk.name, worst, at)
		if worst > 1 {
			t.Errorf("%s: %.4f ULP off: %s", rk.name, worst, at)
		}
	}
}

// TestRowsSemantics checks the special values of the row kernels.
func TestRowsSemantics(t *testing.T) {
	inf, nan := float32(math.Inf(1)), float32(math.NaN())
	qnan := math.Float32frombits(kernels.CanonicalNaN)
	e1 := float32(1 / (1 + math.E))
	for _, c := range []struct {
		k       string
		x, want []float32
	}{
		{"Softmax", []float32{5}, []float32{1}},
		{"Softmax", []float32{1, -inf, 2}, []float32{e1, 0, 1 - e1}},
		{"Softmax", []float32{-inf, -inf}, []float32{qnan, qnan}},
		{"Softmax", []float32{1, nan}, []float32{qnan, qnan}},
		{"Softmax", []float32{1, inf}, []float32{qnan, qnan}},
		{"Softmax", []float32{float32(math.Copysign(0, -1)), 0}, []float32{0.5, 0.5}},
		{"LogSoftmax", []float32{float32(math.Copysign(0, -1)), float32(math.Inf(-1))}, []float32{float32(math.Copysign(0, -1)), -inf}}, // x - max = -0 - +0
		{"Softmax", []float32{math.MaxFloat32, -math.MaxFloat32}, []float32{1, 0}},
		{"LogSoftmax", []float32{5}, []float32{0}},
		{"LogSoftmax", []float32{3, -inf}, []float32{0, -inf}},
		{"LogSoftmax", []float32{-inf, -inf}, []float32{qnan, qnan}},
		{"LogSoftmax", []float32{inf, 1}, []float32{qnan, -inf}},
		{"LogSoftmax", []float32{inf, nan}, []float32{qnan, qnan}},
		{"LogSumExp", []float32{-inf, -inf}, []float32{-inf}},
		{"LogSumExp", []float32{inf, 1}, []float32{inf}},
		{"LogSumExp", []float32{inf, nan}, []float32{qnan}},
		{"LogSumExp", []float32{-inf, nan}, []float32{qnan}},
		{"LogSumExp", []float32{1, nan}, []float32{qnan}},
		{"LogSumExp", []float32{math.MaxFloat32, math.MaxFloat32}, []float32{math.MaxFloat32}},
		{"LogSumExp", []float32{0, -inf}, []float32{0}},
	} {
		for _, rk := range rowKernels {
			if rk.name != c.k {
				continue
			}
			for _, l := range dispatch.Supported() {
				// Pad to 16 and 32 entries with -Inf so that the SIMD passes run.
				for _, pad := range []int{0, 16, 32} {
					x := append(append([]float32{}, c.x...), make([]float32, pad)...)
					for i := len(c.x); i < len(x); i++ {
						x[i] = -inf
					}
					got := make([]float32, outLen(rk.kind, len(x), len(x)))
					fallback.Rows(rk.kind, got, x, len(x), simdRows[l])
					for i, w := range c.want {
						if math.Float32bits(got[i]) != math.Float32bits(w) {
							t.Errorf("%s%v (padded with %d -Inf) on %v: output %d is %g (%#08x), want %g (%#08x)",
								c.k, c.x, pad, l, i, got[i], math.Float32bits(got[i]), w, math.Float32bits(w))
						}
					}
				}
			}
		}
	}
}

// TestRowsArgs checks the panics, in-place calls and allocations.
func TestRowsArgs(t *testing.T) {
	x := rowInputs("unit", 4, 64, rand.New(rand.NewPCG(1, 2)))
	for _, rk := range rowKernels {
		n := outLen(rk.kind, len(x), 64)
		for _, c := range []struct {
			dst  []float32
			cols int
			msg  string
		}{
			{make([]float32, n), 0, "is not a multiple of cols=0"},
			{make([]float32, n), 100, "is not a multiple of cols=100"},
			{make([]float32, n+1), 64, "len(dst)="},
		} {
			func() {
				defer func() {
					if p := fmt.Sprint(recover()); !strings.Contains(p, rk.name) || !strings.Contains(p, c.msg) {
						t.Errorf("%s cols=%d len(dst)=%d: panic %q, want one naming %q", rk.name, c.cols, len(c.dst), p, c.msg)
					}
				}()
				rk.f(c.dst, x, c.cols)
			}()
		}
		func() {
			defer func() {
				if p := fmt.Sprint(recover()); !strings.Contains(p, "overlap") {
					t.Errorf("%s with dst overlapping x: panic %q", rk.name, p)
				}
			}()
			y := make([]float32, len(x)+1)
			copy(y, x)
			rk.f(y[1:1+n], y[:len(x)], 64)
		}()
		out := make([]float32, n)
		if a := testing.AllocsPerRun(20, func() { rk.f(out, x, 64) }); a != 0 {
			t.Errorf("%s: %v allocations per call", rk.name, a)
		}
		if rk.kind != fallback.RowLogSumExp {
			in := append([]float32{}, x...)
			rk.f(in, in, 64)
			if fmt.Sprint(in) != fmt.Sprint(out) {
				t.Errorf("%s in place differs", rk.name)
			}
		}
		rk.f(nil, nil, 3) // empty: nothing to do
	}
}
