package gitauth

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
)

// Environment variables of a [Command] that carry the credentials to its
// credential helper.
const (
	// EnvUser holds the user name the helper answers.
	EnvUser = "PATGIT_USER"
	// EnvToken holds the token the helper answers.
	EnvToken = "PATGIT_TOKEN"
)

// helperScript is the credential helper Command defines: a shell function
// that prints the user name and token from its environment when git asks
// ("get") and does nothing for "store" and "erase". The token is in neither
// git's argv nor the helper's.
const helperScript = `!f() { if [ "$1" = get ]; then printf 'username=%s\npassword=%s\n' "$` + EnvUser + `" "$` + EnvToken + `"; fi; }; f`

// Command returns `git args...` whose credentials for rawURL's host come from
// a credential helper defined in the command's environment, for work where the
// git CLI beats go-git: big repositories, LFS, submodules, sparse checkouts.
// rawURL names the remote (use [Resolve]'s CloneURL, or any URL form of it, in
// args); the token comes from opts as for [Auth].
//
// The helper lives in GIT_CONFIG_COUNT / GIT_CONFIG_KEY_n / GIT_CONFIG_VALUE_n
// entries appended after any the caller's environment already holds:
//
//	credential.https://HOST.helper = ""         (forget every helper configured for HOST)
//	credential.https://HOST.helper = !f() {...} (answer with $PATGIT_USER and $PATGIT_TOKEN)
//	http.https://HOST.proactiveAuth = basic     (git 2.46+: send credentials without waiting for a 401)
//
// The empty value resets git's list of helpers for that host, so the user's
// own helpers (a keychain, a cache, gh) are neither asked nor handed the
// token to store. Other hosts are untouched. The token is in neither argv nor
// any file: it is in the child's environment (PATGIT_TOKEN), where processes
// of the same user may read it, the same trade-off as GIT_ASKPASS. The user
// name is never empty (git would not send the password): the provider's
// (GitHub's login) or, on Azure DevOps, the organization.
// GIT_TERMINAL_PROMPT=0 makes git fail rather than prompt when the host
// refuses the token.
//
// git does not send the repository path to helpers unless
// credential.useHttpPath is set, and Command does not set it: the helper
// answers the same token for every repository on the host (on dev.azure.com,
// every organization), which is the token opts chose for that host.
//
// Cost: git runs the helper, one shell running a shell function, when it
// needs credentials, and once more with "store" after a successful request
// (the helper returns at once): git hands an approved credential to every
// helper configured for the URL unless its password has expired, and the
// helper list is fixed when git first asks, so no configuration keeps store
// from running. git before 2.46 sends its first request without
// credentials and pays one 401 round trip per process; from 2.46 the
// proactiveAuth entry makes the first request carry them, and a clone
// costs the requests plain git makes (BENCHMARKS.md counts both). An
// Authorization header in http.extraHeader would save that round trip on
// older gits, but git keeps sending it to a redirect's new host on the
// requests after the redirect, and it would put the token in argv or a
// file.
//
// The returned *exec.Cmd inherits the current environment plus these entries;
// set Dir, Stdout and Stderr as usual, and append to Env rather than
// replacing it. The command is bound to ctx.
func Command(ctx context.Context, rawURL string, opts Options, args ...string) (*exec.Cmd, error) {
	r, err := Resolve(ctx, rawURL, opts)
	if err != nil {
		return nil, err
	}
	auth, err := r.BasicAuth(ctx)
	if err != nil {
		return nil, err
	}
	user := cliUsername(r.Provider.Name(), auth.Username, r.Repo.Owner)
	u, err := url.Parse(r.CloneURL)
	if err != nil {
		return nil, fmt.Errorf("gitauth: clone URL of %s: %w", r.Repo, err)
	}
	remote := strings.ToLower(u.Scheme) + "://" + u.Host
	helper := "credential." + remote + ".helper"
	env, err := appendGitConfig(os.Environ(), [][2]string{
		{helper, ""},
		{helper, helperScript},
		// git 2.46 and later ask the helper before the first request
		// instead of after a 401, saving a round trip; older versions
		// ignore the unknown key.
		{"http." + remote + ".proactiveAuth", "basic"},
	})
	if err != nil {
		return nil, err
	}
	env = setEnv(env, "GIT_TERMINAL_PROMPT", "0")
	env = setEnv(env, EnvUser, user)
	env = setEnv(env, EnvToken, r.Token.Secret())

	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Env = env
	return cmd, nil
}

// cliUsername returns the user name for the git CLI, never empty: git sends
// no password with an empty one. Azure DevOps accepts any name; its clone
// button shows the organization.
func cliUsername(providerName, user, owner string) string {
	if user != "" {
		return user
	}
	if providerName == "azure-devops" && owner != "" {
		return owner
	}
	if providerName == "github" {
		return "x-access-token"
	}
	return "pat"
}

// appendGitConfig appends key=value entries to the GIT_CONFIG_COUNT list in
// env, after the entries already there, and returns the new environment.
func appendGitConfig(env []string, kv [][2]string) ([]string, error) {
	n := 0
	if v, ok := lookupEnv(env, "GIT_CONFIG_COUNT"); ok && strings.TrimSpace(v) != "" {
		c, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || c < 0 {
			return nil, fmt.Errorf("gitauth: GIT_CONFIG_COUNT=%q in the environment is not a count; git would refuse it too", v)
		}
		n = c
	}
	out := make([]string, 0, len(env)+2*len(kv)+1)
	for _, e := range env {
		name, _, _ := strings.Cut(e, "=")
		if name == "GIT_CONFIG_COUNT" {
			continue
		}
		// Drop stale entries beyond the count at the indices about to be used.
		if idx, ok := configIndex(name); ok && idx >= n && idx < n+len(kv) {
			continue
		}
		out = append(out, e)
	}
	for i, p := range kv {
		out = append(out,
			"GIT_CONFIG_KEY_"+strconv.Itoa(n+i)+"="+p[0],
			"GIT_CONFIG_VALUE_"+strconv.Itoa(n+i)+"="+p[1])
	}
	return append(out, "GIT_CONFIG_COUNT="+strconv.Itoa(n+len(kv))), nil
}

// configIndex returns n for GIT_CONFIG_KEY_n and GIT_CONFIG_VALUE_n.
func configIndex(name string) (int, bool) {
	for _, p := range []string{"GIT_CONFIG_KEY_", "GIT_CONFIG_VALUE_"} {
		if s, ok := strings.CutPrefix(name, p); ok {
			n, err := strconv.Atoi(s)
			return n, err == nil
		}
	}
	return 0, false
}

func lookupEnv(env []string, name string) (string, bool) {
	for i := len(env) - 1; i >= 0; i-- {
		if v, ok := strings.CutPrefix(env[i], name+"="); ok {
			return v, true
		}
	}
	return "", false
}

// setEnv returns env with every name= entry replaced by name=value.
func setEnv(env []string, name, value string) []string {
	out := env[:0:0]
	for _, e := range env {
		if !strings.HasPrefix(e, name+"=") {
			out = append(out, e)
		}
	}
	return append(out, name+"="+value)
}
