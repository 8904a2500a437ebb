package pat

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// GitCredentialTimeout bounds `git credential fill` when the context given
// to [GitCredential]'s Token or to [FillCredential] has no deadline.
const GitCredentialTimeout = 30 * time.Second

const gitOrigin = "git credential helper"

// GitError reports a `git credential fill` that failed for a reason other
// than having no credential (which is [ErrNotFound]).
type GitError struct {
	// ExitCode is git's exit status, -1 when git did not exit normally.
	ExitCode int
	// Message is git's own "fatal:"/"error:" lines, if any. Other output of
	// git and its helpers is never kept: a broken helper may print a secret.
	Message string
}

func (e *GitError) Error() string {
	if e == nil {
		return "git credential fill failed"
	}
	s := "git credential fill failed (exit status " + strconv.Itoa(e.ExitCode) + ")"
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// GitCredential returns a Source that asks git's credential helpers for a
// token for rawURL, as `git credential fill` does (see [FillCredential]).
// The token's origin is "git credential helper".
//
// The Source keeps only what it sends to git (scheme, host, path and user
// name): a password, query or fragment in rawURL is not kept, so no
// printing of the Source, by its methods or by reflection, can show it.
func GitCredential(rawURL string) Source { return gitSource{rawURL: credentialURL(rawURL)} }

// gitSource holds a URL without password, query or fragment ("" for one
// that does not parse, which FillCredential refuses the same way).
type gitSource struct{ rawURL string }

// credentialURL returns rawURL without its password, query and fragment,
// or "" when it does not parse.
func credentialURL(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return ""
	}
	if u.User != nil {
		u.User = url.User(u.User.Username())
	}
	u.RawQuery, u.ForceQuery, u.Fragment, u.RawFragment = "", false, "", ""
	return u.String()
}

func (s gitSource) Token(ctx context.Context) (Token, error) {
	c, err := FillCredential(ctx, s.rawURL)
	if err != nil {
		return Token{}, err
	}
	return c.Password, nil
}

// GoString keeps rawURL, which may hold a password, out of %#v.
func (s gitSource) GoString() string { return "pat.GitCredential(" + strconv.Quote(s.String()) + ")" }

func (s gitSource) String() string {
	if req, err := credentialRequest(s.rawURL); err == nil {
		return gitOrigin + " for " + req.Host
	}
	return gitOrigin
}

// FillCredential runs `git credential fill` for rawURL and returns git's
// answer, the password as a [Token] whose origin is "git credential helper".
//
// It never prompts: git runs with GIT_TERMINAL_PROMPT=0, GIT_ASKPASS and
// SSH_ASKPASS set empty (which also overrides core.askPass),
// GCM_INTERACTIVE=never (Git Credential Manager), stdin a pipe and, on Unix,
// no controlling terminal. It runs in the current directory, so a
// repository's own credential configuration applies as it would for git.
// Without a deadline in ctx, it gives up after [GitCredentialTimeout].
//
// Only the scheme (http or https), host, path and user name of rawURL are
// sent: a password in rawURL goes nowhere. git passes the path to helpers
// only when credential.useHttpPath is set.
//
// Errors: a [*NotFoundError] when no helper has a credential (git would have
// prompted), or git is not installed; otherwise a [*SourceError] whose cause
// is a [*ProtocolError] (a helper answered with lines that are not
// key=value, or git's answer is malformed), a [*GitError], a context error,
// or an error about rawURL.
func FillCredential(ctx context.Context, rawURL string) (Credential, error) {
	if ctx == nil {
		return Credential{}, &SourceError{Origin: gitOrigin, Err: errNilContext}
	}
	req, err := credentialRequest(rawURL)
	if err != nil {
		return Credential{}, &SourceError{Origin: gitOrigin, Err: err}
	}
	none := func(why string) error { return notFound(gitOrigin, why) }
	gitPath, err := exec.LookPath("git")
	if err != nil {
		return Credential{}, none("skipped: git is not installed")
	}
	var in bytes.Buffer
	if err := WriteCredential(&in, req); err != nil {
		return Credential{}, &SourceError{Origin: gitOrigin, Err: err}
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, GitCredentialTimeout)
		defer cancel()
	}
	stdout := &cappedBuffer{max: MaxCredentialSize + 1}
	stderr := &cappedBuffer{max: 64 << 10}
	cmd := exec.CommandContext(ctx, gitPath, "credential", "fill")
	cmd.Stdin = &in
	cmd.Stdout = stdout
	cmd.Stderr = stderr
	cmd.Env = gitEnv(os.Environ())
	cmd.WaitDelay = time.Second
	detach(cmd)
	runErr := cmd.Run()
	if ctxErr := ctx.Err(); ctxErr != nil {
		return Credential{}, &SourceError{Origin: gitOrigin, Err: fmt.Errorf("git credential fill did not finish: %w", ctxErr)}
	}
	errText := stderr.String()
	// git warns "invalid credential line: LINE" (quoting the line, which
	// may be a secret) for a helper's answer that is not key=value, then
	// goes on as if the helper had nothing.
	garbage := strings.Contains(errText, "invalid credential line")
	if runErr != nil {
		var ee *exec.ExitError
		if !errors.As(runErr, &ee) {
			return Credential{}, &SourceError{Origin: gitOrigin, Err: fmt.Errorf("cannot run git: %w", runErr)}
		}
		switch {
		case garbage:
			return Credential{}, &SourceError{Origin: gitOrigin, Err: &ProtocolError{Reason: "a credential helper answered with a line that is not key=value: check the credential.helper settings (git config --show-origin --get-all credential.helper)"}}
		case strings.Contains(errText, "terminal prompts disabled"), strings.Contains(errText, "could not read Username"), strings.Contains(errText, "could not read Password"):
			return Credential{}, none("had none for " + req.Host)
		case strings.Contains(errText, "told us to quit"):
			return Credential{}, none("was told to stop by a helper for " + req.Host)
		}
		return Credential{}, &SourceError{Origin: gitOrigin, Err: &GitError{ExitCode: ee.ExitCode(), Message: gitMessage(errText)}}
	}
	if stdout.overflow {
		return Credential{}, &SourceError{Origin: gitOrigin, Err: &ProtocolError{Reason: "git answered with more than " + strconv.Itoa(MaxCredentialSize) + " bytes"}}
	}
	c, err := ReadCredential(bytes.NewReader(stdout.Bytes()))
	if err != nil {
		return Credential{}, &SourceError{Origin: gitOrigin, Err: err}
	}
	if c.Password.IsZero() {
		if garbage {
			return Credential{}, &SourceError{Origin: gitOrigin, Err: &ProtocolError{Reason: "a credential helper answered with a line that is not key=value"}}
		}
		return Credential{}, none("had none for " + req.Host)
	}
	c.Password = c.Password.WithOrigin(gitOrigin)
	return c, nil
}

// credentialRequest is what git is asked: rawURL's scheme, host, path and
// user name, never its password, query or fragment.
func credentialRequest(rawURL string) (Credential, error) {
	u, err := url.Parse(rawURL)
	// Never wrap url.Parse's error: it quotes the URL, password and all.
	if err != nil || u.Host == "" || u.Opaque != "" {
		return Credential{}, errors.New("cannot ask for a credential: not an http or https URL such as https://github.com/OWNER/REPO")
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "https" && scheme != "http" {
		return Credential{}, errors.New("cannot ask for a credential: the URL's scheme is " + strconv.Quote(scheme) + ", not http or https")
	}
	return Credential{
		Protocol: scheme,
		Host:     u.Host,
		Path:     strings.TrimPrefix(u.Path, "/"),
		Username: u.User.Username(),
	}, nil
}

// gitEnv is base with every variable that could make git or a helper
// prompt replaced, and messages in English so that they can be recognised.
func gitEnv(base []string) []string {
	drop := []string{"GIT_TERMINAL_PROMPT", "GIT_ASKPASS", "SSH_ASKPASS", "SSH_ASKPASS_REQUIRE", "GCM_INTERACTIVE", "LC_ALL", "LANGUAGE"}
	env := make([]string, 0, len(base)+6)
	for _, kv := range base {
		k, _, _ := strings.Cut(kv, "=")
		dropped := false
		for _, d := range drop {
			if k == d {
				dropped = true
				break
			}
		}
		if !dropped {
			env = append(env, kv)
		}
	}
	return append(env,
		"GIT_TERMINAL_PROMPT=0",
		"GIT_ASKPASS=",
		"SSH_ASKPASS=",
		"GCM_INTERACTIVE=never",
		"LC_ALL=C",
	)
}

// gitMessage keeps git's own fatal/error lines (at most three, each cut at
// 300 bytes, control characters removed).
func gitMessage(stderr string) string {
	var keep []string
	for _, line := range strings.Split(stderr, "\n") {
		if !strings.HasPrefix(line, "fatal: ") && !strings.HasPrefix(line, "error: ") {
			continue
		}
		line = strings.Map(func(r rune) rune {
			if r < 0x20 || r == 0x7f {
				return -1
			}
			return r
		}, line)
		if len(line) > 300 {
			line = line[:300] + "..."
		}
		keep = append(keep, line)
		if len(keep) == 3 {
			break
		}
	}
	return strings.Join(keep, "; ")
}

// cappedBuffer keeps the first max bytes written to it and swallows the
// rest, so that a flood of output neither grows memory nor blocks the writer.
type cappedBuffer struct {
	bytes.Buffer
	max      int
	overflow bool
}

func (b *cappedBuffer) Write(p []byte) (int, error) {
	if room := b.max - b.Len(); room < len(p) {
		b.overflow = true
		if room > 0 {
			b.Buffer.Write(p[:room])
		}
		return len(p), nil
	}
	return b.Buffer.Write(p)
}

var _ Source = gitSource{}
