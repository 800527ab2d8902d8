// Command table runs rectify's benchmarks and prints them as a Markdown
// table: per kernel, path and size, the median ns/element and GB/s, the
// time relative to copy() of the same bytes, and the speed-up over the
// naive Go loop and over the pure-Go fallback. `make bench` runs it.
//
//	go run ./bench/cmd/table                       # default sizes, -count 5
//	go run ./bench/cmd/table -full                 # every size, tiny ones too
//	go run ./bench/cmd/table -kernels ELU,Sigmoid -sizes 1Ki,1Mi -count 10
//	go run ./bench/cmd/table -o raw.txt            # also keep go test's output (for benchstat)
//	go run ./bench/cmd/table -in raw.txt           # tabulate an earlier run
//
// All figures come from one `go test -bench` run, so every ratio compares
// measurements made side by side.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"strings"
	"time"

	"github.com/klauspost/cpuid/v2"
	"github.com/rectify-go/rectify"
	"github.com/rectify-go/rectify/bench/internal/report"
)

const benchPkg = "github.com/rectify-go/rectify/bench"

func main() {
	count := flag.Int("count", 5, "runs of each benchmark; the table shows medians")
	benchtime := flag.String("benchtime", "200ms", "go test -benchtime for each run")
	sizes := flag.String("sizes", "default", "sizes: e.g. 4Ki,1Mi or sets tiny, large, default (4Ki,64Ki,1Mi,16Mi), all")
	full := flag.Bool("full", false, "every size from 1 to 16Mi (same as -sizes all)")
	kernels := flag.String("kernels", strings.Join(report.Kernels, ","), "kernels to run, comma-separated")
	in := flag.String("in", "", "tabulate this saved `go test -bench` output instead of running")
	out := flag.String("o", "", "also write go test's raw output to this file")
	verbose := flag.Bool("v", false, "echo go test's output to stderr while it runs")
	flag.Parse()
	if flag.NArg() > 0 {
		fail(fmt.Errorf("unexpected arguments %q", flag.Args()))
	}

	var raw []byte
	var err error
	if *in != "" {
		raw, err = os.ReadFile(*in)
	} else {
		if *full {
			*sizes = "all"
		}
		raw, err = run(*count, *benchtime, *sizes, *kernels, *verbose)
		if *out != "" {
			if werr := os.WriteFile(*out, raw, 0o644); err == nil {
				err = werr
			}
		}
	}
	if err != nil {
		fail(err)
	}
	set, err := report.Parse(bytes.NewReader(raw))
	if err != nil {
		fail(err)
	}
	if len(set.NsPerOp) == 0 {
		fail(fmt.Errorf("no benchmark results"))
	}

	fmt.Printf("## rectify benchmarks\n\n")
	mark := ""
	if *in == "" {
		cpu := strings.TrimSpace(cpuid.CPU.BrandName)
		if cpu == "" {
			cpu = set.Config["cpu"]
		}
		if cpu == "" {
			cpu = "unknown CPU"
		}
		mark = rectify.Implementation()
		fmt.Printf("%s, %d logical cores · %s/%s · %s · rectify.Implementation() = %q\n\n",
			cpu, cpuid.CPU.LogicalCores, runtime.GOOS, runtime.GOARCH, runtime.Version(), mark)
		fmt.Printf("Medians of -count %d, -benchtime %s.\n\n", *count, *benchtime)
	} else {
		// A saved run may come from another machine: describe it from its
		// own header lines.
		fmt.Printf("%s · %s/%s · medians from %s\n\n", or(set.Config["cpu"], "unknown CPU"),
			or(set.Config["goos"], "?"), or(set.Config["goarch"], "?"), *in)
	}
	if err := set.WriteTables(os.Stdout, mark); err != nil {
		fail(err)
	}
}

// run runs the benchmarks in a go test subprocess and returns its output.
func run(count int, benchtime, sizes, kernels string, verbose bool) ([]byte, error) {
	if _, err := report.ParseSizes(sizes); err != nil {
		return nil, err
	}
	var names []string
	for _, k := range strings.Split(kernels, ",") {
		if k = strings.TrimSpace(k); k == "" {
			continue
		}
		ok := false
		for _, known := range report.Kernels {
			if strings.EqualFold(k, known) {
				names, ok = append(names, known), true
			}
		}
		if !ok {
			return nil, fmt.Errorf("unknown kernel %q (have %s)", k, strings.Join(report.Kernels, ", "))
		}
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("no kernels")
	}
	// Level 1 is the kernel in Kernels/<kernel>/... and the size in Copy/n=<size>.
	pattern := "^Benchmark(Kernels|Copy)$/^(" + strings.Join(names, "|") + "|n=.*)$"
	args := []string{"test", "-run", "^$", "-bench", pattern, "-benchtime", benchtime,
		"-count", fmt.Sprint(count), "-timeout", "0", benchPkg}
	cmd := exec.Command("go", args...)
	cmd.Env = append(os.Environ(), "RECTIFY_BENCH_SIZES="+sizes)
	cmd.Stderr = os.Stderr
	var buf bytes.Buffer
	pw := &progress{start: time.Now(), verbose: verbose}
	cmd.Stdout = io.MultiWriter(&buf, pw)
	fmt.Fprintf(os.Stderr, "table: RECTIFY_BENCH_SIZES=%s go %s\n", sizes, strings.Join(quote(args), " "))
	err := cmd.Run()
	pw.flush()
	if err != nil {
		os.Stderr.Write(buf.Bytes())
		return nil, fmt.Errorf("go test: %v", err)
	}
	fmt.Fprintf(os.Stderr, "table: done in %s\n", time.Since(pw.start).Round(time.Second))
	return buf.Bytes(), nil
}

// progress notes on stderr when each kernel starts, or echoes every line.
type progress struct {
	start   time.Time
	verbose bool
	partial []byte
	last    string
}

var benchKernel = regexp.MustCompile(`^Benchmark(?:Kernels/)?([A-Za-z]+)/`)

func (p *progress) Write(b []byte) (int, error) {
	p.partial = append(p.partial, b...)
	for {
		i := bytes.IndexByte(p.partial, '\n')
		if i < 0 {
			break
		}
		p.line(string(p.partial[:i]))
		p.partial = p.partial[i+1:]
	}
	return len(b), nil
}

func (p *progress) flush() {
	if len(p.partial) > 0 {
		p.line(string(p.partial))
		p.partial = nil
	}
}

func (p *progress) line(s string) {
	if p.verbose {
		fmt.Fprintln(os.Stderr, s)
		return
	}
	if m := benchKernel.FindStringSubmatch(s); m != nil && m[1] != p.last {
		p.last = m[1]
		fmt.Fprintf(os.Stderr, "table: %s (%s)\n", m[1], time.Since(p.start).Round(time.Second))
	}
}

func quote(args []string) []string {
	q := make([]string, len(args))
	for i, a := range args {
		if strings.ContainsAny(a, "^$|()* ") {
			a = "'" + a + "'"
		}
		q[i] = a
	}
	return q
}

func or(s, alt string) string {
	if s == "" {
		return alt
	}
	return s
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "table:", err)
	os.Exit(1)
}
