package rectify_test

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/rectify-go/rectify"
	"github.com/rectify-go/rectify/fallback"
	"github.com/rectify-go/rectify/internal/testutil"
)

// noisyInput returns n inputs: the special values, then normal deviates
// times 4 and random bit patterns.
func noisyInput(n int, seed uint64) []float32 {
	r := rand.New(rand.NewPCG(seed, 11))
	x := make([]float32, n)
	sp := testutil.Special()
	for i := range x {
		switch {
		case i < len(sp):
			x[i] = sp[i]
		case i%3 == 0:
			x[i] = math.Float32frombits(r.Uint32())
		default:
			x[i] = float32(4 * r.NormFloat64())
		}
	}
	return x
}

// TestNoisyReLUSameBitsAsFallback checks the public function on every path
// against the fallback, every length 0..300 and lengths around its chunks,
// at offsets that start inside a Philox block, out of place and in place.
func TestNoisyReLUSameBitsAsFallback(t *testing.T) {
	src := noisyInput(3000, 1)
	lens := []int{511, 512, 513, 1023, 1025, 2048, 3000}
	for n := 0; n <= 300; n++ {
		lens = append(lens, n)
	}
	forEachLevel(t, func(t *testing.T) {
		for _, n := range lens {
			seed, offset := uint64(n)*0x9e3779b97f4a7c15, uint64(n*7)
			x := src[len(src)-n:]
			want := make([]float32, n)
			fallback.NoisyReLU(want, x, seed, offset)
			got := make([]float32, n)
			rectify.NoisyReLU(got, x, seed, offset)
			sameBits(t, fmt.Sprintf("NoisyReLU n=%d", n), x, got, want)
			in := slices.Clone(x)
			rectify.NoisyReLU(in, in, seed, offset)
			sameBits(t, fmt.Sprintf("NoisyReLU in place n=%d", n), x, in, want)
			in = slices.Clone(x)
			fallback.NoisyReLU(in, in, seed, offset)
			sameBits(t, fmt.Sprintf("fallback.NoisyReLU in place n=%d", n), x, in, want)
		}
	})
}

// TestNoisyReLUGuarded checks every path with x and dst against guard
// pages at either end (and in place), at lengths of whole and partial
// groups of the assembly's 64 elements and offsets inside a block.
func TestNoisyReLUGuarded(t *testing.T) {
	src := noisyInput(1100, 2)
	forEachLevel(t, func(t *testing.T) {
		for _, n := range []int{64, 65, 127, 128, 192, 640, 1000, 1100} {
			for _, offset := range []uint64{0, 3, 1<<64 - 130} {
				want := make([]float32, n)
				fallback.NoisyReLU(want, src[:n], 7, offset)
				for _, atStart := range []bool{false, true} {
					x, dst, free, ok := testutil.GuardedPair(src, n, atStart)
					if !ok {
						t.Skip("no guard pages")
					}
					rectify.NoisyReLU(dst, x, 7, offset)
					sameBits(t, fmt.Sprintf("NoisyReLU n=%d offset %#x guarded", n, offset), x, dst, want)
					rectify.NoisyReLU(x, x, 7, offset)
					sameBits(t, fmt.Sprintf("NoisyReLU n=%d offset %#x guarded in place", n, offset), src[:n], x, want)
					free()
				}
			}
		}
	})
}

// TestNoisyReLUSplit checks that the result for an index does not depend
// on where a call starts: random slices cut at random points, each piece
// called with its own offset, give the bits of one call; offsets include
// 0, random ones and the last ones before 2^64, where the index wraps to 0.
func TestNoisyReLUSplit(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	offsets := []uint64{0, 1, 2, 3, 1<<64 - 1, 1<<64 - 2, 1<<64 - 3, 1<<64 - 700, 1<<32 - 1, 1 << 62}
	for range 20 {
		offsets = append(offsets, r.Uint64())
	}
	for trial, offset := range offsets {
		n := 1 + r.IntN(2000)
		x := noisyInput(n, uint64(trial))
		seed := r.Uint64()
		want := make([]float32, n)
		rectify.NoisyReLU(want, x, seed, offset)
		for range 5 {
			got := make([]float32, n)
			for i := 0; i < n; {
				m := min(n-i, 1+r.IntN(9)*r.IntN(100))
				f := rectify.NoisyReLU
				if r.IntN(2) == 0 {
					f = fallback.NoisyReLU
				}
				f(got[i:i+m], x[i:i+m], seed, offset+uint64(i))
				i += m
			}
			sameBits(t, fmt.Sprintf("NoisyReLU offset %#x split", offset), x, got, want)
		}
	}
	// Element by element (one call per index) near and across 2^64.
	for _, offset := range []uint64{1<<64 - 37, 1<<64 - 8, 1<<64 - 4, 1<<64 - 1, 1<<62 - 5} {
		x := noisyInput(64, offset)
		want := make([]float32, len(x))
		rectify.NoisyReLU(want, x, 5, offset)
		got := make([]float32, len(x))
		for i := range x {
			fallback.NoisyReLU(got[i:i+1], x[i:i+1], 5, offset+uint64(i))
		}
		sameBits(t, fmt.Sprintf("NoisyReLU offset %#x one by one", offset), x, got, want)
	}
	// Index 2^64 is index 0.
	x := noisyInput(8, 3)
	a, b := make([]float32, 8), make([]float32, 8)
	rectify.NoisyReLU(a, x, 9, 1<<64-4)
	rectify.NoisyReLU(b[4:], x[4:], 9, 0)
	rectify.NoisyReLU(b[:4], x[:4], 9, 1<<64-4)
	sameBits(t, "NoisyReLU across 2^64", x, b, a)
	// Different seeds and offsets give different noise.
	rectify.NoisyReLU(b, x, 10, 1<<64-4)
	if slices.Equal(a, b) {
		t.Errorf("seeds 9 and 10 give the same output")
	}
}

// TestNoisyReLUSemantics checks the special values: NaN inputs quieted,
// +Inf, -Inf and every output's sign (never -0, never negative).
func TestNoisyReLUSemantics(t *testing.T) {
	inf := float32(math.Inf(1))
	x := append(testutil.Special(), inf, -inf, 0, float32(math.Copysign(0, -1)), -1e-30, -3, -100, math.MaxFloat32, -math.MaxFloat32)
	for _, seed := range []uint64{0, 1, 1 << 63} {
		dst := make([]float32, len(x))
		rectify.NoisyReLU(dst, x, seed, 0)
		for i, v := range x {
			b, y := math.Float32bits(v), math.Float32bits(dst[i])
			switch {
			case v != v:
				if y != b|0x00400000 {
					t.Errorf("NoisyReLU(%08x) = %08x, want %08x", b, y, b|0x00400000)
				}
			case math.IsInf(float64(v), 1):
				if dst[i] != inf {
					t.Errorf("NoisyReLU(+Inf) = %v", dst[i])
				}
			case math.IsInf(float64(v), -1) || v <= -100:
				if y != 0 {
					t.Errorf("NoisyReLU(%v) = %08x, want +0", v, y)
				}
			case v == math.MaxFloat32:
				if dst[i] != v {
					t.Errorf("NoisyReLU(MaxFloat32) = %v", dst[i])
				}
			case y&0x80000000 != 0 || dst[i] != dst[i]:
				t.Errorf("NoisyReLU(%v) = %08x: negative, -0 or NaN", v, y)
			}
		}
	}
}

// TestNoisyReLUDistribution checks the noise through the public function:
// at x = 32 sigmoid is 1, so dst - 32 is N (rounded to float32's spacing
// 2^-18 there): mean, variance within 5 standard errors, the
// Kolmogorov-Smirnov distance below its critical value at significance
// 0.001. At x = 0, about half the outputs are 0.
func TestNoisyReLUDistribution(t *testing.T) {
	n := 1 << 18
	x, dst := make([]float32, n), make([]float32, n)
	for i := range x {
		x[i] = 32
	}
	for _, seed := range []uint64{1, 2} {
		rectify.NoisyReLU(dst, x, seed, 12345)
		v := make([]float64, n)
		var mean, m2 float64
		for i, y := range dst {
			v[i] = float64(y) - 32
			mean += v[i]
			m2 += v[i] * v[i]
		}
		mean /= float64(n)
		variance := m2/float64(n) - mean*mean
		slices.Sort(v)
		ks := 0.0
		for i, z := range v {
			f := 0.5 * math.Erfc(-z/math.Sqrt2)
			ks = max(ks, f-float64(i)/float64(n), float64(i+1)/float64(n)-f)
		}
		se := 1 / math.Sqrt(float64(n))
		crit := math.Sqrt(-math.Log(0.0005)/2) * se
		t.Logf("seed %d: mean %.5f variance %.5f KS %.5f (critical %.5f)", seed, mean, variance, ks, crit)
		if math.Abs(mean) > 5*se || math.Abs(variance-1) > 5*math.Sqrt2*se || ks > crit {
			t.Errorf("seed %d: mean %g variance %g KS %g (critical %g)", seed, mean, variance, ks, crit)
		}
	}
	clear(x)
	rectify.NoisyReLU(dst, x, 3, 0)
	zeros := 0
	for _, y := range dst {
		if y == 0 {
			zeros++
		}
	}
	if p := float64(zeros) / float64(n); math.Abs(p-0.5) > 5*0.5/math.Sqrt(float64(n)) {
		t.Errorf("x = 0: %.4f of the outputs are 0, want 0.5", p)
	}
}

// TestNoisyReLUPanics checks the argument checks of both functions.
func TestNoisyReLUPanics(t *testing.T) {
	buf := make([]float32, 8)
	for _, c := range []struct {
		dst, x []float32
		msg    string
	}{
		{buf[:3], buf[4:8], "rectify: NoisyReLU: len(dst)=3 != len(x)=4"},
		{nil, buf[:1], "rectify: NoisyReLU: len(dst)=0 != len(x)=1"},
		{buf[1:5], buf[0:4], "rectify: NoisyReLU: dst and x overlap"},
		{buf[0:4], buf[3:7], "rectify: NoisyReLU: dst and x overlap"},
	} {
		for name, f := range map[string]func(dst, x []float32, seed, offset uint64){
			"rectify": rectify.NoisyReLU, "fallback": fallback.NoisyReLU,
		} {
			func() {
				defer func() {
					p := recover()
					if e, _ := p.(error); e == nil || !strings.HasPrefix(e.Error(), c.msg) {
						t.Errorf("%s.NoisyReLU(len %d, len %d): panic %v, want %q", name, len(c.dst), len(c.x), p, c.msg)
					}
				}()
				f(c.dst, c.x, 1, 2)
			}()
		}
	}
	rectify.NoisyReLU(nil, nil, 0, 0) // empty is fine
	fallback.NoisyReLU(buf[:0], nil, 0, 0)
}

// TestNoisyReLUNoAllocation checks that neither function allocates, out of
// place and in place, on every path.
func TestNoisyReLUNoAllocation(t *testing.T) {
	x := noisyInput(2000, 7)
	dst := make([]float32, len(x))
	forEachLevel(t, func(t *testing.T) {
		for _, n := range []int{1, 7, 100, 513, 2000} {
			for name, f := range map[string]func(dst, x []float32, seed, offset uint64){
				"rectify": rectify.NoisyReLU, "fallback": fallback.NoisyReLU,
			} {
				if a := testing.AllocsPerRun(10, func() { f(dst[:n], x[:n], 1, 3); f(dst[:n], dst[:n], 1, 3) }); a != 0 {
					t.Errorf("%s.NoisyReLU n=%d: %v allocations per call", name, n, a)
				}
			}
		}
	})
}

const goldenNoisyFile = "testdata/noisy.txt"

// goldenNoisyCalls are the calls of the golden file: seeds, offsets
// (inside a block, near 2^64) and inputs (special values, normal
// deviates, random bits).
func goldenNoisyCalls() []struct {
	seed, offset uint64
	x            []float32
} {
	calls := []struct {
		seed, offset uint64
		x            []float32
	}{
		{0, 0, testutil.Special()},
		{1, 1<<64 - 6, noisyInput(len(testutil.Special())+40, 2)[len(testutil.Special()):]},
		{0xdeadbeefcafef00d, 3, noisyInput(len(testutil.Special())+100, 3)[len(testutil.Special()):]},
	}
	x := make([]float32, 64)
	for i := range x {
		x[i] = 32 // the noise itself, to float32 spacing 2^-18
	}
	return append(calls, struct {
		seed, offset uint64
		x            []float32
	}{42, 1 << 40, x})
}

// TestGoldenNoisy checks NoisyReLU against outputs computed once on amd64
// and committed: the same bits on every architecture. A line is the seed,
// the offset (hex), the input bits and the output bits. -update rewrites
// the file from this machine.
func TestGoldenNoisy(t *testing.T) {
	if *update {
		rewriteGolden(t, goldenNoisyFile, "# NoisyReLU: seed offset input-bits output-bits (hex): go test -run TestGoldenNoisy -update .", func(w io.Writer) {
			for _, c := range goldenNoisyCalls() {
				y := make([]float32, len(c.x))
				rectify.NoisyReLU(y, c.x, c.seed, c.offset)
				fmt.Fprintf(w, "%x %x %s %s\n", c.seed, c.offset, hexRow(c.x), hexRow(y))
			}
		})
	}
	n := 0
	for i, f := range goldenLines(t, goldenNoisyFile, 4) {
		seed, err1 := strconv.ParseUint(f[0], 16, 64)
		offset, err2 := strconv.ParseUint(f[1], 16, 64)
		if err1 != nil || err2 != nil {
			t.Fatalf("%s: line %d: malformed seed or offset", goldenNoisyFile, i+1)
		}
		x := parseHex(t, f[2])
		for name, fn := range map[string]func(dst, x []float32, seed, offset uint64){
			"NoisyReLU": rectify.NoisyReLU, "fallback.NoisyReLU": fallback.NoisyReLU,
		} {
			y := make([]float32, len(x))
			fn(y, x, seed, offset)
			if got := hexRow(y); got != f[3] {
				t.Errorf("%s: line %d: %s gives %s, want %s", goldenNoisyFile, i+1, name, got, f[3])
			}
		}
		n++
	}
	if n != len(goldenNoisyCalls()) {
		t.Errorf("%s: %d lines checked, want %d", goldenNoisyFile, n, len(goldenNoisyCalls()))
	}
}
