package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/patgit/patgit/pat"
)

// blobOrigin is where a blob first appears.
type blobOrigin struct {
	commit, path string
}

// scanHistory scans every blob reachable from any ref of repo once, at the
// first commit and path that hold it (see the package comment).
func scanHistory(ctx context.Context, s *scanner, repo string) error {
	log, err := git(ctx, repo, "log", "--all", "--topo-order", "--reverse", "--format=%H",
		"--raw", "--no-abbrev", "-z", "--no-renames", "--root", "--diff-merges=first-parent", "--no-ext-diff", "--no-textconv")
	if err != nil {
		return err
	}
	origin := map[string]blobOrigin{}
	var order []string
	add := func(sha string, o blobOrigin) {
		if _, ok := origin[sha]; !ok {
			origin[sha] = o
			order = append(order, sha)
		}
	}
	// -z output: "COMMIT\0" then, per changed path, "\n:SRCMODE DSTMODE
	// SRCSHA DSTSHA STATUS\0PATH\0" (the first entry of a commit is
	// preceded by a line break).
	fields := strings.Split(string(log), "\x00")
	commit := ""
	for i := 0; i < len(fields); i++ {
		f := strings.TrimLeft(fields[i], "\n")
		switch {
		case f == "":
		case f[0] == ':':
			w := strings.Fields(f[1:])
			if i+1 >= len(fields) {
				return errors.New("git log: a change without a path")
			}
			i++
			path := fields[i]
			if len(w) != 5 || w[4] == "D" || !blobMode(w[1]) || strings.Trim(w[3], "0") == "" {
				continue
			}
			add(w[3], blobOrigin{commit: commit, path: path})
		default:
			commit = f
		}
	}
	// Blobs that refs reach without a commit (a tag of a blob, a tree tag).
	objs, err := git(ctx, repo, "rev-list", "--all", "--objects", "--filter=object:type=blob", "--filter-provided-objects")
	if err != nil {
		return err
	}
	for _, line := range strings.Split(string(objs), "\n") {
		sha, path, _ := strings.Cut(line, " ")
		if sha != "" {
			add(sha, blobOrigin{path: path})
		}
	}
	return catBlobs(ctx, repo, order, func(sha string, data []byte) {
		o := origin[sha]
		s.scanBytes(data, o.path, o.commit)
	}, s)
}

// blobMode reports a git file mode that names a blob: a file or a symbolic
// link, not a submodule.
func blobMode(m string) bool {
	return strings.HasPrefix(m, "100") || m == "120000"
}

// catBlobs reads the blobs shas with one `git cat-file --batch` and hands
// each to fn.
func catBlobs(ctx context.Context, repo string, shas []string, fn func(sha string, data []byte), s *scanner) error {
	if len(shas) == 0 {
		return nil
	}
	cmd := gitCmd(ctx, repo, "cat-file", "--batch")
	in, err := cmd.StdinPipe()
	if err != nil {
		return err
	}
	outPipe, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	var errb bytes.Buffer
	cmd.Stderr = &errb
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("git cat-file: %w", err)
	}
	go func() {
		w := bufio.NewWriter(in)
		for _, sha := range shas {
			w.WriteString(sha + "\n")
		}
		w.Flush()
		in.Close()
	}()
	out := bufio.NewReaderSize(outPipe, 64<<10)
	readErr := func() error {
		for range shas {
			header, err := out.ReadString('\n')
			if err != nil {
				return fmt.Errorf("git cat-file: %w", err)
			}
			w := strings.Fields(header)
			if len(w) == 2 && w[1] == "missing" {
				s.problem("blob %s is missing from the repository", w[0])
				continue
			}
			if len(w) != 3 {
				return fmt.Errorf("git cat-file: unexpected answer %q", pat.Sanitize(header, 200))
			}
			size, err := strconv.ParseInt(w[2], 10, 64)
			if err != nil || size < 0 {
				return fmt.Errorf("git cat-file: bad size in %q", pat.Sanitize(header, 200))
			}
			if size > maxFileSize {
				if _, err := io.CopyN(io.Discard, out, size+1); err != nil {
					return fmt.Errorf("git cat-file: %w", err)
				}
				s.problem("blob %s: more than %d bytes, not scanned", w[0], maxFileSize)
				continue
			}
			data := make([]byte, size+1)
			if _, err := io.ReadFull(out, data); err != nil {
				return fmt.Errorf("git cat-file: %w", err)
			}
			if w[1] == "blob" {
				fn(w[0], data[:size])
			}
		}
		return nil
	}()
	if readErr != nil {
		cmd.Process.Kill()
	}
	werr := cmd.Wait()
	if readErr != nil {
		return readErr
	}
	if werr != nil {
		return fmt.Errorf("git cat-file: %v: %s", werr, pat.Sanitize(errb.String(), 300))
	}
	return nil
}

// scanStaged scans the lines `git diff --cached` adds in repo, with their
// line numbers in the staged file.
func scanStaged(ctx context.Context, s *scanner, repo string) error {
	names, err := git(ctx, repo, "diff", "--cached", "--name-only", "-z", "--no-renames", "--diff-filter=ACMT")
	if err != nil {
		return err
	}
	for _, path := range strings.Split(string(names), "\x00") {
		if path == "" {
			continue
		}
		diff, err := git(ctx, repo, "diff", "--cached", "-U0", "--no-color", "--text", "--no-ext-diff", "--no-textconv", "--no-renames", "--", ":(literal)"+path)
		if err != nil {
			return err
		}
		scanAdded(s, diff, path)
	}
	return nil
}

// scanAdded scans the added lines of a unified diff of one file.
func scanAdded(s *scanner, diff []byte, path string) {
	line := 0
	inHunk := false
	for len(diff) > 0 {
		l := diff
		if i := bytes.IndexByte(diff, '\n'); i >= 0 {
			l, diff = diff[:i], diff[i+1:]
		} else {
			diff = nil
		}
		switch {
		case bytes.HasPrefix(l, []byte("@@ ")):
			// @@ -a,b +c,d @@
			inHunk = false
			if _, plus, ok := bytes.Cut(l, []byte(" +")); ok {
				num, _, _ := bytes.Cut(plus, []byte(" "))
				num, _, _ = bytes.Cut(num, []byte(","))
				if n, err := strconv.Atoi(string(num)); err == nil {
					line, inHunk = n, true
				}
			}
		case !inHunk:
		case len(l) > 0 && l[0] == '+':
			before := len(s.found)
			s.scanBytes(l[1:], path, "")
			for i := before; i < len(s.found); i++ {
				s.found[i].Line = line
				s.found[i].Location = location(s.found[i])
			}
			line++
		case len(l) > 0 && l[0] == ' ':
			line++
		}
	}
}
