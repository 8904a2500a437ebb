// Command credential-helper is a git credential helper backed by patgit: git
// asks it for credentials for GitHub and Azure DevOps remotes, and it answers
// with the token patgit finds (environment variables, or -token-file), and
// stays silent for hosts it does not know, so git's next helper is asked.
//
// Configure it for one host at a time:
//
//	git config --global credential.https://dev.azure.com.helper '/path/to/credential-helper'
//	git config --global credential.https://github.com.helper '/path/to/credential-helper -username octocat'
//
// Flags go before the operation git appends ("get", "store" or "erase"):
//
//	credential-helper [-base-url URL [-provider NAME]] [-token-file FILE] [-username NAME] get
//
// -username gives GitHub the user name, so that no GET /user is made on
// every "get". When the token's expiry is known, the answer carries
// password_expiry_utc, and git (2.40 and later) never uses it expired.
//
// A failure (a -token-file that is missing or readable by others, a token
// of another host, a refused token) is written to stderr, which git shows,
// with exit status 1; a usage error exits 2. A host the helper does not know,
// or no token in the environment, is silence and exit 0: git asks its next
// helper.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"github.com/patgit/patgit/examples/internal/cli"
	"github.com/patgit/patgit/gitauth"
	"github.com/patgit/patgit/pat"
	"github.com/patgit/patgit/provider"
)

const usageLine = "usage: credential-helper [-base-url URL [-provider NAME]] [-token-file FILE] [-username NAME] get|store|erase"

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("credential-helper", flag.ContinueOnError)
	fs.SetOutput(stderr)
	baseURL := fs.String("base-url", "", "web root of a GitHub Enterprise Server or an Azure DevOps Server collection")
	name := fs.String("provider", "", "the provider that serves -base-url's host: github or azure-devops\n(default: a server root is GitHub Enterprise Server, a collection URL Azure DevOps Server)")
	tokenFile := fs.String("token-file", "", "read the token from this file (mode 0600), read again on every request,\ninstead of the environment")
	username := fs.String("username", "", "the user name to answer (GitHub: skips the GET /user look-up)")
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
	case fs.NArg() == 0:
		return usageError(stderr, fs, "no operation given (git appends get, store or erase)")
	case fs.NArg() > 1:
		return usageError(stderr, fs, fmt.Sprintf("want one operation, got %d arguments: flags go before the operation", fs.NArg()))
	}
	op := fs.Arg(0)
	switch op {
	case "get", "store", "erase":
	default:
		return usageError(stderr, fs, fmt.Sprintf("unknown operation %q (want get, store or erase)", op))
	}
	opts := gitauth.Options{Provider: provider.Config{BaseURL: *baseURL, Name: *name, Username: *username}}
	if *tokenFile != "" {
		opts.Source = requiredFile{path: *tokenFile}
	}
	var answer bytes.Buffer
	if err := gitauth.CredentialHelper(ctx, op, stdin, &answer, opts); err != nil {
		words := cli.Words{Flags: map[string]string{"BaseURL": "-base-url", "Name": "-provider", "Username": "-username"}}
		fmt.Fprintln(stderr, "patgit credential-helper:", words.Message(err))
		return cli.ExitFailed
	}
	if _, err := stdout.Write(withExpiry(answer.Bytes())); err != nil {
		fmt.Fprintln(stderr, "patgit credential-helper:", err)
		return cli.ExitFailed
	}
	return cli.ExitOK
}

// usageError says what was wrong, then the usage, and returns exit status 2.
func usageError(stderr io.Writer, fs *flag.FlagSet, problem string) int {
	fmt.Fprintf(stderr, "credential-helper: %s\n", problem)
	fs.Usage()
	return cli.ExitUsage
}

// requiredFile is pat.File for a file the user named: a missing file is an
// error, not "no token here" (which would leave git to fail later with
// "could not read Username").
type requiredFile struct{ path string }

func (f requiredFile) Token(ctx context.Context) (pat.Token, error) {
	tok, err := pat.File(f.path).Token(ctx)
	if errors.Is(err, pat.ErrNotFound) {
		return pat.Token{}, fmt.Errorf("-token-file %s: no such file", f.path)
	}
	return tok, err
}

// withExpiry adds password_expiry_utc to an answer that has a password whose
// expiry is known and no expiry yet, so that git never uses it expired.
func withExpiry(answer []byte) []byte {
	if len(answer) == 0 || bytes.Contains(answer, []byte("\npassword_expiry_utc=")) {
		return answer
	}
	c, err := pat.ReadCredential(bytes.NewReader(answer))
	if err != nil {
		return answer
	}
	at := expiresAt(c.Password)
	if at.IsZero() {
		return answer
	}
	out := append(bytes.TrimRight(answer, "\n"), '\n')
	return append(out, "password_expiry_utc="+strconv.FormatInt(at.Unix(), 10)+"\n"...)
}

// expiresAt returns when tok expires (the exp claim of a JWT-shaped token),
// zero when unknown.
func expiresAt(tok pat.Token) time.Time { return tok.ExpiresAt() }
