// Command credential-helper is a git credential helper backed by patgit: git
// asks it for credentials for GitHub and Azure DevOps remotes, and it answers
// with the token patgit finds (environment variables, token file), and stays
// silent for hosts it does not know, so git's next helper is asked.
//
// Configure it for one host at a time:
//
//	git config --global credential.https://dev.azure.com.helper '/path/to/credential-helper'
//	git config --global credential.https://github.com.helper '/path/to/credential-helper'
//
// Flags go before the operation git appends ("get", "store" or "erase"):
//
//	credential-helper [-base-url URL] [-token-file FILE] get
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/patgit/patgit/gitauth"
	"github.com/patgit/patgit/pat"
	"github.com/patgit/patgit/provider"
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("credential-helper", flag.ContinueOnError)
	fs.SetOutput(stderr)
	baseURL := fs.String("base-url", "", "web root of a GitHub Enterprise Server or Azure DevOps Server")
	tokenFile := fs.String("token-file", "", "read the token from this file (mode 0600) instead of the environment")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: credential-helper [-base-url URL] [-token-file FILE] get|store|erase")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return 2
	}
	opts := gitauth.Options{Provider: provider.Config{BaseURL: *baseURL}}
	if *tokenFile != "" {
		opts.Source = pat.File(*tokenFile)
	}
	if err := gitauth.CredentialHelper(ctx, fs.Arg(0), stdin, stdout, opts); err != nil {
		fmt.Fprintln(stderr, "patgit credential-helper:", err)
		return 1
	}
	return 0
}
