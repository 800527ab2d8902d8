//go:build !(amd64 || arm64) || purego || noasm

package rectify

import (
	"github.com/rectify-go/rectify/fallback"
	"github.com/rectify-go/rectify/internal/dispatch"
)

// simdSets and streamSets are empty: this build has no assembly kernels.
var simdSets, streamSets map[dispatch.Level]*kernelSet

// call2 runs two-input kernel k in pure Go: this build has no assembly
// kernels.
//
//go:noinline
func call2(_ dispatch.Level, k kernelID, dst, x, y []float32, alpha float32) {
	generic2(k, dst, x, y, alpha)
}

// callStream2 reports false: this build has no streaming kernels.
func callStream2(dispatch.Level, kernelID, []float32, []float32, []float32, float32) bool {
	return false
}

// rowSets, rowBlockSets and colSets are empty: this build has no
// assembly row passes.
var (
	rowSets      map[dispatch.Level]fallback.RowPasses
	rowBlockSets map[dispatch.Level]*fallback.RowBlockPasses
	colSets      map[dispatch.Level]*fallback.ColPasses
)
