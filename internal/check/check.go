// Package check holds the argument check of every public kernel, in
// package rectify and in package fallback alike.
package check

import (
	"strconv"
	"unsafe"
)

// Slices panics unless dst and x have the same length and are either the
// same slice or do not overlap; the message names fn, the public function.
// It is small enough to be inlined.
func Slices(fn string, dst, x []float32) {
	d := uintptr(unsafe.Pointer(unsafe.SliceData(dst)))
	s := uintptr(unsafe.Pointer(unsafe.SliceData(x)))
	n := uintptr(len(x)) * 4
	if len(dst) != len(x) || d != s && d < s+n && s < d+n {
		fail(fn, len(dst), len(x))
	}
}

// fail panics with Slices' message.
//
//go:noinline
func fail(fn string, nd, nx int) {
	if nd != nx {
		panic("rectify: " + fn + ": len(dst)=" + strconv.Itoa(nd) + " != len(x)=" + strconv.Itoa(nx))
	}
	panic("rectify: " + fn + ": dst and x overlap (only dst == x is allowed)")
}
