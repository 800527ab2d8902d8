package rectify_test

import (
	"fmt"
	"io"
	"math"
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/rectify-go/rectify"
	"github.com/rectify-go/rectify/fallback"
	"github.com/rectify-go/rectify/internal/testutil"
)

const goldenPReLUGradFile = "testdata/prelu_grad.txt"

// preluGradRef returns channel c's dslope from the exact sum of its
// terms (math/big, wide enough to hold every sum of float32 products
// exactly) rounded to float64, and whether a term was a NaN.
func preluGradRef(x, dy []float32, cols, c int) (float64, bool) {
	sum := new(big.Float).SetPrec(2048)
	inf := 0.0
	for r := c; r < len(x); r += cols {
		if x[r] > 0 {
			continue
		}
		p := float64(x[r]) * float64(dy[r])
		switch {
		case p != p, math.IsInf(p, 0) && inf != 0 && math.Signbit(p) != math.Signbit(inf):
			return 0, true
		case math.IsInf(p, 0):
			inf = p
		default:
			sum.Add(sum, new(big.Float).SetFloat64(p))
		}
	}
	if inf != 0 {
		return inf, false
	}
	f, _ := sum.Float64()
	return f, false
}

// preluGradInputs returns x, dy and slope for rows of cols channels in
// one of several styles: normal values, heavy cancellation in every
// channel's sum, values of wide range, and large terms that cancel
// exactly (the second half of the rows negates the first in mirror
// order) between small ones, which a plain float64 sum loses.
func preluGradInputs(r *rand.Rand, rows, cols, style int) (x, dy, slope []float32) {
	x, dy, slope = make([]float32, rows*cols), make([]float32, rows*cols), make([]float32, cols)
	for c := range slope {
		slope[c] = float32(r.Float64() * 0.5)
	}
	for i := range x {
		switch style {
		case 0:
			x[i], dy[i] = float32(r.NormFloat64()), float32(r.NormFloat64())
		case 1: // terms of both signs that nearly cancel, and a few small ones
			x[i] = -float32(1 + r.Float64())
			dy[i] = float32(1e6 * (r.Float64() - 0.5))
			if i >= cols && r.IntN(2) == 0 {
				x[i], dy[i] = x[i-cols], -dy[i-cols]
			}
			if r.IntN(64) == 0 {
				dy[i] = float32(1e-6 * r.NormFloat64())
			}
		case 2:
			x[i] = float32(math.Ldexp(r.NormFloat64(), r.IntN(120)-60))
			dy[i] = float32(math.Ldexp(r.NormFloat64(), r.IntN(120)-60))
		default:
			row, m := i/cols, rows-1-i/cols
			x[i], dy[i] = -float32(1+r.Float64()), float32(r.NormFloat64())
			switch {
			case row < rows/2 && row%2 == 0:
				dy[i] = float32(math.Ldexp(r.NormFloat64(), 40+r.IntN(20)))
			case m < rows/2 && m%2 == 0:
				j := m*cols + i%cols
				x[i], dy[i] = x[j], -dy[j]
			}
		}
	}
	return x, dy, slope
}

// TestPReLUGrad checks dx bit for bit against LeakyReLUGrad with each
// channel's slope, and dslope within 1 ULP of the exact sum, for rows
// of 1 to 1Mi elements.
func TestPReLUGrad(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	worst := 0.0
	for _, sh := range []struct{ rows, cols int }{{1, 1}, {3, 1}, {1, 7}, {5, 300}, {1000, 3}, {17, 513}, {1 << 20, 1}, {1 << 18, 4}} {
		if testing.Short() && sh.rows*sh.cols > 1<<18 {
			continue
		}
		for style := range 4 {
			x, dy, slope := preluGradInputs(r, sh.rows, sh.cols, style)
			dx, dslope := make([]float32, len(x)), make([]float32, len(slope))
			rectify.PReLUGrad(dx, dslope, x, dy, slope)
			want := make([]float32, 1)
			for i := range x {
				c := i % sh.cols
				fallback.LeakyReLUGrad(want, x[i:i+1], dy[i:i+1], slope[c])
				if math.Float32bits(dx[i]) != math.Float32bits(want[0]) {
					t.Fatalf("%dx%d style %d: dx[%d] = %g, want %g", sh.rows, sh.cols, style, i, dx[i], want[0])
				}
			}
			for c := range slope {
				ref, _ := preluGradRef(x, dy, sh.cols, c)
				u := testutil.ULP(dslope[c], ref)
				worst = max(worst, u)
				if u > 1 || math.IsInf(float64(dslope[c]), 0) {
					t.Errorf("%dx%d style %d: dslope[%d] = %g, exact sum %g: %.3f ULP", sh.rows, sh.cols, style, c, dslope[c], ref, u)
				}
			}
		}
	}
	t.Logf("dslope: max %.4f ULP from the exact sum", worst)
}

// TestPReLUGradSemantics checks dslope's special values: NaN terms,
// infinities, the x > 0 elements left out, no rows.
func TestPReLUGradSemantics(t *testing.T) {
	inf, nan := float32(math.Inf(1)), float32(math.NaN())
	canon := math.Float32frombits(0x7fc00000)
	for _, c := range []struct {
		name   string
		x, dy  []float32
		dslope float32
	}{
		{"no rows", nil, nil, 0},
		{"x > 0 left out", []float32{1, -2, 3}, []float32{nan, 1, inf}, -2},
		{"NaN x", []float32{-1, nan}, []float32{1, 1}, canon},
		{"NaN dy where x <= 0", []float32{-1, 0}, []float32{1, nan}, canon},
		{"infinite dy at x = 0", []float32{-1, 0}, []float32{1, -inf}, canon},
		{"-Inf x", []float32{-inf, -1}, []float32{2, 1}, -inf},
		{"infinities of both signs", []float32{-inf, -1}, []float32{1, -inf}, canon},
		{"zeros", []float32{0, float32(math.Copysign(0, -1))}, []float32{-1, 1}, 0},
		{"overflow to float32 Inf", []float32{-3e38, -3e38}, []float32{-2, -2}, inf},
		{"subnormal", []float32{-1e-30, -1}, []float32{-1e-15, 0}, 1e-45},
	} {
		dx, dslope := make([]float32, len(c.x)), []float32{42}
		rectify.PReLUGrad(dx, dslope, c.x, c.dy, []float32{0.5})
		want := make([]float32, len(c.x))
		fallback.LeakyReLUGrad(want, c.x, c.dy, 0.5)
		if hexRow(dx) != hexRow(want) {
			t.Errorf("%s: dx %s, want LeakyReLUGrad's %s", c.name, hexRow(dx), hexRow(want))
		}
		if math.Float32bits(dslope[0]) != math.Float32bits(c.dslope) {
			t.Errorf("%s: dslope %g (%#08x), want %g (%#08x)", c.name, dslope[0], math.Float32bits(dslope[0]), c.dslope, math.Float32bits(c.dslope))
		}
	}
}

// TestPReLUGradArgs checks the panics, in-place calls and that nothing is
// allocated.
func TestPReLUGradArgs(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	x, dy, slope := preluGradInputs(r, 40, 6, 0)
	dx, dslope := make([]float32, len(x)), make([]float32, len(slope))
	rectify.PReLUGrad(dx, dslope, x, dy, slope)
	for _, c := range []struct {
		name string
		call func(x, dy, slope []float32) (dx, dslope []float32)
	}{
		{"dx = x", func(x, dy, slope []float32) ([]float32, []float32) {
			ds := make([]float32, len(slope))
			rectify.PReLUGrad(x, ds, x, dy, slope)
			return x, ds
		}},
		{"dx = dy", func(x, dy, slope []float32) ([]float32, []float32) {
			ds := make([]float32, len(slope))
			rectify.PReLUGrad(dy, ds, x, dy, slope)
			return dy, ds
		}},
		{"dslope = slope", func(x, dy, slope []float32) ([]float32, []float32) {
			d := make([]float32, len(x))
			rectify.PReLUGrad(d, slope, x, dy, slope)
			return d, slope
		}},
	} {
		gx, gs := c.call(append([]float32(nil), x...), append([]float32(nil), dy...), append([]float32(nil), slope...))
		if hexRow(gx) != hexRow(dx) || hexRow(gs) != hexRow(dslope) {
			t.Errorf("%s: in place differs", c.name)
		}
	}
	buf := make([]float32, 100)
	for _, c := range []struct {
		name, msg string
		call      func()
	}{
		{"dy length", "rectify: PReLUGrad: len(dy)=5 != len(x)=6", func() { rectify.PReLUGrad(buf[:6], buf[10:12], buf[20:26], buf[30:35], buf[40:42]) }},
		{"dx length", "rectify: PReLUGrad: len(dst)=5 != len(x)=6", func() { rectify.PReLUGrad(buf[:5], buf[10:12], buf[20:26], buf[30:36], buf[40:42]) }},
		{"slope length", "rectify: PReLUGrad: len(x)=6 is not a multiple of len(slope)=4", func() { rectify.PReLUGrad(buf[:6], buf[10:14], buf[20:26], buf[30:36], buf[40:44]) }},
		{"no slope", "rectify: PReLUGrad: len(x)=6 is not a multiple of len(slope)=0", func() { rectify.PReLUGrad(buf[:6], nil, buf[20:26], buf[30:36], nil) }},
		{"dslope length", "rectify: PReLUGrad: len(dslope)=3 != len(slope)=2", func() { rectify.PReLUGrad(buf[:6], buf[10:13], buf[20:26], buf[30:36], buf[40:42]) }},
		{"dslope in x", "rectify: PReLUGrad: dslope overlaps another slice (only dslope == slope is allowed)", func() { rectify.PReLUGrad(buf[:6], buf[21:23], buf[20:26], buf[30:36], buf[40:42]) }},
		{"dslope in dx", "rectify: PReLUGrad: dslope overlaps another slice (only dslope == slope is allowed)", func() { rectify.PReLUGrad(buf[:6], buf[4:6], buf[20:26], buf[30:36], buf[40:42]) }},
		{"dslope shifted over slope", "rectify: PReLUGrad: dslope overlaps another slice (only dslope == slope is allowed)", func() { rectify.PReLUGrad(buf[:6], buf[41:43], buf[20:26], buf[30:36], buf[40:42]) }},
		{"dx over slope", "rectify: PReLUGrad: dst and slope overlap", func() { rectify.PReLUGrad(buf[:6], buf[10:12], buf[20:26], buf[30:36], buf[5:7]) }},
		{"dx over dy", "rectify: PReLUGrad: dst and dy overlap (only dst == dy is allowed)", func() { rectify.PReLUGrad(buf[:6], buf[10:12], buf[20:26], buf[1:7], buf[40:42]) }},
	} {
		func() {
			defer func() {
				if got := fmt.Sprint(recover()); got != c.msg {
					t.Errorf("%s: panic %q, want %q", c.name, got, c.msg)
				}
			}()
			c.call()
		}()
	}
	if n := testing.AllocsPerRun(10, func() { rectify.PReLUGrad(dx, dslope, x, dy, slope) }); n != 0 {
		t.Errorf("%v allocations per call", n)
	}
}

// TestGoldenPReLUGrad checks PReLUGrad against outputs computed once on
// amd64 and committed: the same bits on every architecture. A line is
// the bits of x, dy, slope, dx and dslope.
func TestGoldenPReLUGrad(t *testing.T) {
	if *update {
		rewriteGolden(t, goldenPReLUGradFile, "# x dy slope dx dslope (bits): go test -run TestGoldenPReLUGrad -update .", func(w io.Writer) {
			r := rand.New(rand.NewPCG(5, 6))
			for _, sh := range []struct{ rows, cols int }{{1, 1}, {7, 1}, {3, 5}, {9, 17}, {2, 300}, {100, 1}, {40, 3}} {
				for style := range 4 {
					x, dy, slope := preluGradInputs(r, sh.rows, sh.cols, style)
					dx, dslope := make([]float32, len(x)), make([]float32, len(slope))
					rectify.PReLUGrad(dx, dslope, x, dy, slope)
					fmt.Fprintln(w, hexRow(x), hexRow(dy), hexRow(slope), hexRow(dx), hexRow(dslope))
				}
			}
		})
	}
	n := 0
	for i, f := range goldenLines(t, goldenPReLUGradFile, 5) {
		x, dy, slope := parseHex(t, f[0]), parseHex(t, f[1]), parseHex(t, f[2])
		dx, dslope := make([]float32, len(x)), make([]float32, len(slope))
		rectify.PReLUGrad(dx, dslope, x, dy, slope)
		if hexRow(dx) != f[3] || hexRow(dslope) != f[4] {
			t.Errorf("%s: line %d: PReLUGrad differs from the committed bits", goldenPReLUGradFile, i+1)
		}
		n++
	}
	if n < 15 {
		t.Errorf("%s: %d lines checked", goldenPReLUGradFile, n)
	}
}

// TestPReLUGradPaths checks every path against the pure-Go PReLUGrad bit
// for bit, dx and dslope: the assembly column passes on groups of 16
// channels, rows past one call's, x, dy and dx against guard pages at
// either end, in place, special values among the rows, without
// allocating.
func TestPReLUGradPaths(t *testing.T) {
	special := testutil.Special()
	r := rand.New(rand.NewPCG(7, 8))
	forEachLevel(t, func(t *testing.T) {
		for k, sh := range []struct{ rows, cols int }{{1, 16}, {3, 16}, {5, 32}, {9, 48}, {2, 40}, {3, 21}, {33, 64}, {1100, 16}, {700, 35},
			{2000, 1}, {300, 3}, {1000, 4}, {77, 6}, {20000, 1}} {
			n := sh.rows * sh.cols
			src, srcDy, slope := make([]float32, n), make([]float32, n), make([]float32, sh.cols)
			for i := range src {
				src[i], srcDy[i] = float32(r.NormFloat64()), float32(r.NormFloat64()*1e-3)
				if i%(3+28*(k%2)) == 0 && (sh.cols >= 16 || i < 40) { // dense or sparse special values (few where a channel has many rows)
					src[i], srcDy[i] = special[(i*7)%len(special)], special[(i*13+5)%len(special)]
				}
			}
			for c := range slope {
				slope[c] = float32(r.Float64())
			}
			want, wantS := make([]float32, n), make([]float32, sh.cols)
			fallback.PReLUGrad(want, wantS, src, srcDy, slope)
			for _, atStart := range []bool{false, true} {
				for _, inPlace := range []string{"", "x", "dy"} {
					x, freeX, ok := testutil.Guarded(n, atStart)
					if !ok {
						t.Skip("no guard pages")
					}
					dy, freeDy, _ := testutil.Guarded(n, !atStart)
					dx, freeDx, _ := testutil.Guarded(n, atStart)
					copy(x, src)
					copy(dy, srcDy)
					switch inPlace {
					case "x":
						dx = x
					case "dy":
						dx = dy
					}
					dslope := make([]float32, sh.cols)
					rectify.PReLUGrad(dx, dslope, x, dy, slope)
					if hexRow(dx) != hexRow(want) || hexRow(dslope) != hexRow(wantS) {
						for i := range dx {
							if math.Float32bits(dx[i]) != math.Float32bits(want[i]) {
								t.Errorf("%dx%d (at start %v, in place %q): dx[%d] = %#08x, want %#08x", sh.rows, sh.cols, atStart, inPlace, i,
									math.Float32bits(dx[i]), math.Float32bits(want[i]))
								break
							}
						}
						for c := range dslope {
							if math.Float32bits(dslope[c]) != math.Float32bits(wantS[c]) {
								t.Errorf("%dx%d (at start %v, in place %q): dslope[%d] = %#08x, want %#08x", sh.rows, sh.cols, atStart, inPlace, c,
									math.Float32bits(dslope[c]), math.Float32bits(wantS[c]))
								break
							}
						}
					}
					freeX()
					freeDy()
					freeDx()
				}
			}
		}
		x, dy, slope := preluGradInputs(r, 64, 48, 0)
		dx, dslope := make([]float32, len(x)), make([]float32, len(slope))
		if n := testing.AllocsPerRun(10, func() { rectify.PReLUGrad(dx, dslope, x, dy, slope) }); n != 0 {
			t.Errorf("%v allocations per call", n)
		}
	})
}
