package rectify_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestFastSequences checks, for every kernel with a fast sequence
// (ir.Program.Fast), every path against the fallback on inputs where the
// main loops take it: values of magnitude up to FastBound (the bound
// itself, zeros, subnormals), with values just outside the range, NaNs
// and infinities in a few places, so that the loops switch between the
// fast and the full sequence, at several lengths and offsets and in place;
// a gradient's dy holds values of every scale, and NaNs, infinities and
// zeros, which its fast sequence handles as the full one does or leaves
// to it (FastYMin, FastYMax: the range's ends and values just outside),
// and alpha the ends of FastAlphaMin and FastAlphaMax's range.
func TestFastSequences(t *testing.T) {
	const n = 4096
	r := rand.New(rand.NewPCG(3, 4))
	forEachLevel(t, func(t *testing.T) {
		for _, k := range kernels {
			if k.Fast == nil {
				continue
			}
			b := min(k.FastBound, math.MaxFloat32) // +Inf: every input (FastFinite)
			x := make([]float32, n)
			for i := range x {
				switch i % 7 {
				case 0:
					x[i] = math.Float32frombits(r.Uint32N(1 << 23)) // subnormal
				case 1:
					x[i] = b
				default:
					x[i] = b * float32(r.Float64())
				}
				if r.IntN(2) == 0 {
					x[i] = -x[i]
				}
			}
			outside := []float32{math.Nextafter32(b, 2*b), -math.Nextafter32(b, 2*b), 2 * b, float32(math.NaN()),
				float32(math.Inf(1)), float32(math.Inf(-1)), math.Float32frombits(0xffa01234)}
			for j, v := range outside {
				x[100*j+j*j] = v // in few of the loops' groups
			}
			dy := make([]float32, n)
			for i := range dy {
				dy[i] = float32(r.NormFloat64() * math.Pow(10, float64(r.IntN(70)-35)))
			}
			for j, v := range []float32{float32(math.NaN()), float32(math.Inf(-1)), 0, float32(math.Copysign(0, -1)), 0x1p-149} {
				dy[50+150*j] = v
			}
			if k.FastYMax > 0 { // dy at the ends of its range and just outside
				for j, v := range []float32{k.FastYMin, -k.FastYMax, math.Nextafter32(k.FastYMin, 0), -math.Nextafter32(k.FastYMax, 2*k.FastYMax)} {
					dy[700+300*j] = v
				}
			}
			alphas := k.alphas()
			if k.FastAlphaMax > 0 { // alpha at the ends of its range
				alphas = append(alphas, k.FastAlphaMin, -k.FastAlphaMax)
			}
			if k.FastFinite {
				// The smallest alphas, with an infinite dy at -FastBound
				// (in a group that the fast sequence takes), where
				// ELUGrad's alpha*e^x is smallest: no zero there, so no
				// NaN that only the full sequence's rule settles.
				alphas = append(alphas, 0x1p-149, -0x1p-149)
				x[3000], dy[3000] = -b, float32(math.Inf(1))
			}
			dy = k.y(dy, n)
			got, want := make([]float32, n), make([]float32, n)
			for _, a := range alphas {
				for _, span := range [][2]int{{0, n}, {1, n}, {3, 1000}, {64, 131}, {17, 17}} {
					lo, hi := span[0], span[1]
					what := fmt.Sprintf("%s(alpha=%g) on x[%d:%d]", k.Name, a, lo, hi)
					var y []float32
					if dy != nil {
						y = dy[lo:hi]
					}
					k.public(got[lo:hi], x[lo:hi], y, a)
					k.fallback(want[lo:hi], x[lo:hi], y, a)
					sameBits(t, what, x[lo:hi], got[lo:hi], want[lo:hi])
					copy(got, x)
					k.public(got[lo:hi], got[lo:hi], y, a)
					sameBits(t, what+" in place", x[lo:hi], got[lo:hi], want[lo:hi])
				}
			}
		}
	})
}
