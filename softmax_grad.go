package rectify

import (
	"github.com/rectify-go/rectify/fallback"
	"github.com/rectify-go/rectify/kernels"
)

// SoftmaxGrad sets each row of cols elements of dx to the gradient of
// Softmax from its output y and the incoming gradient dy: dx[i] = y[i] *
// (dy[i] - s), s = sum_j dy[j]*y[j] over the row. The products are exact
// in float64 and summed as Softmax's sum (16 interleaved compensated
// partial sums, combined pairwise), s kept as a float-float; dy[i] - s
// and the product with y[i] are computed in float64 and rounded once to
// float32, with the same bits on every path and architecture.
//
// Every output is within 1 ULP of the exact value from the float32 y and
// dy unless dy[i] - s cancels to below about 2^-70 of sum_j |dy[j]*y[j]|
// (the float-float sum's own error; see the README's row gradients),
// measured at most 0.5000 ULP over rows of 1 to 64Ki+3 elements, a row
// of equal dy included (where the true gradient is tiny).
//
// A row with a NaN or infinite y or dy (whose s is NaN or infinite) gives
// the quiet NaN 0x7fc00000 throughout; y[i] = 0 gives a zero with the sign
// of dy[i] - s.
//
// dx, y and dy must have the same length, a multiple of cols >= 1, else
// the call panics naming the lengths; dx may be y or dy itself, but any
// other overlap of dx with y or dy panics (y and dy may overlap). It
// allocates nothing.
func SoftmaxGrad(dx, y, dy []float32, cols int) {
	fallback.GradRows(fallback.RowSoftmaxGrad, dx, y, dy, cols, rowPasses())
}

// LogSoftmaxGrad sets each row of cols elements of dx to the gradient of
// LogSoftmax from its output y and the incoming gradient dy: dx[i] =
// dy[i] - e^y[i] * s, s = sum_j dy[j] over the row, summed as SoftmaxGrad's
// s. dy[i] - e^y[i]*s is computed in float64 (relative error below
// 2^-44.4 in e^y*s) and rounded once to float32; in each part of a row of
// up to 4096 elements from its start (fallback.FastPart) where an output
// is below 2^-16 of e^y*s in magnitude (dy and e^y*s cancel), the part is
// computed again with e^y a float-float of relative error about 2^-59 and
// its product with s taken exactly but for terms of that order. The
// same bits on every path, dx in place or not.
//
// Every output is within 1 ULP of the exact value unless dy[i] - e^y[i]*s
// cancels to below about 2^-33 of e^y[i]*|s| (see the README),
// measured at most 0.5055 ULP over rows of 1 to 64Ki+3 elements, a row
// of equal dy over a uniform y included.
//
// y = -Inf (a zero probability) gives dy (a -0 dy may give +0); y is
// clamped to [-709, 200] (e^200*s overflows float32 for any s != 0); a
// NaN y gives that NaN quieted (bits | 0x00400000); a row with a NaN or
// infinite dy gives the quiet NaN 0x7fc00000 throughout.
//
// The arguments are checked as SoftmaxGrad's. It allocates nothing.
func LogSoftmaxGrad(dx, y, dy []float32, cols int) {
	fallback.GradRows(fallback.RowLogSoftmaxGrad, dx, y, dy, cols, rowPasses())
}

// LogSumExpGrad sets each row of cols elements of dx to the gradient of
// LogSumExp through that row of x, scaled by the row's incoming gradient
// dy[r]: dx[r*cols+i] = dy[r] * softmax(x_row)[i], the derivative of
// LogSumExp being the softmax of its input. It runs as Softmax, with the
// row's 1/sum replaced by dy[r]/sum (one float64 division), so that each
// output is e^(x[i]-max) * (dy[r]/sum) rounded once to float32, with the
// same bits on every path and architecture. Every output is within 1 ULP
// of the exact dy[r] * softmax(x_row)[i], measured at most 0.5556 ULP
// over rows of 1 to 1Mi elements.
//
// A row of x with NaN or +Inf, or only -Inf, gives the quiet NaN
// 0x7fc00000 throughout, whatever dy[r]; so does a NaN dy[r]. An infinite
// dy[r] gives dy[r] where Softmax's output is above 0 and 0x7fc00000 where
// it is 0 (0 * Inf: the -Inf entries and those that underflow); a zero
// dy[r] gives zeros of its sign.
//
// len(x) must be a multiple of cols >= 1, dx must have len(x) elements
// and dy len(x)/cols, else the call panics naming the lengths; dx may be
// x itself, but any other overlap of dx with x or dy panics. It allocates
// nothing.
func LogSumExpGrad(dx, x, dy []float32, cols int) {
	if !oneRow(fallback.RowLogSumExpGrad, dx, x, dy, cols) {
		fallback.LogSumExpGradRows(dx, x, dy, cols, rowPasses())
	}
}

// rowPass2 is rowPass for a pass over two inputs of one length.
func rowPass2(f, g fallback.RowPass2) fallback.RowPass2 {
	return func(dst, x, y []float32, st *kernels.Row) {
		n := len(x) &^ (kernels.RowLanes - 1)
		if n == len(x) && n <= chunk { // whole groups, one call
			f(dst, x, y, st)
			return
		}
		fold := st.Fold
		st.Fold = 0
		for i := 0; i < n; i += chunk {
			j := min(i+chunk, n)
			if j == len(x) {
				st.Fold = fold
			}
			callRow2(f, part(dst, i, j), x[i:j], y[i:j], st)
		}
		if n < len(x) {
			g(part(dst, n, len(x)), x[n:], y[n:], st)
		}
	}
}

// callRow2 calls f; not inlined, it is a preemption point (see
// call).
//
//go:noinline
func callRow2(f fallback.RowPass2, dst, x, y []float32, st *kernels.Row) { f(dst, x, y, st) }
