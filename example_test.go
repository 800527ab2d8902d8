package rectify_test

import (
	"fmt"

	"github.com/rectify-go/rectify"
)

func ExampleReLU() {
	x := []float32{-2, -0.5, 0, 1.5}
	rectify.ReLU(x, x) // in place
	fmt.Println(x)
	// Output: [0 0 0 1.5]
}

func ExampleLeakyReLU() {
	x := []float32{-2, -0.5, 0, 1.5}
	y := make([]float32, len(x))
	rectify.LeakyReLU(y, x, 0.1)
	fmt.Println(y)
	// Output: [-0.2 -0.05 0 1.5]
}

func ExampleELU() {
	x := []float32{-10, -1, 0, 2}
	y := make([]float32, len(x))
	rectify.ELU(y, x, 1)
	fmt.Println(y)
	// Output: [-0.9999546 -0.63212055 0 2]
}

func ExampleSoftplus() {
	x := []float32{-100, -1, 0, 1, 100}
	y := make([]float32, len(x))
	rectify.Softplus(y, x)
	fmt.Println(y)
	// Output: [3.8e-44 0.3132617 0.6931472 1.3132616 100]
}

func ExampleSigmoid() {
	x := []float32{-90, -1, 0, 1, 20}
	y := make([]float32, len(x))
	rectify.Sigmoid(y, x)
	fmt.Println(y)
	// Output: [8.19401e-40 0.26894143 0.5 0.7310586 1]
}

func ExampleGELU() {
	x := []float32{-14, -3, -1, 0, 1, 3, 6}
	y := make([]float32, len(x))
	rectify.GELU(y, x)
	fmt.Println(y)
	// Output: [-1.1e-43 -0.004049694 -0.15865526 0 0.8413448 2.9959502 6]
}

func ExampleImplementation() {
	switch rectify.Implementation() {
	case "avx512", "avx2", "neon", "generic":
		fmt.Println("a known kernel set")
	}
	// Output: a known kernel set
}
