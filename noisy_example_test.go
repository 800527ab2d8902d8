package rectify_test

import (
	"fmt"
	"slices"

	"github.com/rectify-go/rectify"
)

func ExampleNoisyReLU() {
	x := []float32{-100, -1, 0, 0.5, 2, 100}
	y := make([]float32, len(x))
	// One training step: the noise of element i depends only on (seed, offset+i).
	const seed = 2024
	rectify.NoisyReLU(y, x, seed, 0)
	fmt.Println(y[0], y[5] > 95 && y[5] < 105)

	// The same seed and offsets give the same bits, however the slice is split.
	z := make([]float32, len(x))
	rectify.NoisyReLU(z[:4], x[:4], seed, 0)
	rectify.NoisyReLU(z[4:], x[4:], seed, 4)
	fmt.Println(slices.Equal(y, z))

	// Another step: a new seed (or offsets past those already used).
	rectify.NoisyReLU(z, x, seed+1, 0)
	fmt.Println(slices.Equal(y, z))
	// Output:
	// 0 true
	// true
	// false
}
