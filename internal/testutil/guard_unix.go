//go:build unix

package testutil

import (
	"syscall"
	"unsafe"
)

// Guarded returns a slice of n float32 that ends exactly where an
// inaccessible (PROT_NONE) page begins, or, with atStart, that begins
// exactly where one ends: any access past the slice faults. free releases
// the mapping.
func Guarded(n int, atStart bool) (s []float32, free func(), ok bool) {
	page := syscall.Getpagesize()
	size := (n*4 + page - 1) / page * page
	mem, err := syscall.Mmap(-1, 0, size+2*page, syscall.PROT_READ|syscall.PROT_WRITE,
		syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		panic(err)
	}
	if err := syscall.Mprotect(mem[:page], syscall.PROT_NONE); err != nil {
		panic(err)
	}
	if err := syscall.Mprotect(mem[page+size:], syscall.PROT_NONE); err != nil {
		panic(err)
	}
	off := page + size - n*4
	if atStart {
		off = page
	}
	if n > 0 {
		s = unsafe.Slice((*float32)(unsafe.Pointer(&mem[off])), n)
	} else {
		s = []float32{}
	}
	return s, func() { syscall.Munmap(mem) }, true
}
