//go:build amd64

package rectify

import (
	"os"
	"testing"

	"github.com/rectify-go/rectify/internal/dispatch"
)

// TestX86Wanted fails when RECTIFY_TEST_WANT (avx512, avx2 or generic) is
// set and is not the level in use, so that a run under an emulated CPU
// (qemu-x86_64-static -cpu Haswell, -cpu Nehalem) cannot pass by silently
// testing another path.
func TestX86Wanted(t *testing.T) {
	w := os.Getenv("RECTIFY_TEST_WANT")
	if w == "" {
		t.Skip("RECTIFY_TEST_WANT not set")
	}
	want, ok := dispatch.Parse(w)
	if !ok {
		t.Fatalf("RECTIFY_TEST_WANT=%q names no level", w)
	}
	if got := dispatch.Selected(); got != want {
		t.Fatalf("RECTIFY_TEST_WANT=%s but the selected level is %s (supported: %v)", want, got, dispatch.Supported())
	}
	if Implementation() != want.String() {
		t.Errorf("Implementation() = %q, want %q", Implementation(), want)
	}
}
