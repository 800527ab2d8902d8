package rectify

import (
	"math/bits"
	"unsafe"

	"github.com/rectify-go/rectify/internal/check"
	"github.com/rectify-go/rectify/internal/dispatch"
	"github.com/rectify-go/rectify/kernels"
)

// kernelID names a kernel: its index in internal/ir.Kernels (the
// constants of kernels_table.go). Every kernel runs through call (generated
// beside the assembly), which calls each level's kernel directly: dst, x
// and y of len(x) elements (y read by two-input kernels only), dst
// identical to x or y or overlapping neither.
type kernelID int

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

// run checks the arguments of one-input kernel k and runs it on the level
// in use: a slice of at most one chunk (below streamMin) by one call, a
// call less than through runAt, which takes the rest (with x for the y
// that the kernel does not read).
func run(k kernelID, dst, x []float32, alpha float32) {
	check.Slices(kernelNames[k], dst, x)
	if len(x) <= chunk {
		call(dispatch.Selected(), k, dst, x, x, alpha)
		return
	}
	runAt(dispatch.Selected(), k, dst, x, x, alpha)
}

// toBoundary returns the number of elements of dst before its first
// 64-byte boundary; ok is false where dst, made with package unsafe, is
// not aligned to its elements and has none.
func toBoundary(dst []float32) (head int, ok bool) {
	p := uintptr(unsafe.Pointer(unsafe.SliceData(dst)))
	return int(-p%64) / 4, p%4 == 0
}

// runAt runs kernel k at level l, chunk by chunk, on slices that its
// caller checked: from streamMin elements by its streaming variant
// (ir.Kernel.Stream), whose non-temporal stores need whole vectors
// aligned, where it has one, from dst's first 64-byte boundary on, and the
// plain kernel on the elements before it (all of them where dst, made with
// package unsafe, is not aligned to its elements). Every call goes through
// call or callStream, each a preemption point.
func runAt(l dispatch.Level, k kernelID, dst, x, y []float32, alpha float32) {
	if head, ok := toBoundary(dst); ok && len(x) >= streamMin &&
		callStream(l, k, dst[head:head+streamChunk], x[head:head+streamChunk], y[head:head+streamChunk], alpha) {
		call(l, k, dst[:head], x[:head], y[:head], alpha)
		dst, x, y = dst[head+streamChunk:], x[head+streamChunk:], y[head+streamChunk:]
		for len(x) > streamChunk {
			callStream(l, k, dst[:streamChunk], x[:streamChunk], y[:streamChunk], alpha)
			dst, x, y = dst[streamChunk:], x[streamChunk:], y[streamChunk:]
		}
		callStream(l, k, dst, x, y, alpha)
		return
	}
	for len(x) > chunk {
		call(l, k, dst[:chunk], x[:chunk], y[:chunk], alpha)
		dst, x, y = dst[chunk:], x[chunk:], y[chunk:]
	}
	call(l, k, dst, x, y, alpha)
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
// generic level never gets here: its public functions call the Go
// kernel at every length (cutoffs).
func runRows(k kernelID, dst, x, row []float32, alpha float32) {
	l := dispatch.Selected()
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
		callStream(l, k, dst[:c], x[:c], row, alpha) {
		dst, x = dst[c:], x[c:]
		for len(x) > c {
			callStream(l, k, dst[:c], x[:c], row, alpha)
			dst, x = dst[c:], x[c:]
		}
		callStream(l, k, dst, x, row, alpha)
		return
	}
	c = chunk / len(row) * len(row)
	for len(x) > c {
		call(l, k, dst[:c], x[:c], row, alpha)
		dst, x = dst[c:], x[c:]
	}
	call(l, k, dst, x, row, alpha)
}

// rows runs kernel k at level l on x with y = row repeated (len(x) a
// multiple of len(row)): one call per len(row) elements, the last on
// fewer where row holds several rows.
func rows(l dispatch.Level, k kernelID, dst, x, row []float32, alpha float32) {
	for len(x) > 0 {
		m := min(len(row), len(x))
		runAt(l, k, dst[:m], x[:m], row[:m], alpha)
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
