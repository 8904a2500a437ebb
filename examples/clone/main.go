// Command clone clones a GitHub or Azure DevOps repository with go-git,
// using the token patgit finds for the URL, with progress on stderr.
//
// Usage:
//
//	clone [-depth N] [-base-url URL] URL DIR
//
// The token comes from the host's conventional environment variables
// (GH_TOKEN, GITHUB_TOKEN; GH_ENTERPRISE_TOKEN, GITHUB_ENTERPRISE_TOKEN;
// AZURE_DEVOPS_EXT_PAT, SYSTEM_ACCESSTOKEN), then git's credential helpers.
// The URL stored in DIR/.git/config holds no credentials.
//
// Exit status: 0 cloned, 1 clone failed, 2 usage or bad input (URL, token
// shape, a token of the other provider).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"

	"github.com/go-git/go-git/v5"

	"github.com/patgit/patgit/gitauth"
	"github.com/patgit/patgit/pat"
	"github.com/patgit/patgit/provider"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("clone", flag.ContinueOnError)
	fs.SetOutput(stderr)
	depth := fs.Int("depth", 0, "shallow clone with this many commits (0: full history)")
	baseURL := fs.String("base-url", "", "web root of a GitHub Enterprise Server or Azure DevOps Server, e.g. https://ghe.example.com")
	quiet := fs.Bool("q", false, "no progress output")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: clone [-depth N] [-base-url URL] [-q] URL DIR")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 2 || *depth < 0 {
		fs.Usage()
		return 2
	}
	url, dir := fs.Arg(0), fs.Arg(1)
	opts := gitauth.Options{Provider: provider.Config{BaseURL: *baseURL}}
	co := &git.CloneOptions{Depth: *depth}
	if !*quiet {
		co.Progress = stderr
	}
	if _, err := gitauth.Clone(ctx, url, dir, opts, co); err != nil {
		fmt.Fprintln(stderr, "clone:", err)
		switch {
		case errors.Is(err, provider.ErrUnsupportedURL), errors.Is(err, provider.ErrInsecureURL),
			errors.Is(err, provider.ErrTokenMismatch), errors.Is(err, pat.ErrMalformed),
			errors.Is(err, pat.ErrChecksum), errors.Is(err, pat.ErrEmpty):
			return 2
		}
		return 1
	}
	fmt.Fprintf(stdout, "cloned %s into %s\n", url, dir)
	return 0
}
