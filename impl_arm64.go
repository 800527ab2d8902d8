//go:build !purego && !noasm

package rectify

import "github.com/rectify-go/rectify/internal/dispatch"

// simdSets lists the assembly kernel sets of this architecture; dispatch
// picks among those the CPU supports. The NEON kernels are generated into
// kernels_arm64.s by internal/asmgen/neon.
//
// Each kernel is called through a Go function literal, whose stack check
// is a point where a goroutine that the garbage collector asked to stop
// does stop: the assembly and the chunk loop in run have none (see
// impl_amd64.go).
var simdSets = []kernelSet{{
	level:     dispatch.NEON,
	relu:      func(dst, x []float32) { reluNEON(dst, x) },
	leakyReLU: func(dst, x []float32, alpha float32) { leakyReLUNEON(dst, x, alpha) },
	elu:       func(dst, x []float32, alpha float32) { eluNEON(dst, x, alpha) },
	softplus:  func(dst, x []float32) { softplusNEON(dst, x) },
	sigmoid:   func(dst, x []float32) { sigmoidNEON(dst, x) },
}}
