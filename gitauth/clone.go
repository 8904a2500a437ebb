package gitauth

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/go-git/go-billy/v5/memfs"
	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/format/packfile"
	"github.com/go-git/go-git/v5/plumbing/format/pktline"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"
	"github.com/go-git/go-git/v5/storage/memory"

	"github.com/patgit/patgit/pat"
)

// prepare resolves rawURL and returns its credentials and an error target.
func prepare(ctx context.Context, op, rawURL string, opts Options) (*Resolved, *githttp.BasicAuth, *target, error) {
	r, err := Resolve(ctx, rawURL, opts)
	if err != nil {
		return nil, nil, nil, err
	}
	auth, err := r.BasicAuth(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	t := &target{op: op, remote: r.CloneURL, repo: r.Repo.String(), host: r.Repo.Host, tokens: []pat.Token{r.Token}}
	return r, auth, t, nil
}

// Clone clones rawURL into dir with go-git and returns the repository.
//
// The remote is named by its clean, canonical clone URL, which is also what
// .git/config records; the token travels only as Basic credentials. clone
// may be nil; the caller's value is never modified, and its URL and Auth are
// replaced by patgit's. clone.Progress receives the server's sideband text
// scrubbed of the token in every encoding, line by line, without control
// characters, each line capped (see the package documentation). An empty dir clones into memory (no worktree on
// disk). The credentials go only to the remote's own scheme, host and port:
// with RecurseSubmodules, a submodule elsewhere is fetched without them,
// and a submodule's failure is a [*SubmoduleError] naming the submodule and
// wrapping the refusal of its own remote.
//
// Clone refuses a dir that exists and is not empty ([ErrNotEmpty], or
// git.ErrRepositoryAlreadyExists when it holds a repository). When the clone
// fails, nothing is left behind: a directory Clone created is removed, and a
// pre-existing empty one is emptied again.
//
// Refusals by the remote come back as a [*RemoteError] matching
// [provider.ErrUnauthorized] (401), [provider.ErrSSORequired] (403 SAML),
// [ErrAccessDenied] (403), [ErrRepoNotFound] (404), [ErrMultiAck] or
// [provider.ErrRateLimited]. No error holds the token. Clone calls
// [EnableMultiAck] before its transfer.
func Clone(ctx context.Context, rawURL, dir string, opts Options, clone *git.CloneOptions) (*git.Repository, error) {
	if err := checkContext(ctx, "Clone"); err != nil {
		return nil, err
	}
	r, auth, t, err := prepare(ctx, "clone", rawURL, opts)
	if err != nil {
		return nil, err
	}
	var co git.CloneOptions
	if clone != nil {
		co = *clone
	}
	co.URL = r.CloneURL
	if pw := newProgress(co.Progress, r.Token); pw != nil {
		co.Progress = pw
		defer pw.Flush()
	}
	// go-git hands CloneOptions.Auth to every submodule too, wherever
	// .gitmodules points: the credentials go only to the remote's origin.
	co.Auth = originAuth(auth, r.CloneURL)
	// Submodules are patgit's to update, one at a time, so that a failure
	// names the submodule rather than the superproject.
	depth := co.RecurseSubmodules
	co.RecurseSubmodules = git.NoRecurseSubmodules
	EnableMultiAck()

	subs := func(repo *git.Repository) error {
		if depth == git.NoRecurseSubmodules || co.NoCheckout {
			return nil
		}
		w, err := repo.Worktree()
		if err != nil {
			return t.mapError(err)
		}
		sm := &submodules{update: &git.SubmoduleUpdateOptions{Init: true, RecurseSubmodules: git.NoRecurseSubmodules, Auth: co.Auth}, super: t, opts: opts}
		if co.ShallowSubmodules {
			sm.update.Depth = 1
		}
		return sm.run(ctx, w, depth, r.CloneURL, "")
	}
	if dir == "" {
		repo, err := git.CloneContext(ctx, memory.NewStorage(), memfs.New(), &co)
		if err != nil {
			return nil, t.mapError(err)
		}
		if err := subs(repo); err != nil {
			return nil, err
		}
		return repo, nil
	}

	undo, err := claimDir(dir)
	if err != nil {
		return nil, err
	}
	repo, err := git.PlainCloneContext(ctx, dir, false, &co)
	if err != nil {
		undo()
		return nil, t.mapError(err)
	}
	if err := subs(repo); err != nil {
		undo()
		return nil, err
	}
	return repo, nil
}

// scopedAuth is Basic credentials that go-git sends only to one origin
// (scheme, host and port): requests to any other origin, such as a submodule
// on another host, go out without them.
type scopedAuth struct {
	*githttp.BasicAuth
	origin string
}

// originAuth returns auth limited to the origin of rawURL.
func originAuth(auth *githttp.BasicAuth, rawURL string) *scopedAuth {
	u, err := url.Parse(rawURL)
	if err != nil {
		return &scopedAuth{BasicAuth: auth} // origin "": never sent
	}
	return &scopedAuth{BasicAuth: auth, origin: originOf(u)}
}

// SetAuth adds the credentials when r goes to the origin they are for.
func (a *scopedAuth) SetAuth(r *http.Request) {
	if r == nil || r.URL == nil || a.origin == "" || originOf(r.URL) != a.origin {
		return
	}
	a.BasicAuth.SetAuth(r)
}

// originOf returns "scheme://host:port" for u, lower-case, with the
// scheme's default port made explicit.
func originOf(u *url.URL) string {
	scheme := strings.ToLower(u.Scheme)
	port := u.Port()
	if port == "" {
		switch scheme {
		case "https":
			port = "443"
		case "http":
			port = "80"
		}
	}
	return scheme + "://" + net.JoinHostPort(strings.ToLower(u.Hostname()), port)
}

// claimDir checks that dir is absent or an empty directory and returns a
// function that puts it back the way it was: the first directory on its path
// that did not exist is removed, or a pre-existing empty dir is emptied.
func claimDir(dir string) (undo func(), err error) {
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		// Find the outermost missing directory: Clone creates parents too.
		top := filepath.Clean(dir)
		for {
			parent := filepath.Dir(top)
			if parent == top {
				break
			}
			if _, err := os.Stat(parent); err == nil || !errors.Is(err, fs.ErrNotExist) {
				break
			}
			top = parent
		}
		return func() { _ = os.RemoveAll(top) }, nil
	case err != nil:
		return nil, fmt.Errorf("gitauth: clone into %s: %w", dir, err)
	case !fi.IsDir():
		return nil, fmt.Errorf("gitauth: clone into %s: %w (it is a file)", dir, ErrNotEmpty)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("gitauth: clone into %s: %w", dir, err)
	}
	if len(entries) > 0 {
		if _, err := os.Stat(filepath.Join(dir, ".git")); err == nil {
			return nil, fmt.Errorf("gitauth: clone into %s: %w", dir, git.ErrRepositoryAlreadyExists)
		}
		return nil, fmt.Errorf("gitauth: clone into %s: %w", dir, ErrNotEmpty)
	}
	return func() {
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			_ = os.RemoveAll(filepath.Join(dir, e.Name()))
		}
	}, nil
}

// repoFetch runs one go-git fetch; tests replace it to simulate failures.
var repoFetch = func(ctx context.Context, repo *git.Repository, o *git.FetchOptions) error {
	return repo.FetchContext(ctx, o)
}

// Fetch fetches from rawURL into repo's remote (fetch.RemoteName, default
// "origin"), with patgit's credentials and the clean clone URL in place of
// the remote's configured URL for this call (the configuration is not
// changed). fetch may be nil and is never modified; its Progress receives
// the server's text scrubbed, as for [Clone]. Like go-git, Fetch
// returns git.NoErrAlreadyUpToDate when there was nothing to fetch; errors
// are mapped as for [Clone].
//
// With multi_ack negotiated (see [EnableMultiAck]) go-git v5 may fail to read
// a server's answer to a fetch into an existing clone. Fetch recognises that
// failure (errors mentioning multi_ack, an Azure DevOps TF401041 refusal, a
// pkt-line or packfile go-git could not decode) and recovers by fetching the remote's refs again into an empty in-memory
// repository, where there is nothing to negotiate, then copying the objects
// and updated refs into repo. The recovery downloads the refs' whole history
// (or Depth of it) and does not prune.
func Fetch(ctx context.Context, repo *git.Repository, rawURL string, opts Options, fetch *git.FetchOptions) error {
	if err := checkContext(ctx, "Fetch"); err != nil {
		return err
	}
	if repo == nil {
		return invalid("Fetch", "nil repository")
	}
	r, auth, t, err := prepare(ctx, "fetch", rawURL, opts)
	if err != nil {
		return err
	}
	var fo git.FetchOptions
	if fetch != nil {
		fo = *fetch
	}
	if fo.RemoteName == "" {
		fo.RemoteName = git.DefaultRemoteName
	}
	fo.RemoteURL = r.CloneURL
	fo.Auth = auth
	if pw := newProgress(fo.Progress, r.Token); pw != nil {
		fo.Progress = pw
		defer pw.Flush()
	}
	EnableMultiAck()

	err = repoFetch(ctx, repo, &fo)
	if err == nil || errors.Is(err, git.NoErrAlreadyUpToDate) {
		return err
	}
	if !needsRefetch(err) {
		return t.mapError(err)
	}
	if rerr := refetch(ctx, repo, &fo); rerr != nil {
		return t.mapError(fmt.Errorf("%w (after %s)", rerr, t.sanitize(err.Error(), maxMessage)))
	}
	return nil
}

// needsRefetch reports a fetch failure Fetch recovers from: one naming
// multi_ack or TF401041, or, with multi_ack enabled, an error decoding the
// server's answer (a pkt-line or packfile go-git could not read).
func needsRefetch(err error) bool {
	if isMultiAckFailure(err) {
		return true
	}
	if !MultiAckEnabled() {
		return false
	}
	var pe *packfile.Error
	return errors.As(err, &pe) ||
		errors.Is(err, packfile.ErrMalformedPackFile) ||
		errors.Is(err, packfile.ErrReferenceDeltaNotFound) ||
		errors.Is(err, pktline.ErrInvalidPktLen) ||
		errors.Is(err, io.ErrUnexpectedEOF)
}

// refetch fetches o's refs into an empty in-memory repository and copies the
// objects and refs it got into repo.
func refetch(ctx context.Context, repo *git.Repository, o *git.FetchOptions) error {
	rc, err := repo.Remote(o.RemoteName)
	if err != nil {
		return err
	}
	mem, err := git.Init(memory.NewStorage(), nil)
	if err != nil {
		return err
	}
	c := *rc.Config()
	c.URLs = []string{o.RemoteURL}
	if _, err := mem.CreateRemote(&c); err != nil {
		return err
	}
	mo := *o
	mo.Prune = false
	if err := mem.FetchContext(ctx, &mo); err != nil && !errors.Is(err, git.NoErrAlreadyUpToDate) {
		return err
	}
	objs, err := mem.Storer.IterEncodedObjects(plumbing.AnyObject)
	if err != nil {
		return err
	}
	err = objs.ForEach(func(obj plumbing.EncodedObject) error {
		if repo.Storer.HasEncodedObject(obj.Hash()) == nil {
			return nil
		}
		_, err := repo.Storer.SetEncodedObject(obj)
		return err
	})
	if err != nil {
		return err
	}
	if shallow, err := mem.Storer.Shallow(); err == nil && len(shallow) > 0 {
		old, _ := repo.Storer.Shallow()
		if err := repo.Storer.SetShallow(mergeHashes(old, shallow)); err != nil {
			return err
		}
	}
	refs, err := mem.Storer.IterReferences()
	if err != nil {
		return err
	}
	return refs.ForEach(func(ref *plumbing.Reference) error {
		if ref.Type() != plumbing.HashReference {
			return nil
		}
		name := ref.Name()
		if name.IsTag() && !o.Force {
			if old, err := repo.Storer.Reference(name); err == nil && old.Hash() != ref.Hash() {
				return nil // go-git keeps an existing tag without Force
			}
		}
		if !name.IsTag() && !strings.HasPrefix(name.String(), "refs/remotes/") && !forced(o.RefSpecs, c.Fetch, name) {
			return nil
		}
		return repo.Storer.SetReference(ref)
	})
}

// forced reports whether name is the destination of a refspec (the caller's,
// else the remote's) outside refs/remotes/, such as a mirror's refs/heads/*.
func forced(specs, remote []config.RefSpec, name plumbing.ReferenceName) bool {
	if len(specs) == 0 {
		specs = remote
	}
	for _, s := range specs {
		if s.IsWildcard() {
			dst := strings.TrimSuffix(s.Dst(plumbing.ReferenceName("*")).String(), "*")
			if strings.HasPrefix(name.String(), dst) {
				return true
			}
			continue
		}
		if s.Dst("") == name {
			return true
		}
	}
	return false
}

func mergeHashes(a, b []plumbing.Hash) []plumbing.Hash {
	seen := make(map[plumbing.Hash]bool, len(a)+len(b))
	var out []plumbing.Hash
	for _, h := range append(append([]plumbing.Hash(nil), a...), b...) {
		if !seen[h] {
			seen[h] = true
			out = append(out, h)
		}
	}
	return out
}

// Push pushes repo to rawURL with patgit's credentials and the clean clone URL
// in place of the remote's configured URL for this call. push may be nil and
// is never modified; its Progress receives the server's text (hook output
// included) scrubbed, as for [Clone]. Like go-git, Push returns git.NoErrAlreadyUpToDate when
// there was nothing to push. A token that may read but not write gives a
// [*RemoteError] matching [ErrAccessDenied] ("token can read but not write
// owner/repo"); other errors are mapped as for [Clone].
func Push(ctx context.Context, repo *git.Repository, rawURL string, opts Options, push *git.PushOptions) error {
	if err := checkContext(ctx, "Push"); err != nil {
		return err
	}
	if repo == nil {
		return invalid("Push", "nil repository")
	}
	r, auth, t, err := prepare(ctx, "push", rawURL, opts)
	if err != nil {
		return err
	}
	var po git.PushOptions
	if push != nil {
		po = *push
	}
	if po.RemoteName == "" {
		po.RemoteName = git.DefaultRemoteName
	}
	po.RemoteURL = r.CloneURL
	po.Auth = auth
	if pw := newProgress(po.Progress, r.Token); pw != nil {
		po.Progress = pw
		defer pw.Flush()
	}
	EnableMultiAck()
	err = repo.PushContext(ctx, &po)
	if err == nil || errors.Is(err, git.NoErrAlreadyUpToDate) {
		return err
	}
	return t.mapError(err)
}
