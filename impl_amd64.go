//go:build !purego && !noasm

package rectify

import "github.com/rectify-go/rectify/internal/dispatch"

// simdSets lists the assembly kernel sets of this architecture; dispatch
// picks among those the CPU supports. The kernels are generated into
// kernels_amd64.s by internal/asmgen/x86.
//
// Each kernel is called through a Go function literal: the assembly is
// NOSPLIT and has no preemption point, and neither has the loop in run that
// calls it chunk by chunk, but a Go function that makes a call starts with
// a stack check, where a goroutine that the garbage collector asked to stop
// does stop. Without it a 64Mi-element ELU held a stop-the-world pause for
// the whole slice (BenchmarkGCPauseELU64Mi).
var simdSets = []kernelSet{
	{
		level:     dispatch.AVX512,
		relu:      func(dst, x []float32) { reluAVX512(dst, x) },
		leakyReLU: func(dst, x []float32, alpha float32) { leakyReLUAVX512(dst, x, alpha) },
		elu:       func(dst, x []float32, alpha float32) { eluAVX512(dst, x, alpha) },
		softplus:  func(dst, x []float32) { softplusAVX512(dst, x) },
		sigmoid:   func(dst, x []float32) { sigmoidAVX512(dst, x) },
	},
	{
		level:     dispatch.AVX2,
		relu:      func(dst, x []float32) { reluAVX2(dst, x) },
		leakyReLU: func(dst, x []float32, alpha float32) { leakyReLUAVX2(dst, x, alpha) },
		elu:       func(dst, x []float32, alpha float32) { eluAVX2(dst, x, alpha) },
		softplus:  func(dst, x []float32) { softplusAVX2(dst, x) },
		sigmoid:   func(dst, x []float32) { sigmoidAVX2(dst, x) },
	},
}
