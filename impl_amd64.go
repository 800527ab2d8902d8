//go:build !purego && !noasm

package rectify

// simdSets lists the assembly kernel sets of this architecture; dispatch
// picks among those the CPU supports.
var simdSets []kernelSet
