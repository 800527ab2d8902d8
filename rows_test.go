package rectify

import (
	"fmt"
	"math"
	"math/big"
	"math/bits"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/rectify-go/rectify/fallback"
	"github.com/rectify-go/rectify/internal/dispatch"
	"github.com/rectify-go/rectify/internal/ir"
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

// rowLens are the row lengths of the accuracy tests: around the lane
// groups, up to 64Ki+3, and in full mode past three chunks and to 1Mi.
func rowLens() []int {
	lens := []int{1, 2, 3, 7, 15, 16, 17, 31, 33, 64, 100, 200, 256, 1000, 4096, 1<<16 + 3}
	if !testing.Short() {
		lens = append(lens, chunk*3+5, 1<<20)
	}
	return lens
}

// rowStyles are the styles of rowInputs.
var rowStyles = []string{"unit", "wide", "tiny", "huge", "logits", "masked"}

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
		case "logprob": // a maximum in (-2, 0]: LogSumExp may cancel
			x[i] = float32(-2 * r.Float64())
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

// everyPathRows returns row kernel kind's output (out elements) on x with
// the Go passes, after checking that every path's passes give the same
// bits.
func everyPathRows(t *testing.T, kind fallback.RowKind, x []float32, out, cols int, what string) []float32 {
	t.Helper()
	want := make([]float32, out)
	fallback.Rows(kind, want, x, cols, &fallback.GoRowPasses)
	for _, l := range dispatch.Supported() {
		got := make([]float32, out)
		fallback.Rows(kind, got, x, cols, &simdRows[l])
		for i := range got {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
				t.Fatalf("%s cols=%d on %v: output %d is %#08x, the Go passes give %#08x",
					what, cols, l, i, math.Float32bits(got[i]), math.Float32bits(want[i]))
			}
		}
	}
	return want
}

// TestRows checks every row kernel on every path against the Go passes,
// bit for bit, and the Go passes against the float64 reference: at most
// 1 ULP per output, over rows of 1 to 1Mi elements (64Ki in -short) in six
// styles. It logs the largest error of each kernel.
func TestRows(t *testing.T) {
	lens, styles := rowLens(), rowStyles
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
				want := everyPathRows(t, rk.kind, x, n, cols, fmt.Sprintf("%s %s", rk.name, style))
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

// lseNearZero returns log(sum e^x) for a row whose sum is near 1 (within
// 0.1), to float64 precision whatever the cancellation: e^x by bigExp, log
// by log1p's series.
func lseNearZero(x []float32) float64 {
	const prec = 200
	newF := func() *big.Float { return new(big.Float).SetPrec(prec) }
	sum := newF()
	for _, v := range x {
		sum.Add(sum, bigExp(v))
	}
	u := newF().Sub(sum, big.NewFloat(1))
	if f, _ := u.Float64(); math.Abs(f) > 0.1 {
		panic(fmt.Sprintf("lseNearZero: sum %v is not near 1", sum))
	}
	r, p := newF(), newF().SetInt64(1)
	for k := 1; k < 60; k++ {
		term := newF().Quo(p.Mul(p, u), big.NewFloat(float64(k)))
		if k%2 == 0 {
			term.Neg(term)
		}
		r.Add(r, term)
	}
	f, _ := r.Float64()
	return f
}

// TestLogSumExpCancel checks LogSumExp where its result is near 0: rows
// of 1 to 40 entries near -log(n), or spread and shifted by their
// log-sum-exp, where max + log(sum) cancels (down to about 1e-12) and the
// sum needs RowSum's precision and its log a float-float (fallback.Rows
// takes them there); and rows of a maximum of 0 and the rest far below,
// whose result, the log of a sum just above 1, needs the sum compensated.
// Every path matches the Go passes bit for bit; each result is within 1
// ULP of the exact value (math/big) where that is at least 2^-20 or the
// maximum is 0, elsewhere within 1 ULP plus 2^-52 (float64's precision of
// the sum bounds a cancellation there). It logs the largest errors.
// TestLogSumExpPadded checks LogSumExp on rows that are no whole number
// of groups, which the multi-row passes take as if padded with -Inf
// (the lanes past the row's end masked off), whose maximum lies where the choice of sum would depend
// on the row's length if fallback.CancelBound took cols as it is: between
// the bounds of cols and of cols rounded up to groups. The padded row
// must choose as the row does (the bound is the same), and every path
// must give the Go passes' bits (both sums are well within 1 ULP, so
// that a different choice would show only on rare rows).
func TestLogSumExpPadded(t *testing.T) {
	r := rand.New(rand.NewPCG(16, 17))
	for _, cols := range []int{1, 10, 24, 40, 1000} {
		pc := (cols + kernels.RowLanes - 1) / kernels.RowLanes * kernels.RowLanes
		if a, b := fallback.CancelBound(cols), fallback.CancelBound(pc); a != b {
			t.Errorf("CancelBound(%d) = %v, but %v for the padded row of %d", cols, a, b, pc)
		}
		hi := -kernels.RowCancel * float64(bits.Len(uint(cols)))
		lo := -kernels.RowCancel * float64(bits.Len(uint(pc)))
		rows := 200
		x := make([]float32, rows*cols)
		for row := range rows {
			v := x[row*cols : (row+1)*cols]
			m := lo + (hi-lo)*r.Float64()
			for i := range v {
				v[i] = float32(m - 3*math.Abs(r.NormFloat64()))
			}
			v[r.IntN(cols)] = float32(m)
		}
		everyPathRows(t, fallback.RowLogSumExp, x, rows, cols, "LogSumExp padded")
	}
}

func TestLogSumExpCancel(t *testing.T) {
	rows := 1000
	if testing.Short() {
		rows = 100
	}
	r := rand.New(rand.NewPCG(12, 13))
	worst, at, worstAbs, atAbs := 0.0, "", 0.0, ""
	for n := 1; n <= 40; n++ {
		// Rows in three styles, by row mod 3: entries near -log(n); a
		// maximum of 0 and the rest far below it (the result, the log of
		// a sum just above 1, must keep its relative precision); spread
		// (normal, deviation 2) and shifted by the log-sum-exp in float64.
		x := make([]float32, rows*n)
		for row := range rows {
			v, s := x[row*n:(row+1)*n], 0.0
			for i := range v {
				switch row % 3 {
				case 0:
					v[i] = float32(-math.Log(float64(n)) + 1e-3*r.NormFloat64())
				case 1:
					v[i] = float32(-30 + 2*r.NormFloat64())
				case 2:
					v[i] = float32(2 * r.NormFloat64())
					s += math.Exp(float64(v[i]))
				}
			}
			switch row % 3 {
			case 1:
				v[r.IntN(n)] = 0
			case 2:
				for i := range v {
					v[i] -= float32(math.Log(s))
				}
			}
		}
		want := everyPathRows(t, fallback.RowLogSumExp, x, rows, n, "LogSumExp")
		for row := range rows {
			ref := lseNearZero(x[row*n : (row+1)*n])
			e := testutil.ULP(want[row], ref)
			if math.Abs(ref) < 0x1p-20 && row%3 != 1 {
				// The error beyond 1 ULP, absolute.
				ulp := math.Abs(float64(want[row])-ref) / e
				if a := (e - 1) * ulp; a > worstAbs {
					worstAbs, atAbs = a, fmt.Sprintf("cols=%d: %g, want %g, %.1f ULP", n, want[row], ref, e)
				}
				continue
			}
			if e > worst {
				worst, at = e, fmt.Sprintf("cols=%d: %g, want %g", n, want[row], ref)
			}
		}
	}
	t.Logf("LogSumExp near 0: max %.4f ULP where |result| >= 2^-20 or the maximum is 0 (%s); elsewhere at most %.3g beyond 1 ULP (%s)", worst, at, worstAbs, atAbs)
	if worst > 1 || worstAbs > 0x1p-52 {
		t.Errorf("LogSumExp near 0: %.4f ULP (%s), %.3g absolute (%s) off", worst, at, worstAbs, atAbs)
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
					fallback.Rows(rk.kind, got, x, len(x), &simdRows[l])
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

// gradKernels are the row gradients' public and pure-Go functions, by
// fallback.RowKind, in the order of ir.RowGradKernels.
var gradKernels = []struct {
	name    string
	kind    fallback.RowKind
	f, fall func(dx, y, dy []float32, cols int)
	forward fallback.RowKind
}{
	{"SoftmaxGrad", fallback.RowSoftmaxGrad, SoftmaxGrad, fallback.SoftmaxGrad, fallback.RowSoftmax},
	{"LogSoftmaxGrad", fallback.RowLogSoftmaxGrad, LogSoftmaxGrad, fallback.LogSoftmaxGrad, fallback.RowLogSoftmax},
}

// TestRowGradTable checks that gradKernels follows ir.RowGradKernels.
func TestRowGradTable(t *testing.T) {
	if len(gradKernels) != len(ir.RowGradKernels) {
		t.Fatalf("%d row gradients tested, ir.RowGradKernels has %d", len(gradKernels), len(ir.RowGradKernels))
	}
	for i, k := range ir.RowGradKernels {
		if gradKernels[i].name != k.Name || k.NaiveGrad == nil {
			t.Errorf("row gradient %d: %s tested, %s in ir.RowGradKernels (naive %v)", i, gradKernels[i].name, k.Name, k.NaiveGrad != nil)
		}
	}
}

// gradInputs returns y, the forward output of the gradient's kernel on
// rows in style, and dy in dstyle: "normal", "equal" (one value per row,
// where SoftmaxGrad's true result nearly cancels), "onehot" (a
// cross-entropy's -1/y at one entry, 0 elsewhere) or "wide" (magnitudes
// 2^-60..2^60).
func gradInputs(kind fallback.RowKind, style, dstyle string, rows, cols int, r *rand.Rand) (y, dy []float32) {
	x := rowInputs(style, rows, cols, r)
	y = make([]float32, len(x))
	fallback.Rows(kind, y, x, cols, &fallback.GoRowPasses)
	dy = make([]float32, len(x))
	for row := range rows {
		c := float32(r.NormFloat64())
		hot := r.IntN(cols)
		for i := row * cols; i < (row+1)*cols; i++ {
			switch dstyle {
			case "normal":
				dy[i] = float32(r.NormFloat64())
			case "equal":
				dy[i] = c
			case "onehot":
				if i == row*cols+hot {
					dy[i] = -1 / max(y[i], 1e-30)
					if kind == fallback.RowLogSoftmax {
						dy[i] = -1
					}
				}
			case "wide":
				dy[i] = float32(math.Ldexp(r.NormFloat64(), r.IntN(121)-60))
			}
		}
	}
	return y, dy
}

// bigExp returns e^y to about 170 bits: e^(y/2^12) by its Taylor series,
// squared 12 times.
func bigExp(y float32) *big.Float {
	const prec = 200
	x := new(big.Float).SetPrec(prec).SetMantExp(big.NewFloat(float64(y)), -12)
	s, term := big.NewFloat(1).SetPrec(prec), big.NewFloat(1).SetPrec(prec)
	for i := 1; i <= 24; i++ {
		term.Mul(term, x)
		term.Quo(term, big.NewFloat(float64(i)))
		s.Add(s, term)
	}
	for range 12 {
		s.Mul(s, s)
	}
	return s
}

// gradRef returns the exact gradient of one row at the indices idx (to
// float64): its sum exact in math/big (600 bits hold any sum of 1Mi
// products of float32), e^y to about 170 bits.
func gradRef(kind fallback.RowKind, y, dy []float32, idx []int) []float64 {
	const prec = 700
	s := new(big.Float).SetPrec(prec)
	t := new(big.Float).SetPrec(prec)
	for i := range y {
		if kind == fallback.RowSoftmaxGrad {
			t.Mul(big.NewFloat(float64(y[i])), big.NewFloat(float64(dy[i])))
			s.Add(s, t)
		} else {
			s.Add(s, big.NewFloat(float64(dy[i])))
		}
	}
	ref := make([]float64, len(idx))
	for j, i := range idx {
		d := new(big.Float).SetPrec(prec).SetFloat64(float64(dy[i]))
		if kind == fallback.RowSoftmaxGrad {
			d.Sub(d, s)
			d.Mul(d, big.NewFloat(float64(y[i])))
		} else if y[i] > -800 { // else e^y*|s| < 2^-1000: dy
			d.Sub(d, t.Mul(bigExp(y[i]), s))
		}
		ref[j], _ = d.Float64()
	}
	return ref
}

// TestRowGrads checks the row gradients on every path against the Go
// passes, bit for bit, and the Go passes against the exact gradient: at
// most 1 ULP per output, over rows of 1 to 1Mi elements (64Ki in -short),
// y the forward kernel's output on rows in six styles, dy in four. It
// logs the largest error of each kernel.
func TestRowGrads(t *testing.T) {
	lens, styles := rowLens(), rowStyles
	dstyles := []string{"normal", "equal", "onehot", "wide"}
	r := rand.New(rand.NewPCG(12, 13))
	for _, gk := range gradKernels {
		worst, at := 0.0, ""
		for _, cols := range lens {
			for si, style := range styles {
				for _, dstyle := range dstyles {
					if cols > 4096 && (si+len(dstyle)+cols)%3 != 0 {
						continue // a third of the styles on long rows
					}
					y, dy := gradInputs(gk.forward, style, dstyle, min(max(1, 4096/cols), 3), cols, r)
					want := make([]float32, len(y))
					fallback.GradRows(gk.kind, want, y, dy, cols, &fallback.GoRowPasses)
					for _, l := range dispatch.Supported() {
						got := make([]float32, len(y))
						fallback.GradRows(gk.kind, got, y, dy, cols, &simdRows[l])
						for i := range got {
							if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
								t.Fatalf("%s %s/%s cols=%d on %v: output %d is %#08x, the Go passes give %#08x",
									gk.name, style, dstyle, cols, l, i, math.Float32bits(got[i]), math.Float32bits(want[i]))
							}
						}
					}
					got := make([]float32, len(y))
					gk.f(got, y, dy, cols)
					if fmt.Sprint(got) != fmt.Sprint(want) {
						t.Fatalf("%s %s/%s cols=%d: the public function differs from the Go passes", gk.name, style, dstyle, cols)
					}
					step := 1 // every output of a short row, a sample of a long one
					switch {
					case cols > 4096:
						step = 257
					case cols > 256:
						step = 13
					}
					for row := range len(y) / cols {
						var idx []int
						for i := 0; i < cols; i += step {
							idx = append(idx, i)
						}
						o := row * cols
						ref := gradRef(gk.kind, y[o:o+cols], dy[o:o+cols], idx)
						for j, i := range idx {
							if e := testutil.ULP(want[o+i], ref[j]); e > worst {
								worst, at = e, fmt.Sprintf("%s/%s cols=%d: y=%g dy=%g: %g, want %g",
									style, dstyle, cols, y[o+i], dy[o+i], want[o+i], ref[j])
							}
						}
					}
				}
			}
		}
		t.Logf("%s: max %.4f ULP (%s)", gk.name, worst, at)
		if worst > 1 {
			t.Errorf("%s: %.4f ULP off: %s", gk.name, worst, at)
		}
	}
}

// TestRowGradBlocks checks the row gradients on blocks of rows (the
// multi-row passes where the path has them): 1 to 40 rows of whole
// groups and of not, rows with a NaN y, an infinite or NaN dy, a -Inf y
// (LogSoftmaxGrad's zero probability) and signed zeros among normal ones,
// every path against the Go passes bit for bit, out of place and in
// place over y and over dy.
func TestRowGradBlocks(t *testing.T) {
	r := rand.New(rand.NewPCG(14, 15))
	inf := float32(math.Inf(1))
	for _, gk := range gradKernels {
		for _, cols := range []int{16, 32, 48, 64, 256, 1024, 1040, 24, 1, 5, 10, 15, 100, 1000} {
			for _, rows := range []int{1, 2, 15, 16, 17, 40} {
				y, dy := gradInputs(gk.forward, "unit", "normal", rows, cols, r)
				special := func(row int, f func(y, dy []float32)) {
					if row < rows {
						f(y[row*cols:(row+1)*cols], dy[row*cols:(row+1)*cols])
					}
				}
				special(1, func(y, _ []float32) { y[r.IntN(cols)] = float32(math.NaN()) })
				special(3, func(_, dy []float32) { dy[r.IntN(cols)] = -inf })
				special(5, func(_, dy []float32) { dy[r.IntN(cols)] = math.Float32frombits(0xff812345) }) // signalling, with a payload
				special(7, func(y, _ []float32) { y[r.IntN(cols)] = -inf })
				special(16, func(y, dy []float32) {
					for i := range dy {
						dy[i] = float32(math.Copysign(0, float64(r.IntN(2)*2-1)))
					}
				})
				what := fmt.Sprintf("%s blocks %dx%d", gk.name, rows, cols)
				want := make([]float32, len(y))
				fallback.GradRows(gk.kind, want, y, dy, cols, &fallback.GoRowPasses)
				for _, l := range dispatch.Supported() {
					got := make([]float32, len(y))
					fallback.GradRows(gk.kind, got, y, dy, cols, &simdRows[l])
					sameRow(t, fmt.Sprintf("%s on %v", what, l), got, want)
				}
				got := slices.Clone(y)
				gk.f(got, got, dy, cols)
				sameRow(t, what+" in place over y", got, want)
				got = slices.Clone(dy)
				gk.f(got, y, got, cols)
				sameRow(t, what+" in place over dy", got, want)
			}
		}
	}
}

// TestRowGradsUniform checks LogSoftmaxGrad and SoftmaxGrad where they
// cancel most: y the output of a row of equal logits, dy equal too, for
// every row length 1..600 (the true gradient is tiny: it only comes from
// the rounding of y).
func TestRowGradsUniform(t *testing.T) {
	for _, gk := range gradKernels {
		worst, at := 0.0, ""
		for cols := 1; cols <= 600; cols++ {
			x, dy := make([]float32, cols), make([]float32, cols)
			for i := range dy {
				dy[i] = 0.75
			}
			y := make([]float32, cols)
			fallback.Rows(gk.forward, y, x, cols, &fallback.GoRowPasses)
			got := make([]float32, cols)
			gk.f(got, y, dy, cols)
			ref := gradRef(gk.kind, y, dy, []int{0})
			if e := testutil.ULP(got[0], ref[0]); e > worst {
				worst, at = e, fmt.Sprintf("cols=%d: %g, want %g", cols, got[0], ref[0])
			}
		}
		t.Logf("%s: max %.4f ULP (%s)", gk.name, worst, at)
		if worst > 1 {
			t.Errorf("%s: %.4f ULP off: %s", gk.name, worst, at)
		}
	}
}

// TestRowGradsSemantics checks the special values of the row gradients
// on every path, padded with zero-gradient entries to 16 and 32 so that
// the SIMD passes run.
func TestRowGradsSemantics(t *testing.T) {
	inf, nan := float32(math.Inf(1)), float32(math.NaN())
	qnan := math.Float32frombits(kernels.CanonicalNaN)
	snan := math.Float32frombits(0x7f800123)
	for _, c := range []struct {
		k           string
		y, dy, want []float32
		padY, padDy float32
	}{
		{"SoftmaxGrad", []float32{1}, []float32{3}, []float32{0}, 0, 0},
		{"SoftmaxGrad", []float32{0.25, 0.75}, []float32{1, 0}, []float32{0.25 * 0.75, -0.75 * 0.25}, 0, 0},
		{"SoftmaxGrad", []float32{0, 1}, []float32{5, 2}, []float32{0, 0}, 0, 0},
		{"SoftmaxGrad", []float32{0, 1}, []float32{1, 2}, []float32{float32(math.Copysign(0, -1)), 0}, 0, 0},
		{"SoftmaxGrad", []float32{0.5, nan}, []float32{1, 0}, []float32{qnan, qnan}, 0, 0},
		{"SoftmaxGrad", []float32{0.5, 0.5}, []float32{1, snan}, []float32{qnan, qnan}, 0, 0},
		{"SoftmaxGrad", []float32{0.5, 0.5}, []float32{inf, 0}, []float32{qnan, qnan}, 0, 0},
		{"SoftmaxGrad", []float32{inf, 0.5}, []float32{0, 0}, []float32{qnan, qnan}, 0, 0},
		{"LogSoftmaxGrad", []float32{0}, []float32{3}, []float32{0}, float32(math.Inf(-1)), 0},
		{"LogSoftmaxGrad", []float32{float32(math.Log(0.25)), float32(math.Inf(-1))}, []float32{1, 2}, []float32{1 - 0.75, 2}, float32(math.Inf(-1)), 0},
		{"LogSoftmaxGrad", []float32{nan, 0}, []float32{1, 2}, []float32{nan, 2 - 3}, float32(math.Inf(-1)), 0},
		{"LogSoftmaxGrad", []float32{snan, 0}, []float32{1, 2}, []float32{math.Float32frombits(0x7fc00123), -1}, float32(math.Inf(-1)), 0},
		{"LogSoftmaxGrad", []float32{0, -1}, []float32{1, nan}, []float32{qnan, qnan}, 0, 0},
		{"LogSoftmaxGrad", []float32{0, -1}, []float32{1, -inf}, []float32{qnan, qnan}, 0, 0},
		{"LogSoftmaxGrad", []float32{100, 0}, []float32{1, 0}, []float32{-inf, -1}, 0, 0},
		{"LogSoftmaxGrad", []float32{inf, -3}, []float32{1, -1}, []float32{1, -1}, 0, 0}, // s = 0: dy
		{"LogSoftmaxGrad", []float32{inf, -3}, []float32{1, 0}, []float32{-inf, float32(-math.Exp(-3))}, 0, 0},
		{"LogSoftmaxGrad", []float32{-1e30, 0}, []float32{2, -1}, []float32{2, -2}, 0, 0},
	} {
		for _, gk := range gradKernels {
			if gk.name != c.k {
				continue
			}
			for _, l := range dispatch.Supported() {
				for _, pad := range []int{0, 16, 32} {
					y := append(append([]float32{}, c.y...), make([]float32, pad)...)
					dy := append(append([]float32{}, c.dy...), make([]float32, pad)...)
					for i := len(c.y); i < len(y); i++ {
						y[i], dy[i] = c.padY, c.padDy
					}
					got := make([]float32, len(y))
					fallback.GradRows(gk.kind, got, y, dy, len(y), &simdRows[l])
					for i, w := range c.want {
						if math.Float32bits(got[i]) != math.Float32bits(w) && !(w != w && c.want[i] == nan && got[i] != got[i] && c.y[i] != c.y[i] && math.Float32bits(got[i]) == math.Float32bits(c.y[i])|kernels.QuietBit) {
							t.Errorf("%s(%v, %v) (padded with %d) on %v: output %d is %g (%#08x), want %g (%#08x)",
								c.k, c.y, c.dy, pad, l, i, got[i], math.Float32bits(got[i]), w, math.Float32bits(w))
						}
					}
				}
			}
		}
	}
}

// TestRowGradsArgs checks the panics, in-place calls and allocations of
// the row gradients.
func TestRowGradsArgs(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, gk := range gradKernels {
		y, dy := gradInputs(gk.forward, "unit", "normal", 4, 64, r)
		n := len(y)
		for _, c := range []struct {
			dx, y, dy []float32
			cols      int
			msg       string
		}{
			{make([]float32, n), y, dy, 0, "len(y)=256 is not a multiple of cols=0"},
			{make([]float32, n), y, dy, 100, "is not a multiple of cols=100"},
			{make([]float32, n+1), y, dy, 64, "len(dx)=257, len(y)=256, len(dy)=256 differ"},
			{make([]float32, n), y, dy[:n-1], 64, "len(dy)=255 differ"},
			{make([]float32, n), y[:n-1], dy, 64, "len(y)=255"},
		} {
			func() {
				defer func() {
					if p := fmt.Sprint(recover()); !strings.Contains(p, gk.name) || !strings.Contains(p, c.msg) {
						t.Errorf("%s cols=%d: panic %q, want one naming %q", gk.name, c.cols, p, c.msg)
					}
				}()
				gk.f(c.dx, c.y, c.dy, c.cols)
			}()
		}
		for _, which := range []string{"y", "dy"} {
			func() {
				defer func() {
					if p := fmt.Sprint(recover()); !strings.Contains(p, "dx and "+which+" overlap") {
						t.Errorf("%s with dx overlapping %s: panic %q", gk.name, which, p)
					}
				}()
				buf := make([]float32, n+1)
				if which == "y" {
					copy(buf, y)
					gk.f(buf[1:], buf[:n], dy, 64)
				} else {
					copy(buf, dy)
					gk.f(buf[1:], y, buf[:n], 64)
				}
			}()
		}
		out := make([]float32, n)
		if a := testing.AllocsPerRun(20, func() { gk.f(out, y, dy, 64) }); a != 0 {
			t.Errorf("%s: %v allocations per call", gk.name, a)
		}
		yy := append([]float32{}, y...)
		gk.f(yy, yy, dy, 64)
		dd := append([]float32{}, dy...)
		gk.f(dd, y, dd, 64)
		if fmt.Sprint(yy) != fmt.Sprint(out) || fmt.Sprint(dd) != fmt.Sprint(out) {
			t.Errorf("%s in place (dx = y or dx = dy) differs", gk.name)
		}
		same := append([]float32{}, y...) // y and dy may be one slice
		gk.f(out, same, same, 64)
		gk.f(nil, nil, nil, 3) // empty: nothing to do
	}
}

// lseGradDy returns one dy per row in the style named: "normal", "wide"
// (magnitudes 2^-60..2^60), "huge" (near ±MaxFloat32) or "tiny" (near the
// float32 subnormals).
func lseGradDy(style string, rows int, r *rand.Rand) []float32 {
	dy := make([]float32, rows)
	for i := range dy {
		switch style {
		case "normal":
			dy[i] = float32(r.NormFloat64())
		case "wide":
			dy[i] = float32(math.Ldexp(r.NormFloat64(), r.IntN(121)-60))
		case "huge":
			dy[i] = float32((1 - r.Float64()/2) * math.MaxFloat32 * float64(1-2*r.IntN(2)))
		case "tiny":
			dy[i] = float32(math.Ldexp(r.NormFloat64(), -120-r.IntN(20)))
		}
	}
	return dy
}

// TestLogSumExpGrad checks LogSumExpGrad on every path against the Go
// passes, bit for bit, and the Go passes against dy[r] times the float64
// reference softmax (rowRef): at most 1 ULP per output, over rows of 1 to
// 1Mi elements (64Ki in -short), x in six styles, dy in four. It logs the
// largest error.
func TestLogSumExpGrad(t *testing.T) {
	lens, styles := rowLens(), rowStyles
	dstyles := []string{"normal", "wide", "huge", "tiny"}
	r := rand.New(rand.NewPCG(14, 15))
	worst, at := 0.0, ""
	for _, cols := range lens {
		for si, style := range styles {
			for di, dstyle := range dstyles {
				if cols > 4096 && (style != "unit" && style != "masked" || (si+di+cols)%2 != 0) {
					continue
				}
				rows := min(max(1, 4096/cols), 3)
				x := rowInputs(style, rows, cols, r)
				dy := lseGradDy(dstyle, rows, r)
				want := make([]float32, len(x))
				fallback.LogSumExpGradRows(want, x, dy, cols, &fallback.GoRowPasses)
				for _, l := range dispatch.Supported() {
					got := make([]float32, len(x))
					fallback.LogSumExpGradRows(got, x, dy, cols, &simdRows[l])
					for i := range got {
						if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
							t.Fatalf("LogSumExpGrad %s/%s cols=%d on %v: output %d is %#08x, the Go passes give %#08x",
								style, dstyle, cols, l, i, math.Float32bits(got[i]), math.Float32bits(want[i]))
						}
					}
				}
				got := make([]float32, len(x))
				LogSumExpGrad(got, x, dy, cols)
				if fmt.Sprint(got) != fmt.Sprint(want) {
					t.Fatalf("LogSumExpGrad %s/%s cols=%d: the public function differs from the Go passes", style, dstyle, cols)
				}
				for row := range rows {
					ref := rowRef(fallback.RowSoftmax, x[row*cols:(row+1)*cols])
					for i, v := range ref {
						if e := testutil.ULP(want[row*cols+i], v*float64(dy[row])); e > worst {
							worst, at = e, fmt.Sprintf("%s/%s cols=%d: dy=%g: %g, want %g", style, dstyle, cols, dy[row],
								want[row*cols+i], v*float64(dy[row]))
						}
					}
				}
			}
		}
	}
	t.Logf("LogSumExpGrad: max %.4f ULP (%s)", worst, at)
	if worst > 1 {
		t.Errorf("LogSumExpGrad: %.4f ULP off: %s", worst, at)
	}
}

// TestLogSumExpGradSemantics checks LogSumExpGrad's special values on
// every path, each row padded with -Inf entries to 16 and 32 so that the
// SIMD passes run.
func TestLogSumExpGradSemantics(t *testing.T) {
	inf, nan := float32(math.Inf(1)), float32(math.NaN())
	qnan := math.Float32frombits(kernels.CanonicalNaN)
	snan := math.Float32frombits(0x7f800123)
	nz := float32(math.Copysign(0, -1))
	e1 := float32(1 / (1 + math.E))
	for _, c := range []struct {
		x       []float32
		dy      float32
		want    []float32
		padding bool // the padding's outputs are in want's last entry
	}{
		{[]float32{5}, 3, []float32{3}, false},
		{[]float32{1, -inf, 2}, 1, []float32{e1, 0, 1 - e1}, false},
		{[]float32{1, -inf, 2}, -2, []float32{-2 * e1, nz, -2 * (1 - e1)}, false},
		{[]float32{1, 2}, 0, []float32{0, 0}, false},
		{[]float32{1, -inf}, nz, []float32{nz, nz, nz}, true},
		{[]float32{1, 2}, nan, []float32{qnan, qnan, qnan}, true},
		{[]float32{1, 2}, snan, []float32{qnan, qnan, qnan}, true},
		{[]float32{-inf, -inf}, 1, []float32{qnan, qnan, qnan}, true},
		{[]float32{1, nan}, 1, []float32{qnan, qnan, qnan}, true},
		{[]float32{1, inf}, 0, []float32{qnan, qnan, qnan}, true},
		{[]float32{inf, nan}, 1, []float32{qnan, qnan, qnan}, true},
		{[]float32{0, 0}, inf, []float32{inf, inf, qnan}, true},
		{[]float32{0, -200}, -inf, []float32{-inf, qnan, qnan}, true}, // e^-200 underflows
		{[]float32{0, -50}, -inf, []float32{-inf, -inf, qnan}, true},
		{[]float32{math.MaxFloat32, -math.MaxFloat32}, math.MaxFloat32, []float32{math.MaxFloat32, 0}, false},
		{[]float32{0, 0}, math.MaxFloat32, []float32{math.MaxFloat32 / 2, math.MaxFloat32 / 2}, false},
		{[]float32{float32(math.Copysign(0, -1)), 0}, 1, []float32{0.5, 0.5}, false},
	} {
		for _, l := range dispatch.Supported() {
			for _, pad := range []int{0, 16, 32} {
				x := append(append([]float32{}, c.x...), make([]float32, pad)...)
				for i := len(c.x); i < len(x); i++ {
					x[i] = -inf
				}
				got := make([]float32, len(x))
				fallback.LogSumExpGradRows(got, x, []float32{c.dy}, len(x), &simdRows[l])
				for i := range got {
					j := i
					if i >= len(c.x) {
						if !c.padding {
							j = -1 // a -Inf entry: a zero of dy's sign
						} else {
							j = len(c.want) - 1
						}
					}
					w := float32(math.Copysign(0, float64(c.dy)))
					if j >= 0 {
						w = c.want[j]
					}
					if math.Float32bits(got[i]) != math.Float32bits(w) {
						t.Errorf("LogSumExpGrad(%v, dy=%g) (padded with %d -Inf) on %v: output %d is %g (%#08x), want %g (%#08x)",
							c.x, c.dy, pad, l, i, got[i], math.Float32bits(got[i]), w, math.Float32bits(w))
					}
				}
			}
		}
	}
}

// TestLogSumExpGradBlocks checks LogSumExpGrad on many rows of whole
// groups (the multi-row passes' blocks of up to 16 rows, a partial block
// last) where some rows and some dy are special (a NaN, +Inf or -Inf dy,
// signed zeros, a NaN or +Inf entry, a row of -Inf, a masked row), on
// every path against the Go passes, bit for bit, out of place and in
// place.
func TestLogSumExpGradBlocks(t *testing.T) {
	inf, nan := float32(math.Inf(1)), float32(math.NaN())
	snan := math.Float32frombits(0x7f800123)
	r := rand.New(rand.NewPCG(21, 22))
	for _, cols := range []int{16, 32, 64, 256, 1024} {
		const rows = 37 // blocks of rows 0-15, 16-31 and 32-36
		x := rowInputs("wide", rows, cols, r)
		dy := lseGradDy("wide", rows, r)
		// The first block: special dy and special rows.
		for row, v := range []float32{nan, inf, -inf, 0, float32(math.Copysign(0, -1)), snan} {
			dy[2*row+1] = v
		}
		x[2*cols+5] = nan
		x[5*cols] = inf
		x[8*cols+cols-1] = inf
		for i := range cols {
			x[10*cols+i] = -inf
			if i%3 != 0 {
				x[12*cols+i] = -inf
			}
		}
		// The other blocks: one special dy each, no special row; an
		// infinite dy where e^-104 * dy rounds to 0 in float32 but not when
		// doubled.
		dy[20] = nan
		dy[34] = -inf
		x[34*cols], x[34*cols+1] = 0, -104
		want := make([]float32, len(x))
		fallback.LogSumExpGradRows(want, x, dy, cols, &fallback.GoRowPasses)
		for _, l := range dispatch.Supported() {
			got := make([]float32, len(x))
			fallback.LogSumExpGradRows(got, x, dy, cols, &simdRows[l])
			inPlace := append([]float32(nil), x...)
			fallback.LogSumExpGradRows(inPlace, inPlace, dy, cols, &simdRows[l])
			for i := range got {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) || math.Float32bits(inPlace[i]) != math.Float32bits(want[i]) {
					t.Fatalf("LogSumExpGrad cols=%d on %v: row %d (dy %g) output %d is %#08x (in place %#08x), the Go passes give %#08x",
						cols, l, i/cols, dy[i/cols], i%cols, math.Float32bits(got[i]), math.Float32bits(inPlace[i]), math.Float32bits(want[i]))
				}
			}
		}
	}
}

// TestLogSumExpGradArgs checks LogSumExpGrad's panics, in-place calls and
// allocations.
func TestLogSumExpGradArgs(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	x := rowInputs("unit", 4, 64, r)
	dy := lseGradDy("normal", 4, r)
	n := len(x)
	for _, c := range []struct {
		dx, dy []float32
		cols   int
		msg    string
	}{
		{make([]float32, n), dy, 0, "len(x)=256 is not a multiple of cols=0"},
		{make([]float32, n), dy, 100, "len(x)=256 is not a multiple of cols=100"},
		{make([]float32, n+1), dy, 64, "len(dx)=257 != len(x)=256"},
		{make([]float32, n), dy[:3], 64, "len(dy)=3 != len(x)/cols=4"},
		{make([]float32, n), dy, 32, "len(dy)=4 != len(x)/cols=8"},
	} {
		func() {
			defer func() {
				if p := fmt.Sprint(recover()); !strings.Contains(p, "LogSumExpGrad") || !strings.Contains(p, c.msg) {
					t.Errorf("cols=%d len(dx)=%d len(dy)=%d: panic %q, want one naming %q", c.cols, len(c.dx), len(c.dy), p, c.msg)
				}
			}()
			LogSumExpGrad(c.dx, x, c.dy, c.cols)
		}()
	}
	for _, which := range []string{"x", "dy"} {
		func() {
			defer func() {
				if p := fmt.Sprint(recover()); !strings.Contains(p, "dx and "+which+" overlap") {
					t.Errorf("dx overlapping %s: panic %q", which, p)
				}
			}()
			buf := make([]float32, n+4)
			if which == "x" {
				copy(buf, x)
				LogSumExpGrad(buf[1:n+1], buf[:n], dy, 64)
			} else {
				LogSumExpGrad(buf[:n], x, buf[n-2:n+2], 64)
			}
		}()
	}
	out := make([]float32, n)
	if a := testing.AllocsPerRun(20, func() { LogSumExpGrad(out, x, dy, 64) }); a != 0 {
		t.Errorf("LogSumExpGrad: %v allocations per call", a)
	}
	in := append([]float32{}, x...)
	LogSumExpGrad(in, in, dy, 64)
	if fmt.Sprint(in) != fmt.Sprint(out) {
		t.Errorf("LogSumExpGrad in place differs")
	}
	fb := make([]float32, n)
	fallback.LogSumExpGrad(fb, x, dy, 64)
	if fmt.Sprint(fb) != fmt.Sprint(out) {
		t.Errorf("fallback.LogSumExpGrad differs from LogSumExpGrad")
	}
	LogSumExpGrad(nil, nil, nil, 3) // empty: nothing to do
}

// TestRowBlocks checks the row kernels' multi-row passes (ir.RowBlock,
// taken where cols is a multiple of 16 up to 1024) on every path against the Go passes bit for bit, and the public
// functions, in place too: full and partial blocks of rows in every style,
// with rows in the middle of a block that hold a NaN with a payload, only
// -Inf, a +Inf, or only zeros of both signs; rows of log-probabilities
// (LogSumExp's precise sum), alone and in runs of a block between blocks
// of other rows (blockLSE looks for them first after such a block), some
// of them special; row lengths just past the multi-row range.
func TestRowBlocks(t *testing.T) {
	r := rand.New(rand.NewPCG(12, 13))
	inf := float32(math.Inf(1))
	for _, cols := range []int{16, 32, 48, 64, 256, 1024, 1040, 24, 1, 5, 10, 15, 100, 1000} {
		for _, rows := range []int{1, 2, 15, 16, 17, 40, 56} {
			for _, style := range append(rowStyles, "logprob", "runs") {
				var x []float32
				if style == "logprob" || style == "runs" {
					x = rowInputs("unit", rows, cols, r)
					for row := range rows {
						if style == "runs" && row/16%2 == 1 {
							continue // a block of rows with a maximum above 0
						}
						v := x[row*cols : (row+1)*cols]
						l := float32(rowRef(fallback.RowLogSumExp, v)[0])
						for i := range v {
							v[i] -= l
						}
					}
				} else {
					x = rowInputs(style, rows, cols, r)
				}
				special := func(row int, f func(v []float32)) {
					if style == "runs" {
						row += 32 // in the second block of log-probabilities
					}
					if row < rows && style != "logprob" {
						f(x[row*cols : (row+1)*cols])
					}
				}
				special(1, func(v []float32) { v[r.IntN(cols)] = math.Float32frombits(0xff812345) }) // a signalling NaN with a payload
				special(3, func(v []float32) {
					for i := range v {
						v[i] = -inf
					}
				})
				special(5, func(v []float32) { v[r.IntN(cols)] = inf })
				special(16, func(v []float32) {
					for i := range v {
						v[i] = float32(math.Copysign(0, float64(r.IntN(2)*2-1)))
					}
				})
				for _, rk := range rowKernels {
					n := outLen(rk.kind, len(x), cols)
					what := fmt.Sprintf("%s blocks %s %dx%d", rk.name, style, rows, cols)
					samePublic(t, what, rk.kind, rk.f, x, cols, everyPathRows(t, rk.kind, x, n, cols, what))
				}
			}
		}
	}
}

// TestOneRow checks the public functions on single rows on every level,
// where the multi-row passes run them without the general driver
// (oneRow), against the Go passes, in place too: every style, rows of
// log-probabilities (LogSumExp's precise sum), a row whose sum is near 1
// (its log from CompLog), and each special value that makes the general
// driver settle the row (a NaN with a payload, only -Inf, a +Inf), with
// lengths in and just past the multi-row range.
func TestOneRow(t *testing.T) {
	r := rand.New(rand.NewPCG(14, 15))
	inf := float32(math.Inf(1))
	specials := map[string]func(v []float32){
		"nan": func(v []float32) { v[r.IntN(len(v))] = math.Float32frombits(0xff812345) },
		"-inf": func(v []float32) {
			for i := range v {
				v[i] = -inf
			}
		},
		"+inf": func(v []float32) { v[r.IntN(len(v))] = inf },
		"near1": func(v []float32) {
			for i := range v {
				v[i] = -60
			}
			v[r.IntN(len(v))] = 5
		},
		"logprob": func(v []float32) {
			l := float32(rowRef(fallback.RowLogSumExp, v)[0])
			for i := range v {
				v[i] -= l
			}
		},
	}
	for _, l := range dispatch.Supported() {
		restore := dispatch.Force(l)
		for _, cols := range []int{16, 48, 256, 1024, 1040, 10, 100, 1000} {
			for _, style := range append(slices.Clone(rowStyles), "nan", "-inf", "+inf", "near1", "logprob") {
				x := rowInputs(style, 1, cols, r)
				if f := specials[style]; f != nil {
					x = rowInputs("unit", 1, cols, r)
					f(x)
				}
				for _, rk := range rowKernels {
					n := outLen(rk.kind, cols, cols)
					what := fmt.Sprintf("%s on %v, one row of %d, %s", rk.name, l, cols, style)
					want := make([]float32, n)
					fallback.Rows(rk.kind, want, x, cols, &fallback.GoRowPasses)
					samePublic(t, what, rk.kind, rk.f, x, cols, want)
				}
			}
		}
		restore()
	}
}

// TestOneLogSumExpGrad checks LogSumExpGrad on single rows on every
// level, where it runs without the general driver (oneRow), against the
// Go passes, in place too: dy NaN, infinite or zero over each style of x
// and a NaN or +Inf x.
func TestOneLogSumExpGrad(t *testing.T) {
	r := rand.New(rand.NewPCG(16, 17))
	inf := float32(math.Inf(1))
	nan := math.Float32frombits(0xff812345) // signalling, with a payload
	for _, l := range dispatch.Supported() {
		restore := dispatch.Force(l)
		for _, cols := range []int{16, 48, 256, 1024, 1040, 10, 100, 1000} {
			for _, style := range append(slices.Clone(rowStyles), "nan", "+inf") {
				x := rowInputs(style, 1, cols, r)
				switch style {
				case "nan":
					x = rowInputs("unit", 1, cols, r)
					x[r.IntN(cols)] = nan
				case "+inf":
					x = rowInputs("unit", 1, cols, r)
					x[r.IntN(cols)] = inf
				}
				for _, g := range []float32{1.5, -0.25, 0, float32(math.NaN()), inf, -inf} {
					what := fmt.Sprintf("LogSumExpGrad on %v, one row of %d, %s, dy %v", l, cols, style, g)
					dy := []float32{g}
					want := make([]float32, cols)
					fallback.LogSumExpGradRows(want, x, dy, cols, &fallback.GoRowPasses)
					got := make([]float32, cols)
					LogSumExpGrad(got, x, dy, cols)
					sameRow(t, what, got, want)
					got = slices.Clone(x)
					LogSumExpGrad(got, got, dy, cols)
					sameRow(t, what+" in place", got, want)
				}
			}
		}
		restore()
	}
}

// samePublic runs f, the public function of row kernel kind, on x in
// rows of cols, into a new dst and (but LogSumExp) in place, and fails t
// where its bits differ from want's.
func samePublic(t *testing.T, what string, kind fallback.RowKind, f func(dst, x []float32, cols int), x []float32, cols int, want []float32) {
	t.Helper()
	got := make([]float32, len(want))
	f(got, x, cols)
	sameRow(t, what, got, want)
	if kind != fallback.RowLogSumExp {
		got = slices.Clone(x)
		f(got, got, cols)
		sameRow(t, what+" in place", got, want)
	}
}

// sameRow fails t at the first output of got whose bits differ from
// want's.
func sameRow(t *testing.T, what string, got, want []float32) {
	t.Helper()
	for i := range got {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			t.Fatalf("%s: [%d] = %#08x, the Go passes give %#08x", what, i, math.Float32bits(got[i]), math.Float32bits(want[i]))
		}
	}
}

// TestRowBlocksEmpty calls every multi-row pass directly on no rows: it
// must return without reading x or touching the state.
func TestRowBlocksEmpty(t *testing.T) {
	for l, b := range rowBlockSets {
		if !slices.Contains(dispatch.Supported(), l) {
			continue
		}
		var st kernels.Row
		st.M, st.C = 7, 7
		for _, f := range []fallback.RowBlockPass{b.RowMax, b.SoftmaxSum, b.SoftmaxOut, b.LogSoftmaxOut, b.GradSum} {
			f(nil, nil, &st, kernels.RowLanes)
			f([]float32{}, []float32{}, &st, kernels.RowLanes)
		}
		for _, f := range []fallback.RowBlockPass2{b.GradDot, b.SoftmaxGradOut, b.LogSoftmaxGradOut} {
			f(nil, nil, nil, &st, kernels.RowLanes)
			f([]float32{}, []float32{}, []float32{}, &st, kernels.RowLanes)
		}
		if st.M != 7 || st.C != 7 || st.Fold != 0 {
			t.Errorf("%s: a pass on no rows changed the state: M %v, C %v, Fold %d", l, st.M, st.C, st.Fold)
		}
	}
}

// TestRowsGuarded runs the row kernels and the row gradients on rows of
// no whole number of groups (the multi-row passes' masked lanes, which
// reach past a row's end: VMASKMOVPS reads them under qemu) and of one
// group, every slice against a guard page after its end or before its
// start, on every path against the Go passes: no path may read or write
// past a slice. Logits have a positive maximum; log-probabilities take
// LogSumExp's precise sums (RowSum's multi-row pass). The slices end at
// the guard page, or 3 elements before it (within a group's width: AVX2
// then pads the rows whose masked lanes would reach it, fallback.TailInPage),
// or start after it.
func TestRowsGuarded(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	for _, cols := range []int{1, 3, 7, 10, 15, 16, 17, 24, 100, 330} {
		for _, rows := range []int{1, 3, 4, 5, 9} {
			n := rows * cols
			for _, style := range []string{"logits", "logprob"} {
				for _, place := range []struct {
					atStart bool
					gap     int
				}{{false, 0}, {false, 3}, {true, 0}} {
					atStart := place.atStart
					// guarded returns n elements against a guard page,
					// place.gap of them before it where it follows.
					guarded := func(n int, atStart bool) ([]float32, func(), bool) {
						s, free, ok := testutil.Guarded(n+place.gap, atStart)
						switch {
						case !ok:
							return nil, free, false
						case atStart:
							return s[place.gap:], free, ok
						}
						return s[:n], free, ok
					}
					x, freeX, ok := guarded(n, atStart)
					if !ok {
						t.Skip("no guard pages on this system")
					}
					copy(x, rowInputs(style, rows, cols, r))
					for _, rk := range rowKernels {
						m := outLen(rk.kind, n, cols)
						want := make([]float32, m)
						fallback.Rows(rk.kind, want, x, cols, &fallback.GoRowPasses)
						dst, freeDst, _ := guarded(m, atStart)
						for _, l := range dispatch.Supported() {
							restore := dispatch.Force(l)
							rk.f(dst, x, cols)
							restore()
							sameRow(t, fmt.Sprintf("%s %dx%d %s guarded (at start %v, gap %d) on %v", rk.name, rows, cols, style, atStart, place.gap, l), dst, want)
						}
						freeDst()
					}
					freeX()
					for _, gk := range gradKernels {
						ys, dys := gradInputs(gk.forward, "unit", "normal", rows, cols, r)
						y, freeY, _ := guarded(n, atStart)
						dy, freeDy, _ := guarded(n, !atStart)
						dx, freeDx, _ := guarded(n, atStart)
						copy(y, ys)
						copy(dy, dys)
						want := make([]float32, n)
						fallback.GradRows(gk.kind, want, y, dy, cols, &fallback.GoRowPasses)
						for _, l := range dispatch.Supported() {
							restore := dispatch.Force(l)
							gk.f(dx, y, dy, cols)
							restore()
							sameRow(t, fmt.Sprintf("%s %dx%d guarded (y at start %v, gap %d) on %v", gk.name, rows, cols, atStart, place.gap, l), dx, want)
						}
						freeY()
						freeDy()
						freeDx()
					}
				}
			}
		}
	}
}

// TestRowLengths runs the row kernels, LogSumExpGrad and the row
// gradients on every row length from 1 to 48 (on AVX-512 a masked group
// alone, after whole groups, or none) in blocks of 1 to 13 rows (four
// rows per iteration and the rows left), with a row of NaN, one of -Inf
// and one with +Inf among them, on every path against the Go passes bit
// for bit.
func TestRowLengths(t *testing.T) {
	r := rand.New(rand.NewPCG(23, 24))
	inf := float32(math.Inf(1))
	for cols := 1; cols <= 48; cols++ {
		for _, rows := range []int{1, 3, 4, 5, 8, 13} {
			x := rowInputs("logits", rows, cols, r)
			if rows >= 8 {
				x[cols+r.IntN(cols)] = float32(math.NaN())
				for i := range cols {
					x[3*cols+i] = -inf
				}
				x[6*cols+r.IntN(cols)] = inf
			}
			what := fmt.Sprintf("%dx%d", rows, cols)
			for _, rk := range rowKernels {
				everyPathRows(t, rk.kind, x, outLen(rk.kind, len(x), cols), cols, rk.name+" "+what)
			}
			dy := make([]float32, rows)
			for i := range dy {
				dy[i] = float32(r.NormFloat64())
			}
			want := make([]float32, len(x))
			fallback.LogSumExpGradRows(want, x, dy, cols, &fallback.GoRowPasses)
			for _, l := range dispatch.Supported() {
				got := make([]float32, len(x))
				fallback.LogSumExpGradRows(got, x, dy, cols, &simdRows[l])
				sameRow(t, fmt.Sprintf("LogSumExpGrad %s on %v", what, l), got, want)
			}
			for _, gk := range gradKernels {
				y, gdy := gradInputs(gk.forward, "unit", "normal", rows, cols, r)
				want := make([]float32, len(y))
				fallback.GradRows(gk.kind, want, y, gdy, cols, &fallback.GoRowPasses)
				for _, l := range dispatch.Supported() {
					got := make([]float32, len(y))
					fallback.GradRows(gk.kind, got, y, gdy, cols, &simdRows[l])
					sameRow(t, fmt.Sprintf("%s %s on %v", gk.name, what, l), got, want)
				}
			}
		}
	}
}

// TestBlockLogs checks the multi-row passes' Logs (where a level has it)
// against fallback.LogSum bit for bit on the 16 states of a block: sums
// of 1 to 2^40, powers of two, the edges of LogSum's table and random
// ones, every field but C left as it was.
func TestBlockLogs(t *testing.T) {
	r := rand.New(rand.NewPCG(25, 26))
	for _, l := range dispatch.Supported() {
		b := simdRows[l].Block
		if b == nil || b.Logs == nil {
			continue
		}
		for range 3000 {
			var sts [16]kernels.Row
			for i := range sts {
				c := math.Ldexp(1+float64(r.IntN(1<<kernels.RowLogBits))/(1<<kernels.RowLogBits), r.IntN(30))
				switch r.IntN(4) {
				case 0:
					sts[i].S = math.Ldexp(1, r.IntN(41))
				case 1:
					sts[i].S = c
				case 2:
					sts[i].S = max(1, math.Nextafter(c, 0))
				default:
					sts[i].S = 1 + r.Float64()*float64(r.IntN(5000))
				}
				sts[i].C, sts[i].M = -1, float32(r.NormFloat64()*math.Ldexp(1, r.IntN(8)-4))
				switch r.IntN(40) {
				case 0:
					sts[i].S = math.NaN()
				case 1:
					sts[i].M = -sts[i].M
				case 2, 3: // M + C cancels
					sts[i].M = -float32(fallback.LogSum(sts[i].S, 0))
				}
			}
			// LogSumExp's dst (rb rows, between sentinels) or LogSoftmax's none.
			rb, cols := 1+r.IntN(16), 1+r.IntN(1024)
			bound, cancel := fallback.PlainBound(cols), fallback.CancelBound(cols)
			var dst []float32
			buf := make([]float32, 18)
			for i := range buf {
				buf[i] = -7
			}
			if r.IntN(2) == 0 {
				dst = buf[1 : 1+rb]
			}
			want := sts
			var wantPlain uint32
			for i := range want {
				want[i].C = fallback.LogSum(sts[i].S, 0)
				m := float32(0)
				if dst != nil {
					m = sts[i].M
				}
				sure := dst == nil || m >= 0 || float64(m) <= cancel // LogSumExp's max + log(sum) cannot cancel
				if s := sts[i].S; s == s && sure && fallback.PlainLogOK(want[i].C, m, bound) {
					wantPlain |= 1 << i
				}
			}
			plain := b.Logs(&sts[0], dst, bound, cancel)
			for i := range sts {
				got, w := sts[i], want[i]
				if s := got.S; s != s && math.Float64bits(s) == math.Float64bits(w.S) {
					got.S, w.S, w.C = 0, 0, got.C // C is not read
				}
				if got != w {
					t.Fatalf("%v: Logs: state %d (S = %v) has C = %v (%#016x), want %v (%#016x), or another field changed",
						l, i, sts[i].S, sts[i].C, math.Float64bits(sts[i].C), want[i].C, math.Float64bits(want[i].C))
				}
			}
			if plain != wantPlain {
				t.Fatalf("%v: Logs (dst of %d, bound %v, cancel %v) reports the rows %016b plain, want %016b", l, len(dst), bound, cancel, plain, wantPlain)
			}
			for i, v := range buf {
				want := float32(-7)
				if i >= 1 && i <= len(dst) && plain>>(i-1)&1 != 0 {
					want = float32(float64(sts[i-1].M) + sts[i-1].C)
				}
				if v != want && (i < 1 || i > len(dst) || plain>>(i-1)&1 != 0) {
					t.Fatalf("%v: Logs (dst of %d) stored %v at %d of dst's buffer, want %v", l, len(dst), v, i-1, want)
				}
			}
		}
	}
}

// TestBlockCancelLogs checks the multi-row passes' CancelLogs (where a
// level has it) against fallback.PreciseLogSumExp bit for bit on the 16
// states of a block: maxima in, at the ends of and out of (cancel, 0),
// NaN and infinite ones, sums of 1 to 2^20 with a low part within half
// their ULP, NaN sums; its mask, and its stores to dst's rows between
// sentinels (only the rows of the mask are read).
func TestBlockCancelLogs(t *testing.T) {
	r := rand.New(rand.NewPCG(27, 28))
	inf := float32(math.Inf(1))
	for _, l := range dispatch.Supported() {
		b := simdRows[l].Block
		if b == nil || b.CancelLogs == nil {
			continue
		}
		for range 3000 {
			rb, cols := 1+r.IntN(16), 1+r.IntN(1024)
			cancel := fallback.CancelBound(cols)
			var sts [16]kernels.Row
			for i := range sts {
				s := math.Ldexp(1+r.Float64(), r.IntN(21))
				if r.IntN(8) == 0 {
					s = 1 + math.Ldexp(r.Float64(), -r.IntN(60)) // a sum near 1
				}
				st := &sts[i]
				st.S, st.Lo = s, (r.Float64()-0.5)*math.Ldexp(s, -53)
				st.M = float32(cancel * r.Float64())
				switch r.IntN(20) {
				case 0:
					st.M = float32(cancel)
				case 1:
					st.M = float32(math.Nextafter(cancel, 0))
				case 2:
					st.M = float32(math.Copysign(0, float64(r.IntN(2)*2-1)))
				case 3:
					st.M = -float32(r.Float64()) * 1e-30
				case 4:
					st.M = float32(r.NormFloat64() * 10)
				case 5:
					st.M = []float32{inf, -inf, float32(math.NaN())}[r.IntN(3)]
				case 6:
					st.S = math.NaN()
				}
			}
			buf := make([]float32, 18)
			for i := range buf {
				buf[i] = -7
			}
			dst := buf[1 : 1+rb]
			want := sts
			var wantDone uint32
			for i := range sts[:rb] {
				if m := sts[i].M; m < 0 && float64(m) > cancel && sts[i].S == sts[i].S {
					wantDone |= 1 << i
				}
			}
			done := b.CancelLogs(&sts[0], dst, cancel) & (1<<rb - 1)
			for i := range sts {
				g, w := &sts[i], &want[i]
				if math.Float64bits(g.S) != math.Float64bits(w.S) || math.Float64bits(g.Lo) != math.Float64bits(w.Lo) ||
					math.Float32bits(g.M) != math.Float32bits(w.M) || g.C != w.C || g.D != w.D || g.Fold != w.Fold {
					t.Fatalf("%v: CancelLogs changed state %d", l, i)
				}
			}
			if done != wantDone {
				t.Fatalf("%v: CancelLogs (%d rows, cancel %v) reports the rows %016b, want %016b", l, rb, cancel, done, wantDone)
			}
			for i, v := range buf {
				in := i >= 1 && i <= rb
				if !in && v != -7 {
					t.Fatalf("%v: CancelLogs (%d rows) stored %v at %d of dst's buffer, outside dst", l, rb, v, i-1)
				}
				if in && done>>(i-1)&1 != 0 {
					st := sts[i-1]
					if w := fallback.PreciseLogSumExp(st.M, st.S, st.Lo); math.Float32bits(v) != math.Float32bits(w) {
						t.Fatalf("%v: CancelLogs: row %d (M %v, S %v, Lo %v) gave %v (%#08x), want %v (%#08x)",
							l, i-1, st.M, st.S, st.Lo, v, math.Float32bits(v), w, math.Float32bits(w))
					}
				}
			}
		}
	}
}

// TestLogSoftmaxGradParts checks that LogSoftmaxGrad takes, part by part
// of a row (fallback.FastPart elements from its start), the fast pass's
// outputs unless that pass found an element not exact enough
// (kernels.RowGradCancel), then the float-float pass's: on rows of
// log-probabilities with one dominant entry, dy -1 there (a cross
// entropy's gradient, which cancels where the probability is near 1) in
// some parts and normal elsewhere, the Go driver against the passes
// forced one way and the other, as the fast pass flagged each part; and
// every path, in place over y and over dy too, against the Go driver bit
// for bit.
func TestLogSoftmaxGradParts(t *testing.T) {
	r := rand.New(rand.NewPCG(31, 32))
	g := fallback.GoRowPasses
	var flags []bool // the fast pass's verdict on each part, in order
	record := g
	record.LogSoftmaxGradFast = func(dst, x, y []float32, st *kernels.Row) {
		g.LogSoftmaxGradFast(dst, x, y, st)
		flags = append(flags, fallback.FoldMax(&st.Max) > 0)
	}
	forced := func(flag float32) *fallback.RowPasses {
		p := g
		p.LogSoftmaxGradFast = func(dst, x, y []float32, st *kernels.Row) {
			g.LogSoftmaxGradFast(dst, x, y, st)
			for l := range st.Max {
				st.Max[l] = flag
			}
		}
		return &p
	}
	inf := float32(math.Inf(1))
	precise, fast := forced(inf), forced(-inf)
	var flagged, plain, changed int
	for _, shape := range [][2]int{{1, 3*fallback.FastPart + 37}, {2, fallback.FastPart}, {40, 10}, {33, 16}, {17, 100}, {9, 1000}, {5, 300}, {3, 1040}} {
		rows, cols := shape[0], shape[1]
		x, dy := make([]float32, rows*cols), make([]float32, rows*cols)
		for i := range x {
			x[i], dy[i] = float32(r.NormFloat64()), float32(r.NormFloat64())
		}
		for o := 0; o < len(x); o += cols {
			for p := 0; p < cols; p += fallback.FastPart {
				if r.IntN(3) == 0 {
					continue // a part without the hot entry
				}
				n := min(fallback.FastPart, cols-p)
				hot := o + p + r.IntN(n)
				x[hot] = 40 + float32(r.IntN(8)) // a probability within about e^-30 of 1 where cols is small
				if r.IntN(2) == 0 {
					clear(dy[o+p : o+p+n])
					dy[hot] = -1
				}
			}
		}
		y := make([]float32, len(x))
		LogSoftmax(y, x, cols)
		want, prec, fst := make([]float32, len(y)), make([]float32, len(y)), make([]float32, len(y))
		flags = flags[:0]
		fallback.GradRows(fallback.RowLogSoftmaxGrad, want, y, dy, cols, &record)
		fallback.GradRows(fallback.RowLogSoftmaxGrad, prec, y, dy, cols, precise)
		fallback.GradRows(fallback.RowLogSoftmaxGrad, fst, y, dy, cols, fast)
		k := 0
		for o := 0; o < len(y); o += cols {
			for p := 0; p < cols; p += fallback.FastPart {
				i, j := o+p, o+min(p+fallback.FastPart, cols)
				from, what := fst, "fast"
				if flags[k] {
					from, what = prec, "float-float"
					flagged++
					if !slices.Equal(fst[i:j], prec[i:j]) {
						changed++
					}
				} else {
					plain++
				}
				if !slices.Equal(want[i:j], from[i:j]) {
					t.Fatalf("%dx%d: the part at %d is not the %s pass's", rows, cols, i, what)
				}
				k++
			}
		}
		if k != len(flags) {
			t.Fatalf("%dx%d: %d parts, %d calls of the fast pass", rows, cols, k, len(flags))
		}
		what := fmt.Sprintf("LogSoftmaxGrad parts %dx%d", rows, cols)
		for _, l := range dispatch.Supported() {
			restore := dispatch.Force(l)
			for _, place := range []string{"", "y", "dy"} {
				got := make([]float32, len(y))
				switch place {
				case "y":
					copy(got, y)
					LogSoftmaxGrad(got, got, dy, cols)
				case "dy":
					copy(got, dy)
					LogSoftmaxGrad(got, y, got, cols)
				default:
					LogSoftmaxGrad(got, y, dy, cols)
				}
				sameRow(t, fmt.Sprintf("%s on %v in place over %q", what, l, place), got, want)
			}
			restore()
		}
	}
	t.Logf("parts: %d took the float-float pass (%d of them with other bits than the fast one's), %d the fast one", flagged, changed, plain)
	if changed == 0 || plain == 0 {
		t.Errorf("want parts of each kind")
	}
}
