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
	got := make([]float32, len(x))
	want := make([]float32, len(x))
	forEachLevel(t, func(t *testing.T) {
		for _, k := range kernels {
			for _, a := range k.alphas() {
				k.public(got, x, a)
				k.fallback(want, x, a)
				sameBits(t, fmt.Sprintf("%s(alpha=%g)", k.Name, a), x, got, want)
			}
		}
	})
}

// TestLengthsAndOffsets checks every length 0..300 at every offset 0..15
// from an aligned start, with canaries on both sides of dst, and in place.
func TestLengthsAndOffsets(t *testing.T) {
	const maxLen, maxOff, guard = 300, 16, 16
	src := randomBits(maxLen+maxOff, 2)
	copy(src, testutil.Special())
	canary := math.Float32frombits(0x7fa5a5a5)
	buf := make([]float32, guard+maxOff+maxLen+guard)
	want := make([]float32, maxLen)
	forEachLevel(t, func(t *testing.T) {
		for _, k := range kernels {
			a := float32(0.3)
			for off := 0; off < maxOff; off++ {
				for n := 0; n <= maxLen; n++ {
					x := src[off : off+n]
					k.fallback(want[:n], x, a)
					for i := range buf {
						buf[i] = canary
					}
					dst := buf[guard+off : guard+off+n]
					k.public(dst, x, a)
					sameBits(t, fmt.Sprintf("%s n=%d off=%d", k.Name, n, off), x, dst, want[:n])
					for i, v := range buf {
						if (i < guard+off || i >= guard+off+n) && math.Float32bits(v) != math.Float32bits(canary) {
							t.Fatalf("%s n=%d off=%d: wrote buf[%d] outside dst", k.Name, n, off, i)
						}
					}
					in := append([]float32(nil), x...)
					k.public(in, in, a)
					sameBits(t, fmt.Sprintf("%s in place n=%d", k.Name, n), x, in, want[:n])
				}
			}
		}
	})
}

// TestGuardPages puts x and dst against inaccessible pages, at the start and
// at the end, for every length up to three of the widest vectors plus one:
// a kernel that reads or writes one element too many faults.
func TestGuardPages(t *testing.T) {
	const maxLen = 3*16 + 1
	src := randomBits(maxLen, 3)
	forEachLevel(t, func(t *testing.T) {
		for _, k := range kernels {
			for _, atStart := range []bool{false, true} {
				for n := 0; n <= maxLen; n++ {
					x, dst, free, ok := testutil.GuardedPair(src, n, atStart)
					if !ok {
						t.Skip("no mmap on this platform")
					}
					want := make([]float32, n)
					k.fallback(want, x, 0.5)
					k.public(dst, x, 0.5)
					sameBits(t, fmt.Sprintf("%s guarded n=%d", k.Name, n), x, dst, want)
					k.public(x, x, 0.5)
					sameBits(t, fmt.Sprintf("%s guarded in place n=%d", k.Name, n), src[:n], x, want)
					free()
				}
			}
		}
	})
}

// TestPanics checks the length and overlap checks: the message names the
// function and both lengths, and nothing is written.
func TestPanics(t *testing.T) {
	buf := make([]float32, 8)
	for _, k := range kernels {
		for _, c := range []struct {
			dst, x []float32
			msg    string
		}{
			{buf[:3], buf[4:8], fmt.Sprintf("rectify: %s: len(dst)=3 != len(x)=4", k.Name)},
			{nil, buf[:1], fmt.Sprintf("rectify: %s: len(dst)=0 != len(x)=1", k.Name)},
			{buf[1:5], buf[0:4], fmt.Sprintf("rectify: %s: dst and x overlap", k.Name)},
			{buf[0:4], buf[3:7], fmt.Sprintf("rectify: %s: dst and x overlap", k.Name)},
		} {
			for i := range buf {
				buf[i] = -float32(i + 1)
			}
			func() {
				defer func() {
					msg := fmt.Sprint(recover())
					if !strings.HasPrefix(msg, c.msg) {
						t.Errorf("%s: panic %q, want %q", k.Name, msg, c.msg)
					}
				}()
				k.public(c.dst, c.x, 1)
			}()
			for i, v := range buf {
				if v != -float32(i+1) {
					t.Errorf("%s: wrote buf[%d] before panicking", k.Name, i)
				}
			}
		}
		// Empty, nil and adjacent slices are fine.
		k.public(nil, nil, 1)
		k.public(buf[:0], buf[4:4], 1)
		k.public(buf[:4], buf[4:], 1)
	}
}

func f32(b uint32) float32 { return math.Float32frombits(b) }

// TestSemantics checks the special values of the README's semantics table
// on every path.
func TestSemantics(t *testing.T) {
	inf := float32(math.Inf(1))
	cases := []struct {
		k     string
		alpha float32
		x, y  uint32
	}{
		{"ReLU", 0, 0x80000000, 0x80000000}, // -0 keeps its bits
		{"ReLU", 0, 0xff800000, 0x00000000}, // -Inf -> +0
		{"ReLU", 0, 0xffa00001, 0xffa00001}, // signalling NaN unchanged
		{"ReLU", 0, 0xbf800000, 0x00000000}, // -1 -> +0
		{"LeakyReLU", 0.5, 0x80000000, 0x80000000},
		{"LeakyReLU", 0.5, 0xff812345, 0xff812345}, // NaN keeps its bits
		{"LeakyReLU", 0.5, 0xc0000000, 0xbf800000}, // -2 -> -1
		{"LeakyReLU", 0, 0xff800000, 0x7fc00000},   // 0 * -Inf
		{"LeakyReLU", inf, 0xbf800000, 0xff800000}, // Inf * -1
		{"ELU", 1, 0x80000000, 0x80000000},         // -0 -> -0
		{"ELU", 2, 0xff800000, 0xc0000000},         // -Inf -> -alpha
		{"ELU", 1, 0x7f800000, 0x7f800000},         // +Inf
		{"ELU", 1, 0xff800001, 0xffc00001},         // NaN quieted
		{"ELU", 1, 0x80000001, 0x80000001},         // expm1 of the smallest subnormal
		{"Softplus", 0, 0x7f800000, 0x7f800000},    // +Inf
		{"Softplus", 0, 0xff800000, 0x00000000},    // -Inf -> +0
		{"Softplus", 0, 0x41a00000, 0x41a00000},    // 20 -> 20 exactly
		{"Softplus", 0, 0x7f7fffff, 0x7f7fffff},    // MaxFloat32
		{"Softplus", 0, 0x7fa00000, 0x7fe00000},    // NaN quieted
		{"Sigmoid", 0, 0x00000000, 0x3f000000},     // +0 -> 0.5
		{"Sigmoid", 0, 0x80000000, 0x3f000000},     // -0 -> 0.5
		{"Sigmoid", 0, 0x7f800000, 0x3f800000},     // +Inf -> 1
		{"Sigmoid", 0, 0xff800000, 0x00000000},     // -Inf -> +0
		{"Sigmoid", 0, 0x7fc00001, 0x7fc00001},     // quiet NaN unchanged
		{"Sigmoid", 0, 0xc2b40000, 0x0008ec28},     // -90: subnormal e^-90, not flushed
		{"Softplus", 0, 0xc2b40000, 0x0008ec28},    // -90: subnormal, not flushed
		{"GELU", 0, 0x80000000, 0x80000000},        // -0 -> -0
		{"GELU", 0, 0x00000000, 0x00000000},        // +0 -> +0
		{"GELU", 0, 0x7f800000, 0x7f800000},        // +Inf
		{"GELU", 0, 0xff800000, 0x80000000},        // -Inf -> -0
		{"GELU", 0, 0x7fa00000, 0x7fe00000},        // NaN quieted
		{"GELU", 0, 0xff800001, 0xffc00001},        // negative NaN quieted
		{"GELU", 0, 0x7f7fffff, 0x7f7fffff},        // MaxFloat32
		{"GELU", 0, 0x40ab1ed9, 0x40ab1ed9},        // 5.3475156 and up: x exactly
		{"GELU", 0, 0xbf800000, 0xbe227686},        // -1 -> -Phi(-1)
		{"GELU", 0, 0xc1500000, 0x81d87b8a},        // -13: subnormal, not flushed
		{"GELU", 0, 0xc1600000, 0x8000004e},        // -14: subnormal, not flushed
		{"GELU", 0, 0xc1680000, 0x80000000},        // -14.5 -> -0
	}
	forEachLevel(t, func(t *testing.T) {
		for _, c := range cases {
			for _, k := range kernels {
				if k.Name != c.k {
					continue
				}
				dst := make([]float32, 1)
				k.public(dst, []float32{f32(c.x)}, c.alpha)
				if got := math.Float32bits(dst[0]); got != c.y {
					t.Errorf("%s(%#08x, alpha=%g) = %#08x, want %#08x", c.k, c.x, c.alpha, got, c.y)
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

// TestNoAllocation checks that no kernel allocates, on any path, in place
// or not, for lengths around the block and vector sizes.
func TestNoAllocation(t *testing.T) {
	x := randomBits(1000, 5)
	dst := make([]float32, len(x))
	forEachLevel(t, func(t *testing.T) {
		for _, k := range kernels {
			for _, n := range []int{1, 7, 8, 9, 17, 100, 1000} {
				for _, f := range []api.Func{k.public, k.fallback} {
					if a := testing.AllocsPerRun(10, func() { f(dst[:n], x[:n], 0.5); f(dst[:n], dst[:n], 0.5) }); a != 0 {
						t.Errorf("%s n=%d: %v allocations per call", k.Name, n, a)
					}
				}
			}
		}
	})
}
