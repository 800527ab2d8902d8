//go:build !(amd64 || arm64) || purego || noasm

package rectify

import "github.com/rectify-go/rectify/internal/dispatch"

// simdSets is empty: this build has no assembly kernels.
var simdSets map[dispatch.Level]*kernelSet
