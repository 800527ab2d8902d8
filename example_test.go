package rectify_test

import (
	"fmt"
	"math"

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

func ExamplePReLU() {
	// Two rows of three channels, channels last: one slope per channel.
	x := []float32{-2, -2, -2, 1, -4, 0}
	slope := []float32{0.1, 0.5, -1}
	y := make([]float32, len(x))
	rectify.PReLU(y, x, slope)
	fmt.Println(y)
	// Output: [-0.2 -1 2 1 -2 0]
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

func ExampleSELU() {
	x := []float32{-10, -1, 0, 2}
	y := make([]float32, len(x))
	rectify.SELU(y, x)
	fmt.Println(y)
	// Output: [-1.7580196 -1.1113307 0 2.101402]
}

func ExampleTanh() {
	x := []float32{-10, -0.5, 0, 1}
	y := make([]float32, len(x))
	rectify.Tanh(y, x)
	fmt.Println(y)
	// Output: [-1 -0.46211717 0 0.7615942]
}

func ExampleSiLU() {
	x := []float32{-100, -1, 0, 1, 20}
	y := make([]float32, len(x))
	rectify.SiLU(y, x)
	fmt.Println(y)
	// Output: [-3.72e-42 -0.26894143 0 0.7310586 20]
}

func ExampleGELUTanh() {
	x := []float32{-3, -1, 0, 1, 3}
	y := make([]float32, len(x))
	rectify.GELUTanh(y, x)
	fmt.Println(y)
	// Output: [-0.003637392 -0.15880801 0 0.841192 2.9963627]
}

func ExampleExp() {
	x := []float32{-100, -1, 0, 1, 89}
	y := make([]float32, len(x))
	rectify.Exp(y, x)
	fmt.Println(y)
	// Output: [3.8e-44 0.36787945 1 2.7182817 +Inf]
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

func ExampleSoftmax() {
	// Two rows of three logits; -Inf masks an entry out.
	x := []float32{1, 2, 3, 0, float32(math.Inf(-1)), 0}
	y := make([]float32, len(x))
	rectify.Softmax(y, x, 3)
	fmt.Println(y)
	// Output: [0.09003057 0.24472848 0.66524094 0.5 0 0.5]
}

func ExampleLogSoftmax() {
	x := []float32{1, 2, 3}
	y := make([]float32, len(x))
	rectify.LogSoftmax(y, x, len(x))
	fmt.Println(y)
	// Output: [-2.407606 -1.407606 -0.40760598]
}

func ExampleLogSumExp() {
	// One value per row; no overflow where e^x would.
	x := []float32{1, 2, 3, 1000, 1000, -1000}
	y := make([]float32, 2)
	rectify.LogSumExp(y, x, 3)
	fmt.Println(y)
	// Output: [3.407606 1000.6932]
}

func ExampleSoftmaxGrad() {
	// The forward output y of one row, and the gradient of a loss with
	// respect to it.
	y := []float32{0.25, 0.25, 0.5}
	dy := []float32{1, 0, 0}
	dx := make([]float32, len(y))
	rectify.SoftmaxGrad(dx, y, dy, len(y)) // dx = y * (dy - sum(dy*y))
	fmt.Println(dx)
	// Output: [0.1875 -0.0625 -0.125]
}

func ExampleLogSoftmaxGrad() {
	// The forward output y (log-probabilities) of one row; dy of a
	// negative log-likelihood of class 0.
	y := []float32{float32(math.Log(0.25)), float32(math.Log(0.25)), float32(math.Log(0.5))}
	dy := []float32{-1, 0, 0}
	dx := make([]float32, len(y))
	rectify.LogSoftmaxGrad(dx, y, dy, len(y)) // dx = dy - exp(y) * sum(dy)
	fmt.Println(dx)
	// Output: [-0.75 0.25 0.5]
}

func ExampleLogSumExpGrad() {
	// Two rows of three logits and the gradient of a loss with respect to
	// each row's LogSumExp: dx = dy * softmax(x), row by row.
	x := []float32{1, 2, 3, 0, float32(math.Inf(-1)), 0}
	dy := []float32{2, -1}
	dx := make([]float32, len(x))
	rectify.LogSumExpGrad(dx, x, dy, 3)
	fmt.Println(dx)
	// Output: [0.18006115 0.48945695 1.3304819 -0.5 -0 -0.5]
}
