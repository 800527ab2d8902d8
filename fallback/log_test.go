package fallback

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/rectify-go/rectify/kernels"
)

// TestLogSum checks LogSum against math.Log1p and math.Log to its bound,
// 2^-42 relative (kernels.RowLogBits), on sums near 1, across [1, 2),
// at and just below every table entry, and over many binades, with the
// compensation c of a row's sum.
func TestLogSum(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	check := func(s, c float64) {
		t.Helper()
		want := math.Log(s) + c/s // log(s + c), |c/s| <= 2^-52
		if s < 2 {
			want = math.Log1p((s - 1) + c) // s - 1 exact
		}
		if got := LogSum(s, c); math.Abs(got-want) > 0x1p-42*math.Abs(want) {
			t.Fatalf("LogSum(%v, %v) = %v, want %v (relative error 2^%.1f)", s, c, got, want, math.Log2(math.Abs(got-want)/want))
		}
	}
	for j := range 1 << kernels.RowLogBits {
		e := 1 + float64(j)/(1<<kernels.RowLogBits)
		for _, s := range []float64{e, math.Nextafter(e, 0), math.Nextafter(e, 2), e + 0x1p-9, 2 * e, 1024 * e} {
			if s >= 1 {
				check(s, 0)
			}
		}
	}
	for range 1 << 18 {
		for _, s := range []float64{1 + r.Float64(), 1 + r.Float64()*0x1p-30, 1 + r.Float64()*0x1p-8, math.Exp2(r.Float64() * 40)} {
			c := (r.Float64() - 0.5) * 0x1p-52 * s
			if s == 1 {
				c = math.Abs(c)
			}
			check(s, c)
		}
	}
}
