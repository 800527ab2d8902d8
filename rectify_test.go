package rectify_test

import (
	"fmt"
	"math"
	"math/rand"
	"os"
	"strings"
	"testing"

	"github.com/rectify-go/rectify"
	"github.com/rectify-go/rectify/internal/api"
	"github.com/rectify-go/rectify/internal/dispatch"
	"github.com/rectify-go/rectify/internal/ir"
	"github.com/rectify-go/rectify/internal/testutil"
)

// kernel is one entry of the kernel table with its public and fallback
// functions.
type kernel struct {
	*ir.Kernel
	public, fallback api.Func
}

var kernels = func() (ks []kernel) {
	for i, k := range ir.Kernels {
		ks = append(ks, kernel{k, api.Public[i], api.Fallback[i]})
	}
	return ks
}()

// y returns the second input of k for n elements from src: nil for a
// one-input kernel, else src[:n]; one element for n = 0 where the public
// function repeats y along x (Channels: PReLU's slope must not be empty).
func (k kernel) y(src []float32, n int) []float32 {
	switch {
	case k.Inputs() == 1:
		return nil
	case k.Channels > 0 && n == 0:
		return src[:1]
	}
	return src[:n]
}

// alphas returns the parameters to test k with.
func (k kernel) alphas() []float32 {
	if len(k.Params) > 0 {
		return testutil.Alphas
	}
	return []float32{0}
}

// forEachLevel runs f once for every kernel set this CPU supports.
func forEachLevel(t *testing.T, f func(t *testing.T)) {
	for _, l := range dispatch.Supported() {
		t.Run(l.String(), func(t *testing.T) {
			defer dispatch.Force(l)()
			f(t)
		})
	}
}

// sameBits reports the first few elements where got and want differ.
func sameBits(t *testing.T, what string, x, got, want []float32) {
	t.Helper()
	bad := 0
	for i := range want {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			if bad++; bad <= 5 {
				t.Errorf("%s: x[%d]=%#08x: got %#08x, fallback %#08x", what, i,
					math.Float32bits(x[i]), math.Float32bits(got[i]), math.Float32bits(want[i]))
			}
		}
	}
}

func randomBits(n int, seed int64) []float32 {
	r := rand.New(rand.NewSource(seed))
	x := make([]float32, n)
	for i := range x {
		x[i] = math.Float32frombits(r.Uint32())
	}
	return x
}

// TestSameBitsAsFallback checks every path against the fallback on the
// special values and on random bit patterns.
func TestSameBitsAsFallback(t *testing.T) {
	x := append(testutil.Special(), randomBits(1<<16, 1)...)
	ys := testutil.Second(len(x), 1)
	got := make([]float32, len(x))
	want := make([]float32, len(x))
	forEachLevel(t, func(t *testing.T) {
		for _, k := range kernels {
			y := k.y(ys, len(x))
			for _, a := range k.alphas() {
				k.public(got, x, y, a)
				k.fallback(want, x, y, a)
				sameBits(t, fmt.Sprintf("%s(alpha=%g)", k.Name, a), x, got, want)
			}
		}
	})
}

// TestLengthsAndOffsets checks every length 0..300 at every offset 0..15
// from an aligned start (a second input at another offset), with canaries
// on both sides of dst, and in place.
func TestLengthsAndOffsets(t *testing.T) {
	const maxLen, maxOff, guard = 300, 16, 16
	src := randomBits(maxLen+maxOff, 2)
	copy(src, testutil.Special())
	ys := testutil.Second(maxLen+maxOff, 2)
	canary := math.Float32frombits(0x7fa5a5a5)
	buf := make([]float32, guard+maxOff+maxLen+guard)
	want := make([]float32, maxLen)
	forEachLevel(t, func(t *testing.T) {
		for _, k := range kernels {
			a := float32(0.3)
			for off := 0; off < maxOff; off++ {
				for n := 0; n <= maxLen; n++ {
					x := src[off : off+n]
					y := k.y(ys[off*5%maxOff:], n)
					k.fallback(want[:n], x, y, a)
					for i := range buf {
						buf[i] = canary
					}
					dst := buf[guard+off : guard+off+n]
					k.public(dst, x, y, a)
					sameBits(t, fmt.Sprintf("%s n=%d off=%d", k.Name, n, off), x, dst, want[:n])
					for i, v := range buf {
						if (i < guard+off || i >= guard+off+n) && math.Float32bits(v) != math.Float32bits(canary) {
							t.Fatalf("%s n=%d off=%d: wrote buf[%d] outside dst", k.Name, n, off, i)
						}
					}
					in := append([]float32(nil), x...)
					k.public(in, in, y, a)
					sameBits(t, fmt.Sprintf("%s in place n=%d", k.Name, n), x, in, want[:n])
				}
			}
		}
	})
}

// TestGuardPages puts x and dst against inaccessible pages, at the start and
// at the end, for every length up to three of the widest vectors plus one
// (a second input at the end where x is at the start, and the other way
// round): a kernel that reads or writes one element too many faults.
func TestGuardPages(t *testing.T) {
	const maxLen = 3*16 + 1
	src := randomBits(maxLen, 3)
	ys := testutil.Second(maxLen, 3)
	forEachLevel(t, func(t *testing.T) {
		for _, k := range kernels {
			for _, atStart := range []bool{false, true} {
				for n := 0; n <= maxLen; n++ {
					x, dst, free, ok := testutil.GuardedPair(src, n, atStart)
					if !ok {
						t.Skip("no mmap on this platform")
					}
					y, freeY := guardedY(k, ys, n, !atStart)
					want := make([]float32, n)
					k.fallback(want, x, y, 0.5)
					k.public(dst, x, y, 0.5)
					sameBits(t, fmt.Sprintf("%s guarded n=%d", k.Name, n), x, dst, want)
					k.public(x, x, y, 0.5)
					sameBits(t, fmt.Sprintf("%s guarded in place n=%d", k.Name, n), src[:n], x, want)
					free()
					freeY()
				}
			}
		}
	})
}

// guardedY returns k.y(src, n) against an inaccessible page at its start
// or end, and the function that releases it.
func guardedY(k kernel, src []float32, n int, atStart bool) ([]float32, func()) {
	y := k.y(src, n)
	if y == nil {
		return nil, func() {}
	}
	g, free, _ := testutil.Guarded(len(y), atStart)
	copy(g, y)
	return g, free
}

// TestPanics checks the length and overlap checks: the panic is an error
// whose message names the function and both lengths, and nothing is
// written. Where the public
// function repeats its second input along x (Channels, PReLU's slope), the
// slope must divide x, be non-empty and not overlap dst.
func TestPanics(t *testing.T) {
	buf := make([]float32, 24)
	ys := testutil.Second(8, 4)
	for _, k := range kernels {
		type panicCase struct {
			dst, x, y []float32
			msg       string
		}
		cases := []panicCase{
			{buf[:3], buf[4:8], k.y(ys, 4), fmt.Sprintf("rectify: %s: len(dst)=3 != len(x)=4", k.Name)},
			{nil, buf[:1], k.y(ys, 1), fmt.Sprintf("rectify: %s: len(dst)=0 != len(x)=1", k.Name)},
			{buf[1:5], buf[0:4], k.y(ys, 4), fmt.Sprintf("rectify: %s: dst and x overlap", k.Name)},
			{buf[0:4], buf[3:7], k.y(ys, 4), fmt.Sprintf("rectify: %s: dst and x overlap", k.Name)},
		}
		if k.Channels > 0 {
			msg := func(nx, ns int) string {
				return fmt.Sprintf("rectify: %s: len(x)=%d is not a multiple of len(slope)=%d", k.Name, nx, ns)
			}
			overlap := fmt.Sprintf("rectify: %s: dst and slope overlap", k.Name)
			cases = append(cases,
				panicCase{buf[:10], buf[10:20], buf[20:23], msg(10, 3)},
				panicCase{buf[:4], buf[4:8], buf[8:8], msg(4, 0)},
				panicCase{nil, nil, nil, msg(0, 0)},
				panicCase{buf[:12], buf[12:24], buf[8:10], overlap},
				panicCase{buf[:12], buf[12:24], buf[:12], overlap},
				panicCase{buf[:12], buf[:12], buf[0:1], overlap})
		}
		if k.Grad {
			lens := func(ndy, nx int) string {
				return fmt.Sprintf("rectify: %s: len(dy)=%d != len(x)=%d", k.Name, ndy, nx)
			}
			overlap := fmt.Sprintf("rectify: %s: dst and dy overlap", k.Name)
			cases = append(cases,
				panicCase{buf[:4], buf[4:8], buf[8:11], lens(3, 4)},
				panicCase{buf[:4], buf[4:8], nil, lens(0, 4)},
				panicCase{nil, nil, buf[:1], lens(1, 0)},
				panicCase{buf[:12], buf[12:24], buf[1:13], overlap},
				panicCase{buf[1:5], buf[12:16], buf[0:4], overlap})
		}
		for _, c := range cases {
			for i := range buf {
				buf[i] = -float32(i + 1)
			}
			func() {
				defer func() {
					p := recover()
					if e, _ := p.(error); e == nil || !strings.HasPrefix(e.Error(), c.msg) {
						t.Errorf("%s: panic %#v, want an error %q", k.Name, p, c.msg)
					}
				}()
				k.public(c.dst, c.x, c.y, 1)
			}()
			for i, v := range buf {
				if v != -float32(i+1) {
					t.Errorf("%s: wrote buf[%d] before panicking", k.Name, i)
				}
			}
		}
		// Empty, nil and adjacent slices are fine, and a second input that
		// x overlaps.
		k.public(nil, nil, k.y(ys, 0), 1)
		k.public(buf[:0], buf[4:4], k.y(ys, 0), 1)
		k.public(buf[:4], buf[4:8], k.y(ys, 4), 1)
		if k.Inputs() == 2 {
			k.public(buf[:4], buf[4:8], buf[4:8], 1)
		}
		if k.Channels > 0 {
			k.public(buf[:8], buf[8:16], buf[12:16], 1)
		}
		if k.Grad {
			// dx may be dy; x and dy may overlap each other.
			k.public(buf[:4], buf[4:8], buf[:4], 1)
			k.public(buf[:4], buf[4:8], buf[6:10], 1)
		}
	}
}

func f32(b uint32) float32 { return math.Float32frombits(b) }

// TestSemantics checks the special values of the README's semantics table
// on every path.
func TestSemantics(t *testing.T) {
	inf := float32(math.Inf(1))
	type semCase struct {
		k     string
		alpha float32
		x, y  uint32
		s     uint32 // the second input
	}
	cases := []semCase{
		{k: "ReLU", alpha: 0, x: 0x80000000, y: 0x80000000}, // -0 keeps its bits
		{k: "ReLU", alpha: 0, x: 0xff800000, y: 0x00000000}, // -Inf -> +0
		{k: "ReLU", alpha: 0, x: 0xffa00001, y: 0xffa00001}, // signalling NaN unchanged
		{k: "ReLU", alpha: 0, x: 0xbf800000, y: 0x00000000}, // -1 -> +0
		{k: "LeakyReLU", alpha: 0.5, x: 0x80000000, y: 0x80000000},
		{k: "LeakyReLU", alpha: 0.5, x: 0xff812345, y: 0xff812345}, // NaN keeps its bits
		{k: "LeakyReLU", alpha: 0.5, x: 0xc0000000, y: 0xbf800000}, // -2 -> -1
		{k: "LeakyReLU", alpha: 0, x: 0xff800000, y: 0x7fc00000},   // 0 * -Inf
		{k: "LeakyReLU", alpha: inf, x: 0xbf800000, y: 0xff800000}, // Inf * -1
		{k: "ELU", alpha: 1, x: 0x80000000, y: 0x80000000},         // -0 -> -0
		{k: "ELU", alpha: 2, x: 0xff800000, y: 0xc0000000},         // -Inf -> -alpha
		{k: "ELU", alpha: 1, x: 0x7f800000, y: 0x7f800000},         // +Inf
		{k: "ELU", alpha: 1, x: 0xff800001, y: 0xffc00001},         // NaN quieted
		{k: "ELU", alpha: 1, x: 0x80000001, y: 0x80000001},         // expm1 of the smallest subnormal
		{k: "Softplus", alpha: 0, x: 0x7f800000, y: 0x7f800000},    // +Inf
		{k: "Softplus", alpha: 0, x: 0xff800000, y: 0x00000000},    // -Inf -> +0
		{k: "Softplus", alpha: 0, x: 0x41a00000, y: 0x41a00000},    // 20 -> 20 exactly
		{k: "Softplus", alpha: 0, x: 0x7f7fffff, y: 0x7f7fffff},    // MaxFloat32
		{k: "Softplus", alpha: 0, x: 0x7fa00000, y: 0x7fe00000},    // NaN quieted
		{k: "Sigmoid", alpha: 0, x: 0x00000000, y: 0x3f000000},     // +0 -> 0.5
		{k: "Sigmoid", alpha: 0, x: 0x80000000, y: 0x3f000000},     // -0 -> 0.5
		{k: "Sigmoid", alpha: 0, x: 0x7f800000, y: 0x3f800000},     // +Inf -> 1
		{k: "Sigmoid", alpha: 0, x: 0xff800000, y: 0x00000000},     // -Inf -> +0
		{k: "Sigmoid", alpha: 0, x: 0x7fc00001, y: 0x7fc00001},     // quiet NaN unchanged
		{k: "Sigmoid", alpha: 0, x: 0xc2b40000, y: 0x0008ec28},     // -90: subnormal e^-90, not flushed
		{k: "Softplus", alpha: 0, x: 0xc2b40000, y: 0x0008ec28},    // -90: subnormal, not flushed
		{k: "SELU", alpha: 0, x: 0x80000000, y: 0x80000000},        // -0 -> -0
		{k: "SELU", alpha: 0, x: 0x7f800000, y: 0x7f800000},        // +Inf
		{k: "SELU", alpha: 0, x: 0xff800000, y: 0xbfe10966},        // -Inf -> -lambda*alpha
		{k: "SELU", alpha: 0, x: 0x3f800000, y: 0x3f867d5f},        // 1 -> lambda, not float32(lambda)*1 rounded twice
		{k: "SELU", alpha: 0, x: 0xff800001, y: 0xffc00001},        // NaN quieted
		{k: "Tanh", alpha: 0, x: 0x80000000, y: 0x80000000},        // -0 -> -0
		{k: "Tanh", alpha: 0, x: 0x00000001, y: 0x00000001},        // tiny x -> x
		{k: "Tanh", alpha: 0, x: 0x7f800000, y: 0x3f800000},        // +Inf -> 1
		{k: "Tanh", alpha: 0, x: 0xff800000, y: 0xbf800000},        // -Inf -> -1
		{k: "Tanh", alpha: 0, x: 0x41102cb3, y: 0x3f7fffff},        // 9.010913: just below 1
		{k: "Tanh", alpha: 0, x: 0xc1102cb4, y: 0xbf800000},        // -9.010914: -1
		{k: "Tanh", alpha: 0, x: 0x7fa00000, y: 0x7fe00000},        // NaN quieted
		{k: "SiLU", alpha: 0, x: 0x80000000, y: 0x80000000},        // -0 -> -0
		{k: "SiLU", alpha: 0, x: 0x7f800000, y: 0x7f800000},        // +Inf
		{k: "SiLU", alpha: 0, x: 0xff800000, y: 0x80000000},        // -Inf -> -0
		{k: "SiLU", alpha: 0, x: 0x41a00000, y: 0x41a00000},        // 20 -> 20 exactly
		{k: "SiLU", alpha: 0, x: 0x41880000, y: 0x41880000},        // 17 -> 17 exactly
		{k: "SiLU", alpha: 0, x: 0x5f800000, y: 0x5f800000},        // 2^64: x*2^64 would overflow
		{k: "SiLU", alpha: 0, x: 0x7f7fffff, y: 0x7f7fffff},        // MaxFloat32
		{k: "SiLU", alpha: 0, x: 0xc2c80000, y: 0x80000a5f},        // -100: subnormal, not flushed
		{k: "SiLU", alpha: 0, x: 0xff800001, y: 0xffc00001},        // NaN quieted
		{k: "GELU", alpha: 0, x: 0x80000000, y: 0x80000000},        // -0 -> -0
		{k: "GELU", alpha: 0, x: 0x00000000, y: 0x00000000},        // +0 -> +0
		{k: "GELU", alpha: 0, x: 0x7f800000, y: 0x7f800000},        // +Inf
		{k: "GELU", alpha: 0, x: 0xff800000, y: 0x80000000},        // -Inf -> -0
		{k: "GELU", alpha: 0, x: 0x7fa00000, y: 0x7fe00000},        // NaN quieted
		{k: "GELU", alpha: 0, x: 0xff800001, y: 0xffc00001},        // negative NaN quieted
		{k: "GELU", alpha: 0, x: 0x7f7fffff, y: 0x7f7fffff},        // MaxFloat32
		{k: "GELU", alpha: 0, x: 0x40ab1ed9, y: 0x40ab1ed9},        // 5.3475156 and up: x exactly
		{k: "GELU", alpha: 0, x: 0xbf800000, y: 0xbe227686},        // -1 -> -Phi(-1)
		{k: "GELU", alpha: 0, x: 0xc1500000, y: 0x81d87b8a},        // -13: subnormal, not flushed
		{k: "GELU", alpha: 0, x: 0xc1600000, y: 0x8000004e},        // -14: subnormal, not flushed
		{k: "GELU", alpha: 0, x: 0xc1680000, y: 0x80000000},        // -14.5 -> -0
		{k: "GELUTanh", alpha: 0, x: 0x80000000, y: 0x80000000},    // -0 -> -0
		{k: "GELUTanh", alpha: 0, x: 0x7f800000, y: 0x7f800000},    // +Inf
		{k: "GELUTanh", alpha: 0, x: 0xff800000, y: 0x80000000},    // -Inf -> -0
		{k: "GELUTanh", alpha: 0, x: 0x41400000, y: 0x41400000},    // 12 -> 12
		{k: "GELUTanh", alpha: 0, x: 0xc1280000, y: 0x80000212},    // -10.5: subnormal, no cancellation
		{k: "GELUTanh", alpha: 0, x: 0x7fc00001, y: 0x7fc00001},    // quiet NaN unchanged
		{k: "Exp", alpha: 0, x: 0x80000000, y: 0x3f800000},         // -0 -> 1
		{k: "Exp", alpha: 0, x: 0x42b17217, y: 0x7f7fff84},         // 88.72283: the largest finite result
		{k: "Exp", alpha: 0, x: 0x42b17218, y: 0x7f800000},         // 88.72284: overflow -> +Inf
		{k: "Exp", alpha: 0, x: 0x7f800000, y: 0x7f800000},         // +Inf
		{k: "Exp", alpha: 0, x: 0xff800000, y: 0x00000000},         // -Inf -> +0
		{k: "Exp", alpha: 0, x: 0xc2c80000, y: 0x0000001b},         // -100: subnormal, not flushed
		{k: "Exp", alpha: 0, x: 0xc2cfcccd, y: 0x00000001},         // -103.9: the smallest subnormal
		{k: "Exp", alpha: 0, x: 0xff800001, y: 0xffc00001},         // NaN quieted
	}
	// Two-input kernels: input x, second input s (PReLU's slope), result y.
	for _, c := range []struct {
		k       string
		x, s, y uint32
	}{
		{"PReLU", 0x80000000, 0x3f000000, 0x80000000}, // -0 keeps its bits
		{"PReLU", 0xff812345, 0x3f000000, 0xff812345}, // NaN keeps its bits
		{"PReLU", 0x7fa00001, 0x7fc00000, 0x7fa00001}, // NaN input, NaN slope: the input
		{"PReLU", 0xc0000000, 0x3f000000, 0xbf800000}, // -2 * 0.5 -> -1
		{"PReLU", 0xc0000000, 0xbf800000, 0x40000000}, // -2 * -1 -> 2
		{"PReLU", 0x40000000, 0x7f800001, 0x40000000}, // x >= 0: the slope is not read
		{"PReLU", 0xff800000, 0x00000000, 0x7fc00000}, // 0 * -Inf
		{"PReLU", 0xbf800000, 0x7fa00001, 0x7fc00000}, // NaN slope (signalling): the canonical NaN
		{"PReLU", 0xbf800000, 0x7f800000, 0xff800000}, // Inf * -1
		{"PReLU", 0x80000001, 0x3f000000, 0x80000000}, // half the smallest subnormal: a tie, to even (-0)
		{"PReLU", 0x80000003, 0x3f000000, 0x80000002}, // 1.5 subnormal units: a tie, to even
		{"PReLU", 0xff7fffff, 0x40000000, 0xff800000}, // overflow to -Inf
	} {
		cases = append(cases, semCase{k: c.k, x: c.x, s: c.s, y: c.y})
	}
	// Gradient kernels: input x, second input dy, result dx. NaN rule: x
	// NaN gives x quieted, else dy NaN gives dy quieted, else a NaN
	// product gives 0x7fc00000.
	for _, c := range []struct {
		k        string
		alpha    float32
		x, dy, y uint32
	}{
		{"ReLUGrad", 0, 0x00000000, 0x3f800000, 0x00000000},                        // ReLU'(0) = 0
		{"ReLUGrad", 0, 0x80000000, 0xbf800000, 0x80000000},                        // -0: dy*0, dy's sign
		{"ReLUGrad", 0, 0x00000001, 0x40400000, 0x40400000},                        // the smallest x > 0 passes dy
		{"ReLUGrad", 0, 0x7f800000, 0xc0000000, 0xc0000000},                        // +Inf passes dy
		{"ReLUGrad", 0, 0xbf800000, 0x7f800000, 0x7fc00000},                        // x < 0, dy = Inf: 0*Inf
		{"ReLUGrad", 0, 0x3f800000, 0xff800000, 0xff800000},                        // x > 0, dy = -Inf
		{"ReLUGrad", 0, 0x7fa00001, 0xffc00005, 0x7fe00001},                        // both NaN: x quieted
		{"ReLUGrad", 0, 0xbf800000, 0x7f800001, 0x7fc00001},                        // dy NaN, x < 0: dy quieted
		{"LeakyReLUGrad", 0.01, 0x00000000, 0x3f800000, 0x3c23d70a},                // LeakyReLU'(0) = alpha
		{"LeakyReLUGrad", 0.01, 0xff800000, 0x40000000, 0x3ca3d70a},                // -Inf: alpha*dy
		{"LeakyReLUGrad", 0.01, 0x3f800000, 0x40400000, 0x40400000},                // x > 0: dy
		{"LeakyReLUGrad", float32(math.NaN()), 0xbf800000, 0x3f800000, 0x7fc00000}, // alpha NaN
		{"LeakyReLUGrad", 0, 0xbf800000, 0x7f800000, 0x7fc00000},                   // alpha 0, dy Inf
		{"LeakyReLUGrad", 0.01, 0xffc00001, 0x3f800000, 0xffc00001},                // NaN x
		{"SigmoidGrad", 0, 0x00000000, 0x3f800000, 0x3e800000},                     // 1/4
		{"SigmoidGrad", 0, 0x80000000, 0xc0000000, 0xbf000000},                     // -0: dy/4
		{"SigmoidGrad", 0, 0x7f800000, 0x3f800000, 0x00000000},                     // +Inf: 0*dy
		{"SigmoidGrad", 0, 0xff800000, 0xbf800000, 0x80000000},                     // -Inf: 0*dy
		{"SigmoidGrad", 0, 0xff800000, 0x7f800000, 0x7fc00000},                     // -Inf, dy Inf: 0*Inf
		{"SigmoidGrad", 0, 0x7f7fffff, 0x7f800000, 0x7f800000},                     // MaxFloat32, dy Inf: Inf*tiny
		{"SigmoidGrad", 0, 0xc2c80000, 0x3f800000, 0x0000001b},                     // -100: subnormal, not flushed
		{"SigmoidGrad", 0, 0xc0400000, 0x3f800000, 0x3d390b29},                     // -3
		{"SigmoidGrad", 0, 0x3f800000, 0x7fa00001, 0x7fe00001},                     // dy NaN quieted
		{"SigmoidGrad", 0, 0xffa00001, 0x7fc00000, 0xffe00001},                     // x NaN wins
		{"TanhGrad", 0, 0x00000000, 0x3f800000, 0x3f800000},                        // 1
		{"TanhGrad", 0, 0x80000000, 0x40400000, 0x40400000},                        // -0: dy
		{"TanhGrad", 0, 0x0da24260, 0x3f800000, 0x3f800000},                        // tiny x: 1
		{"TanhGrad", 0, 0x7f800000, 0x3f800000, 0x00000000},                        // +Inf: 0*dy
		{"TanhGrad", 0, 0xff800000, 0xff800000, 0x7fc00000},                        // -Inf, dy -Inf: NaN
		{"TanhGrad", 0, 0x41200000, 0x3f800000, 0x320da433},                        // 10
		{"TanhGrad", 0, 0xc1a00000, 0x3f800000, 0x239cbc92},                        // -20
		{"TanhGrad", 0, 0xc2c80000, 0x3f800000, 0x00000000},                        // -100: rounds to 0
		{"SiLUGrad", 0, 0x00000000, 0x3f800000, 0x3f000000},                        // 1/2
		{"SiLUGrad", 0, 0x80000000, 0x40000000, 0x3f800000},                        // -0: dy/2
		{"SiLUGrad", 0, 0x7f800000, 0x40000000, 0x40000000},                        // +Inf: dy
		{"SiLUGrad", 0, 0x7f800000, 0x7f800000, 0x7f800000},                        // +Inf, dy Inf: Inf
		{"SiLUGrad", 0, 0xff800000, 0x3f800000, 0x00000000},                        // -Inf: 0*dy
		{"SiLUGrad", 0, 0xff800000, 0x7f800000, 0x7fc00000},                        // -Inf, dy Inf: 0*Inf
		{"SiLUGrad", 0, 0xbfa3a5e3, 0x3f800000, 0xb7016cac},                        // -1.2785: next to the zero of SiLU'
		{"SiLUGrad", 0, 0xc2c80000, 0x3f800000, 0x80000a44},                        // -100: subnormal, negative
		{"SiLUGrad", 0, 0x41200000, 0x3f800000, 0x3f800d63},                        // 10: above 1
		{"ELUGrad", 1, 0x00000000, 0x40000000, 0x40000000},                         // ELU'(0) = alpha
		{"ELUGrad", 0.01, 0x80000000, 0x3f800000, 0x3c23d70a},                      // -0: alpha
		{"ELUGrad", 1, 0x00000001, 0x40400000, 0x40400000},                         // x > 0: dy
		{"ELUGrad", 1, 0xbf800000, 0x3f800000, 0x3ebc5ab2},                         // -1: e^-1
		{"ELUGrad", 1, 0xc2c80000, 0x3f800000, 0x0000001b},                         // -100: subnormal
		{"ELUGrad", 1, 0xff800000, 0x3f800000, 0x00000000},                         // -Inf: 0*dy
		{"ELUGrad", 1, 0xff800000, 0xff800000, 0x7fc00000},                         // -Inf, dy -Inf: 0*Inf
		{"ELUGrad", 1, 0x7f800000, 0xff800000, 0xff800000},                         // +Inf: dy
		{"ELUGrad", float32(math.NaN()), 0xbf800000, 0x3f800000, 0x7fc00000},       // alpha NaN
		{"ELUGrad", float32(math.NaN()), 0x3f800000, 0x3f800000, 0x3f800000},       // alpha not used for x > 0
		{"SELUGrad", 0, 0x40400000, 0x3f800000, 0x3f867d5f},                        // x > 0: lambda
		{"SELUGrad", 0, 0x00000000, 0x3f800000, 0x3fe10966},                        // SELU'(0) = lambda*alpha
		{"SELUGrad", 0, 0xbf800000, 0x3f800000, 0x3f2592a0},                        // -1: 0.555 ULP below (the float32 sequence)
		{"SELUGrad", 0, 0xc2c80000, 0x3f800000, 0x0000002f},                        // -100: subnormal
		{"SELUGrad", 0, 0xff800000, 0x7f800000, 0x7fc00000},                        // -Inf, dy Inf: 0*Inf
		{"SELUGrad", 0, 0x7f800000, 0x7f800000, 0x7f800000},                        // +Inf, dy Inf: Inf
		{"SoftplusGrad", 0, 0x00000000, 0x3f800000, 0x3f000000},                    // 1/2
		{"SoftplusGrad", 0, 0x80000000, 0x40000000, 0x3f800000},                    // -0: dy/2
		{"SoftplusGrad", 0, 0xbf800000, 0x3f800000, 0x3e89b2b1},                    // -1
		{"SoftplusGrad", 0, 0x40400000, 0x3f800000, 0x3f73dbe6},                    // 3
		{"SoftplusGrad", 0, 0xc2c80000, 0x3f800000, 0x0000001b},                    // -100: subnormal
		{"SoftplusGrad", 0, 0x7f800000, 0xc0000000, 0xc0000000},                    // +Inf: dy
		{"SoftplusGrad", 0, 0xff800000, 0x3f800000, 0x00000000},                    // -Inf: 0*dy
		{"SoftplusGrad", 0, 0xff800000, 0x7f800000, 0x7fc00000},                    // -Inf, dy Inf: 0*Inf
		{"SoftplusGrad", 0, 0x41a00000, 0x3f800000, 0x3f800000},                    // 20: rounds to 1
		{"GELUTanhGrad", 0, 0x00000000, 0x3f800000, 0x3f000000},                    // 1/2
		{"GELUTanhGrad", 0, 0x80000000, 0x40000000, 0x3f800000},                    // -0: dy/2
		{"GELUTanhGrad", 0, 0xbf800000, 0x3f800000, 0xbda9e913},                    // -1: negative
		{"GELUTanhGrad", 0, 0xbf40902e, 0x3f800000, 0x38ec031c},                    // -0.7522: next to the zero
		{"GELUTanhGrad", 0, 0xc1200000, 0x3f800000, 0x846a980a},                    // -10: tiny, negative
		{"GELUTanhGrad", 0, 0x3f800000, 0x3f800000, 0x3f8a9e91},                    // 1: above 1
		{"GELUTanhGrad", 0, 0x7f800000, 0xc0000000, 0xc0000000},                    // +Inf: dy
		{"GELUTanhGrad", 0, 0xff800000, 0x3f800000, 0x00000000},                    // -Inf: 0*dy
		{"GELUTanhGrad", 0, 0xff800000, 0x7f800000, 0x7fc00000},                    // -Inf, dy Inf: 0*Inf
		{"GELUTanhGrad", 0, 0xc1a80000, 0x7f7fffff, 0x80000000},                    // -21, dy MaxFloat32: -0
		{"GELUTanhGrad", 0, 0x7f7fffff, 0x7f800000, 0x7f800000},                    // MaxFloat32, dy Inf: Inf
		{"GELUGrad", 0, 0x00000000, 0x3f800000, 0x3f000000},                        // 1/2
		{"GELUGrad", 0, 0x80000000, 0x40000000, 0x3f800000},                        // -0: dy/2
		{"GELUGrad", 0, 0xbf800000, 0x3f800000, 0xbdaaa14d},                        // -1: the window's edge
		{"GELUGrad", 0, 0xbf400000, 0x3f800000, 0x3a4af8ef},                        // -0.75: next to the zero
		{"GELUGrad", 0, 0xc0400000, 0x3f800000, 0xbc43b7ad},                        // -3
		{"GELUGrad", 0, 0xc1200000, 0x3f800000, 0x9c664084},                        // -10: tiny, negative
		{"GELUGrad", 0, 0x3f800000, 0x3f800000, 0x3f8aaa15},                        // 1: above 1
		{"GELUGrad", 0, 0x40000000, 0x3f800000, 0x3f8ae8e0},                        // 2
		{"GELUGrad", 0, 0x7f800000, 0xc0000000, 0xc0000000},                        // +Inf: dy
		{"GELUGrad", 0, 0xff800000, 0x3f800000, 0x00000000},                        // -Inf: 0*dy
		{"GELUGrad", 0, 0xff800000, 0x7f800000, 0x7fc00000},                        // -Inf, dy Inf: 0*Inf
		{"GELUGrad", 0, 0xc1980000, 0x7149f2ca, 0x80000000},                        // -19, dy 1e30: -0
		{"ExpGrad", 0, 0x00000000, 0x3f800000, 0x3f800000},                         // e^0 = 1
		{"ExpGrad", 0, 0x7f800000, 0x3f800000, 0x7f800000},                         // +Inf: dy*Inf
		{"ExpGrad", 0, 0x7f800000, 0x00000000, 0x7fc00000},                         // +Inf, dy 0: 0*Inf
		{"ExpGrad", 0, 0xff800000, 0xbf800000, 0x80000000},                         // -Inf: dy*0
		{"ExpGrad", 0, 0xff800000, 0x7f800000, 0x7fc00000},                         // -Inf, dy Inf: Inf*0
		{"ExpGrad", 0, 0x42c80000, 0x0da24260, 0x55c39615},                         // e^100 * 1e-30: computed in float64
		{"ExpGrad", 0, 0x447a0000, 0x00000000, 0x00000000},                         // e^1000 * 0 = 0
		{"ExpGrad", 0, 0x447a0000, 0x00000001, 0x7f800000},                         // e^1000 * tiny overflows
		{"ExpGrad", 0, 0x42b10000, 0xc0000000, 0xff800000},                         // -2 e^88.5 overflows
		{"ExpGrad", 0, 0xc2c80000, 0x3f800000, 0x0000001b},                         // e^-100: subnormal, not flushed
		{"ExpGrad", 0, 0xc0400000, 0x3f800000, 0x3d4bed86},                         // e^-3
		{"ExpGrad", 0, 0x3f800000, 0x7fa00001, 0x7fe00001},                         // dy NaN quieted
		{"ExpGrad", 0, 0xffa00001, 0x7fc00000, 0xffe00001},                         // x NaN wins
	} {
		cases = append(cases, semCase{k: c.k, alpha: c.alpha, x: c.x, s: c.dy, y: c.y})
	}
	forEachLevel(t, func(t *testing.T) {
		for _, c := range cases {
			for _, k := range kernels {
				if k.Name != c.k {
					continue
				}
				dst := make([]float32, 1)
				k.public(dst, []float32{f32(c.x)}, k.y([]float32{f32(c.s)}, 1), c.alpha)
				if got := math.Float32bits(dst[0]); got != c.y {
					t.Errorf("%s(%#08x, %#08x, alpha=%g) = %#08x, want %#08x", c.k, c.x, c.s, c.alpha, got, c.y)
				}
			}
		}
	})
}

// TestWantLevel fails when RECTIFY_TEST_WANT names a level other than the
// one in use, so that a run under an emulated CPU (qemu -cpu Haswell,
// Nehalem, cortex-a53) cannot pass by silently testing another path.
func TestWantLevel(t *testing.T) {
	w := os.Getenv("RECTIFY_TEST_WANT")
	if w == "" {
		t.Skip("RECTIFY_TEST_WANT not set")
	}
	want, ok := dispatch.Parse(w)
	if !ok {
		t.Fatalf("RECTIFY_TEST_WANT=%q names no level", w)
	}
	if got := dispatch.Selected(); got != want {
		t.Fatalf("RECTIFY_TEST_WANT=%v but the selected level is %v (supported: %v)", want, got, dispatch.Supported())
	}
}

func TestImplementation(t *testing.T) {
	if got, want := rectify.Implementation(), dispatch.Selected().String(); got != want {
		t.Errorf("Implementation() = %q, dispatch selected %q", got, want)
	}
	for _, l := range dispatch.Supported() {
		restore := dispatch.Force(l)
		if got := rectify.Implementation(); got != l.String() {
			t.Errorf("forced %v: Implementation() = %q", l, got)
		}
		restore()
	}
}

// TestNoAllocationOnStack calls every public function on slices of arrays
// on the caller's stack, below and past every cutoff, at every level: a
// call that let them escape (through a func value, say) would move the
// arrays to the heap, one allocation per call.
func TestNoAllocationOnStack(t *testing.T) {
	forEachLevel(t, func(t *testing.T) {
		for i, k := range ir.Kernels {
			for _, n := range []int{1, 3, 40, api.StackLen} {
				if a := testing.AllocsPerRun(10, func() { api.OnStack(i, n, 0.5) }); a != 0 {
					t.Errorf("%s n=%d: %v allocations per call", k.Name, n, a)
				}
			}
		}
	})
}

// TestNoAllocation checks that no kernel allocates, on any path, in place
// or not, for lengths around the block and vector sizes; a repeated second
// input (PReLU's slope) as one row and as rows of one and of two elements
// (repeated into the public function's stack array).
func TestNoAllocation(t *testing.T) {
	x := randomBits(1000, 5)
	ys := testutil.Second(len(x), 5)
	dst := make([]float32, len(x))
	forEachLevel(t, func(t *testing.T) {
		for _, k := range kernels {
			for _, n := range []int{1, 7, 8, 9, 17, 100, 1000} {
				y := [][]float32{k.y(ys, n)}
				if k.Channels > 0 {
					y = append(y, ys[:1], ys[:2-n%2])
				}
				for _, f := range []api.Func{k.public, k.fallback} {
					for _, y := range y {
						if a := testing.AllocsPerRun(10, func() { f(dst[:n], x[:n], y, 0.5); f(dst[:n], dst[:n], y, 0.5) }); a != 0 {
							t.Errorf("%s n=%d len(y)=%d: %v allocations per call", k.Name, n, len(y), a)
						}
					}
				}
			}
		}
	})
}

// TestRepeatedRows checks, for the kernels whose public function repeats
// its second input along x (PReLU's slope), many channel counts (rows that
// the kernel repeats itself, multiples of kernels.RepeatQuantum; rows that
// the public function repeats into its stack array, up to such a multiple
// or not; rows that are their own second input, rows longer than a chunk)
// and row counts on every path,
// out of place and in place, against the fallback and against the kernel's
// Program element by element.
func TestRepeatedRows(t *testing.T) {
	const maxLen = 40000
	src := randomBits(maxLen, 6)
	copy(src, testutil.Special())
	ys := testutil.Second(20000, 6)
	got, want := make([]float32, maxLen), make([]float32, maxLen)
	forEachLevel(t, func(t *testing.T) {
		for _, k := range kernels {
			if k.Channels == 0 {
				continue
			}
			for _, c := range []int{1, 2, 3, 7, 16, 64, 100, 128, 192, 511, 512, 513, 576, 1000, 1024, 1025, 3000, 8192, 20000} {
				for _, rows := range []int{1, 2, 3, 5, 17, 300} {
					n := c * rows
					if n > maxLen {
						continue
					}
					x, y := src[:n], ys[:c]
					k.fallback(want[:n], x, y, 0)
					k.public(got[:n], x, y, 0)
					sameBits(t, fmt.Sprintf("%s channels=%d rows=%d", k.Name, c, rows), x, got[:n], want[:n])
					in := append([]float32(nil), x...)
					k.public(in, in, y, 0)
					sameBits(t, fmt.Sprintf("%s in place channels=%d rows=%d", k.Name, c, rows), x, in, want[:n])
					for i := 0; i < n; i += 97 {
						if w := ir.EvalLane(k.Program, []float32{x[i], y[i%c]}); math.Float32bits(want[i]) != math.Float32bits(w) {
							t.Fatalf("%s channels=%d rows=%d [%d]: fallback %#08x, program %#08x", k.Name, c, rows, i,
								math.Float32bits(want[i]), math.Float32bits(w))
						}
					}
				}
			}
		}
	})
}
