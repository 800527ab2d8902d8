// Package report reads the output of rectify's `go test -bench` benchmarks
// and renders the Markdown table that `make bench` prints.
//
// Benchmark names are Kernels/Kernel/path/n=size (path: a dispatch level,
// "naive" or "fallback") and Copy/n=size. Every figure in the table is the median of
// the runs of one name, and every ratio compares medians from the same
// output, so from the same run.
package report

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Ki and Mi are the size units in benchmark names (n=4Ki, n=16Mi).
const (
	Ki = 1 << 10
	Mi = 1 << 20
)

// Size sets, in elements.
var (
	TinySizes    = []int{1, 2, 4, 8, 16, 32}
	LargeSizes   = []int{1 * Ki, 4 * Ki, 64 * Ki, 1 * Mi, 16 * Mi}
	AllSizes     = append(slices.Clone(TinySizes), LargeSizes...)
	DefaultSizes = []int{4 * Ki, 64 * Ki, 1 * Mi, 16 * Mi} // the table's default
)

// Kernels lists the benchmarked kernels in table order.
var Kernels = []string{"ReLU", "LeakyReLU", "ELU", "Softplus", "Sigmoid"}

// Pseudo-paths beside the dispatch levels.
const (
	Naive    = "naive"    // the loop a user writes with package math
	Fallback = "fallback" // package fallback, called directly
	Copy     = "Copy"     // copy() of the same bytes
)

// FormatSize writes n as it appears in benchmark names: 16Mi, 4Ki, 7.
func FormatSize(n int) string {
	switch {
	case n >= Mi && n%Mi == 0:
		return strconv.Itoa(n/Mi) + "Mi"
	case n >= Ki && n%Ki == 0:
		return strconv.Itoa(n/Ki) + "Ki"
	}
	return strconv.Itoa(n)
}

// ParseSize reads a size written by FormatSize (an optional "n=" prefix is
// allowed).
func ParseSize(s string) (int, error) {
	t := strings.TrimPrefix(strings.TrimSpace(s), "n=")
	mul := 1
	switch {
	case strings.HasSuffix(t, "Mi"):
		t, mul = strings.TrimSuffix(t, "Mi"), Mi
	case strings.HasSuffix(t, "Ki"):
		t, mul = strings.TrimSuffix(t, "Ki"), Ki
	}
	v, err := strconv.Atoi(t)
	if err != nil || v < 0 || v > math.MaxInt32/mul {
		return 0, fmt.Errorf("bad size %q (want e.g. 7, 4Ki, 16Mi)", s)
	}
	return v * mul, nil
}

// ParseSizes reads a comma-separated list of sizes and the set names
// "tiny", "large", "default" and "all"; the result is sorted and has no
// duplicates.
func ParseSizes(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		switch f = strings.TrimSpace(f); strings.ToLower(f) {
		case "":
		case "tiny":
			out = append(out, TinySizes...)
		case "large":
			out = append(out, LargeSizes...)
		case "default":
			out = append(out, DefaultSizes...)
		case "all", "full":
			out = append(out, AllSizes...)
		default:
			n, err := ParseSize(f)
			if err != nil {
				return nil, err
			}
			out = append(out, n)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no sizes in %q", s)
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// Set holds every result line of one `go test -bench` output.
type Set struct {
	NsPerOp map[string][]float64 // by name without "Benchmark" and the -GOMAXPROCS suffix
	Allocs  map[string]float64   // largest allocs/op seen per name
	Config  map[string]string    // the goos:, goarch:, pkg:, cpu: lines
	order   []string             // names in the order first seen
}

var procSuffix = regexp.MustCompile(`-\d+$`)

// Parse reads `go test -bench` output. Lines that are not benchmark results
// are ignored; a result line without ns/op is an error.
func Parse(r io.Reader) (*Set, error) {
	s := &Set{NsPerOp: map[string][]float64{}, Allocs: map[string]float64{}, Config: map[string]string{}}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for line := 1; sc.Scan(); line++ {
		text := sc.Text()
		f := strings.Fields(text)
		if k, v, ok := strings.Cut(text, ": "); ok && (k == "cpu" || k == "pkg" || k == "goos" || k == "goarch") {
			s.Config[k] = strings.TrimSpace(v)
			continue
		}
		// A result: name, iterations, then value-unit pairs.
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") || len(f)%2 != 0 {
			continue
		}
		if _, err := strconv.ParseInt(f[1], 10, 64); err != nil {
			continue
		}
		name := procSuffix.ReplaceAllString(strings.TrimPrefix(strings.TrimPrefix(f[0], "Benchmark"), "Kernels/"), "")
		ns := math.NaN()
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				return nil, fmt.Errorf("line %d: bad value %q in %q", line, f[i], text)
			}
			switch f[i+1] {
			case "ns/op":
				ns = v
			case "allocs/op":
				s.Allocs[name] = max(s.Allocs[name], v)
			}
		}
		if math.IsNaN(ns) {
			return nil, fmt.Errorf("line %d: no ns/op in %q", line, text)
		}
		if _, seen := s.NsPerOp[name]; !seen {
			s.order = append(s.order, name)
		}
		s.NsPerOp[name] = append(s.NsPerOp[name], ns)
	}
	return s, sc.Err()
}

// Median returns the median of xs (the mean of the middle two for an even
// count), or NaN for none.
func Median(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	m := len(s) / 2
	if len(s)%2 == 1 {
		return s[m]
	}
	return (s[m-1] + s[m]) / 2
}

// Median returns the median ns/op of the named benchmark, NaN if absent.
func (s *Set) Median(name string) float64 { return Median(s.NsPerOp[name]) }

// Name returns the benchmark name of kernel on path at size n; kernel Copy
// has no path.
func Name(kernel, path string, n int) string {
	if kernel == Copy {
		return Copy + "/n=" + FormatSize(n)
	}
	return kernel + "/" + path + "/n=" + FormatSize(n)
}

// Row is one line of a kernel's table.
type Row struct {
	Path        string
	N           int
	Runs        int
	NsPerOp     float64 // median
	NsPerElem   float64
	GBps        float64 // 8n bytes (read + written) per second, in 1e9
	VsCopy      float64 // kernel time / copy time: 1 is copy's speed
	OverNaive   float64 // naive time / kernel time
	OverFallbck float64 // fallback time / kernel time
	Allocs      float64
}

// Rows returns the rows of kernel's table: by size, then paths (dispatch
// levels as first seen, then fallback, then naive). Missing comparisons are
// NaN.
func (s *Set) Rows(kernel string) []Row {
	var sizes []int
	var paths []string
	prefix := kernel + "/"
	for _, name := range s.order {
		rest, ok := strings.CutPrefix(name, prefix)
		if !ok {
			continue
		}
		path, size, ok := strings.Cut(rest, "/")
		if !ok {
			continue
		}
		n, err := ParseSize(size)
		if err != nil {
			continue
		}
		if !slices.Contains(sizes, n) {
			sizes = append(sizes, n)
		}
		if !slices.Contains(paths, path) && path != Naive && path != Fallback {
			paths = append(paths, path)
		}
	}
	slices.Sort(sizes)
	paths = append(paths, Fallback, Naive)
	var rows []Row
	for _, n := range sizes {
		cp := s.Median(Name(Copy, "", n))
		naive := s.Median(Name(kernel, Naive, n))
		fb := s.Median(Name(kernel, Fallback, n))
		for _, p := range paths {
			name := Name(kernel, p, n)
			xs, ok := s.NsPerOp[name]
			if !ok {
				continue
			}
			ns := Median(xs)
			rows = append(rows, Row{
				Path: p, N: n, Runs: len(xs), NsPerOp: ns,
				NsPerElem:   ns / float64(n),
				GBps:        8 * float64(n) / ns,
				VsCopy:      ns / cp,
				OverNaive:   naive / ns,
				OverFallbck: fb / ns,
				Allocs:      s.Allocs[name],
			})
		}
	}
	return rows
}

// WriteTables writes the copy() table and one table per kernel present in
// s, in Markdown. mark names the path to flag as the one in use ("" for
// none).
func (s *Set) WriteTables(w io.Writer, mark string) error {
	var b strings.Builder
	var copies []int
	for _, name := range s.order {
		if size, ok := strings.CutPrefix(name, Copy+"/"); ok {
			if n, err := ParseSize(size); err == nil {
				copies = append(copies, n)
			}
		}
	}
	slices.Sort(copies)
	if len(copies) > 0 {
		b.WriteString("### copy() (the yardstick)\n\n| n | ns/elem | GB/s |\n|--:|--:|--:|\n")
		for _, n := range copies {
			ns := s.Median(Name(Copy, "", n))
			fmt.Fprintf(&b, "| %s | %s | %s |\n", FormatSize(n), num(ns/float64(n)), num(8*float64(n)/ns))
		}
	}
	allocs := false
	for _, k := range Kernels {
		rows := s.Rows(k)
		if len(rows) == 0 {
			continue
		}
		if b.Len() > 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "### %s\n\n| n | path | ns/elem | GB/s | time/copy | × naive | × fallback |\n|--:|:--|--:|--:|--:|--:|--:|\n", k)
		for _, r := range rows {
			p := r.Path
			if p == mark {
				p += " *"
			}
			if r.Allocs > 0 {
				p += fmt.Sprintf(" (%g allocs/op!)", r.Allocs)
				allocs = true
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s |\n", FormatSize(r.N), p,
				num(r.NsPerElem), num(r.GBps), ratio(r.VsCopy), ratio(r.OverNaive), ratio(r.OverFallbck))
		}
	}
	b.WriteString("\nns/elem and GB/s (8 bytes read + written per element) are medians. " +
		"time/copy: kernel time ÷ copy() time of the same bytes (1.00 = as fast as copy). " +
		"× naive, × fallback: their time ÷ this path's time (above 1 = faster).")
	if mark != "" {
		b.WriteString(" * = the path rectify selects here.")
	}
	b.WriteString("\n")
	if allocs {
		b.WriteString("\n**Some paths allocate: rectify promises no allocation.**\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// num formats a positive measurement with about three significant digits.
func num(v float64) string {
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return "–"
	case v >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case v >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	case v >= 1:
		return strconv.FormatFloat(v, 'f', 2, 64)
	case v >= 0.01:
		return strconv.FormatFloat(v, 'f', 3, 64)
	}
	return strconv.FormatFloat(v, 'g', 2, 64)
}

// ratio formats a ratio with two decimals (one from 100 up).
func ratio(v float64) string {
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return "–"
	case v >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'f', 2, 64)
}
