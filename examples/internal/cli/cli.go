// Package cli holds what the example programs share: the kind of a failure
// and its exit status, and one way to say a library error in a program's own
// words (its flags, the scheme its user typed, one prefix, plain English).
package cli

import (
	"context"
	"errors"
	"net"
	"net/url"
	"regexp"
	"strings"

	"github.com/patgit/patgit/gitauth"
	"github.com/patgit/patgit/pat"
	"github.com/patgit/patgit/provider"
)

// Kinds of failure, as check's JSON "error_kind" spells them.
const (
	Unauthorized = "unauthorized"  // bad, expired or revoked token
	MissingScope = "missing_scope" // a required scope proven absent
	Unverified   = "unverified"    // a required scope proven neither way
	AccessDenied = "access_denied" // a valid token refused the access asked for
	RateLimited  = "rate_limited"  // the host's rate limit
	SSORequired  = "sso_required"  // SAML single sign-on has not authorized the token
	NoToken      = "no_token"      // no source had a token
	BadInput     = "bad_input"     // the URL, a flag, the token's shape, a token of another host
	Network      = "network"       // the host could not be reached or did not answer usefully
)

// Exit statuses shared by the programs.
const (
	ExitOK         = 0
	ExitFailed     = 1 // no token, token refused, a scope missing, access denied
	ExitUsage      = 2 // usage or bad input
	ExitNetwork    = 3 // network or host trouble, rate limits
	ExitUnverified = 4 // valid, but a required scope could not be proven either way
)

// Status returns the exit status for a kind of failure ("" is success).
func Status(kind string) int {
	switch kind {
	case "":
		return ExitOK
	case BadInput:
		return ExitUsage
	case Network, RateLimited:
		return ExitNetwork
	case Unverified:
		return ExitUnverified
	}
	return ExitFailed
}

// Kind says what kind of failure err is. contacted says whether the host
// had been asked anything yet: an error the table below does not know is bad
// input before that (the program's own input could not be used) and host
// trouble after.
func Kind(err error, contacted bool) string {
	var (
		netErr  net.Error
		hostErr *provider.HostError
		remote  *gitauth.RemoteError
	)
	switch {
	case err == nil:
		return ""
	case errors.Is(err, pat.ErrNotFound):
		return NoToken
	case errors.Is(err, provider.ErrUnsupportedURL), errors.Is(err, provider.ErrInsecureURL),
		errors.Is(err, provider.ErrTokenMismatch), errors.Is(err, pat.ErrMalformed),
		errors.Is(err, pat.ErrChecksum), errors.Is(err, pat.ErrEmpty), errors.Is(err, pat.ErrInsecureFile):
		return BadInput
	case errors.Is(err, provider.ErrRateLimited):
		return RateLimited
	case errors.Is(err, provider.ErrSSORequired):
		return SSORequired
	case errors.Is(err, provider.ErrMissingScope):
		return MissingScope
	case errors.Is(err, gitauth.ErrAccessDenied), errors.Is(err, gitauth.ErrRepoNotFound):
		return AccessDenied
	case errors.As(err, &remote) && remote.Status >= 500,
		errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr), errors.As(err, &hostErr):
		return Network
	case errors.Is(err, provider.ErrUnauthorized):
		return Unauthorized
	case !contacted:
		return BadInput
	}
	return Network
}

// Words says library errors in one program's words.
type Words struct {
	// Flags maps the library's configuration fields to the program's flags:
	// {"BaseURL": "-base-url", "Name": "-provider", "Username": "-username"}.
	Flags map[string]string
	// URL is the repository URL as the user gave it: an http:// loopback URL
	// keeps its scheme in suggestions.
	URL string
}

var (
	// prefixes are the package and provider prefixes library errors
	// carry; a program says its own name once instead.
	prefixes = regexp.MustCompile(`(^|: |; )(?:(?:gitauth|provider|pat|github|azure-devops|gitlab)(?: [^\s:;]+(?::\d+)?)?: )+`)
	// configField finds a library configuration field in a message:
	// "Config.BaseURL", "Options.Provider.BaseURL", "opts.Provider.Name".
	configField = regexp.MustCompile(`\b(?:(?:gitauth\.)?Options\.Provider\.|(?:provider\.)?Config\.|opts\.Provider\.|cfg\.)([A-Z][A-Za-z]*)\b`)
	// article finds "a" or "an" before a kind name.
	article = regexp.MustCompile(`\b([Aa]n?) ([a-z][a-z-]+)\b`)
	// bareKind finds a kind name before "token" with no article.
	bareKind = regexp.MustCompile(`\b(?:github-fine-grained|github-installation|github-classic|github-refresh|github-oauth|github-user|azure-devops-entra|azure-devops|gitlab-personal|gitlab-deploy|gitlab-job) token\b`)
)

// kindNames are the token kinds in words, for messages.
var kindNames = map[string]string{
	"github-classic":      "GitHub classic",
	"github-fine-grained": "GitHub fine-grained",
	"github-oauth":        "GitHub OAuth",
	"github-user":         "GitHub App user",
	"github-installation": "GitHub installation",
	"github-refresh":      "GitHub refresh",
	"azure-devops":        "Azure DevOps",
	"azure-devops-entra":  "Microsoft Entra ID",
	"gitlab-personal":     "GitLab personal",
	"gitlab-deploy":       "GitLab deploy",
	"gitlab-job":          "GitLab CI job",
}

// ProviderTitle returns a provider's name in words: "GitHub", "Azure DevOps".
func ProviderTitle(name string) string {
	switch name {
	case "github":
		return "GitHub"
	case "azure-devops":
		return "Azure DevOps"
	case "gitlab":
		return "GitLab"
	}
	return name
}

// KindTitle returns a token kind in words: "GitHub classic", "Azure DevOps".
func KindTitle(k pat.Kind) string {
	if t, ok := kindNames[k.String()]; ok {
		return t
	}
	return k.String()
}

// Message returns err's text for the person running the program: one line,
// without the library's package prefixes, with the program's flags for the
// library's configuration fields, token kinds and providers in words with
// the right article, and the user's http:// scheme kept for a loopback
// host.
func (w Words) Message(err error) string {
	if err == nil {
		return ""
	}
	msg := strings.Join(strings.Fields(strings.ReplaceAll(err.Error(), "\n", "; ")), " ")
	msg = prefixes.ReplaceAllString(msg, "$1")
	msg = configField.ReplaceAllStringFunc(msg, func(m string) string {
		field := configField.FindStringSubmatch(m)[1]
		if flag, ok := w.Flags[field]; ok {
			return flag
		}
		return m
	})
	for field, flag := range w.Flags {
		// A field named alone ("when BaseURL does not say"), when its name
		// is no English word.
		if strings.ToLower(field[1:]) != field[1:] {
			msg = regexp.MustCompile(`\b`+regexp.QuoteMeta(field)+`\b`).ReplaceAllString(msg, flag)
		}
	}
	for _, name := range []string{"github", "azure-devops", "gitlab"} {
		msg = strings.ReplaceAll(msg, "("+name+")", "("+ProviderTitle(name)+")")
	}
	msg = article.ReplaceAllStringFunc(msg, func(m string) string {
		parts := article.FindStringSubmatch(m)
		title, ok := kindNames[parts[2]]
		if !ok {
			return m
		}
		a := "a"
		if strings.ContainsRune("AEIOU", rune(title[0])) {
			a = "an"
		}
		if parts[1][0] == 'A' {
			a = strings.ToUpper(a[:1]) + a[1:]
		}
		return a + " " + title
	})
	msg = bareKind.ReplaceAllStringFunc(msg, func(m string) string {
		return kindNames[strings.TrimSuffix(m, " token")] + " token"
	})
	if u, perr := url.Parse(w.URL); perr == nil && u.Scheme == "http" && provider.IsLoopback(u.Host) {
		same := regexp.MustCompile(`https://` + regexp.QuoteMeta(u.Host) + `([^0-9]|$)`)
		msg = same.ReplaceAllString(msg, "http://"+u.Host+"$1")
	}
	return msg
}

// Quote returns names quoted and joined the way messages list them:
// "'repo'", "'repo' and 'workflow'", "'a', 'b' and 'c'".
func Quote(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = "'" + n + "'"
	}
	if len(q) <= 1 {
		return strings.Join(q, "")
	}
	return strings.Join(q[:len(q)-1], ", ") + " and " + q[len(q)-1]
}

// Plural returns word, or word+"s" unless n is 1.
func Plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}
