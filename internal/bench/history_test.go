package bench

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// The realistic repository: real source files (the Go standard library's
// sources of the toolchain that runs the benchmark, $GOROOT/src without
// testdata, from `go env GOROOT`) and a long history of small edits, the shape of a real
// project. Three quarters of the files are in the first commit; each of
// historyCommits commits then edits historyEdits files (a few lines
// inserted, changed and deleted at deterministic places) and adds the next
// few of the remaining files. The result has tens of thousands of objects,
// mostly deltas of earlier versions, as a host's repacked repository does.
// Everything is deterministic for a given Go version.
const (
	historyCommits = 300
	historyEdits   = 40
	historyMaxFile = 256 << 10 // larger files are left out
)

// historySeed makes every generation byte-identical.
var historySeed = [32]byte{'p', 'a', 't', 'g', 'i', 't', '-', 'h', 'i', 's', 't', 'o', 'r', 'y'}

// sourceFiles returns the paths (relative, slash-separated, sorted) and
// contents of the source files under root, testdata left out.
func sourceFiles(root string) ([]string, map[string][]byte, error) {
	files := map[string][]byte{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		info, err := d.Info()
		if err != nil || info.Size() > historyMaxFile {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		files[filepath.ToSlash(rel)] = b
		return nil
	})
	paths := make([]string, 0, len(files))
	for p := range files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	return paths, files, err
}

// generateHistory makes dir a bare repository holding the realistic
// history, written with git fast-import and repacked from scratch (deltas
// searched anew, bitmaps), as a host keeps its repositories.
func generateHistory(dir string) error {
	out, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		return fmt.Errorf("go env GOROOT: %w", err)
	}
	paths, files, err := sourceFiles(filepath.Join(strings.TrimSpace(string(out)), "src"))
	if err != nil {
		return fmt.Errorf("reading the Go sources: %w", err)
	}
	if len(paths) < 1000 {
		return fmt.Errorf("only %d source files under GOROOT/src", len(paths))
	}
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	if err := gitIn(filepath.Dir(dir), nil, "init", "-q", "--bare", "-b", "main", dir); err != nil {
		return err
	}
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(writeHistoryStream(pw, paths, files)) }()
	if err := gitIn(dir, pr, "fast-import", "--quiet"); err != nil {
		pr.CloseWithError(err)
		return err
	}
	return gitIn(dir, nil, "repack", "-a", "-d", "-f", "-b", "-q", "--window=10", "--depth=50")
}

// writeHistoryStream writes the fast-import stream of the realistic history.
func writeHistoryStream(w io.Writer, paths []string, files map[string][]byte) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	rng := rand.New(rand.NewChaCha8(historySeed))
	const when = 1767225600 // 2026-01-01T00:00:00Z
	mark := 0
	blob := func(data []byte) int {
		mark++
		fmt.Fprintf(bw, "blob\nmark :%d\ndata %d\n", mark, len(data))
		bw.Write(data)
		bw.WriteString("\n")
		return mark
	}
	commit := func(i int, msg string, changed map[string]int) {
		fmt.Fprintf(bw, "commit refs/heads/main\nmark :%d\nauthor patgit bench <bench@patgit.invalid> %d +0000\ncommitter patgit bench <bench@patgit.invalid> %d +0000\ndata %d\n%s\n",
			1_000_000+i, when+3600*i, when+3600*i, len(msg), msg)
		if i > 0 {
			fmt.Fprintf(bw, "from :%d\n", 1_000_000+i-1)
		}
		names := make([]string, 0, len(changed))
		for p := range changed {
			names = append(names, p)
		}
		sort.Strings(names)
		for _, p := range names {
			fmt.Fprintf(bw, "M 100644 :%d src/%s\n", changed[p], p)
		}
		bw.WriteString("\n")
	}

	// Every fourth file (in path order) arrives later, a few per commit.
	var present, later []string
	for i, p := range paths {
		if i%4 == 3 {
			later = append(later, p)
		} else {
			present = append(present, p)
		}
	}
	changed := map[string]int{}
	for _, p := range present {
		changed[p] = blob(files[p])
	}
	commit(0, "Import sources", changed)
	perCommit := (len(later) + historyCommits - 1) / historyCommits
	for c := 1; c <= historyCommits; c++ {
		changed = map[string]int{}
		for range historyEdits {
			p := present[rng.IntN(len(present))]
			if bytes.IndexByte(files[p], 0) >= 0 {
				continue // binary: left alone
			}
			files[p] = editSource(files[p], c, rng)
			changed[p] = blob(files[p])
		}
		for range perCommit {
			if len(later) == 0 {
				break
			}
			p := later[0]
			later = later[1:]
			present = append(present, p)
			changed[p] = blob(files[p])
		}
		commit(c, fmt.Sprintf("Change %d: edit %d files", c, len(changed)), changed)
	}
	return bw.Flush()
}

// editSource returns src with a few deterministic line edits: a comment
// line inserted, a line changed, and (in longer files) a line deleted.
func editSource(src []byte, c int, rng *rand.Rand) []byte {
	lines := bytes.SplitAfter(src, []byte("\n"))
	at := rng.IntN(len(lines) + 1)
	note := fmt.Appendf(nil, "// Revision %d: keep this in step with its callers (%d).\n", c, rng.IntN(1000))
	lines = append(lines[:at], append([][]byte{note}, lines[at:]...)...)
	if i := rng.IntN(len(lines)); len(bytes.TrimSpace(lines[i])) > 0 {
		line := bytes.TrimRight(lines[i], "\n")
		lines[i] = fmt.Appendf(nil, "%s // r%d\n", line, c)
	}
	if len(lines) > 40 {
		i := rng.IntN(len(lines))
		lines = append(lines[:i], lines[i+1:]...)
	}
	return bytes.Join(lines, nil)
}

// repoCounts returns the number of objects in the bare repository dir and
// of files in its HEAD tree.
func repoCounts(tb testing.TB, dir string) (objects, files int) {
	tb.Helper()
	count := func(args ...string) int {
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		out, err := cmd.Output()
		if err != nil {
			tb.Fatalf("git %s: %v", strings.Join(args, " "), err)
		}
		return bytes.Count(out, []byte("\n"))
	}
	return count("rev-list", "--objects", "--all"), count("ls-tree", "-r", "--name-only", "HEAD")
}
