package rectify

import (
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
)

// TestConcurrentCalls runs the functions that keep per-call state (the
// row kernels' pooled state, the stack buffers of NoisyReLU and PReLU,
// PReLUGrad's sums) from several goroutines at once, each on its own
// data, and checks every result against the same call made alone: state
// shared between calls would mix them up.
func TestConcurrentCalls(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	const workers = 8
	var jobs [workers]func() []float32
	for g := range jobs {
		cols := []int{16, 100, 4099}[g%3]
		x := rowInputs("wide", 8, cols, r)
		y, dy := make([]float32, len(x)), rowInputs("unit", 8, cols, r)
		Softmax(y, x, cols)
		slope := rowInputs("unit", 1, cols, r)
		seed := r.Uint64()
		jobs[g] = func() []float32 {
			out := make([]float32, 0, 8*len(x)+4*cols)
			d := make([]float32, len(x))
			Softmax(d, x, cols)
			out = append(out, d...)
			LogSoftmax(d, x, cols)
			out = append(out, d...)
			LogSumExp(d[:8], x, cols)
			out = append(out, d[:8]...)
			SoftmaxGrad(d, y, dy, cols)
			out = append(out, d...)
			LogSoftmaxGrad(d, y, dy, cols)
			out = append(out, d...)
			LogSumExpGrad(d, x, dy[:8], cols)
			out = append(out, d...)
			NoisyReLU(d, x, seed, 7)
			out = append(out, d...)
			PReLU(d, x, slope)
			out = append(out, d...)
			ds := make([]float32, cols)
			PReLUGrad(d, ds, x, dy, slope)
			return append(append(out, d...), ds...)
		}
	}
	var want [workers][]float32
	for g, job := range jobs {
		want[g] = job()
	}
	var wg sync.WaitGroup
	for g, job := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 20 {
				if got := job(); !slices.EqualFunc(got, want[g], func(a, b float32) bool { return math.Float32bits(a) == math.Float32bits(b) }) {
					t.Errorf("worker %d: a concurrent call differs from the same call alone", g)
					return
				}
			}
		}()
	}
	wg.Wait()
}
