package rectify

import (
	"github.com/rectify-go/rectify/internal/check"
	"github.com/rectify-go/rectify/internal/dispatch"
)

// A kernelFunc processes len(x) elements of equal-length slices that are
// identical or do not overlap; alpha is ignored by kernels without a
// parameter. Every kernel of every set has this signature.
type kernelFunc func(dst, x []float32, alpha float32)

// kernelID indexes a kernelSet (kernels_table.go, generated from
// internal/ir.Kernels).
type kernelID int

// A kernelSet is one dispatch level's implementation of every kernel.
type kernelSet [numKernels]kernelFunc

// sets holds every level's kernels, indexed by level; a level without
// kernels in this build holds the generic ones, and dispatch never selects
// it.
var sets = func() (t [dispatch.AVX512 + 1]*kernelSet) {
	for l := range t {
		t[l] = genericSet
	}
	for l, s := range simdSets {
		t[l] = s
	}
	return t
}()

// chunk bounds the elements one assembly call processes: an assembly loop
// cannot be preempted, so a long slice is cut into calls short enough to
// keep a garbage-collector stop-the-world pause well under a millisecond.
const chunk = 16 << 10

// run checks the arguments of kernel k and runs it on the level in use,
// chunk by chunk.
func run(k kernelID, dst, x []float32, alpha float32) {
	check.Slices(kernelNames[k], dst, x)
	f := sets[dispatch.Selected()][k]
	for len(x) > chunk {
		preemptible(f, dst[:chunk], x[:chunk], alpha)
		dst, x = dst[chunk:], x[chunk:]
	}
	f(dst, x, alpha)
}

// preemptible calls f. The assembly kernels are NOSPLIT and have no
// preemption point, and neither has the loop in run, but a Go function that
// makes a call starts with a stack check, where a goroutine that the
// garbage collector asked to stop does stop: one per chunk. Without it a
// call on 64Mi elements held a stop-the-world pause for the whole slice
// (bench's BenchmarkGCPause).
//
//go:noinline
func preemptible(f kernelFunc, dst, x []float32, alpha float32) {
	f(dst, x, alpha)
}
