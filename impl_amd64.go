//go:build !purego && !noasm

package rectify

import "github.com/rectify-go/rectify/internal/dispatch"

// simdSets lists the assembly kernel sets of this architecture; dispatch
// picks among those the CPU supports. The kernels are generated into
// kernels_amd64.s by internal/asmgen/x86.
var simdSets = []kernelSet{
	{
		level:     dispatch.AVX512,
		relu:      reluAVX512,
		leakyReLU: leakyReLUAVX512,
		elu:       eluAVX512,
		softplus:  softplusAVX512,
		sigmoid:   sigmoidAVX512,
	},
	{
		level:     dispatch.AVX2,
		relu:      reluAVX2,
		leakyReLU: leakyReLUAVX2,
		elu:       eluAVX2,
		softplus:  softplusAVX2,
		sigmoid:   sigmoidAVX2,
	},
}
