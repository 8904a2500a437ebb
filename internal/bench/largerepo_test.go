package bench

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The big-blob repository (the second large shape): a first commit of many
// small source files, then largeCommits commits that each rewrite
// largePerCommit of largeSlots binary files with incompressible,
// deterministic bytes. Its history packs to about 100 MB; its last tree
// (what a shallow clone fetches) to about 20 MB. Few objects, no deltas: a
// shape real repositories rarely have, kept to show transfer-bound clones.
const (
	largeTextFiles = 2000
	largeCommits   = 25
	largePerCommit = 8
	largeSlots     = 32
	largeBlobSize  = 512 << 10
)

// largeSeed makes every generation byte-identical.
var largeSeed = [32]byte{'p', 'a', 't', 'g', 'i', 't', '-', 'b', 'e', 'n', 'c', 'h'}

// addGenerated replaces the fake's repository bench/NAME with the history
// generate writes into its directory and returns the size of its pack in MB.
func (e *ghEnv) addGenerated(tb testing.TB, name string, generate func(dir string) error) float64 {
	tb.Helper()
	if err := e.srv.AddRepo(ghOwner, name, nil); err != nil {
		tb.Fatalf("AddRepo: %v", err)
	}
	dir := e.srv.RepoDir(ghOwner, name)
	if dir == "" {
		tb.Fatalf("RepoDir: no directory for %s", name)
	}
	if err := generate(dir); err != nil {
		tb.Fatalf("generating the repository %s: %v", name, err)
	}
	packs, err := filepath.Glob(filepath.Join(dir, "objects", "pack", "*.pack"))
	if err != nil || len(packs) == 0 {
		tb.Fatalf("no pack in the large repository: %v", err)
	}
	var size int64
	for _, p := range packs {
		fi, err := os.Stat(p)
		if err != nil {
			tb.Fatal(err)
		}
		size += fi.Size()
	}
	return float64(size) / 1e6
}

// gitIn runs git in dir with a fixed identity and no configuration.
func gitIn(dir string, stdin io.Reader, args ...string) error {
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Stdin = stdin
	cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL="+os.DevNull)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("git %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return nil
}

// generateLarge makes dir a bare repository holding the large history,
// written with git fast-import and repacked with bitmaps, as a hosting
// service keeps its repositories. Blobs above core.bigFileThreshold are
// stored whole: random bytes have no deltas to find.
func generateLarge(dir string) error {
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	if err := gitIn(filepath.Dir(dir), nil, "init", "-q", "--bare", "-b", "main", dir); err != nil {
		return err
	}
	if err := gitIn(dir, nil, "config", "core.bigFileThreshold", "256k"); err != nil {
		return err
	}
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(writeLargeStream(pw)) }()
	if err := gitIn(dir, pr, "fast-import", "--quiet"); err != nil {
		pr.CloseWithError(err)
		return err
	}
	return gitIn(dir, nil, "repack", "-a", "-d", "-b", "-q")
}

// writeLargeStream writes the fast-import stream of the large history.
func writeLargeStream(w io.Writer) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	rng := rand.NewChaCha8(largeSeed)
	blob := make([]byte, largeBlobSize)
	const when = 1767225600 // 2026-01-01T00:00:00Z
	commit := func(i int, msg string, files map[string]int, order []string) {
		fmt.Fprintf(bw, "commit refs/heads/main\nmark :%d\ncommitter patgit bench <bench@patgit.invalid> %d +0000\ndata %d\n%s\n",
			1_000_000+i, when+60*i, len(msg), msg)
		if i > 0 {
			fmt.Fprintf(bw, "from :%d\n", 1_000_000+i-1)
		}
		for _, path := range order {
			fmt.Fprintf(bw, "M 100644 :%d %s\n", files[path], path)
		}
		bw.WriteString("\n")
	}
	mark := 0
	writeBlob := func(data []byte) int {
		mark++
		fmt.Fprintf(bw, "blob\nmark :%d\ndata %d\n", mark, len(data))
		bw.Write(data)
		bw.WriteString("\n")
		return mark
	}

	files := map[string]int{}
	var order []string
	for i := range largeTextFiles {
		var src strings.Builder
		fmt.Fprintf(&src, "package pkg%d\n\n", i/100)
		for j := range 40 {
			fmt.Fprintf(&src, "// F%d_%d returns the %d-th value of table %d.\nfunc F%d_%d() int { return %d }\n\n", i, j, j, i, i, j, (i*7919+j*104729)%1000003)
		}
		path := fmt.Sprintf("src/pkg%02d/file%04d.go", i/100, i)
		files[path] = writeBlob([]byte(src.String()))
		order = append(order, path)
	}
	commit(0, "Add sources", files, order)
	for c := 1; c <= largeCommits; c++ {
		files = map[string]int{}
		order = order[:0]
		for k := range largePerCommit {
			rng.Read(blob)
			path := fmt.Sprintf("assets/blob%02d.bin", ((c-1)*largePerCommit+k)%largeSlots)
			files[path] = writeBlob(blob)
			order = append(order, path)
		}
		commit(c, fmt.Sprintf("Update assets, round %d", c), files, order)
	}
	return bw.Flush()
}
