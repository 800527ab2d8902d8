//go:build arm64 && !purego && !noasm

package rectify

import (
	"math"
	"os"
	"syscall"
	"testing"
	"unsafe"

	"github.com/rectify-go/rectify/fallback"
)

// neonKernel pairs a NEON kernel with its fallback.
type neonKernel struct {
	name      string
	neon, ref func(dst, x []float32, alpha float32)
	alpha     bool
}

var neonKernels = []neonKernel{
	{"ReLU", func(d, x []float32, _ float32) { reluNEON(d, x) }, func(d, x []float32, _ float32) { fallback.ReLU(d, x) }, false},
	{"LeakyReLU", leakyReLUNEON, fallback.LeakyReLU, true},
	{"ELU", eluNEON, fallback.ELU, true},
	{"Softplus", func(d, x []float32, _ float32) { softplusNEON(d, x) }, func(d, x []float32, _ float32) { fallback.Softplus(d, x) }, false},
	{"Sigmoid", func(d, x []float32, _ float32) { sigmoidNEON(d, x) }, func(d, x []float32, _ float32) { fallback.Sigmoid(d, x) }, false},
}

func (k neonKernel) alphas() []float32 {
	if !k.alpha {
		return []float32{0}
	}
	return []float32{1, 0.01, 0.2, 10, 0, -1, float32(math.Inf(1)), float32(math.NaN()),
		math.Float32frombits(0x7fa00001), 1e-30, 3e38}
}

// neonSpecials are bit patterns every kernel must get right.
var neonSpecials = func() []uint32 {
	s := []uint32{
		0x00000000, 0x80000000, 0x7f800000, 0xff800000, // ±0, ±Inf
		0x7fc00000, 0xffc00000, 0x7fc12345, 0xffd00001, // quiet NaNs with payloads
		0x7f800001, 0xff800001, 0x7fa00000, 0xffbfffff, // signalling NaNs
		0x00000001, 0x80000001, 0x007fffff, 0x807fffff, 0x00400000, // subnormals
		0x00800000, 0x80800000, 0x7f7fffff, 0xff7fffff, // min normal, ±MaxFloat32
		0x3f800000, 0xbf800000, 0x3f000000, 0xbf000000,
	}
	// Saturation thresholds of the exponential kernels, a few ULP around.
	for _, v := range []float32{32, 88.72283, 103.97208, 104, 87.33654, 89.41599, 16.635532, 15.942385, 9.010913, 17.32868} {
		for d := int32(-3); d <= 3; d++ {
			b := uint32(int32(math.Float32bits(v)) + d)
			s = append(s, b, b|0x80000000)
		}
	}
	return s
}()

// neonCompare runs k on x into fresh buffers and reports mismatched bits.
func neonCompare(t *testing.T, k neonKernel, alpha float32, x []float32) {
	t.Helper()
	got, want := make([]float32, len(x)), make([]float32, len(x))
	k.neon(got, x, alpha)
	k.ref(want, x, alpha)
	bad := 0
	for i := range x {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			if bad++; bad <= 5 {
				t.Errorf("%s(alpha=%v) x=%#08x: neon %#08x, fallback %#08x", k.name, alpha,
					math.Float32bits(x[i]), math.Float32bits(got[i]), math.Float32bits(want[i]))
			}
		}
	}
}

// TestNEONFallback compares every NEON kernel with the fallback on the
// special values and every 65521st bit pattern, for every length 0..40 with
// canaries around dst, and in place.
func TestNEONFallback(t *testing.T) {
	var x []float32
	for _, b := range neonSpecials {
		x = append(x, math.Float32frombits(b))
	}
	for b := uint64(0); b < 1<<32; b += 65521 {
		x = append(x, math.Float32frombits(uint32(b)))
	}
	const canary = 0x7fbadbad
	for _, k := range neonKernels {
		for _, alpha := range k.alphas() {
			neonCompare(t, k, alpha, x)
			// Lengths and offsets: each run's dst sits between canaries.
			for n := 0; n <= 40; n++ {
				for off := 0; off < 4; off++ {
					src := x[off*13 : off*13+n]
					buf := make([]float32, n+8)
					for i := range buf {
						buf[i] = math.Float32frombits(canary)
					}
					dst := buf[4 : 4+n]
					k.neon(dst, src, alpha)
					want := make([]float32, n)
					k.ref(want, src, alpha)
					for i := range buf {
						g := math.Float32bits(buf[i])
						switch {
						case i < 4 || i >= 4+n:
							if g != canary {
								t.Fatalf("%s n=%d: wrote %#08x at dst[%d]", k.name, n, g, i-4)
							}
						case g != math.Float32bits(want[i-4]):
							t.Fatalf("%s(alpha=%v) n=%d off=%d i=%d x=%#08x: neon %#08x, fallback %#08x",
								k.name, alpha, n, off, i-4, math.Float32bits(src[i-4]), g, math.Float32bits(want[i-4]))
						}
					}
					// In place.
					in := append([]float32(nil), src...)
					k.neon(in, in, alpha)
					for i := range in {
						if math.Float32bits(in[i]) != math.Float32bits(want[i]) {
							t.Fatalf("%s in place n=%d i=%d: neon %#08x, fallback %#08x", k.name, n, i,
								math.Float32bits(in[i]), math.Float32bits(want[i]))
						}
					}
				}
			}
		}
	}
}

// TestNEONGuardPages puts x and dst against inaccessible pages, at the
// start and at the end of a readable page, for every length 0..40.
func TestNEONGuardPages(t *testing.T) {
	ps := os.Getpagesize()
	mem := func() []byte {
		m, err := syscall.Mmap(-1, 0, 3*ps, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
		if err != nil {
			t.Skip("mmap:", err)
		}
		t.Cleanup(func() { syscall.Munmap(m) })
		if err := syscall.Mprotect(m[:ps], syscall.PROT_NONE); err != nil {
			t.Skip("mprotect:", err)
		}
		if err := syscall.Mprotect(m[2*ps:], syscall.PROT_NONE); err != nil {
			t.Skip("mprotect:", err)
		}
		return m[ps : 2*ps]
	}
	floats := func(b []byte) []float32 {
		return unsafe.Slice((*float32)(unsafe.Pointer(&b[0])), len(b)/4)
	}
	xs, ds := floats(mem()), floats(mem())
	for i := range xs {
		xs[i] = float32(i%7) - 3.5
	}
	for _, k := range neonKernels {
		for n := 0; n <= 40; n++ {
			for _, end := range []bool{false, true} {
				x, d := xs[:n], ds[:n]
				if end {
					x, d = xs[len(xs)-n:], ds[len(ds)-n:]
				}
				k.neon(d, x, 0.5)
			}
		}
	}
}
