package report

import (
	"math"
	"slices"
	"strings"
	"testing"
)

// canned is `go test -bench` output as Go 1.26 writes it, -count 3, with
// the noise a real run has around the results. The last results are named
// as before BenchmarkKernels (BenchmarkBar/...): saved runs still read.
const canned = `goos: linux
goarch: amd64
pkg: github.com/rectify-go/rectify/bench
cpu: Intel(R) Xeon(R) Processor
BenchmarkKernels/Foo/avx2/n=4Ki-2         	  200000	      1000 ns/op	32768.00 MB/s	       0 B/op	       0 allocs/op
BenchmarkKernels/Foo/avx2/n=4Ki-2         	  200000	      1200 ns/op	27306.67 MB/s	       0 B/op	       0 allocs/op
BenchmarkKernels/Foo/avx2/n=4Ki-2         	  200000	       900 ns/op	36408.89 MB/s	       0 B/op	       0 allocs/op
BenchmarkKernels/Foo/generic/n=4Ki-2      	   50000	      4000 ns/op	8192.00 MB/s	       0 B/op	       0 allocs/op
BenchmarkKernels/Foo/generic/n=4Ki-2      	   50000	      4100 ns/op	7990.24 MB/s	       0 B/op	       0 allocs/op
BenchmarkKernels/Foo/naive/n=4Ki-2        	   20000	     20000 ns/op	1638.40 MB/s	       0 B/op	       0 allocs/op
BenchmarkKernels/Foo/naive/n=4Ki-2        	   20000	     24000 ns/op	1365.33 MB/s	       0 B/op	       0 allocs/op
BenchmarkKernels/Foo/naive/n=4Ki-2        	   20000	     22000 ns/op	1489.45 MB/s	       0 B/op	       0 allocs/op
BenchmarkKernels/Foo/fallback/n=4Ki-2     	   50000	      4000 ns/op	8192.00 MB/s	       0 B/op	       0 allocs/op
BenchmarkKernels/Foo/fallback/n=1-2       	 1000000	        12.5 ns/op	 640.00 MB/s	       0 B/op	       0 allocs/op
BenchmarkKernels/Foo/avx2/n=1-2           	 1000000	        10.0 ns/op	 800.00 MB/s	      16 B/op	       1 allocs/op
some log line a benchmark printed
BenchmarkCopy/n=4Ki-2             	 5000000	       250 ns/op	131072.00 MB/s	       0 B/op	       0 allocs/op
BenchmarkCopy/n=4Ki-2             	 5000000	       150 ns/op	218453.33 MB/s	       0 B/op	       0 allocs/op
BenchmarkCopy/n=1                 	 9000000	         5 ns/op
BenchmarkCopy3/n=4Ki-2            	 5000000	       300 ns/op	163840.00 MB/s	       0 B/op	       0 allocs/op
BenchmarkGCPause/Foo/fallback-2   	     100	  1000000 ns/op	        50.00 max-stop-µs
BenchmarkBar/neon/n=16Mi      	       3	  16777216 ns/op
BenchmarkKernels/Grad/avx2/n=4Ki-2	  200000	       600 ns/op	81920.00 MB/s	       0 B/op	       0 allocs/op
PASS
ok  	github.com/rectify-go/rectify/bench	12.345s
`

func TestParse(t *testing.T) {
	s, err := Parse(strings.NewReader(canned))
	if err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]string{"goos": "linux", "goarch": "amd64", "cpu": "Intel(R) Xeon(R) Processor",
		"pkg": "github.com/rectify-go/rectify/bench"} {
		if s.Config[k] != want {
			t.Errorf("Config[%q] = %q, want %q", k, s.Config[k], want)
		}
	}
	want := map[string][]float64{
		"Foo/avx2/n=4Ki":       {1000, 1200, 900},
		"Foo/generic/n=4Ki":    {4000, 4100},
		"Foo/naive/n=4Ki":      {20000, 24000, 22000},
		"Foo/fallback/n=4Ki":   {4000},
		"Foo/fallback/n=1":     {12.5},
		"Foo/avx2/n=1":         {10},
		"Copy/n=4Ki":           {250, 150},
		"Copy/n=1":             {5},
		"Copy3/n=4Ki":          {300},
		"Grad/avx2/n=4Ki":      {600},
		"GCPause/Foo/fallback": {1e6},
		"Bar/neon/n=16Mi":      {16777216},
	}
	if len(s.ns) != len(want) || len(s.names) != len(want) {
		t.Errorf("got %d names (%q), want %d", len(s.ns), s.names, len(want))
	}
	for name, w := range want {
		if got := s.ns[name]; !slices.Equal(got, w) {
			t.Errorf("ns[%q] = %v, want %v", name, got, w)
		}
	}
	if s.allocs["Foo/avx2/n=1"] != 1 || s.allocs["Foo/avx2/n=4Ki"] != 0 {
		t.Errorf("allocs = %v", s.allocs)
	}
	for name, w := range map[string]float64{"Foo/avx2/n=4Ki": 1000, "Foo/generic/n=4Ki": 4050, "Copy/n=4Ki": 200} {
		if got := s.median(name); got != w {
			t.Errorf("median(%q) = %v, want %v", name, got, w)
		}
	}
	if !math.IsNaN(s.median("Foo/avx512/n=4Ki")) {
		t.Error("the median of a missing name is not NaN")
	}

	if _, err = Parse(strings.NewReader("BenchmarkKernels/Baz/avx2/n=1-2 100 5 MB/s 0 allocs/op\n")); err == nil {
		t.Error("a result without ns/op parsed")
	}
}

func TestWriteTables(t *testing.T) {
	s, err := Parse(strings.NewReader(canned))
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := s.WriteTables(&b, "avx2"); err != nil {
		t.Fatal(err)
	}
	table := b.String()
	// Rows by size, then the levels as seen, fallback, naive.
	var rows []string
	for _, line := range strings.Split(table[strings.Index(table, "### Foo"):strings.Index(table, "### Bar")], "\n") {
		if f := strings.Split(line, " | "); len(f) == 7 && f[0] != "| n" {
			rows = append(rows, strings.TrimPrefix(f[0], "| ")+" "+f[1])
		}
	}
	if want := []string{"1 avx2 * (1 allocs/op!)", "1 fallback", "4Ki avx2 *", "4Ki generic", "4Ki fallback", "4Ki naive"}; !slices.Equal(rows, want) {
		t.Errorf("Foo rows %q, want %q", rows, want)
	}
	for _, line := range []string{
		"### copy() (the yardstick)",
		"| 4Ki | 0.049 | 164 |", // 200 ns for 4096 elements
		"### copy() of 12 bytes per element (the yardstick of two-input kernels)",
		"| 4Ki | 0.073 | 164 |",                          // 300 ns for 12 bytes of 4096 elements
		"| 4Ki | avx2 * | 0.146 | 81.9 | 2.00 | – | – |", // Grad: 12 bytes per element, beside Copy3
		"### Foo",
		"| n | path | ns/elem | GB/s | time/copy | × naive | × fallback |",
		"| 4Ki | avx2 * | 0.244 | 32.8 | 5.00 | 22.00 | 4.00 |", // the selected path, marked
		"| 4Ki | naive | 5.37 | 1.49 | 110 | 1.00 | 0.18 |",
		"| 1 | avx2 * (1 allocs/op!) | 10.0 | 0.800 | 2.00 | – | 1.25 |", // no naive run at n=1
		"### Bar",
		"| 16Mi | neon | 1.00 | 8.00 | – | – | – |",
		"**Some paths allocate: rectify promises no allocation.**",
	} {
		if !strings.Contains(table, line+"\n") {
			t.Errorf("table lacks line %q:\n%s", line, table)
		}
	}
	if err := (&Set{}).WriteTables(&b, ""); err == nil {
		t.Error("WriteTables without results did not fail")
	}
	if strings.Contains(table, "GCPause") || strings.Contains(table, "### Baz") {
		t.Errorf("table has a section without kernel results:\n%s", table)
	}
}

func TestSizes(t *testing.T) {
	for _, n := range AllSizes {
		s := FormatSize(n)
		if got, err := ParseSize(s); err != nil || got != n {
			t.Errorf("ParseSize(%s) = %d, %v; want %d", s, got, err, n)
		}
	}
	for in, want := range map[int]string{1: "1", 7: "7", 1024: "1Ki", 1536: "1536", 16 << 20: "16Mi", 3 << 10: "3Ki"} {
		if got := FormatSize(in); got != want {
			t.Errorf("FormatSize(%d) = %q, want %q", in, got, want)
		}
	}
	got, err := ParseSizes("16Mi, tiny,4Ki,4096")
	if want := []int{1, 2, 4, 8, 16, 32, 4096, 16 << 20}; err != nil || !slices.Equal(got, want) {
		t.Errorf("ParseSizes = %v, %v; want %v", got, err, want)
	}
	if got, _ := ParseSizes("all"); !slices.Equal(got, AllSizes) {
		t.Errorf("ParseSizes(all) = %v", got)
	}
	for _, bad := range []string{"", "4Kb", "-1", "x", "1Gi", "n=4Ki"} {
		if _, err := ParseSizes(bad); err == nil {
			t.Errorf("ParseSizes(%q) accepted", bad)
		}
	}
}
