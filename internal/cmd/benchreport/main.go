// Command benchreport runs patgit's benchmarks against their anchors (bare
// go-github, the Azure DevOps Go SDK, raw go-git, plain git) and its budget
// tests, and writes BENCHMARKS.md: a table per group with ratios to the
// anchor measured in the same run, the budgets and whether they hold, the
// machine, and the command that reproduces the file.
//
// Run it from the module root:
//
//	go run ./internal/cmd/benchreport            # small repository only, a few minutes
//	go run ./internal/cmd/benchreport -large     # adds the two large repositories (realistic history, big blobs)
//	go run ./internal/cmd/benchreport -out /dev/stdout
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"strings"
	"time"
)

// pkg is the package holding the comparative benchmarks.
const pkg = "./internal/bench/"

// envLarge opts the benchmark package in to the large repositories.
const envLarge = "PATGIT_BENCH_LARGE"

// run is one `go test` invocation.
type run struct {
	name string
	args []string
	env  []string
}

func main() {
	large := flag.Bool("large", false, "also clone the two generated large repositories (adds many minutes)")
	out := flag.String("out", "BENCHMARKS.md", "file to write")
	benchtime := flag.String("benchtime", "1s", "-benchtime of the check and parsing benchmarks")
	cloneSmall := flag.Int("small-clones", 20, "clones per path of the small repository")
	cloneLarge := flag.Int("large-clones", 3, "clones per path of each large repository")
	var gitDirs multiFlag
	flag.Var(&gitDirs, "git", "a `directory` holding another git binary to count Command's round trips with (repeatable)")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: go run ./internal/cmd/benchreport [-large] [-out BENCHMARKS.md]\n\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() > 0 {
		flag.Usage()
		os.Exit(2)
	}
	if _, err := os.Stat("go.mod"); err != nil {
		fatal(errors.New("run benchreport from the module root (where go.mod is)"))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	runs := []run{
		{name: "checks and parsing", args: []string{"test", "-run", "^$", "-bench", "^Benchmark(GitHubCheck|GitHubConcurrent|AzureCheck|CheckLatency|ClonePrepare|Parse)$",
			"-benchmem", "-count", "1", "-benchtime", *benchtime, "-timeout", "30m", pkg}},
		{name: "clone, small repository", args: []string{"test", "-run", "^$", "-bench", "^BenchmarkClone$/^small$",
			"-benchmem", "-count", "1", "-benchtime", fmt.Sprintf("%dx", *cloneSmall), "-timeout", "30m", pkg}},
	}
	if *large {
		runs = append(runs, run{name: "clone, large repositories", env: []string{envLarge + "=1"},
			args: []string{"test", "-run", "^$", "-bench", "^BenchmarkClone$/^(history|blobs)$",
				"-benchmem", "-count", "1", "-benchtime", fmt.Sprintf("%dx", *cloneLarge), "-timeout", "120m", pkg}})
	}

	rep := &report{machine: machineFacts(ctx), started: time.Now()}
	rep.command = rerunCommand(*large, *out, *benchtime, *cloneSmall, *cloneLarge, gitDirs)
	for _, r := range runs {
		fmt.Fprintf(os.Stderr, "== %s: go %s\n", r.name, strings.Join(r.args, " "))
		start := time.Now()
		text, err := goTest(ctx, r)
		if err != nil {
			fatal(fmt.Errorf("%s: %w", r.name, err))
		}
		results, logs, err := parseOutput(strings.NewReader(text))
		if err != nil {
			fatal(err)
		}
		rep.results = append(rep.results, results...)
		rep.logs = append(rep.logs, logs...)
		rep.raw = append(rep.raw, benchLines(text)...)
		rep.durations = append(rep.durations, fmt.Sprintf("%s: %s", r.name, time.Since(start).Round(time.Second)))
	}
	fmt.Fprintln(os.Stderr, "== budget tests")
	budgetOut, budgetErr := goTestOutput(ctx, run{args: []string{"test", "-run", "^TestBudget", "-count", "1", "-v", pkg}})
	rep.budgetTests = parseTestResults(budgetOut)
	rep.budgetTestsFailed = budgetErr != nil
	rep.roundTrips = parseRoundTrips(budgetOut)
	for _, dir := range gitDirs {
		fmt.Fprintf(os.Stderr, "== Command's round trips with the git in %s\n", dir)
		out, err := goTestOutput(ctx, run{env: []string{"PATH=" + dir + string(os.PathListSeparator) + os.Getenv("PATH")},
			args: []string{"test", "-run", "^TestBudgetCommandRequests$", "-count", "1", "-v", pkg}})
		rows := parseRoundTrips(out)
		if err != nil || len(rows) == 0 {
			fatal(fmt.Errorf("round trips with the git in %s: %v\n%s", dir, err, out))
		}
		rep.roundTrips = append(rep.roundTrips, rows...)
	}
	rep.elapsed = time.Since(rep.started)

	var buf bytes.Buffer
	rep.write(&buf)
	if err := os.WriteFile(*out, buf.Bytes(), 0o644); err != nil {
		fatal(err)
	}
	fmt.Fprintf(os.Stderr, "wrote %s in %s\n", *out, rep.elapsed.Round(time.Second))
	if rep.budgetTestsFailed {
		fatal(errors.New("budget tests failed: see the Budgets section"))
	}
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "benchreport:", err)
	os.Exit(1)
}

// goTest runs `go args...`, echoing its output to stderr, and returns it.
func goTest(ctx context.Context, r run) (string, error) {
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, "go", r.args...)
	cmd.Env = append(os.Environ(), r.env...)
	cmd.Stdout = io.MultiWriter(&out, os.Stderr)
	cmd.Stderr = io.MultiWriter(&out, os.Stderr)
	if err := cmd.Run(); err != nil {
		return out.String(), fmt.Errorf("go %s: %w", strings.Join(r.args, " "), err)
	}
	return out.String(), nil
}

// goTestOutput runs `go args...` quietly and returns its output.
func goTestOutput(ctx context.Context, r run) (string, error) {
	cmd := exec.CommandContext(ctx, "go", r.args...)
	cmd.Env = append(os.Environ(), r.env...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// benchLines keeps the lines of go test output worth reprinting raw.
func benchLines(text string) []string {
	var keep []string
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, "Benchmark") || strings.HasPrefix(line, "pkg:") {
			keep = append(keep, strings.TrimRight(line, " \t"))
		}
	}
	return keep
}

// multiFlag is a repeatable string flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

// parseRoundTrips returns the rows TestBudgetCommandRequests logs:
// "command-requests: VERSION | PLAIN | COMMAND | UNAUTHENTICATED | HELPER RUNS".
func parseRoundTrips(out string) [][]string {
	var rows [][]string
	for _, line := range strings.Split(out, "\n") {
		_, rest, ok := strings.Cut(line, "command-requests: ")
		if !ok {
			continue
		}
		cells := strings.Split(rest, " | ")
		if len(cells) != 5 {
			continue
		}
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		rows = append(rows, cells)
	}
	return rows
}

// testResult is one test (or subtest) of `go test -v`.
type testResult struct {
	Name, Status, Time string
}

// parseTestResults returns the --- PASS/FAIL/SKIP lines of go test -v.
func parseTestResults(out string) []testResult {
	var res []testResult
	for _, line := range strings.Split(out, "\n") {
		t := strings.TrimSpace(line)
		for _, st := range []string{"PASS", "FAIL", "SKIP"} {
			if rest, ok := strings.CutPrefix(t, "--- "+st+": "); ok {
				name, dur, _ := strings.Cut(rest, " ")
				res = append(res, testResult{Name: name, Status: st, Time: strings.Trim(dur, "()")})
			}
		}
	}
	return res
}

// rerunCommand is the command line that reproduces the report.
func rerunCommand(large bool, out, benchtime string, small, largeN int, gitDirs []string) string {
	args := []string{"go run ./internal/cmd/benchreport"}
	if large {
		args = append(args, "-large")
	}
	if benchtime != "1s" {
		args = append(args, "-benchtime "+benchtime)
	}
	if small != 20 {
		args = append(args, fmt.Sprintf("-small-clones %d", small))
	}
	if large && largeN != 3 {
		args = append(args, fmt.Sprintf("-large-clones %d", largeN))
	}
	// The directory is this machine's; the report names the git it held.
	for range gitDirs {
		args = append(args, "-git DIR")
	}
	if out != "BENCHMARKS.md" {
		args = append(args, "-out "+out)
	}
	return strings.Join(args, " ")
}

// machine describes where the benchmarks ran.
type machine struct {
	GoVersion, OSArch, CPU, Git, Load string
	Cores                             int
}

func machineFacts(ctx context.Context) machine {
	m := machine{Cores: runtime.NumCPU()}
	m.GoVersion = cmdLine(ctx, "go", "version")
	m.OSArch = strings.ReplaceAll(cmdLine(ctx, "go", "env", "GOOS", "GOARCH"), "\n", "/")
	m.Git = cmdLine(ctx, "git", "--version")
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPU = strings.TrimSpace(v)
				break
			}
		}
	}
	if m.CPU == "" {
		m.CPU = "unknown (no /proc/cpuinfo)"
	}
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		if f := strings.Fields(string(b)); len(f) >= 3 {
			m.Load = strings.Join(f[:3], " ")
		}
	}
	return m
}

// cmdLine returns the trimmed output of a command, or "unknown".
func cmdLine(ctx context.Context, name string, args ...string) string {
	out, err := exec.CommandContext(ctx, name, args...).Output()
	if err != nil {
		return "unknown (" + name + ": " + err.Error() + ")"
	}
	return strings.TrimSpace(string(out))
}
