//go:build !(amd64 || arm64) || purego || noasm

package rectify

import (
	"github.com/rectify-go/rectify/fallback"
	"github.com/rectify-go/rectify/internal/dispatch"
	"github.com/rectify-go/rectify/kernels"
)

// call runs kernel k in pure Go: this build has no assembly kernels. Not
// inlined, it is a preemption point per call, as on the other builds.
//
//go:noinline
func call(_ dispatch.Level, k kernelID, dst, x, y []float32, alpha float32) {
	generic(k, dst, x, y, alpha)
}

// callStream reports false: this build has no streaming kernels.
func callStream(dispatch.Level, kernelID, []float32, []float32, []float32, float32) bool {
	return false
}

// rowSets, rowBlockSets and colSets are empty: this build has no
// assembly row passes.
var (
	rowSets      map[dispatch.Level]fallback.RowPasses
	rowBlockSets map[dispatch.Level]*fallback.RowBlockPasses
	colSets      map[dispatch.Level]*fallback.ColPasses
)

// callBlock panics: this build has no multi-row passes (rowBlockSets).
func callBlock(l dispatch.Level, _ blockPass, _, _, _ []float32, _ *kernels.Row, _ int) {
	panic("rectify: no multi-row pass at " + l.String())
}
