package rectify

import (
	"math"
	"runtime"
	"runtime/metrics"
	"slices"
	"testing"
	"time"

	"github.com/rectify-go/rectify/fallback"
	"github.com/rectify-go/rectify/internal/dispatch"
	"github.com/rectify-go/rectify/internal/testutil"
)

// BenchmarkGCPauseELU64Mi measures the worst garbage-collector
// stop-the-world pause while one goroutine runs ELU on 64Mi elements in a
// loop and the benchmark goroutine forces collections. The assembly loops
// cannot be preempted, so the pause is bounded by the time of one chunk
// (impl.go); the "unchunked" case calls the kernel on the whole slice to
// show what chunking prevents. It reports, in microseconds, the worst
// stopping time (/sched/pauses/stopping/gc, the part a running kernel
// delays) and of the total pause (/sched/pauses/total/gc): median, 99th
// percentile and maximum, each as the upper bound of its histogram bucket;
// and MemStats' worst PauseNs. On a loaded machine the maximum also counts
// the operating system descheduling a thread: compare with the "fallback"
// case, pure Go, which the runtime preempts anywhere. It only reports:
// timing is never asserted.
func BenchmarkGCPauseELU64Mi(b *testing.B) {
	const n = 64 << 20
	x := make([]float32, n)
	dst := make([]float32, n)
	for i := range x {
		x[i] = float32(i%2000)/100 - 10
	}
	for _, c := range []struct {
		name string
		elu  func(dst, x []float32, alpha float32)
	}{
		{"public", ELU},
		{"unchunked", func(dst, x []float32, alpha float32) { active().elu(dst, x, alpha) }},
		// The control: the pure-Go kernel is preemptible anywhere.
		{"fallback", fallback.ELU},
	} {
		b.Run(c.name+"/"+dispatch.Selected().String(), func(b *testing.B) {
			stop := make(chan struct{})
			done := make(chan struct{})
			go func() {
				defer close(done)
				for {
					select {
					case <-stop:
						return
					default:
						c.elu(dst, x, 1)
					}
				}
			}()
			samples := []metrics.Sample{
				{Name: "/sched/pauses/stopping/gc:seconds"},
				{Name: "/sched/pauses/total/gc:seconds"},
			}
			metrics.Read(samples)
			before := make([][]uint64, len(samples))
			for i, s := range samples {
				before[i] = append([]uint64(nil), s.Value.Float64Histogram().Counts...)
			}
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			gc0 := ms.NumGC
			for b.Loop() {
				time.Sleep(time.Millisecond) // let the kernel goroutine run
				runtime.GC()
			}
			close(stop)
			<-done
			metrics.Read(samples)
			for i, unit := range []string{"stop-µs", "pause-µs"} {
				h := samples[i].Value.Float64Histogram()
				var total uint64
				for j, cnt := range h.Counts {
					total += cnt - before[i][j]
				}
				// The upper bounds of the buckets holding the median,
				// the 99th percentile and the worst pause.
				var seen uint64
				p50, p99, worst := 0.0, 0.0, 0.0
				for j, cnt := range h.Counts {
					d := cnt - before[i][j]
					if d == 0 {
						continue
					}
					seen += d
					if p50 == 0 && 2*seen >= total {
						p50 = h.Buckets[j+1]
					}
					if p99 == 0 && 100*seen >= 99*total {
						p99 = h.Buckets[j+1]
					}
					worst = h.Buckets[j+1]
				}
				b.ReportMetric(p50*1e6, "p50-"+unit)
				b.ReportMetric(p99*1e6, "p99-"+unit)
				b.ReportMetric(worst*1e6, "max-"+unit)
			}
			runtime.ReadMemStats(&ms)
			var worst uint64
			for g := gc0 + 1; g <= ms.NumGC && g <= gc0+256; g++ {
				worst = max(worst, ms.PauseNs[(g+255)%256])
			}
			b.ReportMetric(float64(worst)/1e3, "max-PauseNs-µs")
		})
	}
}

// TestKernelSetsDirect calls each supported level's assembly kernels
// directly, below the public cut-offs too, for every length up to four of
// the widest vectors, against guard pages at either end, out of place and
// in place, and compares them with the fallback bit for bit.
func TestKernelSetsDirect(t *testing.T) {
	const maxLen = 4*16 + 1
	src := make([]float32, maxLen)
	specials := []uint32{0, 0x80000000, 0x7f800000, 0xff800000, 0x7fc00000, 0xff800001, 0x7fa00000, 1, 0x80000001, 0x7f7fffff}
	for i := range src {
		if i < len(specials) {
			src[i] = math.Float32frombits(specials[i])
		} else {
			src[i] = float32(i%17)*0.75 - 6
		}
	}
	for _, s := range simdSets {
		if !slices.Contains(dispatch.Supported(), s.level) {
			continue
		}
		ks := []struct {
			name   string
			f, ref func(dst, x []float32, alpha float32)
		}{
			{"ReLU", func(d, x []float32, _ float32) { s.relu(d, x) }, func(d, x []float32, _ float32) { fallback.ReLU(d, x) }},
			{"LeakyReLU", s.leakyReLU, fallback.LeakyReLU},
			{"ELU", s.elu, fallback.ELU},
			{"Softplus", func(d, x []float32, _ float32) { s.softplus(d, x) }, func(d, x []float32, _ float32) { fallback.Softplus(d, x) }},
			{"Sigmoid", func(d, x []float32, _ float32) { s.sigmoid(d, x) }, func(d, x []float32, _ float32) { fallback.Sigmoid(d, x) }},
		}
		for _, k := range ks {
			for n := 0; n <= maxLen; n++ {
				for _, atStart := range []bool{false, true} {
					x, dst, free, ok := testutil.GuardedPair(src, n, atStart)
					if !ok {
						t.Skip("no guard pages on this platform")
					}
					want := make([]float32, n)
					k.ref(want, x, 0.3)
					k.f(dst, x, 0.3)
					k.f(x, x, 0.3)
					for i := range n {
						if math.Float32bits(dst[i]) != math.Float32bits(want[i]) || math.Float32bits(x[i]) != math.Float32bits(want[i]) {
							t.Errorf("%s/%s n=%d [%d] x=%#08x: got %#08x (in place %#08x), want %#08x", s.level, k.name, n, i,
								math.Float32bits(src[i]), math.Float32bits(dst[i]), math.Float32bits(x[i]), math.Float32bits(want[i]))
							break
						}
					}
					free()
				}
			}
		}
	}
}
