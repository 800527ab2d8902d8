package rectify

import (
	"github.com/rectify-go/rectify/fallback"
	"github.com/rectify-go/rectify/internal/check"
	"github.com/rectify-go/rectify/internal/dispatch"
	"github.com/rectify-go/rectify/kernels"
)

// Softmax sets each row of cols elements of dst to the softmax of the
// same row of x: e^(x[i]-max) / sum_j e^(x[j]-max), max the row's
// largest element. Every output is within 1 ULP of the true value, and the
// bits are the same on every path and architecture: the row's sum is
// taken in one fixed order (16 interleaved float64 partial sums,
// combined pairwise), whatever the vector width.
//
// Entries of -Inf give +0 and leave the rest as if they were absent; a
// row containing NaN or +Inf, or only -Inf, gives the quiet NaN
// 0x7fc00000 throughout. No finite input overflows; subnormal outputs are
// computed.
//
// len(x) must be a multiple of cols >= 1, else the call panics naming
// both; dst must have len(x) elements and may be x itself, but any other
// overlap panics. It allocates nothing.
func Softmax(dst, x []float32, cols int) {
	if !oneRow(fallback.RowSoftmax, dst, x, nil, cols) {
		fallback.Rows(fallback.RowSoftmax, dst, x, cols, rowPasses())
	}
}

// LogSoftmax sets each row of cols elements of dst to the log-softmax of
// the same row of x: x[i] - max - log(sum_j e^(x[j]-max)), within 1 ULP,
// with the same bits on every path (the sum as in Softmax).
//
// Entries of -Inf give -Inf; a row containing NaN, or only -Inf, gives
// the quiet NaN 0x7fc00000 throughout; a row containing +Inf (and no NaN)
// gives that NaN where x is +Inf and -Inf elsewhere.
//
// len(x) must be a multiple of cols >= 1, else the call panics naming
// both; dst must have len(x) elements and may be x itself, but any other
// overlap panics. It allocates nothing.
func LogSoftmax(dst, x []float32, cols int) {
	if !oneRow(fallback.RowLogSoftmax, dst, x, nil, cols) {
		fallback.Rows(fallback.RowLogSoftmax, dst, x, cols, rowPasses())
	}
}

// LogSumExp sets dst[r] = log(sum_j e^x[r*cols+j]) for each row r of
// cols elements of x, computed as max + log(sum_j e^(x[j]-max)) with the
// sum as in Softmax: never overflowing, the same bits on every path.
// Every result is within 1 ULP of the true value where that is at least
// 2^-20 in magnitude; where max + log(sum) may cancel (a maximum in
// (-1.04*bits.Len(cols), 0): rows of log-probabilities, for one) the sum
// is taken more precisely, and below 2^-20 the error stays within 1 ULP
// plus about 2^-55 (measured).
//
// A row containing NaN gives the quiet NaN 0x7fc00000; else a row with
// +Inf gives +Inf, and a row of only -Inf gives -Inf.
//
// len(x) must be a multiple of cols >= 1, else the call panics naming
// both; dst must have len(x)/cols elements and must not overlap x. It
// allocates nothing.
func LogSumExp(dst, x []float32, cols int) {
	if !oneRow(fallback.RowLogSumExp, dst, x, nil, cols) {
		fallback.Rows(fallback.RowLogSumExp, dst, x, cols, rowPasses())
	}
}

// oneFits reports whether x is a single row of cols elements that level
// l's multi-row passes take: up to fallback.RowBlockCols elements, a
// multiple of kernels.RowLanes unless the passes take any length
// (Partial) without faulting past the row's end (TailFaults: unless in
// the page of x's last element, and of out's, the output stored under
// lane masks).
func oneFits(l dispatch.Level, out, x []float32, cols int) bool {
	b := simdRows[l].Block
	return len(x) == cols && cols <= fallback.RowBlockCols && b != nil &&
		(cols%kernels.RowLanes == 0 || b.Partial && (!b.TailFaults || fallback.TailInPage(cols, x, out)))
}

// A blockPass names a multi-row pass: its index in internal/ir.RowBlock
// (the constants of kernels_table.go), which callBlock runs.
type blockPass int

// oneRow runs row kernel k (Softmax, LogSoftmax, LogSumExp, or
// LogSumExpGrad with its dy) where x is a single row that a level's
// multi-row passes take (oneFits), and reports whether it did. Its steps
// are those of fallback's blockRows for one row
// (so the bits are the same), its state on the stack and the passes
// called directly (callBlock), where blockRows takes its states from a
// sync.Pool and loops over a block (1 x 256 on AVX-512: Softmax 9 %,
// LogSoftmax 13 %, LogSumExp 29 % faster so). A row that blockRows
// settles otherwise (a NaN entry or an infinite maximum, whose sum is
// NaN; a log for CompLog; LogSumExp's precise sum; LogSumExpGrad's dy NaN
// or infinite) returns false having written nothing, and the general
// driver runs it from the start.
func oneRow(k fallback.RowKind, dst, x, dy []float32, cols int) bool {
	l := dispatch.Selected()
	out := dst
	if k == fallback.RowLogSumExp {
		out = nil
	}
	if !oneFits(l, out, x, cols) {
		return false
	}
	if k == fallback.RowLogSumExpGrad {
		check.RowsDy(k.String(), dst, x, dy, cols)
		if g := dy[0]; g-g != 0 { // NaN or infinite
			return false
		}
	} else {
		check.Rows(k.String(), dst, x, cols, k == fallback.RowLogSumExp)
	}
	var st kernels.Row
	callBlock(l, blockRowMax, nil, x, nil, &st, cols)
	m := st.M + 0 // -0 -> +0
	if k == fallback.RowLogSumExp && m < 0 && float64(m) > fallback.CancelBound(cols) {
		return false
	}
	st.M = m
	callBlock(l, blockSoftmaxSum, nil, x, nil, &st, cols)
	s := st.S
	if s != s { // a NaN entry, or an infinite maximum (Inf - Inf)
		return false
	}
	switch k {
	case fallback.RowSoftmax, fallback.RowLogSumExpGrad:
		g := 1.0 // LogSumExpGrad: dy/sum
		if k == fallback.RowLogSumExpGrad {
			g = float64(dy[0])
		}
		st.C = g / s
		callBlock(l, blockSoftmaxOut, dst, x, nil, &st, cols)
		return true
	case fallback.RowLogSoftmax:
		m = 0 // the log is added to 0 (PlainLogOK)
	}
	lg := fallback.LogSum(s, 0)
	if !fallback.PlainLogOK(lg, m, fallback.PlainBound(cols)) {
		return false
	}
	if k == fallback.RowLogSumExp {
		dst[0] = float32(float64(m) + lg)
		return true
	}
	st.C = lg
	callBlock(l, blockLogSoftmaxOut, dst, x, nil, &st, cols)
	return true
}

// simdRows are the row passes of every level: the assembly passes on
// whole groups of kernels.RowLanes elements, in chunks, then the Go pass
// on the rest of the row, and the level's multi-row passes (Block, nil
// where it has none); the Go passes where a level has none.
var simdRows = func() (t [dispatch.AVX512 + 1]fallback.RowPasses) {
	for l := range t {
		t[l] = fallback.GoRowPasses
	}
	for l, s := range rowSets {
		g := fallback.GoRowPasses
		t[l] = fallback.RowPasses{
			RowMax:             rowPass(s.RowMax, g.RowMax),
			RowSum:             rowPass(s.RowSum, g.RowSum),
			SoftmaxSum:         rowPass(s.SoftmaxSum, g.SoftmaxSum),
			ExpSum:             rowPass(s.ExpSum, g.ExpSum),
			SoftmaxOut:         rowPass(s.SoftmaxOut, g.SoftmaxOut),
			LogSoftmaxOut:      rowPass(s.LogSoftmaxOut, g.LogSoftmaxOut),
			GradDot:            rowPass2(s.GradDot, g.GradDot),
			GradSum:            rowPass(s.GradSum, g.GradSum),
			SoftmaxGradOut:     rowPass2(s.SoftmaxGradOut, g.SoftmaxGradOut),
			LogSoftmaxGradOut:  rowPass2(s.LogSoftmaxGradOut, g.LogSoftmaxGradOut),
			LogSoftmaxGradFast: rowPass2(s.LogSoftmaxGradFast, g.LogSoftmaxGradFast),
			Block:              rowBlockSets[l],
		}
	}
	return t
}()

func rowPasses() *fallback.RowPasses { return &simdRows[dispatch.Selected()] }

// rowPass runs the assembly pass f on the whole groups of lanes of x,
// chunk by chunk, and the Go pass g on the rest, which starts at lane 0.
// Each chunk's call is a preemption point (callRow); a row of one chunk
// calls f directly, the closure's own entry being that point. A request
// to fold the lanes (kernels.Row.Fold) goes to f's last call, where no
// Go pass follows it.
func rowPass(f, g fallback.RowPass) fallback.RowPass {
	return func(dst, x []float32, st *kernels.Row) {
		n := len(x) &^ (kernels.RowLanes - 1)
		if n == len(x) && n <= chunk { // whole groups, one call
			f(dst, x, st)
			return
		}
		fold := st.Fold
		st.Fold = 0
		for i := 0; i < n; i += chunk {
			j := min(i+chunk, n)
			if j == len(x) {
				st.Fold = fold
			}
			if n <= chunk {
				f(part(dst, i, j), x[i:j], st)
			} else {
				callRow(f, part(dst, i, j), x[i:j], st)
			}
		}
		if n < len(x) {
			g(part(dst, n, len(x)), x[n:], st)
		}
	}
}

// part returns dst[i:j], or nil for a pass that writes nothing.
func part(dst []float32, i, j int) []float32 {
	if dst == nil {
		return nil
	}
	return dst[i:j]
}

// callRow calls f; not inlined, it is a preemption point (see
// call).
//
//go:noinline
func callRow(f fallback.RowPass, dst, x []float32, st *kernels.Row) { f(dst, x, st) }
