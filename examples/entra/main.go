// Command entra clones an Azure DevOps repository with a Microsoft Entra ID
// access token instead of a personal access token: a one-hour token that
// azidentity's DefaultAzureCredential obtains (environment service
// principal, workload identity, managed identity, Azure CLI login), which
// patgit's pat.Refresh reuses until 80 % of its lifetime and renews.
//
// Usage:
//
//	entra [-check] [-base-url URL] [-q] URL DIR
//
// With -check it only validates the token against the organization
// (connectionData) and prints who it is and when it expires. The token goes
// to Azure DevOps as a Bearer token on REST and as the Basic password on git;
// it never appears in DIR/.git/config, in an error or in the output.
//
// This program lives in its own module so that azidentity (and the Azure
// SDK and MSAL it brings) never enters the dependency graph of programs that
// import patgit itself.
//
// Exit status: 0 done, 1 no token or the token was refused, 2 usage.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/go-git/go-git/v5"

	"github.com/patgit/patgit/gitauth"
	"github.com/patgit/patgit/pat"
	"github.com/patgit/patgit/provider"
)

// azureDevOpsScope asks Entra ID for a token whose audience is Azure DevOps
// (its application ID, not its resource URI).
const azureDevOpsScope = "499b84ac-1321-427f-aa17-267ca6975798/.default"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr, nil))
}

// EntraSource returns a pat.Source of Entra ID access tokens for Azure
// DevOps from cred: each token carries its expiry, so pat.Refresh asks cred
// again only when 80 % of the token's hour has passed, concurrent callers
// share one request, and a failure is tried again on the next call.
func EntraSource(cred azcore.TokenCredential) pat.Source {
	return pat.Refresh(func(ctx context.Context) (pat.Token, error) {
		at, err := cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{azureDevOpsScope}})
		if err != nil {
			return pat.Token{}, fmt.Errorf("getting an Entra ID token for Azure DevOps: %w", err)
		}
		tok, err := pat.New(at.Token)
		if err != nil {
			return pat.Token{}, err
		}
		return tok.WithExpiry(at.ExpiresOn).WithOrigin("Entra ID"), nil
	})
}

// run is the program; cred nil means DefaultAzureCredential.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, cred azcore.TokenCredential) int {
	fs := flag.NewFlagSet("entra", flag.ContinueOnError)
	fs.SetOutput(stderr)
	check := fs.Bool("check", false, "only validate the token and print who it is and when it expires")
	baseURL := fs.String("base-url", "", "organization URL of an Azure DevOps Server collection, e.g. https://tfs.example.com/tfs/DefaultCollection")
	quiet := fs.Bool("q", false, "no progress output")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: entra [-check] [-base-url URL] [-q] URL DIR")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 2 && !(*check && fs.NArg() == 1) {
		fs.Usage()
		return 2
	}
	rawURL := fs.Arg(0)
	if cred == nil {
		c, err := azidentity.NewDefaultAzureCredential(nil)
		if err != nil {
			fmt.Fprintf(stderr, "entra: %v\n", err)
			return 1
		}
		cred = c
	}
	src := EntraSource(cred)
	cfg := provider.Config{BaseURL: *baseURL}

	if *check {
		p, repo, err := provider.ForURL(rawURL, cfg)
		if err != nil {
			fmt.Fprintf(stderr, "entra: %v\n", err)
			return 2
		}
		tok, err := src.Token(ctx)
		if err != nil {
			fmt.Fprintf(stderr, "entra: %v\n", err)
			return 1
		}
		rep, err := p.CheckScopes(ctx, tok)
		if err != nil {
			fmt.Fprintf(stderr, "entra: %s: %v\n", repo.Host, err)
			return 1
		}
		fmt.Fprintf(stdout, "%s token for %s on %s, expires %s\n", rep.Kind, rep.User, rep.Host, expiry(tok.ExpiresAt()))
		return 0
	}

	co := &git.CloneOptions{}
	if !*quiet {
		co.Progress = stderr
	}
	if _, err := gitauth.Clone(ctx, rawURL, fs.Arg(1), gitauth.Options{Provider: cfg, Source: src}, co); err != nil {
		fmt.Fprintf(stderr, "entra: %v\n", err)
		if errors.Is(err, provider.ErrUnsupportedURL) {
			return 2
		}
		return 1
	}
	fmt.Fprintf(stdout, "cloned %s into %s\n", rawURL, fs.Arg(1))
	return 0
}

func expiry(t time.Time) string {
	if t.IsZero() {
		return "at an unknown time"
	}
	return t.UTC().Format(time.RFC3339)
}
