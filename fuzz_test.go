package rectify_test

import (
	"encoding/binary"
	"math"
	"testing"

	"github.com/rectify-go/rectify/internal/dispatch"
)

// FuzzKernels runs every kernel on every path over inputs built from the
// fuzzer's bytes (little-endian float32 bit patterns, any length, at an
// offset into the buffer; a second input from the same bytes in reverse,
// and, where the public function repeats it along x, its first element as
// the row too) and checks each against the fallback bit for bit.
func FuzzKernels(f *testing.F) {
	f.Add([]byte{0, 0, 0x80, 0xbf, 0, 0, 0xc0, 0x7f}, float32(1), uint8(0))
	f.Add([]byte{1, 0, 0, 0x80, 0xff, 0xff, 0x7f, 0x7f, 0, 0, 0x80, 0xff, 3}, float32(0.01), uint8(3))
	f.Add(make([]byte, 4*37), float32(math.Inf(1)), uint8(1))
	f.Fuzz(func(t *testing.T, data []byte, alpha float32, off uint8) {
		o := int(off % 16)
		buf := make([]float32, o+len(data)/4)
		x := buf[o:]
		for i := range x {
			x[i] = math.Float32frombits(binary.LittleEndian.Uint32(data[4*i:]))
		}
		rev := make([]float32, max(1, len(x)))
		for i, v := range x {
			rev[len(x)-1-i] = v
		}
		want := make([]float32, len(x))
		got := make([]float32, len(x))
		for _, k := range kernels {
			ys := [][]float32{k.y(rev, len(x))}
			if k.Channels > 0 {
				ys = append(ys, rev[:1])
			}
			for _, y := range ys {
				k.fallback(want, x, y, alpha)
				for _, l := range dispatch.Supported() {
					restore := dispatch.Force(l)
					k.public(got, x, y, alpha)
					restore()
					for i := range x {
						if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
							t.Fatalf("%s/%v(x[%d]=%#08x, len(y)=%d, alpha=%g) = %#08x, fallback %#08x", k.Name, l, i,
								math.Float32bits(x[i]), len(y), alpha, math.Float32bits(got[i]), math.Float32bits(want[i]))
						}
					}
				}
			}
		}
	})
}
