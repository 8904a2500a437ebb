package gitauth

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/patgit/patgit/pat"
	"github.com/patgit/patgit/provider"
)

// CredentialHelper speaks git's credential-helper protocol (gitcredentials(7))
// for one request: op is the helper's argument ("get", "store" or "erase"),
// in is what git wrote to the helper, and the answer goes to out. A program
// built around it is a credential helper backed by patgit:
//
//	git config --global credential.https://github.com.helper '!my-helper'
//
// "store" and "erase" read the input and answer nothing (patgit keeps no
// credentials). "get" parses the request strictly ([pat.ReadCredential]) and
// answers protocol, host, path (only when git sent one), username and
// password, with the token from opts.Source or the environment variables
// bound to the host ([provider.TokenEnv]). It never asks `git credential
// fill`, as [Auth] does last: git would ask this helper again.
//
// It stays silent (no answer, nil error, so git asks its next helper) for a
// protocol other than https (http only for loopback hosts), for a host it
// does not know, and when no token is found. The host must be a plain DNS
// name or a bracketed IP literal, with an optional port
// ([provider.ForHost]): "evil.example/a.visualstudio.com", trailing dots,
// IDNA and user information are hosts it does not know. The hosts it knows
// are the well-known ones (github.com, *.ghe.com, dev.azure.com,
// *.visualstudio.com), the host of opts.Provider.BaseURL (which belongs to
// the provider opts.Provider.Name says, or BaseURL alone says; never a path)
// and, in CI with no BaseURL, the server GITHUB_SERVER_URL or
// SYSTEM_COLLECTIONURI names ([provider.CIConfig]). With a path (git sends
// one only with credential.useHttpPath) the repository must parse on that
// host; without one, SYSTEM_ACCESSTOKEN goes to dev.azure.com only when no
// SYSTEM_COLLECTIONURI binds it to an organization.
//
// The user name is never empty ([provider.GitUsername]): GitHub's login (or
// x-access-token), or on Azure DevOps the user name git sent, else the
// organization. An unknown op or a malformed request is an error; git then
// reports the helper failed.
func CredentialHelper(ctx context.Context, op string, in io.Reader, out io.Writer, opts Options) error {
	if err := checkContext(ctx, "CredentialHelper"); err != nil {
		return err
	}
	if in == nil {
		return invalid("CredentialHelper", "nil request reader")
	}
	if out == nil && op == "get" {
		return invalid("CredentialHelper", "nil answer writer")
	}
	switch op {
	case "store", "erase":
		_, err := io.Copy(io.Discard, io.LimitReader(in, pat.MaxCredentialSize))
		if err != nil {
			return fmt.Errorf("gitauth: credential %s: reading the request: %w", op, err)
		}
		return nil
	case "get":
	default:
		return fmt.Errorf("gitauth: credential helper: operation %q not supported (want get, store or erase)", op)
	}
	c, err := pat.ReadCredential(in)
	if err != nil {
		return fmt.Errorf("gitauth: credential get: %w", err)
	}
	proto := strings.ToLower(c.Protocol)
	switch {
	case c.Host == "":
		return nil
	case proto == "https":
	case proto == "http" && provider.IsLoopback(c.Host):
	default:
		return nil
	}
	p, repo, cfg, ok := helperProvider(proto, c, opts.Provider)
	if !ok {
		return nil
	}
	var env []string
	if opts.Source == nil {
		env = provider.TokenEnv(p, repo, cfg, os.Getenv)
	}
	tok, err := findToken(ctx, opts.Source, env, repo.Host, "", false)
	if errors.Is(err, pat.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	// BasicAuth also refuses a token of the other provider's kind.
	auth, err := p.BasicAuth(ctx, tok)
	if err != nil {
		return fmt.Errorf("gitauth: credential get for %s: %w", repo.Host, err)
	}
	answer := pat.Credential{
		Protocol: c.Protocol,
		Host:     c.Host,
		Path:     c.Path,
		Username: provider.GitUsername(p, repo, tok, auth.Username, c.Username),
		Password: tok,
	}
	if err := pat.WriteCredential(out, answer); err != nil {
		return fmt.Errorf("gitauth: credential get for %s: %w", repo.Host, err)
	}
	return nil
}

// helperProvider finds the provider, repository and configuration for a
// credential request, only for hosts provider knows (see CredentialHelper):
// the host alone, or with git's path (credential.useHttpPath) the
// repository, which must be on that host.
func helperProvider(proto string, c pat.Credential, cfg provider.Config) (provider.Provider, provider.Repo, provider.Config, bool) {
	cfg = provider.CIConfig(proto+"://"+c.Host+"/", cfg, os.Getenv)
	p, repo, err := provider.ForHost(proto, c.Host, cfg)
	if err != nil {
		return nil, provider.Repo{}, cfg, false
	}
	if c.Path == "" {
		return p, repo, cfg, true
	}
	pp, pr, err := provider.ForURL(proto+"://"+c.Host+"/"+strings.TrimPrefix(c.Path, "/"), cfg)
	if err != nil || !strings.EqualFold(pr.Host, repo.Host) || pp.Name() != p.Name() {
		return nil, provider.Repo{}, cfg, false
	}
	return pp, pr, cfg, true
}
