package report

import (
	"math"
	"slices"
	"strings"
	"testing"
)

// canned is `go test -bench` output as Go 1.26 writes it, -count 3, with
// the noise a real run has around the results.
const canned = `goos: linux
goarch: amd64
pkg: github.com/rectify-go/rectify/bench
cpu: Intel(R) Xeon(R) Processor
BenchmarkKernels/ELU/avx2/n=4Ki-2         	  200000	      1000 ns/op	32768.00 MB/s	       0 B/op	       0 allocs/op
BenchmarkKernels/ELU/avx2/n=4Ki-2         	  200000	      1200 ns/op	27306.67 MB/s	       0 B/op	       0 allocs/op
BenchmarkKernels/ELU/avx2/n=4Ki-2         	  200000	       900 ns/op	36408.89 MB/s	       0 B/op	       0 allocs/op
BenchmarkKernels/ELU/generic/n=4Ki-2      	   50000	      4000 ns/op	8192.00 MB/s	       0 B/op	       0 allocs/op
BenchmarkKernels/ELU/generic/n=4Ki-2      	   50000	      4100 ns/op	7990.24 MB/s	       0 B/op	       0 allocs/op
BenchmarkKernels/ELU/naive/n=4Ki-2        	   20000	     20000 ns/op	1638.40 MB/s	       0 B/op	       0 allocs/op
BenchmarkKernels/ELU/naive/n=4Ki-2        	   20000	     24000 ns/op	1365.33 MB/s	       0 B/op	       0 allocs/op
BenchmarkKernels/ELU/naive/n=4Ki-2        	   20000	     22000 ns/op	1489.45 MB/s	       0 B/op	       0 allocs/op
BenchmarkKernels/ELU/fallback/n=4Ki-2     	   50000	      4000 ns/op	8192.00 MB/s	       0 B/op	       0 allocs/op
BenchmarkKernels/ELU/fallback/n=1-2       	 1000000	        12.5 ns/op	 640.00 MB/s	       0 B/op	       0 allocs/op
BenchmarkKernels/ELU/avx2/n=1-2           	 1000000	        10.0 ns/op	 800.00 MB/s	      16 B/op	       1 allocs/op
some log line a benchmark printed
BenchmarkCopy/n=4Ki-2             	 5000000	       250 ns/op	131072.00 MB/s	       0 B/op	       0 allocs/op
BenchmarkCopy/n=4Ki-2             	 5000000	       150 ns/op	218453.33 MB/s	       0 B/op	       0 allocs/op
BenchmarkCopy/n=1                 	 9000000	         5 ns/op
BenchmarkSigmoid/neon/n=16Mi      	       3	  16777216 ns/op
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
	wantNs := map[string][]float64{
		"ELU/avx2/n=4Ki":      {1000, 1200, 900},
		"ELU/generic/n=4Ki":   {4000, 4100},
		"ELU/naive/n=4Ki":     {20000, 24000, 22000},
		"ELU/fallback/n=4Ki":  {4000},
		"ELU/fallback/n=1":    {12.5},
		"ELU/avx2/n=1":        {10},
		"Copy/n=4Ki":          {250, 150},
		"Copy/n=1":            {5},
		"Sigmoid/neon/n=16Mi": {16777216},
	}
	if len(s.NsPerOp) != len(wantNs) {
		t.Errorf("got %d names, want %d: %v", len(s.NsPerOp), len(wantNs), s.NsPerOp)
	}
	for name, want := range wantNs {
		if got := s.NsPerOp[name]; !slices.Equal(got, want) {
			t.Errorf("NsPerOp[%q] = %v, want %v", name, got, want)
		}
	}
	if s.Allocs["ELU/avx2/n=1"] != 1 || s.Allocs["ELU/avx2/n=4Ki"] != 0 {
		t.Errorf("Allocs = %v", s.Allocs)
	}
	for _, c := range []struct {
		name string
		want float64
	}{{"ELU/avx2/n=4Ki", 1000}, {"ELU/generic/n=4Ki", 4050}, {"Copy/n=4Ki", 200}, {"ELU/naive/n=4Ki", 22000}} {
		if got := s.Median(c.name); got != c.want {
			t.Errorf("Median(%q) = %v, want %v", c.name, got, c.want)
		}
	}
	if !math.IsNaN(s.Median("ELU/avx512/n=4Ki")) {
		t.Error("Median of a missing name is not NaN")
	}

	_, err = Parse(strings.NewReader("BenchmarkReLU/avx2/n=1-2 100 5 MB/s 0 allocs/op\n"))
	if err == nil {
		t.Error("a result without ns/op parsed")
	}
}

func TestRows(t *testing.T) {
	s, err := Parse(strings.NewReader(canned))
	if err != nil {
		t.Fatal(err)
	}
	rows := s.Rows("ELU")
	var got []string
	for _, r := range rows {
		got = append(got, FormatSize(r.N)+" "+r.Path)
	}
	want := []string{"1 avx2", "1 fallback", "4Ki avx2", "4Ki generic", "4Ki fallback", "4Ki naive"}
	if !slices.Equal(got, want) {
		t.Fatalf("rows %q, want %q", got, want)
	}
	r := rows[2] // 4Ki avx2: median 1000 ns
	near := func(what string, got, want float64) {
		t.Helper()
		if math.Abs(got-want) > 1e-9*math.Abs(want) {
			t.Errorf("4Ki avx2 %s = %v, want %v", what, got, want)
		}
	}
	near("NsPerElem", r.NsPerElem, 1000.0/4096)
	near("GBps", r.GBps, 8*4096/1000.0)
	near("VsCopy", r.VsCopy, 1000.0/200)
	near("OverNaive", r.OverNaive, 22000.0/1000)
	near("OverFallback", r.OverFallbck, 4000.0/1000)
	if r.Runs != 3 {
		t.Errorf("Runs = %d, want 3", r.Runs)
	}
	if !math.IsNaN(rows[0].OverNaive) || rows[0].VsCopy != 2 {
		t.Errorf("1 avx2: OverNaive %v (want NaN: no naive run), VsCopy %v (want 2)", rows[0].OverNaive, rows[0].VsCopy)
	}

	var b strings.Builder
	if err := s.WriteTables(&b, "avx2"); err != nil {
		t.Fatal(err)
	}
	table := b.String()
	for _, line := range []string{
		"| 4Ki | 0.049 | 164 |",                                 // copy: 200 ns for 4096 elements
		"| 4Ki | avx2 * | 0.244 | 32.8 | 5.00 | 22.00 | 4.00 |", // the selected path, marked
		"| 4Ki | naive | 5.37 | 1.49 | 110 | 1.00 | 0.18 |",
		"| 1 | avx2 * (1 allocs/op!) | 10.0 | 0.800 | 2.00 | – | 1.25 |",
		"### Sigmoid",
		"| 16Mi | neon | 1.00 | 8.00 | – | – | – |",
		"**Some paths allocate: rectify promises no allocation.**",
	} {
		if !strings.Contains(table, line+"\n") {
			t.Errorf("table lacks line %q:\n%s", line, table)
		}
	}
	if strings.Contains(table, "### ReLU") {
		t.Errorf("table has a ReLU section without ReLU results:\n%s", table)
	}
}

func TestSizes(t *testing.T) {
	for _, n := range AllSizes {
		s := FormatSize(n)
		if got, err := ParseSize("n=" + s); err != nil || got != n {
			t.Errorf("ParseSize(n=%s) = %d, %v; want %d", s, got, err, n)
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
	for _, bad := range []string{"", "4Kb", "-1", "x", "1Gi"} {
		if _, err := ParseSizes(bad); err == nil {
			t.Errorf("ParseSizes(%q) accepted", bad)
		}
	}
}
