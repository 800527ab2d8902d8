package fallback

import (
	"testing"

	"github.com/rectify-go/rectify/internal/testutil"
)

// TestGradNaNInlined checks that the gradients' NaN rule stays small
// enough to be inlined: a call per element made the Go gradient kernels up
// to 3.2 times slower (the performance log, twenty-eighth session).
func TestGradNaNInlined(t *testing.T) { testutil.Inlined(t, "gradNaN") }
