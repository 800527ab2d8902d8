package check

import (
	"testing"

	"github.com/rectify-go/rectify/internal/testutil"
)

// TestSlicesInlined checks that the compiler inlines Slices, as its
// comment says: every public function and Go kernel checks its slices
// with it, and a call costs more than the check on a few elements.
func TestSlicesInlined(t *testing.T) { testutil.Inlined(t, "Slices") }
