// Command scan finds tokens in files, directories, standard input or a git
// history with [pat.Find], and tells the tokens whose checksum holds
// (GitHub's CRC32 in ghp_, gho_, ghu_, ghs_ and ghr_ tokens, GitLab's in
// routable tokens, the one in legacy Azure DevOps PATs) from matches on
// shape alone. It prints each token redacted, never its secret. With
// -revoke it asks GitHub to revoke the checked GitHub tokens it found.
//
// Usage:
//
//	scan [-json] [-revoke [-yes]] PATH...   files and directories (recursive, .git skipped); "-" is standard input
//	scan -history [-json] [-revoke [-yes]] [REPO]   every blob reachable from any ref of the repository (default ".")
//	scan -staged [-json] [REPO]             what `git diff --cached` adds: a pre-commit hook
//
// Output: one line per token, tab-separated: "checked" or "unchecked", the
// kind, the location, the redacted token. Checked tokens come first, then
// the unchecked ones (shape only: a fine-grained GitHub token, an Azure
// DevOps or legacy GitLab token, or a checksummed kind whose checksum
// fails), never mixed. Locations are FILE:LINE:COLUMN (column in bytes,
// from 1; "<stdin>" for standard input) or COMMIT:PATH:LINE:COLUMN; a path
// holding control characters (a tab, a line break, an escape sequence), a
// double quote or invalid UTF-8 is printed quoted, so that no file name
// can forge or hide a line. -json prints one JSON object per token instead, one a line, with
// the fields status, kind, provider, location, path, commit, line, column
// and token (redacted). A summary goes to standard error.
//
// History: each blob is reported once, with the first commit and path that
// hold it: the first commit in `git log --all --topo-order --reverse` order
// (parents before children, oldest first; unrelated branches in git's
// order) whose diff against its first parent, or against nothing for a
// root commit, adds it. A blob reachable from a ref but from no commit (a
// tag of a blob) is reported with an empty commit.
//
// Exit status:
//
//	0  no checked token found
//	1  a checked token was found (revoked or not)
//	2  usage, or the scan could not be completed (an unreadable path, git failing,
//	   -revoke with no terminal to ask on and no -yes); it wins over 1
//	3  the revocation failed (refused, rate limited, network)
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/patgit/patgit/pat"
	"github.com/patgit/patgit/provider"
)

// Exit statuses.
const (
	exitClean   = 0
	exitFound   = 1
	exitUsage   = 2
	exitRevoke  = 3
	maxFileSize = 256 << 20 // larger files and blobs are not read: the scan is then incomplete
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// finding is one token found, with where.
type finding struct {
	Status   string    `json:"status"` // "checked" or "unchecked"
	Kind     pat.Kind  `json:"kind"`
	Provider string    `json:"provider,omitempty"`
	Location string    `json:"location"`
	Path     string    `json:"path"`
	Commit   string    `json:"commit,omitempty"`
	Line     int       `json:"line"`
	Column   int       `json:"column"`
	Token    pat.Token `json:"token"` // redacts itself
	checked  bool
}

// scanner collects findings and the problems that made a scan incomplete.
type scanner struct {
	found    []finding
	stderr   io.Writer
	problems int
}

func (s *scanner) problem(format string, args ...any) {
	s.problems++
	fmt.Fprintf(s.stderr, "scan: "+format+"\n", args...)
}

// scanBytes reports every token in data, found at path (in commit).
func (s *scanner) scanBytes(data []byte, path, commit string) {
	line, lineStart, pos := 1, 0, 0
	for _, m := range pat.Find(data) {
		for ; pos < m.Start; pos++ {
			if data[pos] == '\n' {
				line++
				lineStart = pos + 1
			}
		}
		f := finding{
			Status: "unchecked", Kind: m.Token.Kind(), Provider: m.Token.Kind().Provider(),
			Path: path, Commit: commit, Line: line, Column: m.Start - lineStart + 1, Token: m.Token, checked: m.Checked,
		}
		if m.Checked {
			f.Status = "checked"
		}
		f.Location = location(f)
		s.found = append(s.found, f)
	}
}

// location is COMMIT:PATH:LINE:COL or PATH:LINE:COL, the path quoted when
// it holds anything that could break or disguise the line.
func location(f finding) string {
	p := f.Path
	if strings.ContainsFunc(p, func(r rune) bool {
		return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == '"' || r == '\u2028' || r == '\u2029'
	}) || !utf8.ValidString(p) {
		p = strconv.Quote(p)
	}
	loc := fmt.Sprintf("%s:%d:%d", p, f.Line, f.Column)
	if f.Commit != "" {
		loc = f.Commit + ":" + loc
	}
	return loc
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("scan", flag.ContinueOnError)
	fl.SetOutput(stderr)
	jsonOut := fl.Bool("json", false, "print one JSON object per token, one a line")
	history := fl.Bool("history", false, "scan every blob reachable from any ref of the repository REPO (default .)")
	staged := fl.Bool("staged", false, "scan what `git diff --cached` adds in REPO (default .): a pre-commit hook")
	revoke := fl.Bool("revoke", false, "revoke the checked GitHub tokens found, with GitHub's credential revocation API (asks first)")
	yes := fl.Bool("yes", false, "with -revoke: do not ask")
	githubAPI := fl.String("github-api", "", "with -revoke: github.com's API root (default https://api.github.com/); a proxy or a test server")
	fl.Usage = func() {
		fmt.Fprintln(stderr, "usage: scan [-json] [-revoke [-yes]] PATH...   (\"-\" is standard input)")
		fmt.Fprintln(stderr, "       scan -history [-json] [-revoke [-yes]] [REPO]")
		fmt.Fprintln(stderr, "       scan -staged [-json] [REPO]")
		fl.PrintDefaults()
	}
	if err := fl.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitClean
		}
		return exitUsage
	}
	paths := fl.Args()
	usage := func(msg string) int {
		fmt.Fprintln(stderr, "scan: "+msg)
		fl.Usage()
		return exitUsage
	}
	switch {
	case *history && *staged:
		return usage("-history and -staged do not go together")
	case (*history || *staged) && len(paths) > 1:
		return usage("-history and -staged take at most one repository")
	case !*history && !*staged && len(paths) == 0:
		return usage("nothing to scan: name files, directories, or - for standard input")
	case *yes && !*revoke, *githubAPI != "" && !*revoke:
		return usage("-yes and -github-api go with -revoke")
	case *revoke && *staged:
		return usage("-staged does not revoke: a pre-commit hook stops the commit instead")
	}
	s := &scanner{stderr: stderr}
	switch {
	case *history || *staged:
		repo := "."
		if len(paths) == 1 {
			repo = paths[0]
		}
		var err error
		if *history {
			err = scanHistory(ctx, s, repo)
		} else {
			err = scanStaged(ctx, s, repo)
		}
		if err != nil {
			s.problem("%v", err)
		}
	default:
		for _, p := range paths {
			scanPath(s, p, stdin)
		}
	}

	checked, unchecked := 0, 0
	for _, f := range s.found {
		if f.checked {
			checked++
		} else {
			unchecked++
		}
	}
	for _, want := range []bool{true, false} {
		for _, f := range s.found {
			if f.checked == want {
				printFinding(stdout, f, *jsonOut)
			}
		}
	}
	fmt.Fprintf(stderr, "scan: %d checked, %d unchecked (shape only)\n", checked, unchecked)

	status := exitClean
	if checked > 0 {
		status = exitFound
	}
	if *revoke && checked > 0 {
		if code := revokeFound(ctx, s.found, *yes, *githubAPI, stderr); code != exitClean {
			return code
		}
	}
	if s.problems > 0 {
		fmt.Fprintln(stderr, "scan: the scan is incomplete")
		return exitUsage
	}
	return status
}

func printFinding(w io.Writer, f finding, asJSON bool) {
	if asJSON {
		b, err := json.Marshal(f)
		if err == nil {
			fmt.Fprintf(w, "%s\n", b)
		}
		return
	}
	fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", f.Status, f.Kind, f.Location, f.Token)
}

// scanPath scans a file, a directory tree (.git directories, symbolic links
// and special files in it skipped) or, for "-", standard input.
func scanPath(s *scanner, p string, stdin io.Reader) {
	if p == "-" {
		data, err := io.ReadAll(io.LimitReader(stdin, maxFileSize+1))
		if err != nil {
			s.problem("reading standard input: %v", err)
			return
		}
		if len(data) > maxFileSize {
			s.problem("standard input: more than %d bytes, not scanned", maxFileSize)
			return
		}
		s.scanBytes(data, "<stdin>", "")
		return
	}
	if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
		// A path named on the command line is read whatever it is: a
		// symbolic link, a named pipe, a process substitution.
		scanFile(s, p)
		return
	}
	err := filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			s.problem("%v", err)
			return nil
		}
		if d.IsDir() {
			if d.Name() == ".git" && path != p {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		scanFile(s, path)
		return nil
	})
	if err != nil {
		s.problem("%v", err)
	}
}

func scanFile(s *scanner, path string) {
	f, err := os.Open(path)
	if err != nil {
		s.problem("%v", err)
		return
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		s.problem("%v", err)
		return
	}
	if len(data) > maxFileSize {
		s.problem("%s: more than %d bytes, not scanned", path, maxFileSize)
		return
	}
	s.scanBytes(data, path, "")
}

// revokeFound revokes the checked GitHub tokens among found, after listing
// them and asking on the terminal unless yes.
func revokeFound(ctx context.Context, found []finding, yes bool, api string, stderr io.Writer) int {
	var toks []pat.Token
	seen := map[string]bool{}
	skipped := 0
	for _, f := range found {
		if !f.checked || f.Kind.Provider() != "github" || seen[f.Token.Secret()] {
			continue
		}
		seen[f.Token.Secret()] = true
		if f.Kind == pat.GitHubInstallation {
			skipped++
			continue
		}
		toks = append(toks, f.Token)
		fmt.Fprintf(stderr, "scan: will revoke %s\t%s\t%s\n", f.Kind, f.Location, f.Token)
	}
	if skipped > 0 {
		fmt.Fprintf(stderr, "scan: %d installation tokens (ghs_) cannot be revoked by this API: their App revokes them, or they expire within the hour\n", skipped)
	}
	if len(toks) == 0 {
		fmt.Fprintln(stderr, "scan: no GitHub token to revoke")
		return exitClean
	}
	if !yes {
		ok, err := confirm(fmt.Sprintf("Revoke these %d tokens? GitHub notifies their owners; a revoked token cannot be restored. [y/N] ", len(toks)))
		if err != nil {
			fmt.Fprintf(stderr, "scan: no terminal to ask on (%v): run again with -yes to revoke without asking\n", err)
			return exitUsage
		}
		if !ok {
			fmt.Fprintln(stderr, "scan: nothing revoked")
			return exitClean
		}
	}
	g, err := provider.NewGitHub(provider.Config{APIURL: api})
	if err != nil {
		fmt.Fprintf(stderr, "scan: -github-api: %v\n", err)
		return exitUsage
	}
	if err := g.Revoke(ctx, toks...); err != nil {
		fmt.Fprintf(stderr, "scan: revoking: %v\n", err)
		return exitRevoke
	}
	fmt.Fprintf(stderr, "scan: GitHub accepted the revocation of %d tokens and notifies their owners\n", len(toks))
	return exitClean
}

// confirm asks question on the controlling terminal (never standard input,
// which may be what was scanned) and reports a yes.
func confirm(question string) (bool, error) {
	tty, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
	if err != nil {
		return false, err
	}
	defer tty.Close()
	if _, err := io.WriteString(tty, question); err != nil {
		return false, err
	}
	line, err := bufio.NewReader(io.LimitReader(tty, 1024)).ReadString('\n')
	if err != nil && line == "" {
		return false, err
	}
	a := strings.ToLower(strings.TrimSpace(line))
	return a == "y" || a == "yes", nil
}

// git runs git in repo and returns its standard output.
func git(ctx context.Context, repo string, args ...string) ([]byte, error) {
	cmd := gitCmd(ctx, repo, args...)
	var errb bytes.Buffer
	cmd.Stderr = &errb
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("git %s: %v: %s", args[0], err, pat.Sanitize(errb.String(), 300))
	}
	return out, nil
}

func gitCmd(ctx context.Context, repo string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, "git", append([]string{"-C", repo, "-c", "core.quotePath=false"}, args...)...)
	cmd.Env = append(os.Environ(), "GIT_TERMINAL_PROMPT=0", "LC_ALL=C")
	return cmd
}
