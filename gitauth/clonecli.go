package gitauth

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/transport"

	"github.com/patgit/patgit/pat"
	"github.com/patgit/patgit/provider"
)

// ErrGitNotFound: [CloneCLI] needs the git binary and there is none on PATH.
var ErrGitNotFound = errors.New("gitauth: the git binary is not on PATH (install git, or use gitauth.Clone)")

// ErrUnsupportedOption is the [errors.Is] target of an [*OptionError].
var ErrUnsupportedOption = errors.New("clone option has no git clone equivalent")

// OptionError is a git.CloneOptions field (or value) that [CloneCLI] cannot
// hand to git clone. CloneCLI refuses it before any request rather than
// clone without it.
type OptionError struct {
	// Field is the git.CloneOptions field, e.g. "CABundle".
	Field string
	// Reason says why git clone cannot do it, and what to do instead.
	Reason string
}

func (e *OptionError) Error() string {
	return "gitauth: CloneCLI: git.CloneOptions." + e.Field + ": " + e.Reason
}

// Is matches [ErrUnsupportedOption].
func (e *OptionError) Is(target error) bool { return target == ErrUnsupportedOption }

// maxStderr bounds the git output CloneCLI keeps to explain a failure.
const maxStderr = 64 << 10

// CloneCLI clones rawURL into dir with the git CLI, with the credentials
// [Command] gives it, and opens the result with go-git: git's speed and
// memory on big histories, go-git's API afterwards. Everything else is as
// for [Clone]: the remote is named by its clean clone URL (also what
// .git/config records; no credential and no helper is written to disk), the
// same refusals come back as a [*RemoteError], a failed submodule as a
// [*SubmoduleError], and a failed clone leaves nothing behind (a directory
// CloneCLI created is removed, a pre-existing empty one emptied; a non-empty
// one is refused before any request). dir must name a directory: git cannot
// clone into memory. No git binary: [ErrGitNotFound].
//
// clone may be nil and is never modified. Each of its fields becomes a git
// clone flag, or is refused with an [*OptionError] naming it before any
// request; nothing is silently dropped:
//
//	URL               empty, or a URL of the same repository as rawURL (else refused)
//	Auth              refused: the credentials come from opts, as for every patgit call
//	RemoteName        --origin NAME
//	ReferenceName     --branch NAME for refs/heads/NAME or refs/tags/NAME (a tag:
//	                  detached HEAD); HEAD or empty: the remote's HEAD; other refs refused
//	SingleBranch      --single-branch; false: --no-single-branch (go-git fetches every
//	                  branch even with Depth, which git clone would not)
//	Mirror            --mirror: a bare repository (the only bare clone go-git's
//	                  options can ask for)
//	NoCheckout        --no-checkout
//	Depth             --depth N
//	RecurseSubmodules --recurse-submodules for git.DefaultSubmoduleRecursionDepth
//	                  (git recurses through every level); other depths refused
//	ShallowSubmodules --shallow-submodules
//	Progress          --progress; git's output goes to Progress line by line,
//	                  scrubbed of the token and of control characters
//	Tags              NoTags: --no-tags; AllTags without SingleBranch and
//	                  TagFollowing with it: git clone's default, as is zero (every
//	                  tag; with SingleBranch, the tags that point into the branch);
//	                  TagFollowing without SingleBranch and AllTags with it:
//	                  refused (git clone has no such mode)
//	InsecureSkipTLS   refused: patgit does not turn TLS verification off
//	ClientCert/Key    refused: git reads them from files (http.sslCert, http.sslKey)
//	CABundle          refused: git's http.sslCAInfo replaces the system roots
//	                  instead of adding to them, and is a file
//	ProxyOptions      refused: git takes its proxy from HTTPS_PROXY/NO_PROXY
//	                  or http.proxy
//	Shared            refused: only for a repository on the local file system
//
// The clone git makes has the refs, HEAD, remote and branch configuration,
// shallow commits and worktree go-git's has (tested on both hosts), except
// where git always differs: it records refs/remotes/ORIGIN/HEAD and git's
// core settings, and packs its refs; with SingleBranch it follows the tags
// that point into the branch (go-git, given an exact refspec, follows none:
// use NoTags for go-git's result), and with SingleBranch and no
// ReferenceName it tracks the branch the remote's HEAD names
// (refs/remotes/ORIGIN/main, where go-git records refs/remotes/ORIGIN/HEAD).
func CloneCLI(ctx context.Context, rawURL, dir string, opts Options, clone *git.CloneOptions) (*git.Repository, error) {
	var co git.CloneOptions
	if clone != nil {
		co = *clone
	}
	if dir == "" {
		return nil, errors.New("gitauth: CloneCLI: dir is empty: git clones into a directory (use gitauth.Clone for an in-memory clone)")
	}
	flags, err := cloneFlags(&co)
	if err != nil {
		return nil, err
	}
	if _, err := exec.LookPath("git"); err != nil {
		return nil, ErrGitNotFound
	}
	r, auth, t, err := prepare(ctx, "clone", rawURL, opts)
	if err != nil {
		return nil, err
	}
	if co.URL != "" && co.URL != rawURL && co.URL != r.CloneURL {
		if other, err := Resolve(ctx, co.URL, Options{Provider: opts.Provider, Source: pat.Static(r.Token)}); err != nil || other.CloneURL != r.CloneURL {
			return nil, &OptionError{Field: "URL", Reason: "names another repository than rawURL; leave it empty"}
		}
	}
	undo, err := claimDir(dir)
	if err != nil {
		return nil, err
	}
	// Command resolves again from the token and user name just found, so
	// the token source is not asked twice and no look-up is repeated.
	again := opts
	again.Source = pat.Static(r.Token)
	again.Provider.Username = auth.Username
	args := append(append([]string{"clone"}, flags...), "--", r.CloneURL, dir)
	cmd, err := Command(ctx, r.CloneURL, again, args...)
	if err != nil {
		undo()
		return nil, err
	}
	cmd.Env = withoutRepoEnv(cmd.Env)
	out := &cliOutput{progress: newProgress(co.Progress, r.Token)}
	cmd.Stdout = io.Discard
	cmd.Stderr = out
	runErr := cmd.Run()
	out.flush()
	if runErr != nil {
		undo()
		if ctx.Err() != nil {
			return nil, fmt.Errorf("gitauth: clone %s: %w", t.remote, ctx.Err())
		}
		if errors.Is(runErr, exec.ErrNotFound) {
			return nil, ErrGitNotFound
		}
		return nil, t.cliError(out.text(), runErr, dir, opts)
	}
	repo, err := git.PlainOpen(dir)
	if err != nil {
		undo()
		return nil, fmt.Errorf("gitauth: clone %s: opening git's clone: %w", t.remote, err)
	}
	return repo, nil
}

// repoEnv are the variables that point git at a repository other than the
// one a command finds itself (git's local_repo_env, less the configuration
// that carries Command's helper): inherited from a caller that runs inside
// a repository or a hook, GIT_WORK_TREE alone would make git clone put the
// repository in dir and the worktree elsewhere.
var repoEnv = []string{
	"GIT_DIR", "GIT_WORK_TREE", "GIT_IMPLICIT_WORK_TREE", "GIT_COMMON_DIR", "GIT_INDEX_FILE",
	"GIT_OBJECT_DIRECTORY", "GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_SHALLOW_FILE", "GIT_GRAFT_FILE",
	"GIT_NO_REPLACE_OBJECTS", "GIT_REPLACE_REF_BASE", "GIT_PREFIX", "GIT_NAMESPACE",
}

// withoutRepoEnv returns env without the repoEnv variables.
func withoutRepoEnv(env []string) []string {
	out := env[:0:0]
	for _, e := range env {
		name, _, _ := strings.Cut(e, "=")
		if !slices.Contains(repoEnv, name) {
			out = append(out, e)
		}
	}
	return out
}

// cloneFlags returns the git clone flags for co, or an *OptionError for a
// field git clone cannot honour.
func cloneFlags(co *git.CloneOptions) ([]string, error) {
	refuse := func(field, reason string) ([]string, error) {
		return nil, &OptionError{Field: field, Reason: reason}
	}
	switch {
	case co.Auth != nil:
		return refuse("Auth", "CloneCLI takes its credentials from Options (Source, Provider), as every patgit call does; leave Auth nil")
	case co.InsecureSkipTLS:
		return refuse("InsecureSkipTLS", "patgit does not turn TLS verification off; add the server's CA to the system's roots")
	case len(co.ClientCert) > 0 || len(co.ClientKey) > 0:
		field := "ClientCert"
		if len(co.ClientCert) == 0 {
			field = "ClientKey"
		}
		return refuse(field, "git reads a client certificate from files (http.sslCert, http.sslKey): use gitauth.Clone, or Command with that configuration")
	case len(co.CABundle) > 0:
		return refuse("CABundle", "git's http.sslCAInfo replaces the system roots instead of adding to them: use gitauth.Clone, or add the CA to the system's roots")
	case co.ProxyOptions != (transport.ProxyOptions{}):
		return refuse("ProxyOptions", "git takes its proxy from HTTPS_PROXY/NO_PROXY or http.proxy; leave ProxyOptions empty")
	case co.Shared:
		return refuse("Shared", "alternates are for a repository on the local file system, never a patgit remote")
	case co.Depth < 0:
		return refuse("Depth", "negative")
	}
	var flags []string
	if co.Progress != nil {
		flags = append(flags, "--progress")
	} else {
		flags = append(flags, "--quiet")
	}
	if co.RemoteName != "" {
		if co.RemoteName != strings.TrimSpace(co.RemoteName) || strings.HasPrefix(co.RemoteName, "-") || strings.ContainsAny(co.RemoteName, "/ \t\r\n:~^?*[\\") {
			return refuse("RemoteName", strconv.Quote(co.RemoteName)+" is not a valid remote name")
		}
		flags = append(flags, "--origin="+co.RemoteName)
	}
	ref := co.ReferenceName
	switch {
	case ref == "" || ref == plumbing.HEAD:
	case ref.IsBranch() || ref.IsTag():
		name := ref.Short()
		if name == "" || strings.HasPrefix(name, "-") || plumbing.NewBranchReferenceName(name).Validate() != nil {
			return refuse("ReferenceName", strconv.Quote(ref.String())+" is not a valid reference name")
		}
		flags = append(flags, "--branch="+name)
	default:
		return refuse("ReferenceName", "git clone --branch takes a branch (refs/heads/…) or a tag (refs/tags/…), not "+strconv.Quote(ref.String()))
	}
	if co.Mirror {
		flags = append(flags, "--mirror")
	} else if co.SingleBranch {
		flags = append(flags, "--single-branch")
	} else {
		flags = append(flags, "--no-single-branch")
	}
	switch co.Tags {
	case git.InvalidTagMode:
	case git.NoTags:
		flags = append(flags, "--no-tags")
	case git.TagFollowing:
		if !co.SingleBranch && !co.Mirror {
			return refuse("Tags", "git clone fetches every tag unless it clones a single branch: use TagFollowing with SingleBranch, AllTags, or NoTags")
		}
	case git.AllTags:
		if co.SingleBranch && !co.Mirror {
			return refuse("Tags", "git clone --single-branch fetches only the tags that point into the branch: use TagFollowing or NoTags with SingleBranch")
		}
	default:
		return refuse("Tags", "unknown tag mode "+strconv.Itoa(int(co.Tags)))
	}
	if co.NoCheckout {
		flags = append(flags, "--no-checkout")
	}
	if co.Depth > 0 {
		flags = append(flags, "--depth="+strconv.Itoa(co.Depth))
	}
	switch co.RecurseSubmodules {
	case git.NoRecurseSubmodules:
	case git.DefaultSubmoduleRecursionDepth:
		flags = append(flags, "--recurse-submodules")
	default:
		return refuse("RecurseSubmodules", "git clone recurses through every level of submodules or none: use git.DefaultSubmoduleRecursionDepth or git.NoRecurseSubmodules")
	}
	if co.ShallowSubmodules {
		flags = append(flags, "--shallow-submodules")
	}
	return flags, nil
}

// cliOutput receives git's standard error: it keeps the first maxStderr
// bytes for the error message and, with a progress writer, passes the text
// on through the writer Clone uses for go-git's sideband ([progress]: line
// by line, scrubbed of the token and of control characters). A failing
// progress writer does not stop the clone: its text is then dropped.
type cliOutput struct {
	mu       sync.Mutex
	kept     bytes.Buffer
	progress *progress // nil: no Progress writer, or it failed
}

func (o *cliOutput) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if room := maxStderr - o.kept.Len(); room > 0 {
		o.kept.Write(p[:min(room, len(p))])
	}
	if o.progress != nil {
		if _, err := o.progress.Write(p); err != nil {
			o.progress = nil
		}
	}
	return len(p), nil
}

// flush passes on a last line without an end.
func (o *cliOutput) flush() {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.progress.Flush()
}

func (o *cliOutput) text() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.kept.String()
}

var (
	// git's "The requested URL returned error: 403".
	cliStatus = regexp.MustCompile(`The requested URL returned error: ([0-9]{3})`)
	// git's "fatal: clone of 'URL' into submodule path 'PATH' failed".
	cliSubmodule = regexp.MustCompile(`clone of '([^'\n]*)' into submodule path '([^'\n]*)' failed`)
	// git's "Failed to recurse into submodule path 'PATH'".
	cliRecurse = regexp.MustCompile(`Failed to recurse into submodule path '([^'\n]*)'`)
	// git's "fatal: repository 'URL' not found".
	cliNotFound = regexp.MustCompile(`repository '[^'\n]*' not found`)
)

// cliError maps a failed git clone to the error Clone would give: a
// *RemoteError for a refusal, a *SubmoduleError when a submodule failed,
// else git's own last fatal line. Everything from git's output is scrubbed
// and cut to one line.
func (t *target) cliError(stderr string, runErr error, dir string, opts Options) error {
	if m := cliSubmodule.FindStringSubmatch(stderr); m != nil {
		subURL := submoduleURL(m[1], t.remote)
		st := submoduleTarget(subURL, t, opts)
		var err error = errors.New(t.detail(lastFatal(stderr)))
		if re := st.cliRefusal(stderr); re != nil {
			err = re
		}
		// git names the submodule by its absolute path, or (some
		// versions) by its path in its own superproject, after which each
		// enclosing level says "Failed to recurse into submodule path",
		// innermost first.
		p := m[2]
		if filepath.IsAbs(p) {
			if top, err := filepath.Abs(dir); err == nil {
				if rel, err := filepath.Rel(top, p); err == nil {
					p = filepath.ToSlash(rel)
				}
			}
		} else {
			for _, r := range cliRecurse.FindAllStringSubmatch(stderr, -1) {
				p = path.Join(r[1], p)
			}
		}
		return &SubmoduleError{Path: t.detail(p), URL: t.detail(subURL), Super: t.remote, Err: err}
	}
	if re := t.cliRefusal(stderr); re != nil {
		return re
	}
	msg := t.detail(lastFatal(stderr))
	if msg == "" {
		msg = runErr.Error()
	}
	return fmt.Errorf("gitauth: clone %s: git clone: %s", t.remote, msg)
}

// cliRefusal recognises the host's refusals in git's output; nil for
// anything else.
func (t *target) cliRefusal(stderr string) *RemoteError {
	re := &RemoteError{Op: t.op, Remote: t.remote, Repo: t.repo}
	remote := remoteLines(stderr)
	re.Detail = t.detail(remote)
	status := 0
	if m := cliStatus.FindStringSubmatch(stderr); m != nil {
		status, _ = strconv.Atoi(m[1])
	}
	switch {
	case strings.Contains(stderr, "Authentication failed for") || status == http.StatusUnauthorized:
		re.Status, re.Err = http.StatusUnauthorized, provider.ErrUnauthorized
	case status == http.StatusForbidden:
		re.Status, re.Err = http.StatusForbidden, t.refusal(status, nil, []byte(remote))
	case status == http.StatusNotFound || cliNotFound.MatchString(stderr):
		re.Status, re.Err = http.StatusNotFound, ErrRepoNotFound
	case status == http.StatusTooManyRequests:
		re.Status, re.Err = status, t.refusal(status, nil, []byte(remote))
	default:
		return nil
	}
	if re.Detail == "" {
		re.Detail = t.detail(lastFatal(stderr))
	}
	return re
}

// remoteLines returns the server's own text in git's output: the "remote:"
// lines, joined.
func remoteLines(stderr string) string {
	var b strings.Builder
	for line := range strings.SplitSeq(stderr, "\n") {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "remote:"); ok && strings.TrimSpace(rest) != "" {
			if b.Len() > 0 {
				b.WriteString(" ")
			}
			b.WriteString(strings.TrimSpace(rest))
		}
	}
	return b.String()
}

// lastFatal returns git's last "fatal:" or "error:" line, else its last
// line.
func lastFatal(stderr string) string {
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		l := strings.TrimSpace(lines[i])
		if s, ok := strings.CutPrefix(l, "fatal:"); ok {
			return strings.TrimSpace(s)
		}
	}
	for i := len(lines) - 1; i >= 0; i-- {
		if s, ok := strings.CutPrefix(strings.TrimSpace(lines[i]), "error:"); ok {
			return strings.TrimSpace(s)
		}
	}
	return lines[len(lines)-1]
}
