package rectify

import (
	"math"
	"slices"
	"testing"

	"github.com/rectify-go/rectify/internal/dispatch"
	"github.com/rectify-go/rectify/internal/ir"
	"github.com/rectify-go/rectify/internal/testutil"
)

// callKernel runs kernel k of level l on slices of one length, through its
// set's table (one input) or call2 (two inputs: y).
func callKernel(l dispatch.Level, k kernelID, dst, x, y []float32, alpha float32) {
	if f := sets[l][k]; f != nil {
		f(dst, x, alpha)
		return
	}
	call2(l, k, dst, x, y, alpha)
}

// TestKernelSetsDirect calls every raw kernel of every supported assembly
// set directly, below the public cut-offs too, for every length up to four
// of the widest vectors, against guard pages at either end (a second input
// at the end where x is at the start, and the other way round), out of
// place and in place (dst == x, and dst == y for two inputs), and compares
// it with the fallback bit for bit.
func TestKernelSetsDirect(t *testing.T) {
	const maxLen = 4*16 + 1
	src := testutil.Special()[:maxLen]
	ys := testutil.Second(maxLen, 7)
	for l := range simdSets {
		if !slices.Contains(dispatch.Supported(), l) {
			continue
		}
		for i, k := range ir.Kernels {
			id := kernelID(i)
			for n := 0; n <= maxLen; n++ {
				for _, atStart := range []bool{false, true} {
					x, dst, free, ok := testutil.GuardedPair(src, n, atStart)
					if !ok {
						t.Skip("no guard pages on this platform")
					}
					var y []float32
					freeY := func() {}
					if k.Inputs() == 2 {
						y, freeY, _ = testutil.Guarded(n, !atStart)
						copy(y, ys)
					}
					want := make([]float32, n)
					callKernel(dispatch.Generic, id, want, x, y, 0.3)
					callKernel(l, id, dst, x, y, 0.3)
					check := func(what string, got []float32) {
						t.Helper()
						for i := range n {
							if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
								t.Errorf("%s/%s n=%d %s [%d] x=%#08x: got %#08x, want %#08x", l, k.Name, n, what, i,
									math.Float32bits(src[i]), math.Float32bits(got[i]), math.Float32bits(want[i]))
								break
							}
						}
					}
					check("out of place", dst)
					if y != nil {
						callKernel(l, id, y, x, y, 0.3)
						check("dst == y", y)
						copy(y, ys)
					}
					callKernel(l, id, x, x, y, 0.3)
					check("dst == x", x)
					free()
					freeY()
				}
			}
		}
	}
}
