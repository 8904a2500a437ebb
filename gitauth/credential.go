package gitauth

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
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
// password, with the token from opts.Source or the conventional environment
// variables for the host ([EnvVars]). It never asks `git credential fill`,
// as [Auth] does last: git would ask this helper again.
//
// It stays silent (no answer, nil error, so git asks its next helper) for a
// protocol other than https (http only for loopback hosts), for a host it
// does not know, and when no token is found. The hosts it knows are
// github.com, *.ghe.com, dev.azure.com, *.visualstudio.com and the host of
// opts.Provider.BaseURL: it never hands a token to any other host, even one
// whose path looks like Azure DevOps Server's. Without a path (git sends one
// only with credential.useHttpPath) the provider is the host's: for the
// BaseURL host, Azure DevOps when BaseURL names an organization or
// collection, else GitHub.
//
// The user name is never empty: GitHub's login (or x-access-token), or on
// Azure DevOps the user name git sent, else the organization. An unknown op
// or a malformed request is an error; git then reports the helper failed.
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
	p, repo, ok := helperProvider(proto, c, opts.Provider)
	if !ok {
		return nil
	}
	tok, err := findToken(ctx, opts.Source, p.Name(), repo.Host, "", false)
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
	user := cliUsername(p.Name(), auth.Username, repo.Owner)
	if p.Name() == "azure-devops" && c.Username != "" {
		user = c.Username // any name works; keep the one in the remote URL
	}
	answer := pat.Credential{
		Protocol: c.Protocol,
		Host:     c.Host,
		Path:     c.Path,
		Username: user,
		Password: tok,
	}
	if err := pat.WriteCredential(out, answer); err != nil {
		return fmt.Errorf("gitauth: credential get for %s: %w", repo.Host, err)
	}
	return nil
}

// helperProvider finds the provider for a credential request, only for hosts
// patgit knows (see CredentialHelper).
func helperProvider(proto string, c pat.Credential, cfg provider.Config) (provider.Provider, provider.Repo, bool) {
	hostname := strings.ToLower(c.Host)
	if h, _, ok := strings.Cut(hostname, ":"); ok && !strings.HasPrefix(hostname, "[") {
		hostname = h
	}
	var baseHost string
	var baseHasPath bool
	if cfg.BaseURL != "" {
		if u, err := url.Parse(cfg.BaseURL); err == nil {
			baseHost = strings.ToLower(u.Host)
			baseHasPath = strings.Trim(u.Path, "/") != ""
		}
	}
	isBase := baseHost != "" && (strings.EqualFold(c.Host, baseHost) || sameDefaultPort(proto, c.Host, baseHost))
	azure := hostname == "dev.azure.com" || strings.HasSuffix(hostname, ".visualstudio.com")
	github := hostname == "github.com" || strings.HasSuffix(hostname, ".ghe.com")
	if !azure && !github && !isBase {
		return nil, provider.Repo{}, false
	}
	base := proto + "://" + c.Host
	var candidates []string
	switch {
	case c.Path != "":
		candidates = []string{base + "/" + strings.TrimPrefix(c.Path, "/")}
	case azure || (isBase && baseHasPath):
		org := c.Username
		if org == "" {
			org = "patgit"
			if isBase && baseHasPath {
				u, _ := url.Parse(cfg.BaseURL)
				segs := strings.Split(strings.Trim(u.Path, "/"), "/")
				org = segs[len(segs)-1]
			}
		}
		candidates = []string{base + "/" + url.PathEscape(org) + "/_git/patgit"}
	default:
		candidates = []string{base + "/patgit/patgit"}
	}
	for _, raw := range candidates {
		p, repo, err := provider.ForURL(raw, cfg)
		if err == nil {
			return p, repo, true
		}
	}
	return nil, provider.Repo{}, false
}

// sameDefaultPort compares hosts that differ only by the scheme's default port.
func sameDefaultPort(proto, a, b string) bool {
	port := ":443"
	if proto == "http" {
		port = ":80"
	}
	return strings.EqualFold(strings.TrimSuffix(a, port), strings.TrimSuffix(b, port))
}
