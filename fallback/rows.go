package fallback

import (
	"math"
	"math/bits"
	"sync"
	"unsafe"

	"github.com/rectify-go/rectify/internal/check"
	"github.com/rectify-go/rectify/kernels"
)

// A RowPass is one pass of a row kernel over (part of) a row, continuing
// from the state st: element i of x is lane i % kernels.RowLanes, so a
// part must start at a multiple of RowLanes into the row. The Go passes
// below take any length; package rectify's take its SIMD kernels on whole
// groups of lanes and these on the rest.
type RowPass func(dst, x []float32, st *kernels.Row)

// A RowPass2 is a RowPass over two inputs of one length: the gradients'
// y (the forward output) as x and dy as y.
type RowPass2 func(dst, x, y []float32, st *kernels.Row)

// RowPasses are the passes of every row kernel on one path, by name of
// the ir.RowPasses Program they run, and its multi-row passes (nil where
// it has none).
type RowPasses struct {
	RowMax, RowSum, SoftmaxSum, ExpSum, SoftmaxOut, LogSoftmaxOut RowPass
	GradDot                                                       RowPass2
	GradSum                                                       RowPass
	SoftmaxGradOut, LogSoftmaxGradOut, LogSoftmaxGradFast         RowPass2
	Block                                                         *RowBlockPasses
}

// A RowBlockPass is the multi-row form of a row pass (ir.RowBlock): x
// holds len(x)/cols whole rows of cols elements, cols a multiple of
// kernels.RowLanes unless the passes take any (RowBlockPasses.Partial),
// and st points to the first of as many states, one per row; each row
// runs as the pass's single call with Fold set, its lanes from -Inf and 0
// (ir.RowBlockSignatures).
type RowBlockPass func(dst, x []float32, st *kernels.Row, cols int)

// A RowBlockPass2 is a RowBlockPass over two inputs of one length.
type RowBlockPass2 func(dst, x, y []float32, st *kernels.Row, cols int)

// RowBlockPasses are the multi-row passes of a path, by name of the
// ir.RowBlock Program they run.
type RowBlockPasses struct {
	RowMax, SoftmaxSum, RowSum, SoftmaxOut, LogSoftmaxOut RowBlockPass
	GradDot                                               RowBlockPass2
	GradSum                                               RowBlockPass
	SoftmaxGradOut, LogSoftmaxGradOut, LogSoftmaxGradFast RowBlockPass2
	// Logs, where set, sets the C of each of the rowBlock row states from
	// st on (a block's, those past its rows too) to the log of its S,
	// with LogSum's bits (logSumD's steps); else Go computes them. It
	// returns the mask of the states whose S is a number and whose
	// plain log passes PlainLogOK(C, m, bound), m being M for a dst
	// (LogSumExp's, one per row, which it sets to M + C where the bit
	// is set and may set elsewhere; then M must also be at least 0 or at
	// most cancel, CancelBound's) and 0 for none (LogSoftmax's).
	Logs func(st *kernels.Row, dst []float32, bound, cancel float64) uint32
	// CancelLogs, where set, settles LogSumExp's rows that may cancel
	// from RowSum's sums: for each of the rowBlock states from st on whose
	// M lies in (cancel, 0) (CancelBound) and whose S is a number, it
	// stores PreciseLogSumExp(M, S, Lo) (its steps, so its bits) to dst
	// and sets the state's bit in the mask it returns; it may store to
	// dst's other rows too.
	CancelLogs func(st *kernels.Row, dst []float32, cancel float64) uint32
	// Partial reports that the passes also take rows of no whole number
	// of groups, as if padded with their programs' Fill
	// (ir.Program.Fill): no row is then padded (paddedRows,
	// paddedGradRows).
	Partial bool
	// TailFaults reports that Partial's lane masks may not keep a row's
	// last group from faulting past the row's end: AVX2's VMASKMOVPS
	// under qemu's emulation reads the masked-off lanes too. Only a
	// slice's last rows reach past its end, and only where that crosses
	// into another page may it fault (TailInPage): those rows alone are
	// then padded (faultRows).
	TailFaults bool
}

// GoRowPasses are the pure-Go passes.
var GoRowPasses = RowPasses{rowMax, rowSum, softmaxSum, expSum, softmaxOut, logSoftmaxOut,
	gradDot, gradSum, softmaxGradOut, logSoftmaxGradOut, logSoftmaxGradFast, nil}

// rowMax is ir.RowMax: the maximum of each lane, NaNs ignored.
func rowMax(_, x []float32, st *kernels.Row) {
	for i, v := range x {
		if l := i % kernels.RowLanes; v > st.Max[l] {
			st.Max[l] = v
		}
	}
}

// rowDiff is x - M in float64.
func rowDiff(v float32, st *kernels.Row) float64 {
	return max(float64(v)-float64(st.M), kernels.RowExpClamp) // v NaN: NaN (Go's max)
}

// rowSum is ir.RowSum: the compensated sum of e^(x-M), lane by lane
// (LogSumExp where max + log(sum) cancels).
func rowSum(_, x []float32, st *kernels.Row) {
	for i, v := range x {
		z := rowDiff(v, st)
		nn := math.FMA(z, kernels.Log2eD, kernels.ExpMagicD)
		n := nn - kernels.ExpMagicD
		r := math.FMA(n, -kernels.Ln2LoD, math.FMA(n, -kernels.Ln2D, z))
		e := kernels.RowGradT13
		for _, c := range [...]float64{kernels.RowGradT12, kernels.RowExpT11, kernels.RowExpT10, kernels.RowExpT9, kernels.RowExpT8,
			kernels.RowExpT7, kernels.RowExpT6, kernels.RowExpT5, kernels.RowExpT4, kernels.RowExpT3, 0.5, 1, 1} {
			e = math.FMA(e, r, c)
		}
		t := float64(math.Float64frombits(math.Float64bits(nn)<<kernels.ExpShiftD) * e)
		l := i % kernels.RowLanes
		st.Sum[l], st.Comp[l] = kernels.AddComp(st.Sum[l], st.Comp[l], t)
	}
}

// softmaxSum is ir.SoftmaxSum: the sum of e^(x-M) = 2^n*E by expDParts,
// lane by lane, uncompensated, each term added by one FMA (2^n*E is exact:
// the bits of a multiplication and an addition).
func softmaxSum(_, x []float32, st *kernels.Row) {
	for i, v := range x {
		s, e := expDParts(rowDiff(v, st))
		l := i % kernels.RowLanes
		st.Sum[l] = math.FMA(s, e, st.Sum[l])
	}
}

// expSum is ir.ExpSum: the compensated sum of e^(x-M) by expD.
func expSum(_, x []float32, st *kernels.Row) {
	for i, v := range x {
		l := i % kernels.RowLanes
		st.Sum[l], st.Comp[l] = kernels.AddComp(st.Sum[l], st.Comp[l], expD(rowDiff(v, st)))
	}
}

// softmaxOut is ir.SoftmaxOut: e^(x-M) * C rounded once.
func softmaxOut(dst, x []float32, st *kernels.Row) {
	for i, v := range x {
		dst[i] = float32(expD(rowDiff(v, st)) * st.C)
	}
}

// logSoftmaxOut is ir.LogSoftmaxOut: (x - M) - C rounded once.
func logSoftmaxOut(dst, x []float32, st *kernels.Row) {
	for i, v := range x {
		dst[i] = float32((float64(v) - float64(st.M)) - st.C)
	}
}

// gradDot is ir.GradDot: the compensated sum of x*y (exact products).
func gradDot(_, x, y []float32, st *kernels.Row) {
	for i, v := range x {
		l := i % kernels.RowLanes
		st.Sum[l], st.Comp[l] = kernels.AddComp(st.Sum[l], st.Comp[l], float64(v)*float64(y[i]))
	}
}

// gradSum is ir.GradSum: the compensated sum of x.
func gradSum(_, x []float32, st *kernels.Row) {
	for i, v := range x {
		l := i % kernels.RowLanes
		st.Sum[l], st.Comp[l] = kernels.AddComp(st.Sum[l], st.Comp[l], float64(v))
	}
}

// softmaxGradOut is ir.SoftmaxGradOut: x * ((y - C) - D) rounded once (x
// the forward output, y the incoming gradient).
func softmaxGradOut(dst, x, y []float32, st *kernels.Row) {
	for i, v := range x {
		dst[i] = float32(float64((float64(y[i])-st.C)-st.D) * float64(v))
	}
}

// logSoftmaxGradOut is ir.LogSoftmaxGradOut: y - e^x * (C + D), e^x in
// float-float (kernels.Ln2LoD), a NaN x quieted.
func logSoftmaxGradOut(dst, x, y []float32, st *kernels.Row) {
	for i, v := range x {
		z := float64(max(min(v, kernels.RowGradYMax), kernels.RowExpClamp)) // v NaN: the final select
		n := math.FMA(z, kernels.Log2eD, kernels.ExpMagicD) - kernels.ExpMagicD
		rh := math.FMA(n, -kernels.Ln2D, z)
		hn := math.FMA(-rh, rh, 0)
		a := 1 + rh
		e1 := rh - (a - 1)
		b := math.FMA(-0.5, hn, a)
		e2 := math.FMA(-0.5, hn, a-b)
		l := math.FMA(rh, rh, hn)
		m := (e1 + e2) + float64(0.5*l)
		hnrh := float64(hn * rh)
		p := kernels.RowGradT14
		for _, c := range [...]float64{kernels.RowGradT13, kernels.RowGradT12, kernels.RowExpT11, kernels.RowExpT10,
			kernels.RowExpT9, kernels.RowExpT8, kernels.RowExpT7, kernels.RowExpT6, kernels.RowExpT5, kernels.RowExpT4, kernels.RowExpT3} {
			p = math.FMA(p, rh, c)
		}
		tail := float64(hnrh * p)
		low := (m - tail) + float64(float64(n*-kernels.Ln2LoD)*(b-tail))
		nph := math.FMA(-b, st.C, 0)
		plo := math.FMA(b, st.C, nph)
		rest := plo + math.FMA(b, st.D, float64(low*st.C))
		sc := math.Float64frombits(math.Float64bits(n+kernels.ExpMagicD) << kernels.ExpShiftD)
		w := math.FMA(-sc, rest, math.FMA(sc, nph, float64(y[i])))
		dst[i] = quiet(math.Float32bits(v), float32(w))
	}
}

// logSoftmaxGradFast is ir.LogSoftmaxGradFast: y - e^x*C in float64
// (kernels.RowGradE2's polynomial in rh alone), a NaN x quieted; each
// lane's maximum of RowGradCancel*|float32(y - dx)| - |dx|.
func logSoftmaxGradFast(dst, x, y []float32, st *kernels.Row) {
	for i, v := range x {
		z := float64(max(min(v, kernels.RowGradYMax), kernels.RowExpClamp)) // v NaN: quieted below, no maximum
		nn := math.FMA(z, kernels.Log2eD, kernels.ExpMagicD)
		rh := math.FMA(nn-kernels.ExpMagicD, -kernels.Ln2D, z)
		e := kernels.RowGradE9
		for _, c := range [...]float64{kernels.RowGradE8, kernels.RowGradE7, kernels.RowGradE6, kernels.RowGradE5,
			kernels.RowGradE4, kernels.RowGradE3, kernels.RowGradE2, 1, 1} {
			e = math.FMA(e, rh, c)
		}
		sc := math.Float64frombits(math.Float64bits(nn) << kernels.ExpShiftD)
		dx := quiet(math.Float32bits(v), float32(math.FMA(-sc, float64(e*st.C), float64(y[i]))))
		lim := float32(math.Float32frombits(math.Float32bits(float32(y[i]-dx))|kernels.SignBit) * kernels.RowGradCancel)
		if t, l := float32(math.Float32frombits(math.Float32bits(dx)|kernels.SignBit)-lim), i%kernels.RowLanes; t > st.Max[l] {
			st.Max[l] = t
		}
		dst[i] = dx
	}
}

// Softmax is rectify.Softmax in pure Go.
func Softmax(dst, x []float32, cols int) { Rows(RowSoftmax, dst, x, cols, &GoRowPasses) }

// LogSoftmax is rectify.LogSoftmax in pure Go.
func LogSoftmax(dst, x []float32, cols int) { Rows(RowLogSoftmax, dst, x, cols, &GoRowPasses) }

// LogSumExp is rectify.LogSumExp in pure Go.
func LogSumExp(dst, x []float32, cols int) { Rows(RowLogSumExp, dst, x, cols, &GoRowPasses) }

// SoftmaxGrad is rectify.SoftmaxGrad in pure Go.
func SoftmaxGrad(dx, y, dy []float32, cols int) {
	GradRows(RowSoftmaxGrad, dx, y, dy, cols, &GoRowPasses)
}

// LogSoftmaxGrad is rectify.LogSoftmaxGrad in pure Go.
func LogSoftmaxGrad(dx, y, dy []float32, cols int) {
	GradRows(RowLogSoftmaxGrad, dx, y, dy, cols, &GoRowPasses)
}

// LogSumExpGrad is rectify.LogSumExpGrad in pure Go.
func LogSumExpGrad(dx, x, dy []float32, cols int) { LogSumExpGradRows(dx, x, dy, cols, &GoRowPasses) }

// A RowKind is one of the row kernels, in the order of ir.RowKernels, then
// the row gradients, in the order of ir.RowGradKernels, then
// LogSumExpGrad.
type RowKind int

const (
	RowSoftmax RowKind = iota
	RowLogSoftmax
	RowLogSumExp
	RowSoftmaxGrad
	RowLogSoftmaxGrad
	RowLogSumExpGrad
)

var rowNames = [...]string{"Softmax", "LogSoftmax", "LogSumExp", "SoftmaxGrad", "LogSoftmaxGrad", "LogSumExpGrad"}

// String returns the public function's name.
func (k RowKind) String() string { return rowNames[k] }

// GradRows runs row gradient k (RowSoftmaxGrad or RowLogSoftmaxGrad) on
// each row of cols elements of y and dy with the passes p, after the
// public function's checks: the sum (GradDot: y*dy, GradSum: dy), its
// lanes combined as the forward sums' and normalised into the float-float
// C + D (C the sum rounded once), then the output pass. A row whose sum
// is NaN or infinite (a NaN or infinite dy; for SoftmaxGrad also y) is
// the quiet NaN 0x7fc00000 throughout. Where p has multi-row passes, rows
// of up to RowBlockCols elements run in blocks (blockGradRows), with the
// same bits: those of no whole number of groups padded (paddedGradRows)
// where the passes do not take them (Partial) or, for a slice's last rows,
// may fault past its end (TailFaults, TailInPage), unless they are long
// (padGradCols).
func GradRows(k RowKind, dx, y, dy []float32, cols int, p *RowPasses) {
	n := check.RowGrad(rowNames[k], dx, y, dy, cols)
	b := p.Block
	switch {
	case b == nil || cols > RowBlockCols:
	case cols%kernels.RowLanes == 0:
		blockGradRows(k, dx, y, dy, cols, n, p)
		return
	case b.Partial:
		m := n
		if b.TailFaults && !TailInPage(cols, dx, y, dy) {
			m -= min(n, faultRows(cols)) // padded or row by row
		}
		blockGradRows(k, dx, y, dy, cols, m, p)
		if m == n {
			return
		}
		o := m * cols
		dx, y, dy, n = dx[o:], y[o:], dy[o:], n-m
		if cols < padGradCols(k) {
			paddedGradRows(k, dx, y, dy, cols, n, p)
			return
		}
	case cols < padGradCols(k):
		paddedGradRows(k, dx, y, dy, cols, n, p)
		return
	}
	st := rowStates.Get().(*kernels.Row)
	defer rowStates.Put(st)
	st.Sum, st.Comp = [kernels.RowLanes]float64{}, [kernels.RowLanes]float64{}
	for r := range n {
		yr, dyr, out := y[r*cols:(r+1)*cols], dy[r*cols:(r+1)*cols], dx[r*cols:(r+1)*cols]
		st.Fold = 1
		if k == RowSoftmaxGrad {
			p.GradDot(nil, yr, dyr, st)
		} else {
			p.GradSum(nil, dyr, st)
		}
		s, c := foldedSum(st)
		hi := s + c
		if hi-hi != 0 { // NaN or infinite
			fillNaN(out)
			continue
		}
		st.C, st.D = hi, c-(hi-s)
		if k == RowSoftmaxGrad {
			p.SoftmaxGradOut(out, yr, dyr, st)
		} else {
			logSoftmaxGradRow(out, yr, dyr, st, p)
		}
	}
}

// FastPart is the most elements of the parts of a row (from its start)
// whose LogSoftmaxGrad output is LogSoftmaxGradFast's, unless it found
// an element of the part not exact enough (kernels.RowGradCancel), then
// LogSoftmaxGradOut's: the same parts, so the same bits, on every path.
const FastPart = 4096

// logSoftmaxGradRow runs LogSoftmaxGrad's output on one row, its state's
// C and D set, part by part (FastPart): LogSoftmaxGradFast, and where it
// found an element not exact enough, LogSoftmaxGradOut on that part. Where
// dx is y or dy, the fast pass stores to a copy first (the other pass
// reads y and dy).
func logSoftmaxGradRow(dx, y, dy []float32, st *kernels.Row, p *RowPasses) {
	var buf *[padBlock]float32
	if aliased(dx, y, dy) {
		buf = rowPads.Get().(*[padBlock]float32)
		defer rowPads.Put(buf)
	}
	for i := 0; i < len(y); i += FastPart {
		j := min(i+FastPart, len(y))
		out := dx[i:j]
		if buf != nil {
			out = buf[:j-i]
		}
		st.Fold = 1
		p.LogSoftmaxGradFast(out, y[i:j], dy[i:j], st)
		m := st.M
		if st.Fold != kernels.RowFolded {
			m = FoldMax(&st.Max)
			st.Max = noMax
		}
		st.Fold = 0
		switch {
		case m > 0:
			p.LogSoftmaxGradOut(dx[i:j], y[i:j], dy[i:j], st)
		case buf != nil:
			copy(dx[i:j], out)
		}
	}
}

// aliased reports whether dx is y or dy (the only overlaps that the
// public functions let through).
func aliased(dx, y, dy []float32) bool {
	d := unsafe.SliceData(dx)
	return d == unsafe.SliceData(y) || d == unsafe.SliceData(dy)
}

// blockGradRows runs row gradient k on the n rows of cols elements (a
// multiple of kernels.RowLanes where p's passes do not take the others:
// Partial; at most RowBlockCols) with p's multi-row passes, rowBlock rows
// per call, each row's steps those of GradRows, so
// that the bits are the same; a row whose sum is NaN or infinite runs the
// output pass too, then is filled with the quiet NaN.
func blockGradRows(k RowKind, dx, y, dy []float32, cols, n int, p *RowPasses) {
	b := p.Block
	sts := rowBlocks.Get().(*[rowBlock]kernels.Row)
	defer rowBlocks.Put(sts)
	block := rowBlock
	var buf *[padBlock]float32 // LogSoftmaxGrad's fast outputs where dx is y or dy
	if k == RowLogSoftmaxGrad && aliased(dx, y, dy) {
		buf = rowPads.Get().(*[padBlock]float32)
		defer rowPads.Put(buf)
		// The lanes masked off past a row's end stay in buf.
		block = min(block, (padBlock-kernels.RowLanes)/cols)
	}
	for r0 := 0; r0 < n; r0 += block {
		rb := min(block, n-r0)
		ys, dys, out := y[r0*cols:(r0+rb)*cols], dy[r0*cols:(r0+rb)*cols], dx[r0*cols:(r0+rb)*cols]
		if k == RowSoftmaxGrad {
			b.GradDot(nil, ys, dys, &sts[0], cols)
		} else {
			b.GradSum(nil, dys, &sts[0], cols)
		}
		// The sums' folds set each row's C and D as GradRows does
		// (kernels.Row.Fold).
		var special bool
		if k == RowSoftmaxGrad {
			b.SoftmaxGradOut(out, ys, dys, &sts[0], cols)
			for i := range rb {
				c := sts[i].C
				special = special || c-c != 0 // NaN or infinite
			}
		} else {
			special = blockLogSoftmaxGrad(out, ys, dys, sts[:rb], cols, buf, b)
		}
		if !special {
			continue
		}
		for i := range rb {
			if c := sts[i].C; c-c != 0 {
				fillNaN(out[i*cols : (i+1)*cols])
			}
		}
	}
}

// blockLogSoftmaxGrad runs LogSoftmaxGrad's output on a block of rows
// (at most RowBlockCols elements, one part each: FastPart), their states'
// C and D set, as logSoftmaxGradRow does: LogSoftmaxGradFast, then
// LogSoftmaxGradOut on each row where it found an element not exact
// enough. With buf (dx is y or dy), the fast pass stores there first. It
// reports whether a row's C is NaN or infinite.
func blockLogSoftmaxGrad(dx, y, dy []float32, sts []kernels.Row, cols int, buf *[padBlock]float32, b *RowBlockPasses) (special bool) {
	out := dx
	if buf != nil {
		out = buf[:len(dx)]
	}
	b.LogSoftmaxGradFast(out, y, dy, &sts[0], cols)
	for i := range sts {
		st := &sts[i]
		c := st.C
		special = special || c-c != 0
		if st.M > 0 {
			r := i * cols
			b.LogSoftmaxGradOut(out[r:r+cols], y[r:r+cols], dy[r:r+cols], st, cols)
		}
	}
	if buf != nil {
		copy(dx, out)
	}
	return special
}

// infMax reports whether a row's maximum m, which is never NaN (RowMax
// skips NaNs), is infinite: in float32 alone, which measured faster than
// math.IsInf's float64 test on a block of one row (Softmax 1 x 256).
func infMax(m float32) bool { return m-m != 0 }

// rowStates holds the state of the rows in progress: called through func
// values, the passes would move a state on Rows' stack to the heap, one
// allocation per call.
var rowStates = sync.Pool{New: func() any { return new(kernels.Row) }}

// Rows runs row kernel k on each row of cols elements of x with the
// passes p, after the public function's checks: RowMax, its lanes
// combined into M (the maximum, +0 for a zero); rows whose M is infinite
// (a +Inf entry, or none but -Inf and NaN) and rows with a NaN entry are
// settled here without more passes; else the sum (SoftmaxSum; RowSum for
// LogSumExp where M + log(sum) may cancel; again by ExpSum where a log
// near 0 needs it: PlainLogOK, compLog), its lanes combined in a fixed tree, then C
// and the output pass (LogSumExp: M + log(sum)). Where p has multi-row
// passes, rows of a multiple of kernels.RowLanes up to RowBlockCols
// elements run in blocks (blockRows), with the same bits.
func Rows(k RowKind, dst, x []float32, cols int, p *RowPasses) {
	n := check.Rows(rowNames[k], dst, x, cols, k == RowLogSumExp)
	rowsOrBlocks(k, dst, x, nil, cols, n, p)
}

// rowsOrBlocks runs the n rows through blockRows where p has multi-row
// passes and the rows fit them (through paddedRows where they are no
// whole number of groups and the passes do not take those: Partial; the
// last rows alone where they may fault past the end: TailFaults), else
// through rows.
func rowsOrBlocks(k RowKind, dst, x, dy []float32, cols, n int, p *RowPasses) {
	out := dst // the output the passes store under lane masks
	if k == RowLogSumExp {
		out = nil
	}
	switch {
	case p.Block == nil || cols > RowBlockCols:
		rows(k, dst, x, dy, cols, n, p)
	case cols%kernels.RowLanes == 0 || p.Block.Partial && (!p.Block.TailFaults || TailInPage(cols, x, out)):
		blockRows(k, dst, x, dy, cols, n, p)
	case p.Block.Partial:
		m := n - min(n, faultRows(cols))
		blockRows(k, dst, x, dy, cols, m, p)
		o := m // dst's offset: LogSumExp's has one element per row
		if k != RowLogSumExp {
			o *= cols
		}
		if dy != nil {
			dy = dy[m:]
		}
		paddedRows(k, dst[o:], x[m*cols:], dy, cols, n-m, p)
	default:
		paddedRows(k, dst, x, dy, cols, n, p)
	}
}

// tailPage is the smallest page size of the architectures whose passes
// have TailFaults (amd64).
const tailPage = 4096

// TailInPage reports whether the lanes that the last group of the last
// row of cols elements of each slice (rows of no whole number of groups)
// has past the slice's end lie in the page of its last element, where a
// masked-off lane cannot fault even where it is read (TailFaults): all
// but a slice that ends within those bytes (4 per lane, 60 at most; 24
// for rows of 10) of a page's end.
func TailInPage(cols int, ss ...[]float32) bool {
	past := uintptr(padCols(cols)-cols) * 4
	for _, s := range ss {
		if len(s) == 0 {
			continue
		}
		last := uintptr(unsafe.Pointer(&s[len(s)-1])) + 3 // its last byte
		if last/tailPage != (last+past)/tailPage {
			return false
		}
	}
	return true
}

// faultRows returns how many of a slice's last rows of cols elements, no
// whole number of groups, have lanes of their last group past the
// slice's end (masked off, but see TailFaults): those whose end lies
// within a group's width less the row's last group's lanes of it.
func faultRows(cols int) int {
	past := kernels.RowLanes - cols%kernels.RowLanes
	return (past + cols - 1) / cols
}

// padBlock is the most elements of paddedRows' copy of a block of rows
// (16 KiB, well within the first-level cache with x's and dst's rows).
const padBlock = 4096

// rowPads holds paddedRows' copy of a block of rows.
var rowPads = sync.Pool{New: func() any { return new([padBlock]float32) }}

// paddedRows runs blockRows on copies of the rows padded with -Inf to a
// whole number of groups, a block of rows at a time, and copies the
// outputs back. The bits are those of the rows themselves: an entry of
// -Inf leaves the maximum as it is and adds e^-Inf = +0 to its lane's
// sum (or compensated sum), which leaves it unchanged (a lane starts at
// +0 and is never -0), and element j keeps its lane j % RowLanes; the
// only other uses of cols, LogSumExp's choice of sum (CancelBound) and
// the plain log's bound (PlainBound), depend on cols rounded up to
// groups. A 10-class Softmax (4096 rows of 10) took 270-370 ns per row
// through rows, 2.3-2.5 times the naive loop's time; now about 23.
func paddedRows(k RowKind, dst, x, dy []float32, cols, n int, p *RowPasses) {
	pc := padCols(cols)
	pad := rowPads.Get().(*[padBlock]float32)
	defer rowPads.Put(pad)
	block := min(rowBlock, max(1, padBlock/pc)) // rows per block
	for r0 := 0; r0 < n; r0 += block {
		rb := min(block, n-r0)
		xs := padRows(pad[:rb*pc], x[r0*cols:(r0+rb)*cols], cols, pc, float32(math.Inf(-1)))
		switch k {
		case RowLogSumExp:
			blockRows(k, dst[r0:r0+rb], xs, nil, pc, rb, p)
			continue
		case RowLogSumExpGrad:
			blockRows(k, xs, xs, dy[r0:r0+rb], pc, rb, p)
		default:
			blockRows(k, xs, xs, nil, pc, rb, p)
		}
		unpadRows(dst[r0*cols:(r0+rb)*cols], xs, cols, pc)
	}
}

// padGradCols bounds the rows that GradRows pads for kernel k
// (paddedGradRows): on longer rows its two inputs' copies cost more than
// the row-by-row driver's steps save. Alternating runs on AVX-512 against
// no padding, rows of every length padded: SoftmaxGrad 256 x 300 +10 %,
// 1 x 1000 +23 %, 1024 x 1000 +42 %; below 128 only: SoftmaxGrad -43 % at
// 4096 x 10 and 4096 x 24, -27 % at 1024 x 40, -10 % at 2048 x 70,
// unchanged at 50, 100 and 120 columns; LogSoftmaxGrad -79 % at 4096 x
// 10, -68 % at 4096 x 24, -23 % to -60 % from 40 to 120 columns. Padded
// up to 1024 columns, LogSoftmaxGrad measured -26 % to
// -32 % from 150 to 300 columns (512 x 150 .. 256 x 300), -16 % at 4096 x
// 200, -10 % at 4096 x 300, unchanged at 400 and 500 and +29 % at 1024 x
// 1000: it pads rows below 320.
func padGradCols(k RowKind) int {
	if k == RowLogSoftmaxGrad {
		return 320
	}
	return 128
}

// paddedGradRows runs blockGradRows on copies of the rows of y and dy
// padded with zeros to a whole number of groups, as paddedRows does (a
// zero dy adds +0, y*dy = ±0 or dy = +0, to its lane's sum, which leaves
// it unchanged), its outputs in a third copy (LogSoftmaxGrad's second
// output pass reads y and dy after the first).
func paddedGradRows(k RowKind, dx, y, dy []float32, cols, n int, p *RowPasses) {
	pc := padCols(cols)
	pad := rowPads.Get().(*[padBlock]float32)
	defer rowPads.Put(pad)
	third := padBlock / 3 &^ (kernels.RowLanes - 1)
	block := min(rowBlock, max(1, third/pc))
	for r0 := 0; r0 < n; r0 += block {
		rb := min(block, n-r0)
		rows := r0 * cols
		ys := padRows(pad[:rb*pc], y[rows:rows+rb*cols], cols, pc, 0)
		dys := padRows(pad[third:third+rb*pc], dy[rows:rows+rb*cols], cols, pc, 0)
		outs := pad[2*third : 2*third+rb*pc]
		blockGradRows(k, outs, ys, dys, pc, rb, p)
		unpadRows(dx[rows:rows+rb*cols], outs, cols, pc)
	}
}

// padCols returns cols rounded up to a whole number of groups.
func padCols(cols int) int { return (cols + kernels.RowLanes - 1) &^ (kernels.RowLanes - 1) }

// padRows copies the rows of cols elements of src into dst as rows of pc
// elements, each filled up with fill, and returns dst.
func padRows(dst, src []float32, cols, pc int, fill float32) []float32 {
	n := len(src) / cols
	i := 0
	if pc == kernels.RowLanes {
		// Rows shorter than a group: a group's worth of src, then the fill
		// from cols on, whose excess lands on the next row before that
		// row's copy: fixed-size moves, no call of copy() per row.
		var f [kernels.RowLanes]float32
		for j := range f {
			f[j] = fill
		}
		for ; i < n && i*cols+kernels.RowLanes <= len(src) && i*pc+cols+kernels.RowLanes <= len(dst); i++ {
			*(*[kernels.RowLanes]float32)(dst[i*pc:]) = *(*[kernels.RowLanes]float32)(src[i*cols:])
			*(*[kernels.RowLanes]float32)(dst[i*pc+cols:]) = f
		}
	}
	for ; i < n; i++ {
		row := dst[i*pc : (i+1)*pc]
		copy(row, src[i*cols:(i+1)*cols])
		for j := cols; j < pc; j++ {
			row[j] = fill
		}
	}
	return dst
}

// unpadRows copies the first cols elements of each row of pc elements of
// src into dst's rows of cols.
func unpadRows(dst, src []float32, cols, pc int) {
	for i := range len(dst) / cols {
		copy(dst[i*cols:(i+1)*cols], src[i*pc:i*pc+cols])
	}
}

// CancelBound returns the maximum above which, where it is below 0,
// LogSumExp takes a row's sum to RowSum's precision
// (kernels.RowCancel): -RowCancel*bits.Len of cols rounded up to a whole
// number of groups, the same for a row and its padded copy (paddedRows).
func CancelBound(cols int) float64 {
	return -kernels.RowCancel * float64(bits.Len(uint(padCols(cols))))
}

// rowBlock is the most rows of a multi-row call, and RowBlockCols the
// longest row that blockRows (and package rectify's single rows) take:
// one call stays within 16Ki elements (package rectify's chunk, a
// preemption point each).
const (
	rowBlock     = 16
	RowBlockCols = 1024
)

// rowBlocks holds the states of a block's rows (the multi-row passes
// read their parameters and write M and S, not their lanes).
var rowBlocks = sync.Pool{New: func() any { return new([rowBlock]kernels.Row) }}

// blockRows runs row kernel k (Softmax, LogSoftmax, LogSumExp or
// LogSumExpGrad, whose dy it takes) on the n rows of cols elements (a
// multiple of kernels.RowLanes where p's passes do not take the others:
// Partial; at most RowBlockCols) with p's multi-row
// passes, rowBlock rows per call: each row's passes and Go steps are
// rows' own, so the bits are the same, but a short row no longer pays
// three calls and the Go between them, and the rows' dependency chains
// (the sum waits on the maximum, the output on the sum's reciprocal or
// log) overlap. LogSumExp and LogSoftmax run in blockLSE and
// blockLogSoftmax. A row whose maximum is infinite or whose sum is NaN
// (or LogSumExpGrad's dy NaN or infinite) is settled after the output
// pass, as rows settles it.
func blockRows(k RowKind, dst, x, dy []float32, cols, n int, p *RowPasses) {
	switch k {
	case RowLogSumExp:
		blockLSE(dst, x, cols, n, p)
		return
	case RowLogSoftmax:
		blockLogSoftmax(dst, x, cols, n, p)
		return
	}
	b := p.Block
	sts := rowBlocks.Get().(*[rowBlock]kernels.Row)
	defer rowBlocks.Put(sts)
	for r0 := 0; r0 < n; r0 += rowBlock {
		rb := min(rowBlock, n-r0)
		xs, out := x[r0*cols:(r0+rb)*cols], dst[r0*cols:(r0+rb)*cols]
		special := false // a row to settle after the passes
		b.RowMax(nil, xs, &sts[0], cols)
		// Softmax needs neither step: e^(x-M) is the same for M = ±0,
		// and an infinite M makes the row's sum NaN (Inf - Inf), which
		// the loop after the sums tests (4096 rows of 16: -4.7 %).
		if k == RowLogSumExpGrad {
			for i := range rb {
				m := sts[i].M + 0 // -0 -> +0
				sts[i].M = m
				special = special || infMax(m) || dy[r0+i]-dy[r0+i] != 0 // or a NaN or infinite dy
			}
		}
		b.SoftmaxSum(nil, xs, &sts[0], cols)
		for i := range rb {
			st := &sts[i]
			s := st.S
			special = special || s != s
			if k == RowSoftmax {
				st.C = 1 / s
				continue
			}
			g := float64(dy[r0+i])
			if math.IsInf(g, 0) {
				g = 1 // Softmax's output, then dy where it is above 0 (infGrad)
			}
			st.C = g / s
		}
		b.SoftmaxOut(out, xs, &sts[0], cols)
		if !special {
			continue
		}
		for i := range rb {
			o := out[i*cols : (i+1)*cols]
			switch {
			case k == RowLogSumExpGrad && dy[r0+i] != dy[r0+i]:
				fillNaN(o)
			case infMax(sts[i].M):
				infRow(k, o, xs[i*cols:(i+1)*cols], sts[i].M)
			case sts[i].S != sts[i].S:
				fillNaN(o)
			case k == RowLogSumExpGrad && math.IsInf(float64(dy[r0+i]), 0):
				infGrad(o, dy[r0+i])
			}
		}
	}
}

// blockLogs runs the sum pass on a block's rb rows xs, whose maxima sts
// holds, and sets each row's C to the log of its sum: by the passes'
// Logs where they have it, else in Go, all of them before the rows are
// tested, so that their chains overlap (a loop that also tested each row
// and wrote its result measured 3 % slower at 4096 rows of 16). It
// reports whether Logs found every row plain (see Logs; dst, bound and
// cancel are its), which leaves the rows' tests to do only where it did
// not.
func blockLogs(b *RowBlockPasses, xs, dst []float32, sts *[rowBlock]kernels.Row, cols, rb int, bound, cancel float64) bool {
	b.SoftmaxSum(nil, xs, &sts[0], cols)
	if b.Logs != nil {
		all := uint32(1)<<rb - 1
		return b.Logs(&sts[0], dst, bound, cancel)&all == all
	}
	for i := range rb {
		bs := math.Float64bits(sts[i].S)
		sts[i].C = logSumD(bs, logFrac(bs))
	}
	return false
}

// blockLSE is blockRows for LogSumExp: the sums and their logs
// (blockLogs), then one loop over the rows, which the logs' pass leaves
// out where it found every row plain and wrote the results (an infinite
// maximum makes a row's sum NaN, so such a row is never plain). A block
// with a row that may cancel (mayCancel) also takes RowSum's compensated
// sums, whose float-float log such a row takes (PreciseLogSumExp, as in
// rows; by the passes' CancelLogs where they have it).
func blockLSE(dst, x []float32, cols, n int, p *RowPasses) {
	b := p.Block
	sts := rowBlocks.Get().(*[rowBlock]kernels.Row)
	defer rowBlocks.Put(sts)
	cancel := CancelBound(cols)
	bound := PlainBound(cols)
	first := b.Logs == nil // whether to find the rows that may cancel before the sums
	for r0 := 0; r0 < n; r0 += rowBlock {
		rb := min(rowBlock, n-r0)
		xs := x[r0*cols : (r0+rb)*cols]
		b.RowMax(nil, xs, &sts[0], cols)
		// A row that may cancel takes RowSum's sum (into S + Lo; the plain
		// logs stay in C for the others), as rows does. Where Go takes the
		// logs, it finds those rows first: a block of only such rows needs
		// no plain sums. The passes' Logs finds them, and most blocks have
		// none, but after a block of only such rows (log-probabilities
		// come in runs) Go looks first too.
		precise, all := false, false
		found := first
		if first {
			precise, all = mayCancel(sts, rb, cancel)
		}
		if !all {
			if blockLogs(b, xs, dst[r0:r0+rb], sts, cols, rb, bound, cancel) {
				first = b.Logs == nil
				continue
			}
			if !found {
				precise, all = mayCancel(sts, rb, cancel)
			}
		}
		first = b.Logs == nil || all
		var done uint32 // the rows that CancelLogs settled
		if precise {
			b.RowSum(nil, xs, &sts[0], cols)
			if b.CancelLogs != nil {
				every := uint32(1)<<rb - 1
				if done = b.CancelLogs(&sts[0], dst[r0:r0+rb], cancel) & every; done == every {
					continue
				}
			}
		}
		special := false
		for i := range rb {
			m, s := sts[i].M, sts[i].S
			if done>>i&1 != 0 {
				continue
			}
			if infMax(m) || s != s {
				special = true
				continue
			}
			if precise && m < 0 && float64(m) > cancel {
				dst[r0+i] = PreciseLogSumExp(m, s, sts[i].Lo)
				continue
			}
			l := sts[i].C
			if !PlainLogOK(l, m, bound) {
				l = compLog(xs[i*cols:(i+1)*cols], &sts[i], p)
			}
			dst[r0+i] = float32(float64(m) + l)
		}
		if !special {
			continue
		}
		for i := range rb {
			switch m := sts[i].M; {
			case infMax(m):
				dst[r0+i] = infRow(RowLogSumExp, nil, xs[i*cols:(i+1)*cols], m)
			case sts[i].S != sts[i].S:
				dst[r0+i] = math.Float32frombits(kernels.CanonicalNaN)
			}
		}
	}
}

// blockLogSoftmax is blockRows for LogSoftmax: its steps, the sums and
// their logs by blockLogs, then, unless the logs' pass found every row
// plain, one loop over the rows before the output pass. The sum pass takes the
// maxima as RowMax leaves them: e^(x-M) is the same for M = ±0, and an
// infinite M makes the row's sum NaN (Inf - Inf), as a NaN entry does; a
// block with such a row runs row by row instead (rows), from the start.
func blockLogSoftmax(dst, x []float32, cols, n int, p *RowPasses) {
	b := p.Block
	sts := rowBlocks.Get().(*[rowBlock]kernels.Row)
	defer rowBlocks.Put(sts)
	bound := PlainBound(cols)
	for r0 := 0; r0 < n; r0 += rowBlock {
		rb := min(rowBlock, n-r0)
		xs, out := x[r0*cols:(r0+rb)*cols], dst[r0*cols:(r0+rb)*cols]
		b.RowMax(nil, xs, &sts[0], cols)
		// Where every row is plain, no C is 0 (|C| >= bound), and (x - M) - C
		// has the same bits for M = -0 as for +0: the rows need no loop.
		if !blockLogs(b, xs, nil, sts, cols, rb, bound, 0) && !logSoftmaxRows(xs, sts, cols, rb, bound, p) {
			rows(RowLogSoftmax, out, xs, nil, cols, rb, p)
			continue
		}
		b.LogSoftmaxOut(out, xs, &sts[0], cols)
	}
}

// mayCancel reports whether LogSumExp's max + log(sum) may cancel in
// some and in all of the rb rows whose maxima sts holds: a maximum below
// 0 and above cancel (CancelBound). Neither the sign of a zero maximum nor
// any later step depends on it: e^(x-M) and max + log(sum) (log(sum) >=
// +0) have the same bits for M = -0 as for +0.
func mayCancel(sts *[rowBlock]kernels.Row, rb int, cancel float64) (some, all bool) {
	n := 0
	for i := range rb {
		if m := sts[i].M; m < 0 && float64(m) > cancel {
			n++
		}
	}
	return n > 0, n == rb
}

// logSoftmaxRows readies blockLogSoftmax's rb rows xs for the output
// pass, each maximum made +0 from -0 and each log that is not plain taken
// again compensated; it reports false, leaving the rest, at the first row
// whose sum is NaN.
func logSoftmaxRows(xs []float32, sts *[rowBlock]kernels.Row, cols, rb int, bound float64, p *RowPasses) bool {
	for i := range rb {
		st := &sts[i]
		if s := st.S; s != s {
			return false
		}
		st.M += 0 // -0 -> +0
		if !PlainLogOK(st.C, 0, bound) {
			st.C = compLog(xs[i*cols:(i+1)*cols], st, p)
		}
	}
	return true
}

// LogSumExpGradRows runs LogSumExpGrad with the passes p: each row as
// Softmax's, with C = dy[r] / sum in the output pass. A row whose dy[r]
// is NaN is the quiet NaN 0x7fc00000 throughout, as is a row that
// Softmax makes NaN; an infinite dy[r] gives dy[r] where Softmax's
// output is above 0 and that NaN where it is 0 (0 * Inf).
func LogSumExpGradRows(dx, x, dy []float32, cols int, p *RowPasses) {
	n := check.RowsDy(rowNames[RowLogSumExpGrad], dx, x, dy, cols)
	rowsOrBlocks(RowLogSumExpGrad, dx, x, dy, cols, n, p)
}

// rows is Rows on checked arguments, n rows of cols elements; dy is
// LogSumExpGrad's, one per row.
func rows(k RowKind, dst, x, dy []float32, cols, n int, p *RowPasses) {
	st := rowStates.Get().(*kernels.Row)
	defer rowStates.Put(st)
	st.Max = noMax
	st.Sum, st.Comp = [kernels.RowLanes]float64{}, [kernels.RowLanes]float64{}
	bound := PlainBound(cols)
	for r := range n {
		row := x[r*cols : (r+1)*cols]
		var out []float32
		if k != RowLogSumExp {
			out = dst[r*cols : (r+1)*cols]
		}
		var g float64 // LogSumExpGrad's dy[r]
		if k == RowLogSumExpGrad {
			if g = float64(dy[r]); g != g {
				fillNaN(out)
				continue
			}
		}
		st.Fold = 1
		p.RowMax(nil, row, st)
		var m float32
		if st.Fold == kernels.RowFolded { // the lanes folded and reset (kernels.Row.Fold)
			m = st.M + 0 // -0 -> +0
		} else {
			m = FoldMax(&st.Max)
			// The lanes are reset for the next row as soon as they are
			// read: an assembly pass loads them as one vector, which
			// stalls while the narrower stores that reset them are still
			// in flight.
			st.Max = noMax
		}
		st.Fold = 0
		if infMax(m) {
			y := infRow(k, out, row, m)
			if k == RowLogSumExp {
				dst[r] = y
			}
			continue
		}
		st.M = m
		// LogSumExp's m + log(sum) may cancel (kernels.RowCancel): those
		// rows take the sum to RowSum's precision, its log and the sum
		// with m in float-float. Elsewhere |m + log(sum)| >= log(sum)/2.
		accurate := k == RowLogSumExp && m < 0 && float64(m) > CancelBound(cols)
		var s, c float64
		if accurate {
			st.Fold = 1
			p.RowSum(nil, row, st)
			s, c = foldedSum(st)
		} else {
			st.Fold = 1
			p.SoftmaxSum(nil, row, st)
			if st.Fold == kernels.RowFolded {
				s = st.S
			} else {
				s = FoldSum(&st.Sum)
				st.Sum = [kernels.RowLanes]float64{}
			}
			st.Fold = 0
		}
		if s != s { // a NaN entry
			if k == RowLogSumExp {
				dst[r] = math.Float32frombits(kernels.CanonicalNaN)
			} else {
				fillNaN(out)
			}
			continue
		}
		switch k {
		case RowSoftmax:
			st.C = 1 / (s + c)
			p.SoftmaxOut(out, row, st)
		case RowLogSumExpGrad:
			if math.IsInf(g, 0) {
				st.C = 1 / (s + c) // Softmax's output, then dy where it is above 0
				p.SoftmaxOut(out, row, st)
				infGrad(out, float32(g))
				continue
			}
			st.C = g / (s + c)
			p.SoftmaxOut(out, row, st)
		case RowLogSoftmax:
			l := LogSum(s, c)
			if !PlainLogOK(l, 0, bound) {
				l = compLog(row, st, p)
			}
			st.C = l
			p.LogSoftmaxOut(out, row, st)
		case RowLogSumExp:
			if !accurate {
				l := LogSum(s, c)
				if !PlainLogOK(l, m, bound) {
					l = compLog(row, st, p)
				}
				dst[r] = float32(float64(m) + l)
				continue
			}
			dst[r] = PreciseLogSumExp(m, s, c)
		}
	}
}

// infGrad sets out, Softmax's output on a row, to LogSumExpGrad's for an
// infinite dy: dy where the output is above 0, the quiet NaN 0x7fc00000
// where it is 0.
func infGrad(out []float32, dy float32) {
	for i, v := range out {
		out[i] = dy
		if v == 0 {
			out[i] = math.Float32frombits(kernels.CanonicalNaN)
		}
	}
}

// noMax is the lanes' maximum before any element: -Inf.
var noMax = func() (m [kernels.RowLanes]float32) {
	for l := range m {
		m[l] = float32(math.Inf(-1))
	}
	return m
}()

// FoldMax returns the largest of the lanes, a zero as +0 (the lanes'
// maximum of zeros is either), NaN if one is NaN. The order of a maximum
// does not change it but for the sign of a zero: a tree, without
// branches. The SIMD passes that fold their lanes (kernels.Row.Fold) may
// take any order.
func FoldMax(l *[kernels.RowLanes]float32) float32 {
	a := max(max(max(l[0], l[1]), max(l[2], l[3])), max(max(l[4], l[5]), max(l[6], l[7])))
	b := max(max(max(l[8], l[9]), max(l[10], l[11])), max(max(l[12], l[13]), max(l[14], l[15])))
	return max(a, b) + 0 // -0 -> +0
}

// FoldSum adds the lanes of SoftmaxSum's uncompensated sum pairwise,
// lane j and lane j+h for h = 8, 4, 2, 1, in float64: its terms are
// positive, so the tree adds a relative error of at most 4*2^-53. The
// SIMD passes that fold their lanes (kernels.Row.Fold) take this tree.
func FoldSum(l *[kernels.RowLanes]float64) float64 {
	a0, a1, a2, a3 := l[0]+l[8], l[1]+l[9], l[2]+l[10], l[3]+l[11]
	a4, a5, a6, a7 := l[4]+l[12], l[5]+l[13], l[6]+l[14], l[7]+l[15]
	a0, a1, a2, a3 = a0+a4, a1+a5, a2+a6, a3+a7
	return (a0 + a2) + (a1 + a3)
}

// foldedSum returns a compensated sum's lanes combined (CombineSum) as s +
// c: as the pass's last call folded them (kernels.Row.Fold), or here; the
// lanes are left reset and Fold 0.
func foldedSum(st *kernels.Row) (s, c float64) {
	if st.Fold == kernels.RowFolded {
		s, c = st.S, st.Lo
	} else {
		s, c = CombineSum(st)
		st.Sum, st.Comp = [kernels.RowLanes]float64{}, [kernels.RowLanes]float64{}
	}
	st.Fold = 0
	return s, c
}

// CombineSum adds the lanes of a compensated row sum pairwise, lane j
// and lane j+h for h = 8, 4, 2, 1, in float-float (each pair by
// kernels.AddComp), and returns the sum as s + c. The SIMD passes that
// fold their compensated lanes (kernels.Row.Fold) take this tree.
// It is written out, the lanes in locals: a loop over the state's arrays
// waited on a store and a load of each lane between the levels.
func CombineSum(st *kernels.Row) (s, c float64) {
	s0, s1, s2, s3, s4, s5, s6, s7 := st.Sum[0], st.Sum[1], st.Sum[2], st.Sum[3], st.Sum[4], st.Sum[5], st.Sum[6], st.Sum[7]
	c0, c1, c2, c3, c4, c5, c6, c7 := st.Comp[0], st.Comp[1], st.Comp[2], st.Comp[3], st.Comp[4], st.Comp[5], st.Comp[6], st.Comp[7]
	s0, c0 = kernels.AddComp(s0, c0+st.Comp[8], st.Sum[8])
	s1, c1 = kernels.AddComp(s1, c1+st.Comp[9], st.Sum[9])
	s2, c2 = kernels.AddComp(s2, c2+st.Comp[10], st.Sum[10])
	s3, c3 = kernels.AddComp(s3, c3+st.Comp[11], st.Sum[11])
	s4, c4 = kernels.AddComp(s4, c4+st.Comp[12], st.Sum[12])
	s5, c5 = kernels.AddComp(s5, c5+st.Comp[13], st.Sum[13])
	s6, c6 = kernels.AddComp(s6, c6+st.Comp[14], st.Sum[14])
	s7, c7 = kernels.AddComp(s7, c7+st.Comp[15], st.Sum[15])
	s0, c0 = kernels.AddComp(s0, c0+c4, s4)
	s1, c1 = kernels.AddComp(s1, c1+c5, s5)
	s2, c2 = kernels.AddComp(s2, c2+c6, s6)
	s3, c3 = kernels.AddComp(s3, c3+c7, s7)
	s0, c0 = kernels.AddComp(s0, c0+c2, s2)
	s1, c1 = kernels.AddComp(s1, c1+c3, s3)
	s0, c0 = kernels.AddComp(s0, c0+c1, s1)
	return s0, c0
}

// LogSum returns log(s + c) for s >= 1 and |c| <= ulp(s), from logTable
// (kernels.RowLogBits): k*ln2 + log(c_j) + log1p(r). Its products and
// sums are rounded one by one (float64 conversions: no fused multiply-add
// on any GOARCH): math.FMA checks the CPU at each call on amd64 below
// GOAMD64=v3, which made the log of a block of rows 1.6 times slower, and
// the outputs need about 2^-28 of the log's relative precision
// (kernels.RowPlainLog): its terms are all at least 0 (r down to -2^-52,
// from c), each within 2^-42 of its own value.
func LogSum(s, c float64) float64 {
	b := math.Float64bits(s)
	return logSumD(b, float64(logFrac(b)+float64(c*math.Float64frombits((2046-b>>52)<<52))))
}

// logFracBits is the number of bits of s's fraction below logTable's
// index.
const logFracBits = 52 - kernels.RowLogBits

// logFrac returns f - c_j for the float64 s = 2^k*f with bits b
// (LogSum), exactly.
func logFrac(b uint64) float64 { return math.Float64frombits(b&(1<<logFracBits-1)|1023<<52) - 1 }

// logSumD is LogSum from s's bits b and d = f - c_j + c*2^-k (the sum
// exact for c = 0): small enough to inline, which the block drivers' loops do
// (4096 rows of 16: LogSumExp -8.7 %, LogSoftmax -9.2 %).
func logSumD(b uint64, d float64) float64 {
	t := &logTable[b>>logFracBits&(1<<kernels.RowLogBits-1)]
	r := float64(d * t[0])
	r2 := float64(r * r)
	q := float64(r2*(float64(r*kernels.RowLog1p5)+kernels.RowLog1p4)) + (float64(r*kernels.RowLog1p3) + kernels.RowLog1p2)
	return float64(float64(float64(int(b>>52)-1023)*kernels.Ln2D)+t[1]+r) + float64(r2*q)
}

// logTable is LogSum's table: 1/c and log(c), rounded to float64, for
// c = 1 + j/2^kernels.RowLogBits, j = 0..2^kernels.RowLogBits-1, log(c)
// from logSumFF.
var logTable = func() (t [1 << kernels.RowLogBits][2]float64) {
	for j := range t {
		c := 1 + float64(j)/(1<<kernels.RowLogBits)
		hi, lo := logSumFF(c, 0)
		t[j] = [2]float64{1 / c, hi + lo}
	}
	return t
}()

// LogSumTable returns LogSum's table (1/c and log(c) for each c), which
// a pass of RowBlockPasses.Logs reads.
func LogSumTable() *[1 << kernels.RowLogBits][2]float64 { return &logTable }

// logSplit returns f, k and 2^-k with s = 2^k * f, f in [sqrt(1/2),
// sqrt(2)), for a normal s > 0 (a row's sum is at least 1): from the bits,
// as math.Frexp would but without branches (a row's sum falls on either
// side of sqrt(2) at random, and a mispredicted branch there stalls the
// rows that follow): s's bits less sqrt(1/2)'s carry into the exponent
// field exactly when s's significand is at least sqrt(2)'s.
func logSplit(s float64) (f float64, k int, inv float64) {
	t := math.Float64bits(s) - kernels.RowSqrtHalf
	k = int(t >> 52)
	f = math.Float64frombits(t&(1<<52-1) + kernels.RowSqrtHalf)
	return f, k, math.Float64frombits(uint64(1023-k) << 52)
}

// atanhSeries returns RowLogC[0] + u2*RowLogC[1] + ... + u2^8*RowLogC[8]
// by Estrin's scheme (pairs, then pairs of pairs: a chain of four
// multiply-adds where Horner's rule has eight, which short rows wait on),
// each product and sum rounded (see LogSum):
// log1p(g) = 2u*(1 + u2*atanhSeries(u2)), u = g/(2+g), u2 = u*u.
func atanhSeries(u2 float64) float64 {
	c := &kernels.RowLogC
	v2 := float64(u2 * u2)
	v4 := float64(v2 * v2)
	p0 := float64(float64(float64(c[3]*u2)+c[2])*v2) + float64(float64(c[1]*u2)+c[0])
	p1 := float64(float64(float64(c[7]*u2)+c[6])*v2) + float64(float64(c[5]*u2)+c[4])
	return float64(float64(float64(c[8]*v4)+p1)*v4) + p0
}

// PlainLogOK reports whether l, LogSum of SoftmaxSum's sum of a row, keeps
// 2^-28 of its relative precision added to m (0: LogSoftmax's output at
// the row's maximum): where that is at least bound, PlainBound of the
// row's length. Elsewhere (a sum near 1: every entry but the maximum far
// below it) the row's log is compLog's.
func PlainLogOK(l float64, m float32, bound float64) bool { return math.Abs(float64(m)+l) >= bound }

// PlainBound returns PlainLogOK's bound for rows of cols elements
// (kernels.RowPlainLog).
func PlainBound(cols int) float64 { return float64((cols+15)/16) * kernels.RowPlainLog }

// compLog returns the log of the row's sum taken again by ExpSum,
// compensated, whose relative error 2^-28.3 of sum - 1 is its log's.
func compLog(row []float32, st *kernels.Row, p *RowPasses) float64 {
	st.Fold = 1
	p.ExpSum(nil, row, st)
	return LogSum(foldedSum(st))
}

// PreciseLogSumExp returns LogSumExp's value for a row whose maximum m
// lies where m + log(sum) may cancel (in (CancelBound, 0)): m + log(s +
// c), s + c the row's compensated sum (RowSum's S + Lo), the log a
// float-float (logSumFF) added to m exactly (AddComp), rounded once to
// float32. A pass of RowBlockPasses.CancelLogs takes the same steps.
func PreciseLogSumExp(m float32, s, c float64) float32 {
	lh, ll := logSumFF(s, c)
	h, e := kernels.AddComp(float64(m), ll, lh) // m + lh, its error added to ll
	return float32(h + e)
}

// logSumFF returns log(s + c) for s >= 1 and |c| <= ulp(s) as the
// float-float hi + lo (absolute error about 2^-60 for s below 2^20):
// s + c = 2^k * (1 + g), 1 + g in [sqrt(1/2), sqrt(2)), k*ln2 by Ln2D and
// Ln2LoD, log1p(g) from its series in u = g/(2+g) (kernels.RowLogC), u
// and the leading 2u in float-float, the series' tail in float64.
func logSumFF(s, c float64) (hi, lo float64) {
	f, k, inv := logSplit(s)
	gh, gl := kernels.AddComp(f-1, 0, c*inv)
	dh := 2 + gh
	dl := ((2 - dh) + gh) + gl
	uh := gh / dh
	ul := (math.FMA(-uh, dh, gh) + math.FMA(-uh, dl, gl)) / dh
	u2 := float64(uh * uh)
	tail := float64(float64(float64(2*uh)*u2) * atanhSeries(u2)) // 2u^3*(1/3 + u^2/5 + ...)
	kf := float64(k)
	kh := float64(kf * kernels.Ln2D)
	kl := math.FMA(kf, kernels.Ln2D, -kh)
	hi, lo = kernels.AddComp(kh, 0, 2*uh)
	lo += ((kl + float64(kf*kernels.Ln2LoD)) + 2*ul) + tail
	return kernels.AddComp(hi, 0, lo)
}

// infRow settles a row whose maximum m is infinite and returns
// LogSumExp's value: m = -Inf, a row of -Inf and NaN, gives NaN (Softmax,
// LogSoftmax, LogSumExpGrad) or -Inf; m = +Inf gives NaN (Softmax,
// LogSumExpGrad), NaN where x is +Inf
// and -Inf elsewhere (LogSoftmax), +Inf (LogSumExp); a NaN entry makes
// the whole row NaN.
func infRow(k RowKind, out, row []float32, m float32) float32 {
	nan := math.Float32frombits(kernels.CanonicalNaN)
	for _, v := range row {
		if v != v {
			fillNaN(out)
			return nan
		}
	}
	switch {
	case k == RowLogSumExp:
		return m
	case k == RowSoftmax || k == RowLogSumExpGrad || m < 0:
		fillNaN(out)
	default:
		for i, v := range row {
			out[i] = float32(math.Inf(-1))
			if v == m {
				out[i] = nan
			}
		}
	}
	return 0
}

func fillNaN(out []float32) {
	for i := range out {
		out[i] = math.Float32frombits(kernels.CanonicalNaN)
	}
}
