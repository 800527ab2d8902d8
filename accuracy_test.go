package rectify

import (
	"fmt"
	"math"
	"math/bits"
	"math/rand/v2"
	"os"
	"runtime"
	"strconv"
	"sync"
	"testing"

	"github.com/rectify-go/rectify/internal/dispatch"
	"github.com/rectify-go/rectify/internal/ir"
	"github.com/rectify-go/rectify/internal/testutil"
	"github.com/rectify-go/rectify/kernels"
)

// accuracyCase is one kernel with one parameter, and its float64
// reference.
type accuracyCase struct {
	name  string
	k     kernelID
	alpha float32
	*ir.Kernel
}

// accuracyCases lists every kernel of ir.Kernels at each of its Alphas.
func accuracyCases() []accuracyCase {
	var cs []accuracyCase
	for i, k := range ir.Kernels {
		if len(k.Params) == 0 {
			cs = append(cs, accuracyCase{k.Name, kernelID(i), 0, k})
		}
		for _, a := range k.Alphas {
			cs = append(cs, accuracyCase{fmt.Sprintf("%s(%g)", k.Name, a), kernelID(i), a, k})
		}
	}
	return cs
}

// ulpStats accumulates the error of one kernel over the inputs checked.
type ulpStats struct {
	n, over05, over1, nanBad, pathBad int64
	max, sum                          float64
	argmax                            uint32
}

func (s *ulpStats) add(o ulpStats) {
	if o.max > s.max || s.n == 0 {
		s.max, s.argmax = o.max, o.argmax
	}
	s.n += o.n
	s.over05 += o.over05
	s.over1 += o.over1
	s.nanBad += o.nanBad
	s.pathBad += o.pathBad
	s.sum += o.sum
}

// second is the second input that the sweep pairs with the input with bits
// b: another bit pattern, scrambled from b (every value class, NaNs, zeros
// and infinities included, meets every other).
func second(b uint32) float32 {
	return math.Float32frombits(bits.RotateLeft32(b*0x9e3779b1, 15) ^ 0x5bd1e995)
}

// gradDy is the incoming gradient that the sampled sweep pairs with the
// input with bits b for a gradient kernel: 1, a value in [-1, 1), 1e-30 or
// 1e30, chosen by a scramble of b.
func gradDy(b uint32) float32 {
	h := b * 0x9e3779b1
	switch h >> 30 {
	case 0:
		return 1
	case 1:
		return float32(int32(bits.RotateLeft32(h, 7))) * 0x1p-31
	case 2:
		return 1e-30
	}
	return 1e30
}

// sweep checks c on every stride-th bit pattern (with a second input for a
// two-input kernel; for a gradient kernel dy = 1 if dyOne, else dy of
// every scale (gradDy)): the fallback against the float64 reference (NaN
// inputs: the quieted NaN for the exp kernels, the same NaN for the exact
// kernels, whose other NaN results are the canonical NaN) and every
// supported path against the fallback, bit for bit.
func sweep(c accuracyCase, stride uint64, dyOne bool) ulpStats {
	const block = 1 << 16
	var levels []dispatch.Level
	for _, l := range dispatch.Supported() {
		if l != dispatch.Generic {
			levels = append(levels, l)
		}
	}
	workers := runtime.GOMAXPROCS(0)
	total := (1<<32 + stride - 1) / stride
	blocks := (total + block - 1) / block
	var mu sync.Mutex
	var all ulpStats
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			x := make([]float32, block)
			var y []float32
			if c.Inputs() == 2 {
				y = make([]float32, block)
			}
			want := make([]float32, block)
			got := make([]float32, block)
			var st ulpStats
			for b := uint64(w); b < blocks; b += uint64(workers) {
				x = x[:0]
				for i := b * block; i < (b+1)*block && i < total; i++ {
					x = append(x, math.Float32frombits(uint32(i*stride)))
				}
				want, got := want[:len(x)], got[:len(x)]
				if y != nil {
					y = y[:len(x)]
					for i, v := range x {
						switch {
						case c.Grad && dyOne:
							y[i] = 1
						case c.Grad:
							y[i] = gradDy(math.Float32bits(v))
						default:
							y[i] = second(math.Float32bits(v))
						}
					}
				}
				yi := func(i int) float32 {
					if y == nil {
						return 0
					}
					return y[i]
				}
				call(dispatch.Generic, c.k, want, x, y, c.alpha)
				for _, l := range levels {
					call(l, c.k, got, x, y, c.alpha)
					for i := range x {
						if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
							st.pathBad++
						}
					}
				}
				for i, v := range x {
					if v != v {
						wb := math.Float32bits(v)
						quieted := !c.Exact || c.Grad
						if quieted && math.Float32bits(want[i]) != wb|kernels.QuietBit ||
							!quieted && math.Float32bits(want[i]) != wb {
							st.nanBad++
						}
						continue
					}
					var e float64
					ref := c.Ref(v, yi(i), c.alpha)
					switch {
					case c.Exact && math.IsNaN(ref):
						if math.Float32bits(want[i]) != kernels.CanonicalNaN {
							e = math.Inf(1)
						}
					case c.Exact:
						if want[i] != float32(ref) {
							e = math.Inf(1)
						}
					default:
						e = testutil.ULP(want[i], ref)
					}
					st.n++
					st.sum += e
					if e > 0.5 {
						st.over05++
					}
					if e > 1 {
						st.over1++
					}
					if e > st.max {
						st.max, st.argmax = e, math.Float32bits(v)
					}
				}
			}
			mu.Lock()
			all.add(st)
			mu.Unlock()
		}(w)
	}
	wg.Wait()
	return all
}

// checkAccuracy sweeps every case; dyOne: gradient kernels with dy = 1.
func checkAccuracy(t *testing.T, stride uint64, dyOne bool) {
	t.Logf("paths compared with the fallback: %v; every %d-th of the 2^32 inputs", dispatch.Supported(), stride)
	t.Logf("| kernel | inputs | max ULP | at x | mean ULP | > 0.5 ULP | > 1 ULP |")
	t.Logf("|---|---|---|---|---|---|---|")
	for _, c := range accuracyCases() {
		// A subtest per case: -run 'TestExhaustive/^Tanh$' checks one.
		t.Run(c.name, func(t *testing.T) {
			s := sweep(c, stride, dyOne)
			t.Logf("| %s | %d | %.4f | %g (%#08x) | %.6f | %d | %d |", c.name, s.n, s.max,
				math.Float32frombits(s.argmax), s.argmax, s.sum/float64(s.n), s.over05, s.over1)
			if s.max > 1 || s.over1 > 0 {
				t.Errorf("max error %.4f ULP at %#08x, bound 1 ULP", s.max, s.argmax)
			}
			if s.nanBad > 0 {
				t.Errorf("%d NaN inputs did not give the (quieted) input NaN", s.nanBad)
			}
			if s.pathBad > 0 {
				t.Errorf("%d results of a SIMD path differ from the fallback", s.pathBad)
			}
		})
	}
}

// TestAccuracy samples every 251st bit pattern (every 65521st with -short).
func TestAccuracy(t *testing.T) {
	stride := uint64(251)
	if testing.Short() {
		stride = 65521
	}
	checkAccuracy(t, stride, false)
}

// TestRandomAlphas checks the kernels with a parameter at 300 random
// parameters in [0.01, 10] (log-uniform) on their hard input ranges:
// within 1 ULP of the reference, and every path equal to the fallback.
func TestRandomAlphas(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	for i, k := range ir.Kernels {
		if len(k.Hard) == 0 {
			continue
		}
		var x []float32
		for _, h := range k.Hard {
			// Every float32 of the range, or 2^14 evenly spaced bit patterns.
			lo, hi := math.Float32bits(h[0]), math.Float32bits(h[1])
			if lo > hi {
				lo, hi = hi, lo
			}
			step := max(1, (hi-lo)/(1<<14))
			for b := lo; b <= hi; b += step {
				x = append(x, math.Float32frombits(b))
			}
		}
		want, got := make([]float32, len(x)), make([]float32, len(x))
		worst, at, atAlpha := 0.0, float32(0), float32(0)
		for range 300 {
			a := float32(0.01 * math.Pow(1000, r.Float64()))
			call(dispatch.Generic, kernelID(i), want, x, nil, a)
			for j, v := range x {
				if e := testutil.ULP(want[j], k.Ref(v, 0, a)); e > worst {
					worst, at, atAlpha = e, v, a
				}
			}
			for _, l := range dispatch.Supported() {
				call(l, kernelID(i), got, x, nil, a)
				for j := range x {
					if math.Float32bits(got[j]) != math.Float32bits(want[j]) {
						t.Fatalf("%s/%v(%#08x, alpha=%g) = %#08x, fallback %#08x", k.Name, l,
							math.Float32bits(x[j]), a, math.Float32bits(got[j]), math.Float32bits(want[j]))
					}
				}
			}
		}
		t.Logf("%s: max %.4f ULP at x=%g alpha=%g over %d inputs x 300 alphas", k.Name, worst, at, atAlpha, len(x))
		if worst > 1 {
			t.Errorf("%s: %.4f ULP at x=%g (%#08x), alpha=%g: bound 1 ULP", k.Name, worst, at, math.Float32bits(at), atAlpha)
		}
	}
}

// TestExhaustive checks all 2^32 inputs (gradient kernels with dy = 1) when RECTIFY_EXHAUSTIVE=1 (make
// exhaustive), or every RECTIFY_EXHAUSTIVE-th one for another number.
func TestExhaustive(t *testing.T) {
	v := os.Getenv("RECTIFY_EXHAUSTIVE")
	if v == "" {
		t.Skip("set RECTIFY_EXHAUSTIVE=1 (make exhaustive) to check all 2^32 inputs")
	}
	stride, err := strconv.ParseUint(v, 10, 32)
	if err != nil || stride == 0 {
		t.Fatalf("RECTIFY_EXHAUSTIVE=%q: want a stride >= 1", v)
	}
	checkAccuracy(t, stride, true)
}
