// Package check holds the argument check of every public kernel, in
// package rectify and in package fallback alike. A failed check panics
// with an error whose message names the function and what failed.
package check

import (
	"strconv"
	"unsafe"
)

// Slices panics unless dst and x have the same length and are either the
// same slice or do not overlap; the message names fn, the public function.
// It is small enough to be inlined: a call costs more than the check on
// slices of a few elements.
func Slices(fn string, dst, x []float32) {
	d, s, n := base(dst), base(x), uintptr(len(x))*4
	if len(dst) != len(x) || clash(d, s, n) {
		panic(argError{fn, len(dst), len(x), len(x), d, s, d})
	}
}

// Grad panics as Slices does for dst and x, and unless dy has the length
// of x and either is dst or does not overlap it (x and dy may overlap:
// both are only read).
func Grad(fn string, dst, x, dy []float32) {
	d, s, y, n := base(dst), base(x), base(dy), uintptr(len(x))*4
	if len(dst) != len(x) || len(dy) != len(x) || clash(d, s, n) || clash(d, y, n) {
		panic(argError{fn, len(dst), len(x), len(dy), d, s, y})
	}
}

// clash reports whether the n bytes at a and at b overlap, a and b not
// being one address.
func clash(a, b, n uintptr) bool { return a != b && max(a, b)-min(a, b) < n }

// base returns the address of s's first element.
func base(s []float32) uintptr { return uintptr(unsafe.Pointer(unsafe.SliceData(s))) }

// An argError is the panic of Slices and Grad: the lengths of dst, x and
// dy and the addresses of their first elements (dst's, with x's length,
// for dy in Slices): no slice, which would make its array escape to the
// heap. Its message, built when printed, names the first check that
// failed, so that the checks themselves make no call.
type argError struct {
	fn         string
	nd, nx, ny int
	d, x, y    uintptr
}

func (e argError) Error() string {
	switch {
	case e.nd != e.nx:
		return "rectify: " + e.fn + ": len(dst)=" + strconv.Itoa(e.nd) + " != len(x)=" + strconv.Itoa(e.nx)
	case e.ny != e.nx:
		return "rectify: " + e.fn + ": len(dy)=" + strconv.Itoa(e.ny) + " != len(x)=" + strconv.Itoa(e.nx)
	case clash(e.d, e.x, uintptr(e.nx)*4):
		return "rectify: " + e.fn + ": dst and x overlap (only dst == x is allowed)"
	}
	return "rectify: " + e.fn + ": dst and dy overlap (only dst == dy is allowed)"
}

// A message is the panic of the other checks, an error too.
type message string

func (m message) Error() string { return string(m) }

// Repeated panics as Slices does for dst and x, and unless y, named name,
// repeats along x (len(x) a multiple of len(y), len(y) > 0) and does not
// overlap dst: a function reading y for every row of x must not write it.
// x may overlap y.
func Repeated(fn, name string, dst, x, y []float32) {
	Slices(fn, dst, x)
	if len(y) == 0 || len(x)%len(y) != 0 {
		failRepeated(fn, name, len(x), len(y))
	}
	if overlap(dst, y) {
		panic(message("rectify: " + fn + ": dst and " + name + " overlap"))
	}
}

// overlap reports whether a and b share an element.
func overlap(a, b []float32) bool {
	pa := uintptr(unsafe.Pointer(unsafe.SliceData(a)))
	pb := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	return len(a) > 0 && len(b) > 0 && pa < pb+uintptr(len(b))*4 && pb < pa+uintptr(len(a))*4
}

// failRepeated panics with Repeated's message on the lengths.
//
//go:noinline
func failRepeated(fn, name string, nx, ny int) {
	panic(message("rectify: " + fn + ": len(x)=" + strconv.Itoa(nx) + " is not a multiple of len(" + name + ")=" + strconv.Itoa(ny)))
}

// PReLUGrad panics as Grad does for dx, x and dy and as Repeated does for
// slope, and unless dslope has the length of slope and either is slope or
// overlaps none of dx, x, dy and slope.
func PReLUGrad(dx, dslope, x, dy, slope []float32) {
	const fn = "PReLUGrad"
	Grad(fn, dx, x, dy)
	Repeated(fn, "slope", dx, x, slope)
	if len(dslope) != len(slope) {
		panic(message("rectify: " + fn + ": len(dslope)=" + strconv.Itoa(len(dslope)) + " != len(slope)=" + strconv.Itoa(len(slope))))
	}
	if overlap(dslope, dx) || overlap(dslope, x) || overlap(dslope, dy) ||
		unsafe.SliceData(dslope) != unsafe.SliceData(slope) && overlap(dslope, slope) {
		panic(message("rectify: " + fn + ": dslope overlaps another slice (only dslope == slope is allowed)"))
	}
}

// Rows panics unless x holds whole rows of cols >= 1 elements and dst
// fits the row kernel fn: len(x) elements, identical to x or not
// overlapping it (perRow false), or one element per row, not overlapping x
// (perRow true). The messages name the lengths. It returns the number of
// rows.
func Rows(fn string, dst, x []float32, cols int, perRow bool) int {
	n := rowCount(fn, "x", len(x), cols)
	if !perRow {
		Slices(fn, dst, x)
		return n
	}
	if len(dst) != n {
		panic(message("rectify: " + fn + ": len(dst)=" + strconv.Itoa(len(dst)) + " != len(x)/cols=" + strconv.Itoa(n)))
	}
	if overlap(dst, x) {
		panic(message("rectify: " + fn + ": dst and x overlap"))
	}
	return n
}

// rowCount returns length/cols, the number of rows of the slice named
// name, and panics unless cols >= 1 divides length: one division.
func rowCount(fn, name string, length, cols int) int {
	if cols < 1 {
		failCols(fn, name, length, cols)
	}
	n := length / cols
	if n*cols != length {
		failCols(fn, name, length, cols)
	}
	return n
}

// failCols panics with rowCount's message on the lengths.
//
//go:noinline
func failCols(fn, name string, length, cols int) {
	panic(message("rectify: " + fn + ": len(" + name + ")=" + strconv.Itoa(length) + " is not a multiple of cols=" + strconv.Itoa(cols)))
}

// RowGrad panics unless dx, y and dy have one length, a multiple of cols
// >= 1, and dx is y, dy or overlaps neither (y and dy may overlap: both
// are only read), for the row gradient fn. The messages name the lengths.
// It returns the number of rows.
func RowGrad(fn string, dx, y, dy []float32, cols int) int {
	if len(dx) != len(y) || len(dy) != len(y) {
		panic(message("rectify: " + fn + ": len(dx)=" + strconv.Itoa(len(dx)) + ", len(y)=" + strconv.Itoa(len(y)) +
			", len(dy)=" + strconv.Itoa(len(dy)) + " differ"))
	}
	n := rowCount(fn, "y", len(y), cols)
	for _, in := range [...]struct {
		name string
		s    []float32
	}{{"y", y}, {"dy", dy}} {
		if unsafe.SliceData(dx) != unsafe.SliceData(in.s) && overlap(dx, in.s) {
			panic(message("rectify: " + fn + ": dx and " + in.name + " overlap (only dx == " + in.name + " is allowed)"))
		}
	}
	return n
}

// RowsDy panics unless x holds whole rows of cols >= 1 elements, dx has
// len(x) elements and is x or does not overlap it, and dy has one
// element per row and does not overlap dx, for a row kernel fn that reads
// one dy per row (LogSumExpGrad). The messages name the lengths. It
// returns the number of rows.
func RowsDy(fn string, dx, x, dy []float32, cols int) int {
	n := rowCount(fn, "x", len(x), cols)
	if len(dx) != len(x) {
		panic(message("rectify: " + fn + ": len(dx)=" + strconv.Itoa(len(dx)) + " != len(x)=" + strconv.Itoa(len(x))))
	}
	if len(dy) != n {
		panic(message("rectify: " + fn + ": len(dy)=" + strconv.Itoa(len(dy)) + " != len(x)/cols=" + strconv.Itoa(n)))
	}
	if unsafe.SliceData(dx) != unsafe.SliceData(x) && overlap(dx, x) {
		panic(message("rectify: " + fn + ": dx and x overlap (only dx == x is allowed)"))
	}
	if overlap(dx, dy) {
		panic(message("rectify: " + fn + ": dx and dy overlap"))
	}
	return n
}
