package rectify

import (
	"fmt"
	"math"
	"testing"
	"unsafe"

	"github.com/rectify-go/rectify/internal/dispatch"
	"github.com/rectify-go/rectify/internal/ir"
	"github.com/rectify-go/rectify/internal/testutil"
)

// TestKernelSetsDirect calls every raw kernel of every supported assembly
// set directly, below the public cut-offs too, for every length up to four
// of the widest vectors, against guard pages at either end (a second input
// at the end where x is at the start, and the other way round), out of
// place and in place (dst == x, and dst == y for two inputs), and compares
// it with the fallback bit for bit.
func TestKernelSetsDirect(t *testing.T) {
	const maxLen = 4*16 + 1
	src := testutil.Special()[:maxLen]
	ys := testutil.Second(maxLen, 7)
	for _, l := range dispatch.Supported() {
		if l == dispatch.Generic {
			continue
		}
		for i, k := range ir.Kernels {
			id := kernelID(i)
			for n := 0; n <= maxLen; n++ {
				for _, atStart := range []bool{false, true} {
					x, dst, y, want, free := guardedCase(t, id, src, ys, n, atStart)
					call(l, id, dst, x, y, 0.3)
					check := func(what string, got []float32) {
						t.Helper()
						sameBits(t, fmt.Sprintf("%s/%s n=%d %s", l, k.Name, n, what), got, want, src)
					}
					check("out of place", dst)
					if y != nil {
						call(l, id, y, x, y, 0.3)
						check("dst == y", y)
						copy(y, ys)
					}
					call(l, id, x, x, y, 0.3)
					check("dst == x", x)
					free()
				}
			}
		}
	}
}

// TestStreamKernels calls every streaming kernel (ir.Kernel.Stream) of
// every supported level directly, on a dst aligned to 64 bytes (a page)
// against a guard page before it, and, where its length is a multiple of
// 16, one that ends at a guard page; x (and y) at the other end of their
// own mappings; out of place and in place, every length up to four of the
// widest vectors and a few longer, compared with the fallback bit for
// bit. Then the drivers the public functions call (run, runAt, runRows) on
// slices past streamMin whose dst starts on a 64-byte boundary or 3
// elements past one (the plain kernel takes the head; PReLU's repeated
// slope keeps such a dst on the plain kernel), at every supported level,
// and that they allocate nothing.
func TestStreamKernels(t *testing.T) {
	lengths := []int{1000, 4096 + 7, 3*streamChunk/2 + 5}
	for n := 0; n <= 4*16+1; n++ {
		lengths = append(lengths, n)
	}
	src := testutil.Special()
	for len(src) < lengths[2] {
		src = append(src, src...)
	}
	ys := testutil.Second(lengths[2], 7)
	streamed := 0
	for _, l := range dispatch.Supported() {
		// Whether level l has streaming kernels (amd64's levels do).
		levelStreams := false
		for i := range ir.Kernels {
			levelStreams = levelStreams || callStream(l, kernelID(i), nil, nil, nil, 0.3)
		}
		for i, k := range ir.Kernels {
			id := kernelID(i)
			// stream runs k's streaming kernel at level l, if it has one.
			stream := func(dst, x, y []float32) bool {
				return callStream(l, id, dst, x, y, 0.3)
			}
			if has := stream(nil, nil, nil); has != (k.Stream && levelStreams) {
				t.Fatalf("%s/%s: streaming kernel %v, ir.Kernel.Stream %v", l, k.Name, has, k.Stream)
			} else if !has {
				continue
			}
			streamed++
			for _, n := range lengths {
				for _, atStart := range []bool{true, false} {
					if !atStart && n%16 != 0 {
						continue // dst would not be aligned
					}
					x, dst, y, want, free := guardedCase(t, id, src, ys, n, !atStart)
					check := func(what string, got []float32) {
						t.Helper()
						sameBits(t, fmt.Sprintf("%s/%s stream n=%d %s", l, k.Name, n, what), got, want, src)
					}
					stream(dst, x, y)
					check("out of place", dst)
					copy(dst, x)
					stream(dst, dst, y)
					check("dst == x", dst)
					if y != nil {
						copy(dst, y)
						stream(dst, x, dst)
						check("dst == y", dst)
					}
					free()
				}
			}
		}
	}
	if streamed == 0 {
		t.Log("no supported level with streaming kernels")
	}
	// Through the drivers.
	n := streamMin + 3*64
	buf := make([]float32, n+32)
	x, y, want := make([]float32, n), testutil.Second(n, 9), make([]float32, n)
	for j := 0; j < n; j += len(src) {
		copy(x[j:], src)
	}
	for i, k := range ir.Kernels {
		if !k.Stream {
			continue
		}
		id := kernelID(i)
		yk := y
		if k.Channels > 0 {
			yk = y[:k.Channels]
		}
		call(dispatch.Generic, id, want, x, yk, 0.3) // the fallbacks repeat a short y
		for _, past := range []int{0, 3} {
			off := (16-int(uintptr(unsafe.Pointer(&buf[0]))%64/4))%16 + past
			dst := buf[off : off+n]
			for _, l := range dispatch.Supported() {
				restore := dispatch.Force(l)
				switch {
				case k.Channels > 0:
					runRows(id, dst, x, yk, 0.3)
				case k.Inputs() == 2:
					runAt(l, id, dst, x, yk, 0.3)
				default:
					run(id, dst, x, 0.3)
				}
				restore()
				sameBits(t, fmt.Sprintf("%s/%s n=%d dst %d elements past a 64-byte boundary", l, k.Name, n, past), dst, want, x)
			}
		}
	}
	// No allocation on the streaming paths (PReLU's slope of 3 channels is
	// repeated into the driver's stack array, which callStream reads).
	for _, l := range dispatch.Supported() {
		restore := dispatch.Force(l)
		for i, k := range ir.Kernels {
			id, m := kernelID(i), n/3*3
			a := testing.AllocsPerRun(2, func() {
				switch {
				case !k.Stream:
				case k.Channels > 0:
					runRows(id, buf[:m], x[:m], y[:3], 0.3)
				case k.Inputs() == 2:
					runAt(l, id, buf[:n], x, y, 0.3)
				default:
					run(id, buf[:n], x, 0.3)
				}
			})
			if a != 0 {
				t.Errorf("%s/%s n=%d: %v allocations per call", l, k.Name, n, a)
			}
		}
		restore()
	}
}

// sameBits reports the first element of got whose bits differ from
// want's, with the input x that gave it.
func sameBits(t *testing.T, what string, got, want, x []float32) {
	t.Helper()
	for i := range want {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			t.Errorf("%s [%d] x=%#08x: got %#08x, want %#08x", what, i,
				math.Float32bits(x[i]), math.Float32bits(got[i]), math.Float32bits(want[i]))
			return
		}
	}
}

// guardedCase returns the slices of a direct test of kernel id on n
// elements: x holding src[:n] against a guard page at its start (xAtStart)
// or its end, dst against one at the other end, for two inputs y holding
// ys[:n] at dst's end; the fallback's output want; and free, which
// releases them. It skips t where there are no guard pages.
func guardedCase(t *testing.T, id kernelID, src, ys []float32, n int, xAtStart bool) (x, dst, y, want []float32, free func()) {
	t.Helper()
	x, dst, free, ok := testutil.GuardedPair(src, n, xAtStart)
	if !ok {
		t.Skip("no guard pages on this platform")
	}
	if ir.Kernels[id].Inputs() == 2 {
		var freeY func()
		y, freeY, _ = testutil.Guarded(n, !xAtStart)
		copy(y, ys)
		freeXD := free
		free = func() { freeXD(); freeY() }
	}
	want = make([]float32, n)
	call(dispatch.Generic, id, want, x, y, 0.3)
	return x, dst, y, want, free
}
