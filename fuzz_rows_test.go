package rectify_test

import (
	"encoding/binary"
	"math"
	"testing"

	"github.com/rectify-go/rectify"
	"github.com/rectify-go/rectify/fallback"
	"github.com/rectify-go/rectify/internal/dispatch"
)

// FuzzRows runs every row kernel and row gradient on every path over rows
// built from the fuzzer's bytes (little-endian float32 bit patterns, the
// row length from cols, any rows past the last whole one left out; the
// gradients' second input from the same bytes in reverse, scaled by a
// power of two from scale) and checks each against the pure-Go kernel bit
// for bit, out of place and in place (dst over x; dx over y and over dy).
func FuzzRows(f *testing.F) {
	f.Add([]byte{0, 0, 0x80, 0xbf, 0, 0, 0xc0, 0x7f, 0, 0, 0x80, 0x3f}, uint16(1), int8(0))
	f.Add([]byte{1, 0, 0, 0x80, 0xff, 0xff, 0x7f, 0x7f, 0, 0, 0x80, 0xff, 0, 0, 0x20, 0x41}, uint16(2), int8(-3))
	f.Add(make([]byte, 4*37), uint16(37), int8(0))
	// A row of 10, y = x = (-2^-30, 0, ..., 0, -1) and dy its reverse: dy[0] - e^y[0]*sum(dy)
	// cancels to about -2^-60, which sends LogSoftmaxGrad to its float-float pass.
	f.Add([]byte{
		0x00, 0x00, 0x80, 0xb0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x00, 0x80, 0xbf,
	}, uint16(10), int8(0))
	f.Fuzz(func(t *testing.T, data []byte, c uint16, scale int8) {
		n := len(data) / 4
		if n == 0 {
			return
		}
		cols := 1 + int(c)%n
		n -= n % cols
		x, dy := make([]float32, n), make([]float32, n)
		for i := range x {
			x[i] = math.Float32frombits(binary.LittleEndian.Uint32(data[4*i:]))
		}
		for i, v := range x {
			dy[n-1-i] = float32(math.Ldexp(float64(v), int(scale)%40))
		}
		rows := n / cols
		type kernel struct {
			name         string
			public, fall func(dst, x, y []float32, cols int)
			out, place   int // dst's length (n or rows); the inputs dst may be (1: x, 2: x or y)
		}
		fwd := func(f func(dst, x []float32, cols int)) func(dst, x, _ []float32, cols int) {
			return func(dst, x, _ []float32, cols int) { f(dst, x, cols) }
		}
		lseGrad := func(f func(dx, x, dy []float32, cols int)) func(dst, x, y []float32, cols int) {
			return func(dst, x, y []float32, cols int) { f(dst, x, y[:rows], cols) }
		}
		for _, k := range []kernel{
			{"Softmax", fwd(rectify.Softmax), fwd(fallback.Softmax), n, 1},
			{"LogSoftmax", fwd(rectify.LogSoftmax), fwd(fallback.LogSoftmax), n, 1},
			{"LogSumExp", fwd(rectify.LogSumExp), fwd(fallback.LogSumExp), rows, 0},
			{"SoftmaxGrad", rectify.SoftmaxGrad, fallback.SoftmaxGrad, n, 2},
			{"LogSoftmaxGrad", rectify.LogSoftmaxGrad, fallback.LogSoftmaxGrad, n, 2},
			{"LogSumExpGrad", lseGrad(rectify.LogSumExpGrad), lseGrad(fallback.LogSumExpGrad), n, 1},
		} {
			want := make([]float32, k.out)
			k.fall(want, x, dy, cols)
			for _, l := range dispatch.Supported() {
				restore := dispatch.Force(l)
				for place := 0; place <= k.place; place++ {
					got := make([]float32, k.out)
					a, b := x, dy
					switch place {
					case 1:
						copy(got, x)
						a = got
					case 2:
						copy(got, dy)
						b = got
					}
					k.public(got, a, b, cols)
					for i := range got {
						if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
							restore()
							t.Fatalf("%s/%v (%d rows of %d, in place %d): [%d] = %#08x, fallback %#08x",
								k.name, l, rows, cols, place, i, math.Float32bits(got[i]), math.Float32bits(want[i]))
						}
					}
				}
				restore()
			}
		}
	})
}
