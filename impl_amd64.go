//go:build !purego && !noasm

package rectify

import "github.com/rectify-go/rectify/internal/dispatch"

// short is the AVX-512 vector length in float32 elements.
const short = 16

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
//
// The AVX-512 set runs the AVX2 kernels on slices shorter than one ZMM
// vector: their k-masked 64-byte loads stall for tens of nanoseconds when
// they overlap a store still in flight (a dst written just before, next to
// x), while the AVX2 tail costs a few. The two give the same bits.
var simdSets = []kernelSet{
	{
		level: dispatch.AVX512,
		relu: func(dst, x []float32) {
			if len(x) < short {
				reluAVX2(dst, x)
				return
			}
			reluAVX512(dst, x)
		},
		leakyReLU: func(dst, x []float32, alpha float32) {
			if len(x) < short {
				leakyReLUAVX2(dst, x, alpha)
				return
			}
			leakyReLUAVX512(dst, x, alpha)
		},
		elu: func(dst, x []float32, alpha float32) {
			if len(x) < short {
				eluAVX2(dst, x, alpha)
				return
			}
			eluAVX512(dst, x, alpha)
		},
		softplus: func(dst, x []float32) {
			if len(x) < short {
				softplusAVX2(dst, x)
				return
			}
			softplusAVX512(dst, x)
		},
		sigmoid: func(dst, x []float32) {
			if len(x) < short {
				sigmoidAVX2(dst, x)
				return
			}
			sigmoidAVX512(dst, x)
		},
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
