package bench

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"testing"
	"time"

	git "github.com/go-git/go-git/v5"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"

	"github.com/patgit/patgit/gitauth"
	"github.com/patgit/patgit/pat"
	"github.com/patgit/patgit/provider"
	"github.com/patgit/patgit/provider/providertest"
)

// Environment of the test binary re-run as a child that clones once with
// go-git, so that its peak RSS can be read like git's.
const (
	envChild      = "PATGIT_BENCH_CHILD" // "go-git", "patgit" or "patgit-clonecli"
	envChildURL   = "PATGIT_BENCH_URL"
	envChildDir   = "PATGIT_BENCH_DIR"
	envChildBase  = "PATGIT_BENCH_BASEURL"
	envChildDepth = "PATGIT_BENCH_DEPTH"
	envChildToken = "PATGIT_BENCH_TOKEN" // a synthetic token of the fake server
)

// childMain clones as the environment says and returns the exit status.
func childMain() int {
	depth, _ := strconv.Atoi(os.Getenv(envChildDepth))
	secret := os.Getenv(envChildToken)
	gitauth.EnableMultiAck()
	c := cloner{url: os.Getenv(envChildURL), secret: secret, depth: depth}
	tok, err := pat.New(secret)
	if err == nil {
		c.opts = gitauth.Options{Provider: provider.Config{BaseURL: os.Getenv(envChildBase)}, Source: pat.Static(tok)}
		err = c.run(context.Background(), os.Getenv(envChild), os.Getenv(envChildDir))
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// cloner clones one repository of the fake GitHub in the five ways compared.
type cloner struct {
	url    string
	secret string
	depth  int // 0: full history
	opts   gitauth.Options
	base   string // the fake's URL (for the child)
}

// Clone paths. The anchors are go-git (for gitauth.Clone) and git (for
// gitauth.CloneCLI and gitauth.Command).
const (
	pathGoGit    = "go-git"
	pathPatgit   = "patgit"          // gitauth.Clone
	pathCloneCLI = "patgit-clonecli" // gitauth.CloneCLI
	pathGit      = "git"
	pathCommand  = "patgit-command" // git clone run by gitauth.Command
)

var clonePaths = []string{pathGoGit, pathPatgit, pathCloneCLI, pathGit, pathCommand}

// goHeap reports whether path's work is go-git's, in this process's heap.
func goHeap(path string) bool { return path == pathGoGit || path == pathPatgit }

// run clones into dir the way path says, in this process for go-git paths.
func (c *cloner) run(ctx context.Context, path, dir string) error {
	switch path {
	case pathGoGit:
		_, err := git.PlainCloneContext(ctx, dir, false, &git.CloneOptions{
			URL:   c.url,
			Auth:  &githttp.BasicAuth{Username: ghLogin, Password: c.secret},
			Depth: c.depth,
		})
		return err
	case pathPatgit:
		_, err := gitauth.Clone(ctx, c.url, dir, c.opts, &git.CloneOptions{Depth: c.depth})
		return err
	case pathCloneCLI:
		_, err := gitauth.CloneCLI(ctx, c.url, dir, c.opts, &git.CloneOptions{Depth: c.depth})
		return err
	}
	cmd, err := c.command(ctx, path, dir)
	if err != nil {
		return err
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%s clone: %w: %s", path, err, out)
	}
	return nil
}

// command returns the process that clones into dir the way path says: git
// for the CLI paths, this test binary re-run as a child for go-git paths.
func (c *cloner) command(ctx context.Context, path, dir string) (*exec.Cmd, error) {
	args := []string{"clone", "-q"}
	if c.depth > 0 {
		args = append(args, "--depth", strconv.Itoa(c.depth))
	}
	args = append(args, c.url, dir)
	switch path {
	case pathGit:
		header := "http.extraHeader=Authorization: Basic " + base64.StdEncoding.EncodeToString([]byte(ghLogin+":"+c.secret))
		return exec.CommandContext(ctx, "git", append([]string{"-c", header}, args...)...), nil
	case pathCommand:
		return gitauth.Command(ctx, c.url, c.opts, args...)
	case pathGoGit, pathPatgit, pathCloneCLI:
		exe, err := os.Executable()
		if err != nil {
			return nil, err
		}
		cmd := exec.CommandContext(ctx, exe, "-test.run=^$")
		cmd.Env = append(os.Environ(),
			envChild+"="+path, envChildURL+"="+c.url, envChildDir+"="+dir, envChildBase+"="+c.base,
			envChildDepth+"="+strconv.Itoa(c.depth), envChildToken+"="+c.secret)
		return cmd, nil
	}
	return nil, fmt.Errorf("unknown clone path %q", path)
}

// peakRSS clones once in a separate process tree and returns the largest
// resident memory of that tree (the sum over its live processes), sampled
// every millisecond from /proc. The rusage wait4 returns cannot serve: Go
// starts children with vfork, so a child's ru_maxrss starts at this
// process's own peak.
//
// For CloneCLI, whose caller is a Go program that exists before and after
// the clone, the figures are what the clone adds: git's processes plus the
// growth of the caller's own memory from the moment git starts, and the CPU
// time from then on (the start of the caller's process is the caller's,
// not the clone's).
//
// It also returns the CPU time (user and system) of the tree: git reaps its
// helpers and the Go child reaps git, so the child's rusage covers them all.
// Unlike wall time, it hardly depends on the machine's load.
func (c *cloner) peakRSS(path, dir string) (int64, time.Duration, error) {
	cmd, err := c.command(background, path, dir)
	if err != nil {
		return 0, 0, err
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		return 0, 0, err
	}
	done := make(chan struct{})
	peak := make(chan int64)
	var startCPU time.Duration // CloneCLI: the caller's CPU time when git started
	go func() {
		var top int64
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		var base int64 = -1
		for {
			if path == pathCloneCLI {
				pid := cmd.Process.Pid
				own := procRSS(pid)
				if kids := kidsRSS(pid, comm(pid)); kids > 0 {
					if base < 0 {
						base = own
						startCPU = procCPU(pid)
					}
					top = max(top, kids+max(0, own-base))
				}
			} else {
				top = max(top, treeRSS(cmd.Process.Pid))
			}
			select {
			case <-done:
				peak <- top
				return
			case <-t.C:
			}
		}
	}()
	err = cmd.Wait()
	close(done)
	top := <-peak
	if err != nil {
		return 0, 0, fmt.Errorf("%s clone: %w: %s", path, err, out.Bytes())
	}
	return top, cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime() - startCPU, nil
}

// procCPU returns the CPU time (user and system) pid has used so far, from
// /proc/PID/stat in clock ticks of 10 ms; 0 when /proc does not have it.
func procCPU(pid int) time.Duration {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	// Fields after the command name, which is in parentheses and may hold
	// spaces: state is field 3, utime 14 and stime 15.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(utime+stime) * 10 * time.Millisecond
}

// treeRSS returns the resident bytes of pid and its descendants, 0 when
// /proc does not have them.
func treeRSS(pid int) int64 {
	return procRSS(pid) + kidsRSS(pid, "")
}

// kidsRSS returns the resident bytes of pid's descendants. A descendant
// whose command name is skip is left out with its own descendants: a Go
// program starts its children with vfork, and until the child calls exec
// /proc shows the parent's memory (and name) as the child's own.
func kidsRSS(pid int, skip string) int64 {
	var total int64
	tasks, _ := os.ReadDir("/proc/" + strconv.Itoa(pid) + "/task")
	for _, task := range tasks {
		kids, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/task/" + task.Name() + "/children")
		for _, f := range strings.Fields(string(kids)) {
			kid, err := strconv.Atoi(f)
			if err != nil || (skip != "" && comm(kid) == skip) {
				continue
			}
			total += procRSS(kid) + kidsRSS(kid, skip)
		}
	}
	return total
}

// comm returns the command name of pid, "" when /proc does not have it.
func comm(pid int) string {
	b, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/comm")
	return strings.TrimSpace(string(b))
}

// procRSS returns the resident bytes of pid alone, 0 when /proc does not
// have it.
func procRSS(pid int) int64 {
	statm, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/statm")
	if err != nil {
		return 0
	}
	var size, resident int64
	fmt.Sscan(string(statm), &size, &resident)
	return resident * int64(os.Getpagesize())
}

// heapPeak runs f while sampling the Go heap every millisecond and returns
// the largest growth over the heap before f, in bytes.
func heapPeak(f func() error) (uint64, error) {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(sample)
	base := sample[0].Value.Uint64()
	done := make(chan struct{})
	peak := make(chan uint64)
	go func() {
		s := []metrics.Sample{{Name: sample[0].Name}}
		var top uint64
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(s)
			top = max(top, s[0].Value.Uint64())
			select {
			case <-done:
				peak <- top
				return
			case <-t.C:
			}
		}
	}()
	err := f()
	close(done)
	top := <-peak
	if top < base {
		return 0, err
	}
	return top - base, err
}

// BenchmarkClone clones the small repository (and, with
// PATGIT_BENCH_LARGE=1, the two large ones: "history", real sources with a
// long history of edits, and "blobs", a few commits of big incompressible
// files) with full history and shallow (depth 1), five ways: go-git
// PlainClone, gitauth.Clone, gitauth.CloneCLI, plain git clone with an
// Authorization header, and gitauth.Command's git clone.
//
// Each iteration clones once each way, in an order that rotates, so that
// all five see the same load on a shared machine; ns/op is the sum. Each
// path's figures are metrics named "PATH:UNIT": ns/op the wall time of one
// clone; cpu-ns/op its CPU time (user and system, of every process of the
// clone, measured on the memory clone); peak-RSS-MB the peak resident memory of a process tree doing one
// clone (go-git paths: this test binary re-run as a child that clones once;
// git: git and its helpers); peak-heap-MB (go-git paths) the largest growth
// of the Go heap during an in-process clone; requests/op the HTTP requests
// the fake server saw.
func BenchmarkClone(b *testing.B) {
	if err := providertest.GitAvailable(); err != nil {
		b.Skip(err)
	}
	e := newGitHub(b)
	e.addSmall(b)
	type size struct {
		name, repo string
		packMB     float64
	}
	sizes := []size{{"small", ghSmall, 0}}
	if os.Getenv(EnvLarge) == "1" {
		start := time.Now()
		mb := e.addGenerated(b, ghHistory, generateHistory)
		objects, files := repoCounts(b, e.srv.RepoDir(ghOwner, ghHistory))
		// Lines for benchreport, which quotes them under the clone table.
		fmt.Fprintf(os.Stderr, "bench-note: the history repository (%d commits of edits to the %s sources, %d files at its head, %d objects, most of them deltas) was generated in %v; its pack is %.1f MB\n",
			historyCommits+1, runtime.Version(), files, objects, time.Since(start).Round(100*time.Millisecond), mb)
		start = time.Now()
		mb2 := e.addGenerated(b, ghLarge, generateLarge)
		objects, files = repoCounts(b, e.srv.RepoDir(ghOwner, ghLarge))
		fmt.Fprintf(os.Stderr, "bench-note: the blobs repository (%d commits, %d files at its head, %d objects, 512 KiB random blobs) was generated in %v; its pack is %.1f MB\n",
			largeCommits+1, files, objects, time.Since(start).Round(100*time.Millisecond), mb2)
		sizes = append(sizes, size{"history", ghHistory, mb}, size{"blobs", ghLarge, mb2})
	}
	for _, sz := range sizes {
		for _, depth := range []struct {
			name string
			n    int
		}{{"full", 0}, {"shallow", 1}} {
			b.Run(sz.name+"/"+depth.name, func(b *testing.B) {
				benchClone(b, e, sz.repo, sz.packMB, depth.n)
			})
		}
	}
}

// pathStats is what benchClone learns about one clone path.
type pathStats struct {
	rss, heap uint64 // bytes
	wall, cpu time.Duration
	requests  int
}

func benchClone(b *testing.B, e *ghEnv, repo string, packMB float64, depth int) {
	c := &cloner{url: e.repoURL(repo), secret: e.secret, depth: depth, opts: e.options(), base: e.srv.URL}
	scratch := filepath.Join(b.TempDir(), "scratch")
	clean := func() { mustCheck(b, os.RemoveAll(scratch)) }
	stats := make([]pathStats, len(clonePaths))

	// Memory, measured on clones of their own so that sampling does not
	// slow the timed ones; then one clone each to warm up (patgit's user
	// name look-up, connections, the page cache).
	for i, path := range clonePaths {
		rss, cpu, err := c.peakRSS(path, scratch)
		mustCheck(b, err)
		stats[i].rss, stats[i].cpu = uint64(rss), cpu
		clean()
		if goHeap(path) {
			runtime.GC()
			stats[i].heap, err = heapPeak(func() error { return c.run(background, path, scratch) })
			mustCheck(b, err)
			clean()
		}
		if packMB == 0 { // the large repositories' memory clones warm up enough
			mustCheck(b, c.run(background, path, scratch))
			clean()
		}
	}
	runtime.GC()

	n := 0
	for b.Loop() {
		for k := range clonePaths {
			i := (n + k) % len(clonePaths)
			b.StopTimer()
			e.srv.ResetCounts()
			b.StartTimer()
			start := time.Now()
			mustCheck(b, c.run(background, clonePaths[i], scratch))
			stats[i].wall += time.Since(start)
			b.StopTimer()
			stats[i].requests += e.srv.TotalRequests()
			clean()
			if goHeap(clonePaths[i]) {
				runtime.GC() // each clone starts from the same heap
			}
			b.StartTimer()
		}
		n++
	}
	for i, path := range clonePaths {
		b.ReportMetric(float64(stats[i].wall.Nanoseconds())/float64(n), path+":ns/op")
		b.ReportMetric(float64(stats[i].requests)/float64(n), path+":requests/op")
		b.ReportMetric(float64(stats[i].rss)/1e6, path+":peak-RSS-MB")
		b.ReportMetric(float64(stats[i].cpu.Nanoseconds()), path+":cpu-ns/op")
		if goHeap(path) {
			b.ReportMetric(float64(stats[i].heap)/1e6, path+":peak-heap-MB")
		}
	}
	if packMB > 0 {
		b.ReportMetric(packMB, "pack-MB")
	}
}

// BenchmarkClonePrepare measures what gitauth.Clone does before go-git's
// transfer: resolve the URL, the provider and the token, and the user name
// (remembered after the first clone with a token). It is the whole of
// patgit's cost in a clone, too small for BenchmarkClone's wall times to
// show through the noise of a clone.
func BenchmarkClonePrepare(b *testing.B) {
	b.Run("patgit", func(b *testing.B) {
		e := newGitHub(b)
		url, opts := e.repoURL(ghSmall), e.options()
		prepare := func() error {
			r, err := gitauth.Resolve(background, url, opts)
			if err != nil {
				return err
			}
			_, err = r.BasicAuth(background)
			return err
		}
		mustCheck(b, prepare())
		e.srv.ResetCounts()
		b.ReportAllocs()
		for b.Loop() {
			if err := prepare(); err != nil {
				b.Fatal(err)
			}
		}
		reportRequests(b, e.srv.TotalRequests())
	})
}
