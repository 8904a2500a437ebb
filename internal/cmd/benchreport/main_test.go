package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestParseLine(t *testing.T) {
	tests := []struct {
		line string
		ok   bool
		name string
		n    int
		want map[string]float64
	}{
		{"BenchmarkGitHubCheck/go-github-2   \t    1848\t    545489 ns/op\t         1.000 requests/op\t   14431 B/op\t     212 allocs/op",
			true, "GitHubCheck/go-github", 1848, map[string]float64{"ns/op": 545489, "requests/op": 1, "B/op": 14431, "allocs/op": 212}},
		{"BenchmarkParse/ForURL/dev.azure.com/url.Parse-16 \t 252398\t 1260 ns/op", true, "Parse/ForURL/dev.azure.com/url.Parse", 252398, map[string]float64{"ns/op": 1260}},
		{"BenchmarkClone/large/full/git \t 3\t 2968508203 ns/op\t 106.0 pack-MB\t 62.65 peak-RSS-MB", true, "Clone/large/full/git", 3, map[string]float64{"ns/op": 2968508203, "pack-MB": 106, "peak-RSS-MB": 62.65}},
		{"BenchmarkX-2 \t 10\t 5 ns/op\t 7", false, "", 0, nil},
		{"BenchmarkX-2 \t 10\t fast ns/op", false, "", 0, nil},
		{"goos: linux", false, "", 0, nil},
		{"PASS", false, "", 0, nil},
	}
	for _, tt := range tests {
		r, ok := parseLine(tt.line)
		if ok != tt.ok {
			t.Errorf("parseLine(%q) ok = %v, want %v", tt.line, ok, tt.ok)
			continue
		}
		if !ok {
			continue
		}
		if r.Name != tt.name || r.N != tt.n || len(r.Metrics) != len(tt.want) {
			t.Errorf("parseLine(%q) = %+v", tt.line, r)
		}
		for k, v := range tt.want {
			if r.Metrics[k] != v {
				t.Errorf("parseLine(%q) %s = %v, want %v", tt.line, k, r.Metrics[k], v)
			}
		}
	}
}

func TestFormat(t *testing.T) {
	tests := []struct{ got, want string }{
		{formatValue("ns/op", 7.028), "7.03 ns"},
		{formatValue("ns/op", 545489), "545 µs"},
		{formatValue("ns/op", 2968508203), "2.97 s"},
		{formatValue("B/op", 416), "416 B"},
		{formatValue("B/op", 3194264), "3.19 MB"},
		{formatValue("allocs/op", 212), "212"},
		{formatValue("requests/op", 4.1), "4.1"},
		{formatValue("peak-RSS-MB", 62.65), "62.6"},
		{formatRatio(1, 100), "×0.01"},
		{formatRatio(100, 1), "×100"},
		{formatRatio(3, 2), "×1.50"},
		{formatRatio(1, 0), "—"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}

func TestReport(t *testing.T) {
	out := `BenchmarkGitHubCheck/go-github-2 	100	 200000 ns/op	 1.000 requests/op	 100 B/op	 10 allocs/op
BenchmarkGitHubCheck/patgit-uncached-2 	100	 100000 ns/op	 2.000 requests/op	 100 B/op	 20 allocs/op
BenchmarkClone/small/full-2 	10	 650 ns/op	 400 git:ns/op	 20 git:peak-RSS-MB	 3 git:requests/op	 100 go-git:ns/op	 10 go-git:peak-RSS-MB	 2 go-git:requests/op	 150 patgit:ns/op	 10 patgit:peak-RSS-MB	 2 patgit:requests/op	 5 pack-MB	 100 B/op
bench-note: the large repository was generated in 1s
`
	results, notes, err := parseOutput(strings.NewReader(out))
	if err != nil || len(results) != 5 || results[2].Name != "Clone/small/full/git" || results[4].Metrics["pack-MB"] != 5 || len(results[4].Metrics) != 4 || len(notes) != 1 {
		t.Fatalf("parseOutput: %d results, %d notes, %v", len(results), len(notes), err)
	}
	rep := &report{results: results, logs: notes, command: "go run ./internal/cmd/benchreport",
		budgetTests: parseTestResults("--- PASS: TestBudgetProbe (0.01s)\n    --- FAIL: TestBudgetProbe/x (0.00s)\n--- FAIL: TestBudgetClone (1.00s)\n")}
	var buf bytes.Buffer
	rep.write(&buf)
	md := buf.String()
	for _, want := range []string{
		"| go-github | 200 µs | 1 | 100 B | 10 | anchor | anchor |",
		"| patgit-uncached | 100 µs | 2 | 100 B | 20 | ×0.50 | ×2.00 |",
		"| small/full | go-git | 100 ns | — | 10.0 | — | 2 | anchor | ×0.25 | anchor | — | anchor | ×0.50 |\n| small/full | patgit | 150 ns | — | 10.0 | — | 2 | ×1.50 | ×0.38 | — | — | ×1.00 | ×0.50 |",
		"| GitHub `CheckScopes`: 1 request per check | 2 requests/op | **misses** |",
		"time over go-git +10%", "wall time ×1.50 of go-git's",
		"TestBudgetProbe PASS",
		"TestBudgetClone FAIL",
		"Note: the large repository was generated in 1s.",
		"go run ./internal/cmd/benchreport\n",
		"## Parsing\n\n", "Not run",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("report lacks %q:\n%s", want, md)
		}
	}
}

func TestRerunCommand(t *testing.T) {
	tests := []struct {
		large         bool
		out, bt       string
		small, largeN int
		want          string
	}{
		{false, "BENCHMARKS.md", "1s", 20, 3, "go run ./internal/cmd/benchreport"},
		{true, "BENCHMARKS.md", "1s", 20, 3, "go run ./internal/cmd/benchreport -large"},
		{true, "x.md", "2s", 5, 4, "go run ./internal/cmd/benchreport -large -benchtime 2s -small-clones 5 -large-clones 4 -out x.md"},
	}
	for _, tt := range tests {
		if got := rerunCommand(tt.large, tt.out, tt.bt, tt.small, tt.largeN, nil); got != tt.want {
			t.Errorf("rerunCommand = %q, want %q", got, tt.want)
		}
	}
}

func TestReportCloneCLIBudgets(t *testing.T) {
	out := `BenchmarkClone/history/full-2 	3	 650 ns/op	 100 git:ns/op	 50 git:cpu-ns/op	 20 git:peak-RSS-MB	 300 go-git:ns/op	 300 go-git:cpu-ns/op	 100 go-git:peak-RSS-MB	 105 patgit-clonecli:ns/op	 60 patgit-clonecli:cpu-ns/op	 21 patgit-clonecli:peak-RSS-MB
BenchmarkClone/history/shallow-2 	3	 650 ns/op	 100 git:ns/op	 20 git:peak-RSS-MB	 150 go-git:ns/op	 100 go-git:peak-RSS-MB	 120 patgit-clonecli:ns/op	 21 patgit-clonecli:peak-RSS-MB
`
	results, _, err := parseOutput(strings.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	(&report{results: results}).write(&buf)
	md := buf.String()
	for _, want := range []string{
		"| `gitauth.CloneCLI` within 1.10× of plain git, wall time and peak RSS (history/full) | wall time ×1.05, peak RSS ×1.05 of git's (CPU time ×1.20) | holds | benchmark only |",
		"| `gitauth.CloneCLI` at least 2× faster than go-git on a real history (history/full) | 2.86× faster than go-git; peak RSS ×0.21 of go-git's (CPU time: 5.00× less) | holds |",
		"(history/shallow) | wall time ×1.20, peak RSS ×1.05 of git's | **misses** |",
		"(history/shallow) | 1.25× faster than go-git; peak RSS ×0.21 of go-git's | **misses** |",
		"| history/full | patgit-clonecli | 105 ns | 60.0 ns | 21.0 | — | — | ×0.35 | ×1.05 | ×0.20 | ×1.20 | ×0.21 | ×1.05 |",
		"(CPU time ×1.20)", "(CPU time: 5.00× less)",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("report lacks %q:\n%s", want, md)
		}
	}
}

func TestRoundTrips(t *testing.T) {
	out := "=== RUN   TestBudgetCommandRequests\n    command_test.go:174: command-requests: git version 2.39.5 | 3 | 4 | 1 | get, store\n--- PASS\n"
	rows := parseRoundTrips(out)
	if len(rows) != 1 || rows[0][0] != "git version 2.39.5" || rows[0][4] != "get, store" {
		t.Fatalf("parseRoundTrips = %q", rows)
	}
	var buf bytes.Buffer
	(&report{roundTrips: rows}).write(&buf)
	if want := "| git version 2.39.5 | 3 | 4 | 1 | get, store |"; !strings.Contains(buf.String(), want) {
		t.Errorf("report lacks %q", want)
	}
	if got := rerunCommand(true, "BENCHMARKS.md", "1s", 20, 3, []string{"/opt/git/bin"}); got != "go run ./internal/cmd/benchreport -large -git DIR" {
		t.Errorf("rerunCommand = %q", got)
	}
}
