package gitauth

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/patgit/patgit/provider"
)

// Environment variables of a [Command] that carry the credentials to its
// credential helper.
const (
	// EnvUser holds the user name the helper answers.
	EnvUser = "PATGIT_USER"
	// EnvToken holds the token the helper answers.
	EnvToken = "PATGIT_TOKEN"
	// EnvExpiry holds when the token expires, in Unix seconds (UTC), which
	// the helper answers as password_expiry_utc; empty when unknown.
	EnvExpiry = "PATGIT_PASSWORD_EXPIRY"
)

// helperScript is the credential helper Command defines: a shell function
// that prints the user name and token from its environment when git asks
// ("get"), and the token's expiry when it is known, and does nothing for
// "store" and "erase". The token is in neither git's argv nor the helper's.
const helperScript = `!f() { if [ "$1" = get ]; then printf 'username=%s\npassword=%s\n' "$` + EnvUser + `" "$` + EnvToken + `"; ` +
	`if [ -n "$` + EnvExpiry + `" ]; then printf 'password_expiry_utc=%s\n' "$` + EnvExpiry + `"; fi; fi; }; f`

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
// token to store, from whichever configuration they come: system, global
// (GIT_CONFIG_GLOBAL, XDG, ~/.gitconfig and what they include, plain or
// scoped to the URL), the repository's, or the command line. git reads the
// command-line configuration last, GIT_CONFIG_PARAMETERS (`git -c` in a
// parent process) after GIT_CONFIG_COUNT, so when the environment holds
// GIT_CONFIG_PARAMETERS the reset and the helper are appended there too.
// args that would configure a helper or include configuration before the
// subcommand (`-c credential.helper=…`, `-c include.path=…`,
// `--config-env=…`) are refused with [ErrConfigArg]. askpass programs
// (GIT_ASKPASS, core.askPass, SSH_ASKPASS) are asked only for what no helper
// answered, and are never given a password. Other hosts are untouched. The token is in neither argv nor
// any file: it is in the child's environment (PATGIT_TOKEN), where processes
// of the same user may read it, the same trade-off as GIT_ASKPASS. The user
// name is never empty (git would not send the password): the provider's
// (GitHub's login) or, on Azure DevOps, the organization.
// GIT_TERMINAL_PROMPT=0 makes git fail rather than prompt when the host
// refuses the token. When the token's expiry is known
// ([provider.TokenExpiry]: a GitHub App token's expires_at, a JWT's exp,
// GitHub's GitHub-Authentication-Token-Expiration), the helper answers it as
// password_expiry_utc (PATGIT_PASSWORD_EXPIRY), so git 2.40 and later never
// send the token after it expired.
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
	if err := checkContext(ctx, "Command"); err != nil {
		return nil, err
	}
	r, err := Resolve(ctx, rawURL, opts)
	if err != nil {
		return nil, err
	}
	auth, err := r.BasicAuth(ctx)
	if err != nil {
		return nil, err
	}
	user := provider.GitUsername(r.Provider, r.Repo, r.Token, auth.Username, "")
	u, err := url.Parse(r.CloneURL)
	if err != nil {
		return nil, fmt.Errorf("gitauth: clone URL of %s: %w", r.Repo, err)
	}
	remote := strings.ToLower(u.Scheme) + "://" + u.Host
	helper := "credential." + remote + ".helper"
	if err := checkConfigArgs(args); err != nil {
		return nil, err
	}
	reset := [][2]string{{helper, ""}, {helper, helperScript}}
	env, err := appendGitConfig(os.Environ(), append(reset,
		// git 2.46 and later ask the helper before the first request
		// instead of after a 401, saving a round trip; older versions
		// ignore the unknown key.
		[2]string{"http." + remote + ".proactiveAuth", "basic"},
	))
	if err != nil {
		return nil, err
	}
	// git reads GIT_CONFIG_PARAMETERS (`git -c` in a parent process) after
	// the GIT_CONFIG_COUNT entries: a helper there would come after the
	// reset, be asked, and be handed the token to store. The reset and the
	// helper go at its end too, so they come last whatever the caller's
	// environment holds.
	if params, ok := lookupEnv(env, "GIT_CONFIG_PARAMETERS"); ok && strings.TrimSpace(params) != "" {
		for _, kv := range reset {
			params += " " + sqQuote(kv[0]+"="+kv[1])
		}
		env = setEnv(env, "GIT_CONFIG_PARAMETERS", params)
	}
	env = setEnv(env, "GIT_TERMINAL_PROMPT", "0")
	env = setEnv(env, EnvUser, user)
	env = setEnv(env, EnvToken, r.Token.Secret())
	env = setEnv(env, EnvExpiry, expiryUnix(provider.TokenExpiry(r.Provider, r.Token)))

	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Env = env
	return cmd, nil
}

// sqQuote quotes s for GIT_CONFIG_PARAMETERS, as git's sq_quote does: in
// single quotes, each single quote closed, escaped and reopened.
func sqQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// ErrConfigArg is returned by [Command] for git arguments that would
// define a credential helper or include other configuration (`-c
// credential.helper=…`, `-c include.path=…`, `--config-env=…` for either):
// git reads them after Command's own entries, so such a helper would be
// asked and handed the token.
var ErrConfigArg = errors.New("git argument configures credentials or includes configuration")

// checkConfigArgs refuses `-c` and `--config-env` options, before the git
// subcommand, whose key is a credential helper or an include.
func checkConfigArgs(args []string) error {
	for i := 0; i < len(args); i++ {
		a := args[i]
		var kv string
		switch {
		case a == "-c" || a == "--config-env":
			if i+1 < len(args) {
				kv = args[i+1]
			}
			i++
		case strings.HasPrefix(a, "--config-env="):
			kv = strings.TrimPrefix(a, "--config-env=")
		case a == "-C" || a == "--git-dir" || a == "--work-tree" || a == "--namespace" || a == "--exec-path" || a == "--super-prefix" || a == "--list-cmds":
			i++
			continue
		case strings.HasPrefix(a, "-"):
			continue
		default:
			return nil // the subcommand: what follows is its own
		}
		key, _, _ := strings.Cut(kv, "=")
		key = strings.ToLower(key)
		section, _, _ := strings.Cut(key, ".")
		if (section == "credential" && strings.HasSuffix(key, ".helper")) || section == "include" || section == "includeif" {
			return fmt.Errorf("gitauth: Command: %w: %q", ErrConfigArg, key)
		}
	}
	return nil
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

// expiryUnix formats a token's expiry as git's password_expiry_utc wants
// it, Unix seconds; "" for the zero time.
func expiryUnix(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return strconv.FormatInt(t.Unix(), 10)
}
