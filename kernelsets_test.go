package rectify

import (
	"math"
	"slices"
	"testing"

	"github.com/rectify-go/rectify/internal/dispatch"
	"github.com/rectify-go/rectify/internal/ir"
	"github.com/rectify-go/rectify/internal/testutil"
)

// TestKernelSetsDirect calls every raw kernel of every supported assembly
// set directly, below the public cut-offs too, for every length up to four
// of the widest vectors, against guard pages at either end, out of place
// and in place, and compares it with the fallback bit for bit.
func TestKernelSetsDirect(t *testing.T) {
	const maxLen = 4*16 + 1
	src := testutil.Special()[:maxLen]
	for l, s := range simdSets {
		if !slices.Contains(dispatch.Supported(), l) {
			continue
		}
		for k, f := range s {
			name := ir.Kernels[k].Name
			for n := 0; n <= maxLen; n++ {
				for _, atStart := range []bool{false, true} {
					x, dst, free, ok := testutil.GuardedPair(src, n, atStart)
					if !ok {
						t.Skip("no guard pages on this platform")
					}
					want := make([]float32, n)
					genericSet[k](want, x, 0.3)
					f(dst, x, 0.3)
					f(x, x, 0.3)
					for i := range n {
						if math.Float32bits(dst[i]) != math.Float32bits(want[i]) || math.Float32bits(x[i]) != math.Float32bits(want[i]) {
							t.Errorf("%s/%s n=%d [%d] x=%#08x: got %#08x (in place %#08x), want %#08x", l, name, n, i,
								math.Float32bits(src[i]), math.Float32bits(dst[i]), math.Float32bits(x[i]), math.Float32bits(want[i]))
							break
						}
					}
					free()
				}
			}
		}
	}
}
