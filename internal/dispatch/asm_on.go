//go:build (amd64 || arm64) && !purego && !noasm

package dispatch

// asmEnabled reports whether this build links rectify's assembly kernels.
const asmEnabled = true
