// Package bench holds rectify's comparative benchmarks: every kernel of
// ir.Kernels on every path this CPU supports, beside the naive Go loop, the
// pure-Go fallback called directly, and copy() of the same bytes.
//
// Names are Kernels/<kernel>/<path>/n=<size>, Copy/n=<size> and
// Copy3/n=<size>, where path
// is a dispatch level (avx512, avx2, neon, generic: the public function
// with that level forced, so chunking and cut-offs count), "fallback"
// (package fallback called directly) or "naive" (the loop a user writes
// with package math). Each result reports 8 bytes per element (4 read, 4
// written). GCPause/<kernel>/... measures garbage-collector pauses instead.
//
// A two-input kernel reads a second input of n elements (12 bytes per
// element then, and Copy3 its yardstick), except where its public
// function repeats the second input along x: PReLU runs with a slope of
// ir.Kernel.Channels elements (64 channels; one row of n where n is no
// multiple of 64), which each result reports as its "channels" metric.
//
//	go test ./bench -run '^$' -bench 'Kernels/<kernel>/.*/n=4Ki' -count 6 > /tmp/x.txt
//	go test ./bench -run '^$' -bench '^Benchmark(Kernels|Copy|Copy3)$' -sizes tiny,4Ki
//	go run ./bench/cmd/table          # the Markdown table of `make bench`
//
// Sizes come from -sizes or RECTIFY_BENCH_SIZES: a comma-separated list of
// sizes (7, 4Ki, 16Mi) and sets (tiny = 1..32, large = 1Ki..16Mi, default,
// all); the default is all.
package bench

import (
	"flag"
	"os"
	"runtime"
	"runtime/metrics"
	"testing"
	"time"

	"github.com/rectify-go/rectify/bench/internal/report"
	"github.com/rectify-go/rectify/internal/api"
	"github.com/rectify-go/rectify/internal/dispatch"
	"github.com/rectify-go/rectify/internal/ir"
	"github.com/rectify-go/rectify/internal/testutil"
)

var sizesFlag = flag.String("sizes", "", "sizes to benchmark: e.g. 1,4Ki,16Mi or tiny,large,default,all (default $RECTIFY_BENCH_SIZES, else all)")

// BenchmarkKernels runs every kernel through the public function at each
// supported dispatch level, then the fallback and the naive loop.
func BenchmarkKernels(b *testing.B) {
	ns := sizes(b)
	for i, k := range ir.Kernels {
		alpha := benchAlpha(k)
		b.Run(k.Name, func(b *testing.B) {
			for _, l := range dispatch.Supported() {
				sweep(b, k, l.String(), ns, &l, api.Public[i], alpha)
			}
			sweep(b, k, report.Fallback, ns, nil, api.Fallback[i], alpha)
			sweep(b, k, report.Naive, ns, nil, k.Naive, alpha)
		})
	}
}

// BenchmarkCopy is the yardstick: copy() of the bytes a kernel reads and
// writes.
func BenchmarkCopy(b *testing.B) {
	for _, n := range sizes(b) {
		b.Run("n="+report.FormatSize(n), func(b *testing.B) { measure(b, nil, n, copyAll, 0) })
	}
}

// BenchmarkCopy3 is the yardstick of the two-input kernels, which read x
// and a second input and write dst: copy() of the same 12 bytes per
// element (n/2 elements more than Copy's), the least time in which the
// memory can move the bytes of three slices of n.
func BenchmarkCopy3(b *testing.B) {
	for _, n := range sizes(b) {
		b.Run("n="+report.FormatSize(n), func(b *testing.B) { measure(b, nil, n+n/2, copyAll, 0) })
	}
}

// copyAll is the yardsticks' api.Func: copy(dst, x).
func copyAll(dst, x, _ []float32, _ float32) { copy(dst, x) }

// benchAlpha is the parameter the benchmarks pass to k: its first test
// parameter, or 0 if it has none.
func benchAlpha(k *ir.Kernel) float32 {
	if len(k.Params) == 0 {
		return 0
	}
	return k.Alphas[0]
}

// sweep runs the sub-benchmark path of f, kernel k, over the sizes ns,
// with level forced if it is not nil.
func sweep(b *testing.B, k *ir.Kernel, path string, ns []int, level *dispatch.Level, f api.Func, alpha float32) {
	b.Run(path, func(b *testing.B) {
		for _, n := range ns {
			b.Run("n="+report.FormatSize(n), func(b *testing.B) {
				if level != nil {
					defer dispatch.Force(*level)()
				}
				measure(b, k, n, f, alpha)
			})
		}
	})
}

// measure times f, kernel k (nil: copy()), over the shared buffers of n
// elements.
func measure(b *testing.B, k *ir.Kernel, n int, f api.Func, alpha float32) {
	dst, x := buffers(n)
	var y []float32
	bytes := 8 * n
	if k != nil && k.Inputs() == 2 {
		m := n
		if k.Channels > 0 && n%k.Channels == 0 {
			m = k.Channels
		}
		y = second(m)
		if k.Channels == 0 {
			bytes += 4 * n
		}
	}
	b.SetBytes(int64(bytes))
	b.ReportAllocs()
	for b.Loop() {
		f(dst, x, y, alpha)
	}
	if k != nil && k.Channels > 0 {
		// After the loop, which would delete it.
		b.ReportMetric(float64(len(y)), "channels")
	}
}

// seconds caches the second inputs by length.
var seconds = map[int][]float32{}

// second returns a second input of n elements (for PReLU, slopes: normal
// deviates times 4, as the inputs), made once.
func second(n int) []float32 {
	if y, ok := seconds[n]; ok {
		return y
	}
	y := make([]float32, n)
	testutil.BenchInput(y)
	seconds[n] = y
	return y
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

// bufs caches one output and one input slice per size, made once and used
// by every kernel and path.
var bufs = map[int][2][]float32{}

// buffers returns dst and x of n elements, x from testutil.BenchInput. dst is written
// once here so that no page fault lands in a timed loop.
func buffers(n int) (dst, x []float32) {
	if p, ok := bufs[n]; ok {
		return p[0], p[1]
	}
	x = make([]float32, n)
	testutil.BenchInput(x)
	dst = make([]float32, n)
	copy(dst, x)
	bufs[n] = [2][]float32{dst, x}
	return dst, x
}

// BenchmarkGCPause measures the garbage collector's stop-the-world pauses
// while one goroutine runs a kernel on 64Mi elements in a loop and the
// benchmark goroutine forces collections. GCPause/<kernel>/public/<level>
// calls the public function: its assembly loops cannot be preempted, so a
// pause may last up to one chunk (package rectify's impl.go), not the whole
// slice. GCPause/<kernel>/fallback is the control: the pure-Go kernel,
// which the runtime preempts anywhere.
//
// It reports, in microseconds, the stopping time (/sched/pauses/stopping/gc,
// the part a running kernel delays) and the total pause
// (/sched/pauses/total/gc): median, 99th percentile and maximum, each as the
// upper bound of its histogram bucket; and MemStats' worst PauseNs. On a
// loaded machine the maximum also counts the operating system descheduling
// a thread: compare with the control. Timing is never asserted.
func BenchmarkGCPause(b *testing.B) {
	const n = 64 << 20
	dst, x := make([]float32, n), make([]float32, n)
	testutil.BenchInput(x)
	for i, k := range ir.Kernels {
		alpha := benchAlpha(k)
		var y []float32
		switch {
		case k.Channels > 0:
			y = second(k.Channels)
		case k.Inputs() == 2:
			y = second(n)
		}
		b.Run(k.Name+"/public/"+dispatch.Selected().String(), func(b *testing.B) {
			gcPause(b, func() { api.Public[i](dst, x, y, alpha) })
		})
		b.Run(k.Name+"/"+report.Fallback, func(b *testing.B) {
			gcPause(b, func() { api.Fallback[i](dst, x, y, alpha) })
		})
	}
}

// gcPause runs kernel in a loop on another goroutine while it forces
// collections, and reports their pauses.
func gcPause(b *testing.B, kernel func()) {
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-stop:
				return
			default:
				kernel()
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
		// The upper bounds of the buckets holding the median, the 99th
		// percentile and the worst pause.
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
}
