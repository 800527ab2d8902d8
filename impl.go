package rectify

import (
	"math/bits"
	"unsafe"

	"github.com/rectify-go/rectify/internal/check"
	"github.com/rectify-go/rectify/internal/dispatch"
	"github.com/rectify-go/rectify/kernels"
)

// A kernelFunc processes len(x) elements of equal-length slices that are
// identical or do not overlap; alpha is ignored by kernels without a
// parameter. Every one-input kernel of every set has this signature.
// Two-input kernels, func(dst, x, y []float32, alpha float32) with y of
// len(x) elements and dst identical to x or y or overlapping neither, run
// through call2 (generated beside the kernels), which calls them directly.
type kernelFunc func(dst, x []float32, alpha float32)

// kernelID indexes a kernelSet (kernels_table.go, generated from
// internal/ir.Kernels).
type kernelID int

// A kernelSet is one dispatch level's implementation of every one-input
// kernel; the entries of two-input kernels are nil.
type kernelSet [numKernels]kernelFunc

// sets holds every level's kernels, indexed by level; a level without
// kernels in this build holds the generic ones, and dispatch never selects
// it.
var sets = func() (t [dispatch.AVX512 + 1]*kernelSet) {
	for l := range t {
		t[l] = genericSet
	}
	for l, s := range simdSets {
		t[l] = s
	}
	return t
}()

// streams holds every level's streaming kernels (ir.Kernel.Stream),
// indexed as sets; nil where a level or kernel has none.
var streams = func() (t [dispatch.AVX512 + 1]*kernelSet) {
	for l, s := range streamSets {
		t[l] = s
	}
	return t
}()

// cutoff returns the length below which the public function of kernel k
// calls its Go kernel directly on the level in use (ir.Kernel.Cutoff).
func cutoff(k kernelID) int { return cutoffs[dispatch.Selected()][k] }

// chunk bounds the elements one assembly call processes: an assembly loop
// cannot be preempted, so a long slice is cut into calls short enough to
// keep a garbage-collector stop-the-world pause well under a millisecond.
const chunk = 16 << 10

// streamMin is the length from which a kernel with a streaming variant
// runs it: 4Mi elements, or more where x and dst together would fit in
// the last-level cache that the CPU reports (streaming a slice that the
// cache holds loses). streamChunk is the elements of one of its calls
// (each ends in SFENCE). Measured on AMD Turin (2026-12-01, bench's
// sizes, benchstat): non-temporal stores made ReLU 16 %, Exp 11 % and
// ReLUGrad 22 % faster at 16Mi elements and 9-22 % at 4Mi (PReLU: 19 %
// and 0), but a test build that streamed from 1Mi (which the cache holds)
// ran ReLU 48 % slower there. Calls of 16Ki elements were up to 7 %
// slower than calls of 64Ki at 16Mi, calls of 256Ki no faster; one of
// 64Ki takes about 15 µs at memory speed.
var streamMin = max(4<<20, dispatch.CacheBytes()/8)

const streamChunk = 64 << 10

// run checks the arguments of kernel k and runs it on the level in use,
// chunk by chunk: from streamMin elements by its streaming variant, if it
// has one (ir.Kernel.Stream), whose non-temporal stores need whole
// vectors aligned: the plain kernel takes the elements before dst's first
// 64-byte boundary (all of them where dst, made with package unsafe, is
// not aligned to its elements).
func run(k kernelID, dst, x []float32, alpha float32) {
	check.Slices(kernelNames[k], dst, x)
	l := dispatch.Selected()
	f, n := sets[l][k], chunk
	if s := streams[l]; s != nil && s[k] != nil && len(x) >= streamMin {
		if head, ok := toBoundary(dst); ok {
			if head > 0 {
				f(dst[:head], x[:head], alpha)
				dst, x = dst[head:], x[head:]
			}
			f, n = s[k], streamChunk
		}
	}
	for len(x) > n {
		preemptible(f, dst[:n], x[:n], alpha)
		dst, x = dst[n:], x[n:]
	}
	f(dst, x, alpha)
}

// toBoundary returns the number of elements of dst before its first
// 64-byte boundary; ok is false where dst, made with package unsafe, is
// not aligned to its elements and has none.
func toBoundary(dst []float32) (head int, ok bool) {
	p := uintptr(unsafe.Pointer(unsafe.SliceData(dst)))
	return int(-p%64) / 4, p%4 == 0
}

// preemptible calls f. The assembly kernels are NOSPLIT and have no
// preemption point, and neither has the loop in run, but a Go function that
// makes a call starts with a stack check, where a goroutine that the
// garbage collector asked to stop does stop: one per chunk. Without it a
// call on 64Mi elements held a stop-the-world pause for the whole slice
// (bench's BenchmarkGCPause).
//
//go:noinline
func preemptible(f kernelFunc, dst, x []float32, alpha float32) {
	f(dst, x, alpha)
}

// run2 runs two-input kernel k at level l, chunk by chunk, on slices that
// its caller checked: from streamMin elements by its streaming variant
// where it has one, from dst's first 64-byte boundary on, and call2 on the
// elements before it (as run). Every call goes through call2 or
// callStream2, each a preemption point.
func run2(l dispatch.Level, k kernelID, dst, x, y []float32, alpha float32) {
	if head, ok := toBoundary(dst); ok && len(x) >= streamMin &&
		callStream2(l, k, dst[head:head+streamChunk], x[head:head+streamChunk], y[head:head+streamChunk], alpha) {
		call2(l, k, dst[:head], x[:head], y[:head], alpha)
		dst, x, y = dst[head+streamChunk:], x[head+streamChunk:], y[head+streamChunk:]
		for len(x) > streamChunk {
			callStream2(l, k, dst[:streamChunk], x[:streamChunk], y[:streamChunk], alpha)
			dst, x, y = dst[streamChunk:], x[streamChunk:], y[streamChunk:]
		}
		callStream2(l, k, dst, x, y, alpha)
		return
	}
	for len(x) > chunk {
		call2(l, k, dst[:chunk], x[:chunk], y[:chunk], alpha)
		dst, x, y = dst[chunk:], x[chunk:], y[chunk:]
	}
	call2(l, k, dst, x, y, alpha)
}

// tileLen is the length of the stack array into which runRows repeats a
// short row.
const tileLen = 1024

// runRows runs two-input kernel k, whose Program repeats y
// (ir.Program.Repeat), on the level in use with y = row repeated along x
// (len(x) a multiple of len(row) > 0, dst not overlapping row: checked by
// the caller). It allocates nothing. The kernel repeats a row of a
// multiple of kernels.RepeatQuantum elements itself. A row of at most half a
// tile is first repeated into a stack array: up to such a multiple where
// that fits (the kernel repeats the array), else as often as fits, for
// one call per array. A longer row is its own y, one call per row. The
// generic level runs the fallback on the whole of x: it repeats the row
// itself (as every fallback of a kernel with a repeated y does), and a Go
// loop needs no chunks.
func runRows(k kernelID, dst, x, row []float32, alpha float32) {
	l := dispatch.Selected()
	if l == dispatch.Generic {
		generic2(k, dst, x, row, alpha)
		return
	}
	n := len(row)
	switch {
	case n%kernels.RepeatQuantum == 0 && n <= chunk:
		repeated(l, k, dst, x, row, alpha)
		return
	case 2*n > tileLen || len(x) == n:
		rows(l, k, dst, x, row, alpha)
		return
	}
	// Declared here, it is zeroed only on this path.
	var tile [tileLen]float32
	// The least common multiple of n and RepeatQuantum, a power of two.
	m := n << (bits.TrailingZeros(kernels.RepeatQuantum) - min(bits.TrailingZeros(uint(n)), bits.TrailingZeros(kernels.RepeatQuantum)))
	if m > tileLen {
		m = tileLen / n * n
	}
	t := tile[:min(m, len(x))]
	repeat(t, row)
	if len(t)%kernels.RepeatQuantum == 0 {
		whole := len(x) / len(t) * len(t)
		repeated(l, k, dst[:whole], x[:whole], t, alpha)
		dst, x = dst[whole:], x[whole:]
	}
	rows(l, k, dst, x, t, alpha)
}

// repeated runs kernel k at level l on x with y = row, which the kernel
// repeats (len(row) a multiple of kernels.RepeatQuantum that divides len(x)),
// in calls of whole rows at most chunk long: from streamMin elements on a
// dst aligned to 64 bytes, by its streaming variant where it has one, in
// calls of whole rows at most streamChunk long. (The plain kernel cannot
// take a head up to the boundary: the rest would start inside a row.)
func repeated(l dispatch.Level, k kernelID, dst, x, row []float32, alpha float32) {
	c := streamChunk / len(row) * len(row)
	if head, ok := toBoundary(dst); ok && head == 0 && len(x) >= streamMin &&
		callStream2(l, k, dst[:c], x[:c], row, alpha) {
		dst, x = dst[c:], x[c:]
		for len(x) > c {
			callStream2(l, k, dst[:c], x[:c], row, alpha)
			dst, x = dst[c:], x[c:]
		}
		callStream2(l, k, dst, x, row, alpha)
		return
	}
	c = chunk / len(row) * len(row)
	for len(x) > c {
		call2(l, k, dst[:c], x[:c], row, alpha)
		dst, x = dst[c:], x[c:]
	}
	call2(l, k, dst, x, row, alpha)
}

// rows runs kernel k at level l on x with y = row repeated (len(x) a
// multiple of len(row)): one call per len(row) elements, the last on
// fewer where row holds several rows.
func rows(l dispatch.Level, k kernelID, dst, x, row []float32, alpha float32) {
	for len(x) > 0 {
		m := min(len(row), len(x))
		run2(l, k, dst[:m], x[:m], row[:m], alpha)
		dst, x = dst[m:], x[m:]
	}
}

// repeat fills t, a whole number of rows, with row repeated.
func repeat(t, row []float32) {
	copy(t, row)
	for m := len(row); m < len(t); m *= 2 {
		copy(t[m:], t[:m])
	}
}
