//go:build !amd64 || purego || noasm

package rectify

import (
	"github.com/rectify-go/rectify/internal/dispatch"
	"github.com/rectify-go/rectify/internal/noisy"
)

// noisyBulk is empty: NoisyReLU runs its noise in Go on this build.
var noisyBulk [dispatch.AVX512 + 1]noisy.Bulk
