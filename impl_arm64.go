//go:build !purego && !noasm

package rectify

import "github.com/rectify-go/rectify/internal/dispatch"

// simdSets lists the assembly kernel sets of this architecture; dispatch
// picks among those the CPU supports. The NEON kernels are generated into
// kernels_arm64.s by internal/asmgen/neon.
var simdSets = []kernelSet{{
	level:     dispatch.NEON,
	relu:      reluNEON,
	leakyReLU: leakyReLUNEON,
	elu:       eluNEON,
	softplus:  softplusNEON,
	sigmoid:   sigmoidNEON,
}}
