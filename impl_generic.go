//go:build !(amd64 || arm64) || purego || noasm

package rectify

// simdSets is empty: this build has no assembly kernels.
var simdSets []kernelSet
