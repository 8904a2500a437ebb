// Command clone clones a GitHub or Azure DevOps repository with go-git,
// using the token patgit finds for the URL, with progress on stderr.
//
// Usage:
//
//	clone [-depth N] [-base-url URL [-provider NAME]] [-q] URL DIR
//
// The token comes from the host's conventional environment variables
// (GH_TOKEN, GITHUB_TOKEN; GH_ENTERPRISE_TOKEN, GITHUB_ENTERPRISE_TOKEN;
// AZURE_DEVOPS_EXT_PAT, SYSTEM_ACCESSTOKEN), then git's credential helpers.
// The URL stored in DIR/.git/config holds no credentials.
//
// Progress goes to stderr: updated in place on a terminal, as whole lines
// (the last state of each step) otherwise, so that CI logs stay readable.
//
// Exit status: 0 cloned; 1 clone failed (no token, token refused, access
// denied, no such repository); 2 usage or bad input (URL, token shape, a
// token of another host); 3 network or host trouble.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/go-git/go-git/v5"

	"github.com/patgit/patgit/examples/internal/cli"
	"github.com/patgit/patgit/gitauth"
	"github.com/patgit/patgit/provider"
)

const usageLine = "usage: clone [-depth N] [-base-url URL [-provider NAME]] [-q] URL DIR"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr, isTerminal(os.Stderr)))
}

// run is clone's whole behaviour; terminal says whether stderr is one.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, terminal bool) int {
	fs := flag.NewFlagSet("clone", flag.ContinueOnError)
	fs.SetOutput(stderr)
	depth := fs.Int("depth", 0, "shallow clone with this many commits (0: full history)")
	baseURL := fs.String("base-url", "", "web root of a GitHub Enterprise Server or an Azure DevOps Server collection,\ne.g. https://ghe.example.com")
	name := fs.String("provider", "", "the provider that serves -base-url's host: github or azure-devops\n(default: a server root is GitHub Enterprise Server, a collection URL Azure DevOps Server)")
	quiet := fs.Bool("q", false, "no progress output")
	fs.Usage = func() {
		fmt.Fprintln(stderr, usageLine)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return cli.ExitOK
		}
		return cli.ExitUsage
	}
	switch {
	case *depth < 0:
		return usageError(stderr, fs, fmt.Sprintf("-depth must be 0 (full history) or more, not %d", *depth))
	case fs.NArg() < 2:
		return usageError(stderr, fs, fmt.Sprintf("want a repository URL and a directory, got %d %s", fs.NArg(), cli.Plural(fs.NArg(), "argument")))
	case fs.NArg() > 2 && strings.HasPrefix(fs.Arg(2), "-"):
		return usageError(stderr, fs, "flags go before the URL: "+fs.Arg(2))
	case fs.NArg() > 2:
		return usageError(stderr, fs, fmt.Sprintf("want a repository URL and a directory, got %d arguments", fs.NArg()))
	}
	url, dir := fs.Arg(0), fs.Arg(1)
	opts := gitauth.Options{Provider: provider.Config{BaseURL: *baseURL, Name: *name}}
	co := &git.CloneOptions{Depth: *depth}
	var lines *lineWriter
	switch {
	case *quiet:
	case terminal:
		co.Progress = stderr
	default:
		lines = &lineWriter{w: stderr}
		co.Progress = lines
	}
	_, err := gitauth.Clone(ctx, url, dir, opts, co)
	if lines != nil {
		lines.flush()
	}
	if err != nil {
		words := cli.Words{Flags: map[string]string{"BaseURL": "-base-url", "Name": "-provider"}, URL: url}
		fmt.Fprintln(stderr, "clone:", strings.TrimPrefix(words.Message(err), "clone "))
		return cli.Status(cli.Kind(err, true))
	}
	fmt.Fprintf(stdout, "cloned %s into %s\n", url, dir)
	return cli.ExitOK
}

// usageError says what was wrong, then the usage, and returns exit status 2.
func usageError(stderr io.Writer, fs *flag.FlagSet, problem string) int {
	fmt.Fprintf(stderr, "clone: %s\n", problem)
	fs.Usage()
	return cli.ExitUsage
}

// isTerminal reports whether f is a terminal (a character device).
func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// lineWriter turns progress meant for a terminal into whole lines: an
// update ended by a carriage return replaces the line being built, and only
// lines ended by a newline (the last state of each step) are written.
type lineWriter struct {
	w    io.Writer
	line []byte
}

func (p *lineWriter) Write(b []byte) (int, error) {
	for _, c := range b {
		switch c {
		case '\r':
			p.line = p.line[:0]
		case '\n':
			p.line = append(p.line, '\n')
			if _, err := p.w.Write(p.line); err != nil {
				return 0, err
			}
			p.line = p.line[:0]
		default:
			p.line = append(p.line, c)
		}
	}
	return len(b), nil
}

// flush writes a last line that no newline ended.
func (p *lineWriter) flush() {
	if len(p.line) > 0 {
		_, _ = p.w.Write(append(p.line, '\n'))
		p.line = p.line[:0]
	}
}
