package rectify

import (
	"github.com/rectify-go/rectify/fallback"
	"github.com/rectify-go/rectify/internal/dispatch"
)

// kernelSet is one level's implementation of every kernel. Each function
// processes len(x) elements of equal-length, non-overlapping or identical
// slices; the SIMD ones are called on chunks of at most chunk elements.
type kernelSet struct {
	level     dispatch.Level
	relu      func(dst, x []float32)
	leakyReLU func(dst, x []float32, alpha float32)
	elu       func(dst, x []float32, alpha float32)
	softplus  func(dst, x []float32)
	sigmoid   func(dst, x []float32)
}

var genericSet = kernelSet{
	level:     dispatch.Generic,
	relu:      fallback.ReLU,
	leakyReLU: fallback.LeakyReLU,
	elu:       fallback.ELU,
	softplus:  fallback.Softplus,
	sigmoid:   fallback.Sigmoid,
}

// sets holds every level's kernels, indexed by level; a level without
// kernels in this build holds the generic ones, and dispatch never selects it.
var sets = func() (t [dispatch.AVX512 + 1]kernelSet) {
	for l := range t {
		t[l] = genericSet
	}
	for _, s := range simdSets {
		t[s.level] = s
	}
	return t
}()

// active returns the kernel set of the level in use.
func active() *kernelSet { return &sets[dispatch.Selected()] }

// chunk bounds the elements one assembly call processes: an assembly loop
// cannot be preempted, so a long slice is cut into calls short enough to
// keep a garbage-collector stop-the-world pause well under a millisecond.
const chunk = 16 << 10

// Below these lengths the public functions call the Go kernel directly:
// for so few elements the assembly call costs more than SIMD saves
// (measured on AVX2 and AVX-512 with the Tiny sizes of bench/: the exp
// kernels win from 3 elements, ReLU and LeakyReLU from 8).
const (
	cutoffSimple = 8 // ReLU and LeakyReLU
	cutoffExp    = 3 // ELU, Softplus and Sigmoid
)

// simple reports whether n elements go straight to the Go kernel: too few
// for SIMD to pay for its call (cutoff), or no SIMD kernels in use.
func simple(n, cutoff int) bool {
	return n < cutoff || dispatch.Selected() == dispatch.Generic
}

// run calls the assembly kernel f on x chunk by chunk.
func run(f func(dst, x []float32), dst, x []float32) {
	for len(x) > chunk {
		f(dst[:chunk], x[:chunk])
		dst, x = dst[chunk:], x[chunk:]
	}
	f(dst, x)
}

// runAlpha is run for the kernels with a parameter.
func runAlpha(f func(dst, x []float32, alpha float32), dst, x []float32, alpha float32) {
	for len(x) > chunk {
		f(dst[:chunk], x[:chunk], alpha)
		dst, x = dst[chunk:], x[chunk:]
	}
	f(dst, x, alpha)
}
