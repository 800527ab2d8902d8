// Package report reads the output of rectify's benchmarks (package bench)
// and writes the Markdown table that `make bench` prints.
//
// Result names are Kernels/<kernel>/<path>/n=<size> (path: a dispatch
// level, "fallback" or "naive"), Copy/n=<size> and Copy3/n=<size>. Every
// figure in the table is the median of the runs of one name, and every
// ratio compares medians from the same output, so from the same run.
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

// Paths beside the dispatch levels, and the yardstick.
const (
	Naive    = "naive"    // the loop a user writes with package math
	Fallback = "fallback" // package fallback, called directly
	Copy     = "Copy"     // copy() of the same bytes: 8 per element
	Copy3    = "Copy3"    // copy() of 12 bytes per element, a two-input kernel's
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

// ParseSize reads a size written by FormatSize.
func ParseSize(s string) (int, error) {
	t, mul := strings.TrimSpace(s), 1
	if v, ok := strings.CutSuffix(t, "Mi"); ok {
		t, mul = v, Mi
	} else if v, ok := strings.CutSuffix(t, "Ki"); ok {
		t, mul = v, Ki
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
	sets := map[string][]int{"": nil, "tiny": TinySizes, "large": LargeSizes, "default": DefaultSizes, "all": AllSizes}
	var out []int
	for _, f := range strings.Split(s, ",") {
		if set, ok := sets[strings.ToLower(strings.TrimSpace(f))]; ok {
			out = append(out, set...)
			continue
		}
		n, err := ParseSize(f)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no sizes in %q", s)
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// Set holds the results of one `go test -bench` output.
type Set struct {
	Config map[string]string    // the goos, goarch, pkg and cpu lines
	ns     map[string][]float64 // ns/op by name (without Benchmark, Kernels/ and -GOMAXPROCS)
	bytes  map[string]float64   // bytes per op by name, from MB/s (0 if not reported)
	allocs map[string]float64   // the largest allocs/op by name
	names  []string             // in the order first seen
}

var resultName = regexp.MustCompile(`^Benchmark(?:Kernels/)?(.*?)(?:-\d+)?$`)

// Parse reads `go test -bench` output. Lines that are not benchmark results
// are ignored; a result line without ns/op is an error.
func Parse(r io.Reader) (*Set, error) {
	s := &Set{Config: map[string]string{}, ns: map[string][]float64{}, bytes: map[string]float64{}, allocs: map[string]float64{}}
	sc := bufio.NewScanner(r)
	for line := 1; sc.Scan(); line++ {
		text := sc.Text()
		if k, v, ok := strings.Cut(text, ": "); ok && slices.Contains([]string{"goos", "goarch", "pkg", "cpu"}, k) {
			s.Config[k] = strings.TrimSpace(v)
		}
		// A result: name, iterations, then value-unit pairs.
		f := strings.Fields(text)
		if len(f) < 4 || len(f)%2 != 0 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		if _, err := strconv.Atoi(f[1]); err != nil {
			continue
		}
		name := resultName.FindStringSubmatch(f[0])[1]
		ns, mbs := math.NaN(), 0.0
		for i := 2; i < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				return nil, fmt.Errorf("line %d: bad value %q in %q", line, f[i], text)
			}
			switch f[i+1] {
			case "ns/op":
				ns = v
			case "MB/s":
				mbs = v
			case "allocs/op":
				s.allocs[name] = max(s.allocs[name], v)
			}
		}
		if math.IsNaN(ns) {
			return nil, fmt.Errorf("line %d: no ns/op in %q", line, text)
		}
		if _, seen := s.ns[name]; !seen {
			s.names = append(s.names, name)
		}
		if mbs > 0 {
			s.bytes[name] = mbs * ns / 1e3
		}
		s.ns[name] = append(s.ns[name], ns)
	}
	return s, sc.Err()
}

// median returns the median ns/op of the named results, NaN if none.
func (s *Set) median(name string) float64 {
	xs := slices.Sorted(slices.Values(s.ns[name]))
	if len(xs) == 0 {
		return math.NaN()
	}
	return (xs[(len(xs)-1)/2] + xs[len(xs)/2]) / 2
}

// perElement returns the bytes per element that the named result of n
// elements reported, rounded to a whole number: 8 if it reported none.
func (s *Set) perElement(name string, n int) float64 {
	if b := s.bytes[name]; b > 0 {
		return math.Round(b / float64(n))
	}
	return 8
}

// WriteTables writes in Markdown the copy() tables and one table per kernel,
// in the order the output has them, or an error if s has neither. A kernel
// row is set beside copy() of as many bytes per element as it reported:
// Copy3 for 12, else Copy. mark names the path to flag as the one rectify
// selects ("" for none).
func (s *Set) WriteTables(w io.Writer, mark string) error {
	// The sizes of each kernel (and of Copy and Copy3), and its dispatch levels.
	var kernels []string
	sizes, levels := map[string][]int{}, map[string][]string{}
	for _, name := range s.names {
		parts := strings.Split(name, "/")
		size, ok := strings.CutPrefix(parts[len(parts)-1], "n=")
		n, err := ParseSize(size)
		yardstick := len(parts) == 2 && (parts[0] == Copy || parts[0] == Copy3)
		if !ok || err != nil || len(parts) != 3 && !yardstick {
			continue
		}
		k := parts[0]
		if _, seen := sizes[k]; !seen && !yardstick {
			kernels = append(kernels, k)
		}
		if !slices.Contains(sizes[k], n) {
			sizes[k] = append(sizes[k], n)
		}
		if len(parts) == 3 && parts[1] != Naive && parts[1] != Fallback && !slices.Contains(levels[k], parts[1]) {
			levels[k] = append(levels[k], parts[1])
		}
	}

	if len(kernels) == 0 && len(sizes[Copy]) == 0 && len(sizes[Copy3]) == 0 {
		return fmt.Errorf("no benchmark results")
	}

	var b strings.Builder
	copyName := func(c string, n int) string { return c + "/n=" + FormatSize(n) }
	for _, c := range []struct{ name, title string }{
		{Copy, "### copy() (the yardstick)"},
		{Copy3, "### copy() of 12 bytes per element (the yardstick of two-input kernels)"},
	} {
		if len(sizes[c.name]) == 0 {
			continue
		}
		fmt.Fprintf(&b, "%s\n\n| n | ns/elem | GB/s |\n|--:|--:|--:|\n", c.title)
		for _, n := range slices.Sorted(slices.Values(sizes[c.name])) {
			name := copyName(c.name, n)
			ns := s.median(name)
			fmt.Fprintf(&b, "| %s | %s | %s |\n", FormatSize(n), num(ns/float64(n)), num(s.perElement(name, n)*float64(n)/ns))
		}
		b.WriteString("\n")
	}
	allocs := false
	for _, k := range kernels {
		fmt.Fprintf(&b, "### %s\n\n| n | path | ns/elem | GB/s | time/copy | × naive | × fallback |\n"+
			"|--:|:--|--:|--:|--:|--:|--:|\n", k)
		for _, n := range slices.Sorted(slices.Values(sizes[k])) {
			name := func(path string) string { return k + "/" + path + "/n=" + FormatSize(n) }
			for _, p := range append(levels[k], Fallback, Naive) {
				if len(s.ns[name(p)]) == 0 {
					continue
				}
				ns, label, bytes := s.median(name(p)), p, s.perElement(name(p), n)
				yardstick := Copy
				if bytes == 12 {
					yardstick = Copy3
				}
				if p == mark {
					label += " *"
				}
				if a := s.allocs[name(p)]; a > 0 {
					label += fmt.Sprintf(" (%g allocs/op!)", a)
					allocs = true
				}
				fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s |\n", FormatSize(n), label,
					num(ns/float64(n)), num(bytes*float64(n)/ns), ratio(ns/s.median(copyName(yardstick, n))),
					ratio(s.median(name(Naive))/ns), ratio(s.median(name(Fallback))/ns))
			}
		}
		b.WriteString("\n")
	}
	b.WriteString("ns/elem and GB/s (the bytes read + written: 8 per element, 12 for two-input kernels) are medians. " +
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

// ratio formats a ratio with two decimals, or as num does from 100 up (and
// for NaN and infinities).
func ratio(v float64) string {
	if v < 100 && !math.IsInf(v, -1) {
		return strconv.FormatFloat(v, 'f', 2, 64)
	}
	return num(v)
}
