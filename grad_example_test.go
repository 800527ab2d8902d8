package rectify_test

import (
	"fmt"

	"github.com/rectify-go/rectify"
)

func ExampleReLUGrad() {
	x := []float32{-2, 0, 0.5, 3}
	dy := []float32{1, 1, 1, -2}
	dx := make([]float32, len(x))
	rectify.ReLUGrad(dx, x, dy)
	fmt.Println(dx)
	// Output: [0 0 1 -2]
}

func ExampleLeakyReLUGrad() {
	x := []float32{-2, 0, 0.5, 3}
	dy := []float32{1, 1, 1, -2}
	rectify.LeakyReLUGrad(dy, x, dy, 0.1) // in place, over dy
	fmt.Println(dy)
	// Output: [0.1 0.1 1 -2]
}

func ExampleSigmoidGrad() {
	// Forward y = Sigmoid(x); backward dx = dy * y(1-y), from x.
	x := []float32{-4, 0, 1, 4}
	dy := []float32{1, 1, 2, 1}
	dx := make([]float32, len(x))
	rectify.SigmoidGrad(dx, x, dy)
	fmt.Println(dx)
	// Output: [0.017662706 0.25 0.39322385 0.017662706]
}

func ExampleTanhGrad() {
	x := []float32{-1, 0, 0.5, 10}
	dy := []float32{1, 1, 1, 1}
	dx := make([]float32, len(x))
	rectify.TanhGrad(dx, x, dy)
	fmt.Println(dx)
	// Output: [0.41997433 1 0.7864477 8.244615e-09]
}

func ExampleSiLUGrad() {
	x := []float32{-4, -1.2785, 0, 2}
	dy := []float32{1, 1, 1, 1}
	dx := make([]float32, len(x))
	rectify.SiLUGrad(dx, x, dy)
	fmt.Println(dx)
	// Output: [-0.052664615 -7.714301e-06 0.5 1.0907842]
}

func ExampleELUGrad() {
	x := []float32{-2, 0, 0.5}
	dy := []float32{1, 1, 3}
	dx := make([]float32, len(x))
	rectify.ELUGrad(dx, x, dy, 1)
	fmt.Println(dx)
	// Output: [0.13533528 1 3]
}

func ExampleSELUGrad() {
	x := []float32{-2, 0, 0.5}
	dy := []float32{1, 1, 1}
	dx := make([]float32, len(x))
	rectify.SELUGrad(dx, x, dy)
	fmt.Println(dx)
	// Output: [0.23793288 1.7580993 1.050701]
}

func ExampleSoftplusGrad() {
	x := []float32{-2, 0, 3}
	dy := []float32{1, 1, 1}
	dx := make([]float32, len(x))
	rectify.SoftplusGrad(dx, x, dy)
	fmt.Println(dx)
	// Output: [0.11920292 0.5 0.95257413]
}

func ExampleGELUTanhGrad() {
	x := []float32{-3, -1, 0, 1}
	dy := []float32{1, 1, 1, 1}
	dx := make([]float32, len(x))
	rectify.GELUTanhGrad(dx, x, dy)
	fmt.Println(dx)
	// Output: [-0.011584166 -0.082964085 0.5 1.0829641]
}

func ExampleGELUGrad() {
	x := []float32{-3, -1, 0, 1}
	dy := []float32{1, 1, 1, 1}
	dx := make([]float32, len(x))
	rectify.GELUGrad(dx, x, dy)
	fmt.Println(dx)
	// Output: [-0.011945647 -0.08331547 0.5 1.0833155]
}

func ExamplePReLUGrad() {
	// Two rows of two channels; slope holds one slope per channel.
	x := []float32{-1, 2, -3, 4}
	dy := []float32{1, 1, 0.5, 1}
	slope := []float32{0.25, 0.5}
	dx := make([]float32, len(x))
	dslope := make([]float32, len(slope))
	rectify.PReLUGrad(dx, dslope, x, dy, slope)
	fmt.Println(dx, dslope)
	// Output: [0.25 1 0.125 1] [-2.5 0]
}

func ExampleExpGrad() {
	x := []float32{-1, 0, 1, 2}
	dy := []float32{1, 1, 1, 0.5}
	dx := make([]float32, len(x))
	rectify.ExpGrad(dx, x, dy)
	fmt.Println(dx)
	// Output: [0.36787945 1 2.7182817 3.694528]
}
