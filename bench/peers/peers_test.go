//go:build cgo && amd64

package peers

import (
	"flag"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/rectify-go/rectify/bench/internal/report"
	"github.com/rectify-go/rectify/internal/testutil"
)

var sizesFlag = flag.String("sizes", "16,256,4Ki,64Ki,1Mi,16Mi", "sizes to benchmark, e.g. 16,4Ki,16Mi")

// BenchmarkPeers times every peer that has the kernel, on the same buffers,
// as Peers/<kernel>/<peer>/n=<size>, 8 bytes (read and written) per element.
func BenchmarkPeers(b *testing.B) {
	ns, err := report.ParseSizes(*sizesFlag)
	if err != nil {
		b.Fatal(err)
	}
	for k, kern := range Kernels {
		for _, p := range Peers {
			for _, n := range ns {
				dst, x := buffers(n)
				f := p.Setup(k, dst, x, slope(Channels(k, n)), Alpha(k))
				if f == nil {
					continue
				}
				name := strings.TrimSuffix(p.Name, "()")
				b.Run(kern.Name+"/"+name+"/n="+report.FormatSize(n), func(b *testing.B) {
					b.SetBytes(int64(8*n + 4*Channels(k, n)))
					for b.Loop() {
						f()
					}
				})
			}
		}
	}
}

var bufs = map[int][2][]float32{}

// buffers returns dst and x of n elements in C memory, x the input of
// rectify's bench/ (testutil.BenchInput).
func buffers(n int) (dst, x []float32) {
	if p, ok := bufs[n]; ok {
		return p[0], p[1]
	}
	dst, x = Alloc(n), Alloc(n)
	testutil.BenchInput(x)
	copy(dst, x) // no page fault in a timed loop
	bufs[n] = [2][]float32{dst, x}
	return dst, x
}

var slopes = map[int][]float32{}

// slope returns a second input of c elements in C memory (nil for 0):
// PReLU's slope, the values 1/16 ... 7/16 in turn.
func slope(c int) []float32 {
	if c == 0 {
		return nil
	}
	if y, ok := slopes[c]; ok {
		return y
	}
	y := Alloc(c)
	for i := range y {
		y[i] = float32(i%7+1) / 16
	}
	slopes[c] = y
	return y
}

func subnormal(v float64) bool { return v != 0 && math.Abs(v) < 0x1p-126 }

// TestULP prints each peer's maximum error in float32 ULPs over every
// 4099th float32 bit pattern that is finite, against a float64 reference:
// one table where inputs and results are normal (or zero), one where
// either is subnormal, with how many subnormal results the peer returns
// (none: it flushes them). It times nothing.
func TestULP(t *testing.T) {
	var sample []float32
	for b := uint64(0); b < 1<<32; b += 4099 {
		if v := float64(math.Float32frombits(uint32(b))); !math.IsNaN(v) && !math.IsInf(v, 0) {
			sample = append(sample, float32(v))
		}
	}
	x, dst := Alloc(len(sample)), Alloc(len(sample))
	copy(x, sample)
	peers := Peers[:len(Peers)-1] // not copy()
	normal := [][]string{{"kernel"}}
	sub := [][]string{{"kernel"}}
	for _, p := range peers {
		normal[0] = append(normal[0], p.Name)
		sub[0] = append(sub[0], p.Name)
	}
	for k, kern := range Kernels {
		normal = append(normal, []string{kern.Name})
		sub = append(sub, []string{kern.Name})
		y := slope(Channels(k, len(x)))
		for _, p := range peers {
			if !p.Run(k, dst, x, y, Alpha(k)) {
				normal[k+1] = append(normal[k+1], "–")
				sub[k+1] = append(sub[k+1], "–")
				continue
			}
			worst, worstSub, bad, due, kept := 0.0, 0.0, 0, 0, 0
			for i, v := range x {
				var yi float32
				if len(y) > 0 {
					yi = y[i%len(y)]
				}
				r := kern.Ref(v, yi, Alpha(k))
				got := float64(dst[i])
				e := testutil.ULP(dst[i], r)
				switch {
				case math.IsNaN(got) || math.IsInf(got, 0) && got != float64(float32(r)):
					bad++ // not the overflow of a result beyond float32
				case subnormal(float64(v)) || subnormal(float64(float32(r))):
					worstSub = max(worstSub, e)
				default:
					worst = max(worst, e)
				}
				if subnormal(float64(float32(r))) {
					due++
					if subnormal(got) {
						kept++
					}
				}
			}
			cell := fmt.Sprintf("%.3g", worst)
			if bad > 0 {
				cell += fmt.Sprintf(", %d NaN/Inf", bad)
			}
			normal[k+1] = append(normal[k+1], cell)
			cell = fmt.Sprintf("%.3g, %d/%d kept", worstSub, kept, due)
			if kept == 0 && due > 0 {
				cell = fmt.Sprintf("%.3g, flushes", worstSub)
			}
			sub[k+1] = append(sub[k+1], cell)
		}
	}
	fmt.Printf("Max error in float32 ULPs over %d finite inputs (every 4099th bit pattern) against the float64 references of rectify's accuracy tests (math.Expm1, math.Exp, math.Log1p, math.Tanh, ...), where inputs and results are normal or zero (NaN/Inf: results that should be finite):\n\n", len(x))
	printTable(normal)
	fmt.Printf("Where the input or the rounded result is subnormal (ULP: 2^-149), and how many of the subnormal results the peer returns (none: it flushes them):\n\n")
	printTable(sub)
}

func printTable(rows [][]string) {
	for i, r := range rows {
		fmt.Printf("| %s |\n", strings.Join(r, " | "))
		if i == 0 {
			fmt.Printf("|---|%s\n", strings.Repeat("--:|", len(r)-1))
		}
	}
	fmt.Println()
}
