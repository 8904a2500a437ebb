package gitauth

import (
	"context"
	"errors"
	"fmt"
	"os"

	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"

	"github.com/patgit/patgit/pat"
	"github.com/patgit/patgit/provider"
)

// Access is what a [Probe] asks the remote for.
type Access int

const (
	// Read is fetching and cloning (git-upload-pack).
	Read Access = iota
	// Write is pushing (git-receive-pack).
	Write
)

// String returns "read" or "write".
func (a Access) String() string {
	if a == Write {
		return "write"
	}
	return "read"
}

// Options says how to reach a remote. The zero value finds the provider from
// the URL alone (github.com, GHE.com, dev.azure.com, *.visualstudio.com) and
// the token from the conventional sources for its host.
type Options struct {
	// Provider configures the provider [provider.ForURL] picks: set BaseURL
	// for GitHub Enterprise Server, Azure DevOps Server or a test server,
	// HTTPClient for proxies and timeouts, Username to skip GitHub's user
	// look-up.
	Provider provider.Config
	// Source finds the token. Nil: the conventional sources for the host,
	// in order (see the package documentation), then the git credential
	// helper.
	Source pat.Source
}

// Resolved is a remote made concrete: its provider, repository, clean clone
// URL and token. It is what [Auth], [Clone] and [Command] work from; programs
// that report where a token came from use it directly. Printing a Resolved
// never shows the secret: the Token redacts itself.
type Resolved struct {
	// Provider is the provider for the remote's host.
	Provider provider.Provider
	// Repo is the repository the URL names.
	Repo provider.Repo
	// CloneURL is the canonical clone URL, without credentials.
	CloneURL string
	// Token is the token found; Token.Origin says where ("env GH_TOKEN").
	Token pat.Token

	cfg provider.Config
}

// BasicAuth returns the go-git credentials for r: the token as password and
// the provider's user name for it. GitHub looks the login up with one API
// request unless Config.Username is set; the provider's process-wide check
// cache remembers it for Config.CacheTTL (0: one minute; negative: not at
// all), so that a series of clones pays for it once. Like [Auth]'s, the
// value shows the token under %#v and in JSON (go-git's type).
func (r *Resolved) BasicAuth(ctx context.Context) (*githttp.BasicAuth, error) {
	if err := checkContext(ctx, "BasicAuth"); err != nil {
		return nil, err
	}
	if r == nil || r.Provider == nil {
		return nil, invalid("BasicAuth", "a Resolved without a provider (use Resolve)")
	}
	if r.Token.IsZero() {
		return nil, fmt.Errorf("gitauth: credentials for %s: %w", r.Repo.Host, &NoTokenError{Host: r.Repo.Host, Tried: "the Resolved holds no token"})
	}
	auth, err := r.Provider.BasicAuth(ctx, r.Token)
	if err != nil {
		return nil, fmt.Errorf("gitauth: credentials for %s: %w", r.Repo.Host, err)
	}
	if auth == nil || auth.Password == "" {
		return nil, fmt.Errorf("gitauth: credentials for %s: provider %s returned none", r.Repo.Host, r.Provider.Name())
	}
	return auth, nil
}

// NoTokenError says that no source had a token for a host, and what was
// tried, in order. It matches [pat.ErrNotFound]; [errors.As] also reaches the
// source's [*pat.NotFoundError] (the list of variables and helpers asked).
type NoTokenError struct {
	Host string
	// Tried says what was tried, e.g. "GH_TOKEN, GITHUB_TOKEN unset; git
	// credential helper had none for github.com".
	Tried string
	// Hint says where to create a token and what it needs, e.g. "create a
	// token with the repo scope (classic) or Contents access (fine-grained)
	// at https://github.com/settings/tokens"; may be empty.
	Hint string

	err error
}

func (e *NoTokenError) Error() string {
	msg := "gitauth: no token for " + e.Host + ": " + e.Tried
	if e.Hint != "" {
		msg += "; " + e.Hint
	}
	return msg
}

// Unwrap returns the source's error, which matches [pat.ErrNotFound].
func (e *NoTokenError) Unwrap() error {
	if e.err == nil {
		return pat.ErrNotFound
	}
	return e.err
}

// EnvVars returns the environment variables patgit may read, in order, for a
// token for host when Options.Source is nil, taking a host that is not a
// well-known one for the server Config.BaseURL names: GH_TOKEN, GITHUB_TOKEN
// for github.com and *.ghe.com; GH_ENTERPRISE_TOKEN, GITHUB_ENTERPRISE_TOKEN
// (and GITHUB_TOKEN when GITHUB_SERVER_URL names host) for a GitHub
// Enterprise Server; AZURE_DEVOPS_EXT_PAT, SYSTEM_ACCESSTOKEN for Azure
// DevOps (SYSTEM_ACCESSTOKEN only where SYSTEM_COLLECTIONURI allows).
// providerName is [provider.Provider]'s Name. It answers from provider's
// host-family table.
//
// Deprecated: use [provider.TokenEnv], which answers for a resolved remote
// (its organization included) and its configuration; Resolve uses it.
func EnvVars(providerName, host string) []string {
	return provider.EnvNames(providerName, host, nil)
}

// Resolve finds the provider, repository, clean clone URL and token for
// rawURL. opts.Provider with an empty BaseURL is first completed for a CI
// server that runs this process ([provider.CIConfig]). The token comes from
// opts.Source, else from the environment variables bound to the remote
// ([provider.TokenEnv]) and then `git credential fill` for the clone URL. When none has a token, the error is a [*NoTokenError] naming
// what was tried; it matches [pat.ErrNotFound]. No error holds the token.
func Resolve(ctx context.Context, rawURL string, opts Options) (*Resolved, error) {
	return resolve(ctx, rawURL, opts, true)
}

// resolve is Resolve, with the git credential helper as last source only when
// useGit is set (CredentialHelper must not ask git, which would ask it back).
func resolve(ctx context.Context, rawURL string, opts Options, useGit bool) (*Resolved, error) {
	if err := checkContext(ctx, "Resolve"); err != nil {
		return nil, err
	}
	cfg := provider.CIConfig(rawURL, opts.Provider, os.Getenv)
	p, repo, err := provider.ForURL(rawURL, cfg)
	if err != nil {
		return nil, fmt.Errorf("gitauth: %w", err)
	}
	r := &Resolved{Provider: p, Repo: repo, CloneURL: p.CloneURL(repo), cfg: cfg}
	if r.CloneURL == "" {
		return nil, fmt.Errorf("gitauth: provider %s gave no clone URL for %s", p.Name(), repo)
	}
	var env []string
	if opts.Source == nil {
		env = provider.TokenEnv(p, repo, cfg, os.Getenv)
	}
	tok, err := findToken(ctx, opts.Source, env, repo.Host, r.CloneURL, useGit)
	if nt := (*NoTokenError)(nil); errors.As(err, &nt) {
		nt.Hint = provider.TokenHint(p, repo)
	}
	if err != nil {
		return nil, err
	}
	r.Token = tok
	return r, nil
}

// findToken asks src, or the variables env may hold a token for host (see
// [provider.TokenEnv]) and then, when useGit is set, git's credential
// helpers for cloneURL.
func findToken(ctx context.Context, src pat.Source, env []string, host, cloneURL string, useGit bool) (pat.Token, error) {
	if src == nil {
		var sources []pat.Source
		if len(env) > 0 {
			sources = append(sources, pat.Env(env...))
		}
		if useGit {
			sources = append(sources, pat.GitCredential(cloneURL))
		}
		if len(sources) == 0 {
			return pat.Token{}, &NoTokenError{Host: host, Tried: "no environment variable may hold a token for " + host}
		}
		src = pat.Chain(sources...)
	}
	tok, err := src.Token(ctx)
	if err == nil && tok.IsZero() {
		err = &pat.NotFoundError{Tried: []string{"the configured source"}, Why: []string{"returned an empty token"}}
	}
	if err != nil {
		if errors.Is(err, pat.ErrNotFound) {
			tried := err.Error()
			if nf := (*pat.NotFoundError)(nil); errors.As(err, &nf) {
				tried = nf.Summary()
			}
			return pat.Token{}, &NoTokenError{Host: host, Tried: tried, err: err}
		}
		return pat.Token{}, fmt.Errorf("gitauth: token for %s: %w", host, err)
	}
	return tok, nil
}

// Auth returns go-git credentials for rawURL: the provider's user name and
// the token, found as [Resolve] describes. Use them with go-git's own
// CloneOptions, FetchOptions and PushOptions, keeping the URL clean (the
// token never goes in a URL). Auth changes nothing in go-git (see
// [EnableMultiAck]).
//
// The value is the secret: go-git's *githttp.BasicAuth masks its password
// in String (and so %v and %s), but fmt's %#v and JSON show Password as it
// is. The
// type is go-git's and patgit cannot change it; never log or encode the
// value (log the [pat.Token] of [Resolve], or errors, instead).
func Auth(ctx context.Context, rawURL string, opts Options) (*githttp.BasicAuth, error) {
	r, err := Resolve(ctx, rawURL, opts)
	if err != nil {
		return nil, err
	}
	return r.BasicAuth(ctx)
}
