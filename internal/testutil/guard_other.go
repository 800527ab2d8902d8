//go:build !unix

package testutil

// Guarded is not available without mmap; ok is false.
func Guarded(n int, atStart bool) (s []float32, free func(), ok bool) {
	return nil, func() {}, false
}
