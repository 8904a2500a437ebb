package gitauth

import (
	"context"
	"fmt"
	"net/url"
	"path"
	"strings"

	git "github.com/go-git/go-git/v5"

	"github.com/patgit/patgit/provider"
)

// SubmoduleError is a failure to clone a submodule after the superproject
// itself was cloned. Err is the failure mapped for the submodule's own
// remote: a [*RemoteError] naming the submodule's URL when its host refused
// it, so [errors.Is] and [errors.As] see [ErrRepoNotFound],
// [provider.ErrUnauthorized] and the rest for the submodule, not for the
// superproject.
type SubmoduleError struct {
	// Path is the submodule's path in the superproject's worktree, with the
	// paths of enclosing submodules before it ("lib/vendor/x").
	Path string
	// URL is the submodule's URL as .gitmodules gives it, without
	// credentials; a relative URL is resolved against the superproject's.
	URL string
	// Super is the clean URL of the superproject.
	Super string
	// Err is the submodule's own failure.
	Err error
}

func (e *SubmoduleError) Error() string {
	return fmt.Sprintf("gitauth: clone %s: submodule %q (%s): %v", e.Super, e.Path, e.URL, e.Err)
}

// Unwrap returns Err.
func (e *SubmoduleError) Unwrap() error { return e.Err }

// submodules updates a clone's submodules the way go-git does for
// CloneOptions.RecurseSubmodules, one submodule at a time so that a failure
// names the submodule it belongs to.
type submodules struct {
	update *git.SubmoduleUpdateOptions // Init, no recursion, Auth, Depth
	super  *target                     // the superproject
	opts   Options                     // to recognise a submodule's host
}

// run updates the submodules of w and, while depth allows, theirs. depth
// counts levels, as RecurseSubmodules does; base is the URL relative
// submodule URLs resolve against, prefix the path of w in the superproject.
func (sm *submodules) run(ctx context.Context, w *git.Worktree, depth git.SubmoduleRescursivity, base, prefix string) error {
	subs, err := w.Submodules()
	if err != nil {
		return sm.super.mapError(err)
	}
	for _, s := range subs {
		cfg := s.Config()
		p := path.Join(prefix, cfg.Path)
		subURL := submoduleURL(cfg.URL, base)
		fail := func(err error) error {
			return &SubmoduleError{Path: p, URL: subURL, Super: sm.super.remote, Err: submoduleTarget(subURL, sm.super, sm.opts).mapError(err)}
		}
		if err := s.UpdateContext(ctx, sm.update); err != nil {
			return fail(err)
		}
		if depth <= 1 {
			continue
		}
		r, err := s.Repository()
		if err != nil {
			return fail(err)
		}
		sw, err := r.Worktree()
		if err != nil {
			return fail(err)
		}
		if err := sm.run(ctx, sw, depth-1, subURL, p); err != nil {
			return err
		}
	}
	return nil
}

// submoduleURL returns raw without user info, and resolved against base
// when it is relative ("../lib.git"), as git resolves it.
func submoduleURL(raw, base string) string {
	if strings.HasPrefix(raw, "./") || strings.HasPrefix(raw, "../") {
		if b, err := url.Parse(base); err == nil && b.Scheme != "" {
			b.Path = path.Join(b.Path, raw)
			b.RawPath = ""
			b.User = nil
			return b.String()
		}
		return raw
	}
	if u, err := url.Parse(raw); err == nil && u.Scheme != "" && u.Host != "" {
		u.User = nil
		return u.String()
	}
	if at := strings.LastIndex(raw, "@"); at >= 0 && !strings.Contains(raw, "://") {
		// scp-like user@host:path: the user is a name, not a secret, but
		// nothing before the host is kept either way.
		return raw[at+1:]
	}
	return raw
}

// submoduleTarget is the error target of a submodule at subURL: its own
// URL, repository and host, and the superproject's tokens to scrub.
func submoduleTarget(subURL string, super *target, opts Options) *target {
	t := &target{op: "clone", remote: subURL, tokens: super.tokens}
	if p, r, err := provider.ForURL(subURL, opts.Provider); err == nil {
		t.repo, t.host, t.provider = r.String(), r.Host, p.Name()
	} else if u, err := url.Parse(subURL); err == nil {
		t.host = u.Host
	}
	return t
}
