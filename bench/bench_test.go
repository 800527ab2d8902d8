// Package bench holds rectify's comparative benchmarks: every kernel on
// every path this CPU supports, beside the naive Go loop, the pure-Go
// fallback called directly, and copy() of the same bytes.
//
// Names are Kernel/path/n=size and Copy/n=size, where path is a dispatch
// level (avx512, avx2, neon, generic: the public function with that level
// forced, so chunking and cut-offs count), "fallback" (package fallback
// called directly) or "naive" (the loop a user writes with package math).
// Each result reports 8 bytes per element (4 read, 4 written).
//
//	go test ./bench -run '^$' -bench 'ELU/.*/n=4Ki' -count 6 > /tmp/x.txt
//	go test ./bench -run '^$' -bench . -sizes tiny,4Ki
//	go run ./bench/cmd/table          # the Markdown table of `make bench`
//
// Sizes come from -sizes or RECTIFY_BENCH_SIZES: a comma-separated list of
// sizes (7, 4Ki, 16Mi) and sets (tiny = 1..32, large = 1Ki..16Mi, default,
// all); the default is all.
package bench

import (
	"flag"
	"math"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/rectify-go/rectify"
	"github.com/rectify-go/rectify/bench/internal/report"
	"github.com/rectify-go/rectify/fallback"
	"github.com/rectify-go/rectify/internal/dispatch"
)

var sizesFlag = flag.String("sizes", "", "sizes to benchmark: e.g. 1,4Ki,16Mi or tiny,large,default,all (default $RECTIFY_BENCH_SIZES, else all)")

// Alpha values of the benchmarks.
const (
	eluAlpha   = 1
	leakyAlpha = 0.01
)

// kernel is one benchmarked kernel, its alpha (if any) bound in.
type kernel struct {
	name     string
	public   func(dst, x []float32) // package rectify
	fallback func(dst, x []float32) // package fallback
	naive    func(dst, x []float32) // the loop a user writes today
}

func BenchmarkReLU(b *testing.B) {
	benchKernel(b, kernel{"ReLU", rectify.ReLU, fallback.ReLU, naiveReLU})
}

func BenchmarkLeakyReLU(b *testing.B) {
	benchKernel(b, kernel{"LeakyReLU",
		func(dst, x []float32) { rectify.LeakyReLU(dst, x, leakyAlpha) },
		func(dst, x []float32) { fallback.LeakyReLU(dst, x, leakyAlpha) },
		func(dst, x []float32) { naiveLeakyReLU(dst, x, leakyAlpha) }})
}

func BenchmarkELU(b *testing.B) {
	benchKernel(b, kernel{"ELU",
		func(dst, x []float32) { rectify.ELU(dst, x, eluAlpha) },
		func(dst, x []float32) { fallback.ELU(dst, x, eluAlpha) },
		func(dst, x []float32) { naiveELU(dst, x, eluAlpha) }})
}

func BenchmarkSoftplus(b *testing.B) {
	benchKernel(b, kernel{"Softplus", rectify.Softplus, fallback.Softplus, naiveSoftplus})
}

func BenchmarkSigmoid(b *testing.B) {
	benchKernel(b, kernel{"Sigmoid", rectify.Sigmoid, fallback.Sigmoid, naiveSigmoid})
}

// BenchmarkCopy is the yardstick: copy() of the bytes a kernel reads and
// writes.
func BenchmarkCopy(b *testing.B) {
	for _, n := range sizes(b) {
		b.Run("n="+report.FormatSize(n), func(b *testing.B) {
			measure(b, n, func(dst, x []float32) { copy(dst, x) })
		})
	}
}

func benchKernel(b *testing.B, k kernel) {
	ns := sizes(b)
	for _, l := range dispatch.Supported() {
		b.Run(l.String(), func(b *testing.B) {
			for _, n := range ns {
				b.Run("n="+report.FormatSize(n), func(b *testing.B) {
					defer dispatch.Force(l)()
					measure(b, n, k.public)
				})
			}
		})
	}
	for _, p := range []struct {
		name string
		f    func(dst, x []float32)
	}{{report.Naive, k.naive}, {report.Fallback, k.fallback}} {
		b.Run(p.name, func(b *testing.B) {
			for _, n := range ns {
				b.Run("n="+report.FormatSize(n), func(b *testing.B) { measure(b, n, p.f) })
			}
		})
	}
}

// measure times f over the shared buffers of n elements.
func measure(b *testing.B, n int, f func(dst, x []float32)) {
	dst, x := buffers(n)
	b.SetBytes(int64(8 * n))
	b.ReportAllocs()
	for b.Loop() {
		f(dst, x)
	}
}

// sizes returns the sizes chosen by -sizes or RECTIFY_BENCH_SIZES.
func sizes(b *testing.B) []int {
	s := *sizesFlag
	if s == "" {
		s = os.Getenv("RECTIFY_BENCH_SIZES")
	}
	if s == "" {
		return report.AllSizes
	}
	ns, err := report.ParseSizes(s)
	if err != nil {
		b.Fatal(err)
	}
	return ns
}

// bufs caches one input and one output slice per size, made once and used
// by every kernel and path.
var bufs = map[int][2][]float32{}

// buffers returns dst and x of n elements. x holds normal deviates times 4
// from a fixed seed: random signs (half negative, so branchy loops
// mispredict) over the range where the exp kernels do real work. dst is
// written once here so that no page fault lands in a timed loop.
func buffers(n int) (dst, x []float32) {
	if p, ok := bufs[n]; ok {
		return p[0], p[1]
	}
	r := rand.New(rand.NewPCG(0x5eed, uint64(n)))
	x = make([]float32, n)
	for i := range x {
		x[i] = float32(4 * r.NormFloat64())
	}
	dst = make([]float32, n)
	copy(dst, x)
	bufs[n] = [2][]float32{dst, x}
	return dst, x
}

// The naive loops: what a user writes today with package math.

func naiveReLU(dst, x []float32) {
	for i, v := range x {
		if v < 0 {
			dst[i] = 0
		} else {
			dst[i] = v
		}
	}
}

func naiveLeakyReLU(dst, x []float32, alpha float32) {
	for i, v := range x {
		if v < 0 {
			dst[i] = alpha * v
		} else {
			dst[i] = v
		}
	}
}

func naiveELU(dst, x []float32, alpha float64) {
	for i, v := range x {
		if v > 0 {
			dst[i] = v
		} else {
			dst[i] = float32(alpha * math.Expm1(float64(v)))
		}
	}
}

func naiveSoftplus(dst, x []float32) {
	for i, v := range x {
		dst[i] = float32(math.Log1p(math.Exp(float64(v))))
	}
}

func naiveSigmoid(dst, x []float32) {
	for i, v := range x {
		dst[i] = float32(1 / (1 + math.Exp(-float64(v))))
	}
}
