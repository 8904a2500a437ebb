// Command check proves a token is good enough for a repository before a long
// job starts: it finds the token the way gitauth.Auth does, checks it against
// the host (user, kind, scopes, expiry), proves each -need scope it can, and
// probes the repository's git endpoint for read access (and for write
// access, with -write or to prove a -need scope that grants push). It says
// yes only with proof.
//
// Usage:
//
//	check [-json] [-need SCOPE]... [-write] [-base-url URL [-provider NAME]] URL
//
// Exit status:
//
//	0  the token is valid, every -need scope and the access asked for are proven
//	1  no token, token refused, a -need scope proven missing, access denied
//	2  usage or bad input: a malformed or unsupported URL, plain http to a host
//	   that is not loopback, a malformed or truncated token, a token of another
//	   host, a -need scope the host does not know (the message lists those it knows)
//	3  network or host trouble: unreachable, timeout, 5xx, rate limited
//	4  the token is valid, but some -need scope could not be proven either way
//	   (listed): the host does not disclose the token's scopes and no request
//	   to the repository proves it
//
// A scope the host does not disclose is proven, when it grants git access,
// by a request to the repository: a push probe for a scope that grants push
// (GitHub repo and public_repo, Azure DevOps vso.code_write), a fetch probe
// for one that grants fetch (vso.code). No probe moves any object.
//
// With -json, check prints one object. "error_kind" is "" on success, else
// one of unauthorized, missing_scope, unverified, access_denied,
// rate_limited, sso_required, no_token, bad_input, network; fields check did
// not learn are left out.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/patgit/patgit/examples/internal/cli"
	"github.com/patgit/patgit/gitauth"
	"github.com/patgit/patgit/pat"
	"github.com/patgit/patgit/provider"
)

// expiryWarning is how close to expiry a token draws a warning.
const expiryWarning = 7 * 24 * time.Hour

// flagNames are check's flags for the library's configuration fields.
var flagNames = map[string]string{"BaseURL": "-base-url", "Name": "-provider"}

const usageLine = "usage: check [-json] [-need SCOPE]... [-write] [-base-url URL [-provider NAME]] URL"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

type scopeList []string

func (s *scopeList) String() string { return strings.Join(*s, ",") }
func (s *scopeList) Set(v string) error {
	for p := range strings.SplitSeq(v, ",") {
		if p = strings.TrimSpace(p); p != "" && !slices.Contains(*s, p) {
			*s = append(*s, p)
		}
	}
	return nil
}

// result is what check learned, printed as a table or as JSON. Fields it
// did not learn stay zero and are left out of both.
type result struct {
	URL             string    `json:"url"`
	Provider        string    `json:"provider,omitempty"`
	Host            string    `json:"host,omitempty"`
	Repository      string    `json:"repository,omitempty"`
	User            string    `json:"user,omitempty"`
	Kind            string    `json:"token_kind,omitempty"`
	Token           pat.Token `json:"token,omitzero"`
	TokenSource     string    `json:"token_source,omitempty"`
	ScopesDisclosed *bool     `json:"scopes_disclosed,omitempty"`
	Scopes          []string  `json:"scopes,omitzero"` // [] for a token with no scopes
	Proven          []string  `json:"proven,omitempty"`
	Missing         []string  `json:"missing,omitempty"`
	Unverified      []string  `json:"unverified,omitempty"`
	ExpiresAt       time.Time `json:"expires_at,omitzero"`
	ExpiresSoon     bool      `json:"expires_soon,omitempty"`
	Read            string    `json:"read,omitempty"`  // "ok" or "denied"
	Write           string    `json:"write,omitempty"` // "ok" or "denied"
	ErrorKind       string    `json:"error_kind"`
	Error           string    `json:"error,omitempty"`
	Status          int       `json:"exit_status"`

	checked bool // the host validated the token
}

// run is check's whole behaviour.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	asJSON := fs.Bool("json", false, "print the result as one JSON object")
	write := fs.Bool("write", false, "also prove write (push) access to the repository")
	baseURL := fs.String("base-url", "", "web root of a GitHub Enterprise Server or an Azure DevOps Server collection,\ne.g. https://ghe.example.com or https://tfs.example.com/tfs/DefaultCollection")
	name := fs.String("provider", "", "the provider that serves -base-url's host: github or azure-devops\n(default: a server root is GitHub Enterprise Server, a collection URL Azure DevOps Server)")
	var need scopeList
	fs.Var(&need, "need", "a scope the token must have (repeat, or comma-separate)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, usageLine)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return cli.ExitOK
		}
		return cli.ExitUsage // flag has said what was wrong, then the usage
	}
	switch {
	case fs.NArg() == 0:
		return usageError(stderr, fs, "no repository URL given")
	case fs.NArg() > 1 && strings.HasPrefix(fs.Arg(1), "-"):
		return usageError(stderr, fs, fmt.Sprintf("flags go before the URL: %s", fs.Arg(1)))
	case fs.NArg() > 1:
		return usageError(stderr, fs, fmt.Sprintf("want one repository URL, got %d arguments", fs.NArg()))
	}
	opts := gitauth.Options{Provider: provider.Config{BaseURL: *baseURL, Name: *name}}
	// A CI server that runs check configures itself (as gitauth.Resolve
	// does), for the scope check and the probes too.
	opts.Provider = provider.CIConfig(fs.Arg(0), opts.Provider, os.Getenv)
	res := check(ctx, fs.Arg(0), need, *write, opts)
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(res)
	} else {
		printTable(stdout, res)
	}
	return res.Status
}

// usageError says what was wrong, then the usage, and returns exit status 2.
func usageError(stderr io.Writer, fs *flag.FlagSet, problem string) int {
	fmt.Fprintf(stderr, "check: %s\n", problem)
	fs.Usage()
	return cli.ExitUsage
}

// check does the work and fills the result; it stops at the first failure,
// so that every line of the result is something it learned.
func check(ctx context.Context, rawURL string, need []string, write bool, opts gitauth.Options) *result {
	words := cli.Words{Flags: flagNames, URL: rawURL}
	res := &result{URL: rawURL}
	fail := func(kind, msg string) *result {
		res.ErrorKind, res.Error, res.Status = kind, msg, cli.Status(kind)
		return res
	}
	failErr := func(err error, contacted bool) *result {
		return fail(cli.Kind(err, contacted), words.Message(err))
	}

	// A scope the host does not know is bad input, whatever the token.
	if p, _, err := provider.ForURL(rawURL, opts.Provider); err == nil {
		if msg := unknownScopes(p.Name(), need); msg != "" {
			res.Provider = p.Name()
			return fail(cli.BadInput, msg)
		}
	}
	r, err := gitauth.Resolve(ctx, rawURL, opts)
	if err != nil {
		return failErr(err, false)
	}
	res.Provider, res.Host, res.Repository = r.Provider.Name(), r.Repo.Host, r.Repo.String()
	res.Token, res.Kind, res.TokenSource = r.Token, r.Token.Kind().String(), r.Token.Origin()
	if msg := unknownScopes(r.Provider.Name(), need); msg != "" {
		return fail(cli.BadInput, msg)
	}

	report, err := r.Provider.CheckScopes(ctx, r.Token, need...)
	if report != nil {
		res.checked = true
		disclosed := report.Scopes != nil
		res.ScopesDisclosed = &disclosed
		res.User, res.Scopes, res.ExpiresAt = report.User, report.Scopes, report.ExpiresAt
		res.Missing = report.Missing
		if res.ExpiresAt.IsZero() {
			res.ExpiresAt = r.Token.ExpiresAt() // what a JWT-shaped token says of itself
		}
		res.ExpiresSoon = !res.ExpiresAt.IsZero() && time.Until(res.ExpiresAt) < expiryWarning
	}
	if missing := (*provider.MissingScopeError)(nil); errors.As(err, &missing) && report != nil {
		res.Proven = provenBefore(need, report)
		return fail(cli.MissingScope, missingMessage(words, missing))
	}
	if err != nil {
		return failErr(err, true)
	}

	// The token just reported, not a second look-up that could find another.
	auth, err := r.BasicAuth(ctx)
	if err != nil {
		return failErr(err, true)
	}
	scopes := provider.Scopes(r.Provider.Name())
	needWrite := write
	for _, s := range report.Unverified {
		if gitAccess(scopes, s) == "write" {
			needWrite = true
		}
	}
	probes := []struct {
		access gitauth.Access
		want   bool
		field  *string
	}{{gitauth.Read, true, &res.Read}, {gitauth.Write, needWrite, &res.Write}}
	for _, p := range probes {
		if !p.want {
			continue
		}
		if err := opts.Probe(ctx, rawURL, auth, p.access); err != nil {
			// The host validated the token already, so a refusal (even a
			// 401, Azure DevOps' answer to a PAT without the code scope)
			// means the token may not do that here.
			kind := cli.Kind(err, true)
			if kind == cli.Unauthorized {
				kind = cli.AccessDenied
			}
			if kind != cli.AccessDenied {
				return fail(kind, words.Message(err))
			}
			*p.field = "denied"
			return fail(kind, deniedMessage(res, p.access, need, scopes, err))
		}
		*p.field = "ok"
	}

	// What the probes proved, and what nothing could.
	for _, s := range need {
		switch {
		case !slices.Contains(report.Unverified, s),
			gitAccess(scopes, s) == "read" && res.Read == "ok",
			gitAccess(scopes, s) == "write" && res.Write == "ok":
			res.Proven = append(res.Proven, s)
		default:
			res.Unverified = append(res.Unverified, s)
		}
	}
	if len(res.Unverified) > 0 {
		return fail(cli.Unverified, unverifiedMessage(res, report))
	}
	return res
}

// deniedMessage says what a refused probe means for a token the host
// validated, with the host's own words.
func deniedMessage(res *result, access gitauth.Access, need []string, scopes []provider.ScopeInfo, err error) string {
	var msg string
	if access == gitauth.Write {
		msg = "the token is valid and may read " + res.Repository + ", but may not push to it"
	} else {
		msg = "the token is valid but may not read " + res.Repository + " (or there is no such repository)"
	}
	var lacking []string
	for _, s := range need {
		if g := gitAccess(scopes, s); g == access.String() || (access == gitauth.Read && g == "write") {
			lacking = append(lacking, s)
		}
	}
	if len(lacking) > 0 {
		msg += fmt.Sprintf(": it lacks the %s %s that -need asks for, or the permission on this repository", cli.Plural(len(lacking), "scope"), cli.Quote(lacking))
	}
	if remote := (*gitauth.RemoteError)(nil); errors.As(err, &remote) {
		if remote.Status != 0 {
			msg += fmt.Sprintf(" (HTTP %d)", remote.Status)
		}
		if remote.Detail != "" {
			msg += "; the server said: " + remote.Detail
		}
	}
	return msg
}

// gitAccess returns the git access scope grants ("read", "write" or "").
func gitAccess(scopes []provider.ScopeInfo, scope string) string {
	for _, s := range scopes {
		if s.Name == scope {
			return s.Git
		}
	}
	return ""
}

// provenBefore lists the needed scopes the check itself proved.
func provenBefore(need []string, report *provider.Report) []string {
	var out []string
	for _, s := range need {
		if !slices.Contains(report.Missing, s) && !slices.Contains(report.Unverified, s) {
			out = append(out, s)
		}
	}
	return out
}

// unknownScopes says which needed scopes the provider does not know, and
// which it does; "" when it knows them all (or publishes no list).
func unknownScopes(providerName string, need []string) string {
	known := provider.Scopes(providerName)
	if known == nil {
		return ""
	}
	var unknown []string
	for _, s := range need {
		if !slices.ContainsFunc(known, func(k provider.ScopeInfo) bool { return k.Name == s }) {
			unknown = append(unknown, s)
		}
	}
	if len(unknown) == 0 {
		return ""
	}
	names := make([]string, len(known))
	for i, k := range known {
		names[i] = k.Name
	}
	title := cli.ProviderTitle(providerName)
	what := "is not " + article(title) + " " + title + " scope"
	if len(unknown) > 1 {
		what = "are not " + title + " scopes"
	}
	return fmt.Sprintf("-need %s %s; %s scopes are: %s", cli.Quote(unknown), what, title, strings.Join(names, ", "))
}

// missingMessage says which -need scopes the token lacks and how to add them.
func missingMessage(words cli.Words, e *provider.MissingScopeError) string {
	n := len(e.Missing)
	msg := fmt.Sprintf("the token lacks the %s %s that -need asks for", cli.Plural(n, "scope"), cli.Quote(e.Missing))
	if hint := words.Message(errors.New(e.Hint)); hint != "" {
		if n == 1 {
			hint = strings.ReplaceAll(hint, "add them", "add it")
		}
		msg += ": " + hint
	}
	return msg
}

// unverifiedMessage says which -need scopes nothing could prove, and why.
func unverifiedMessage(res *result, report *provider.Report) string {
	n := len(res.Unverified)
	why := "no request to the host can prove it"
	if n > 1 {
		why = "no request to the host can prove them"
	}
	host := cli.ProviderTitle(res.Provider)
	if report.Scopes == nil {
		why = fmt.Sprintf("%s does not disclose the scopes of %s %s token, and %s", host, article(cli.KindTitle(report.Kind)), cli.KindTitle(report.Kind), why)
	}
	return fmt.Sprintf("could not prove the %s %s either way: %s; the token is valid and may read %s", cli.Plural(n, "scope"), cli.Quote(res.Unverified), why, res.Repository)
}

// article returns "an" before a vowel sound, else "a".
func article(word string) string {
	if word != "" && strings.ContainsRune("AEIOUaeiou", rune(word[0])) {
		return "an"
	}
	return "a"
}

func printTable(w io.Writer, r *result) {
	row := func(k, v string) { fmt.Fprintf(w, "  %-12s %s\n", k+":", v) }
	title := r.Host
	if title == "" {
		title = r.URL
	}
	if r.Provider != "" {
		title += " (" + cli.ProviderTitle(r.Provider) + ")"
	}
	fmt.Fprintln(w, title)
	if r.Repository != "" {
		row("repository", r.Repository)
	}
	if r.User != "" {
		row("user", r.User)
	}
	if !r.Token.IsZero() {
		tok := cli.KindTitle(r.Token.Kind()) + " token " + r.Token.String()
		if r.TokenSource != "" {
			tok += " from " + r.TokenSource
		}
		row("token", tok)
	}
	if r.checked {
		switch {
		case r.Scopes == nil && r.Read != "":
			row("scopes", "not disclosed by the host; the probes below are the proof")
		case r.Scopes == nil:
			row("scopes", "not disclosed by the host")
		case len(r.Scopes) == 0:
			row("scopes", "none")
		default:
			row("scopes", strings.Join(r.Scopes, ", "))
		}
	}
	if len(r.Proven) > 0 {
		row("proven", strings.Join(r.Proven, ", "))
	}
	if len(r.Missing) > 0 {
		row("missing", strings.Join(r.Missing, ", "))
	}
	if len(r.Unverified) > 0 {
		row("unverified", strings.Join(r.Unverified, ", "))
	}
	switch {
	case !r.ExpiresAt.IsZero():
		exp := r.ExpiresAt.UTC().Format("2006-01-02 15:04 MST")
		if r.ExpiresSoon {
			exp += "  WARNING: expires " + inWords(time.Until(r.ExpiresAt))
		}
		row("expires", exp)
	case r.checked:
		row("expires", "not disclosed (unknown or never)")
	}
	if r.Read != "" {
		row("read", r.Read)
	}
	if r.Write != "" {
		row("write", r.Write)
	}
	if r.Error != "" {
		row("error", r.Error)
	}
	status := "ok"
	if r.Status != cli.ExitOK {
		status = fmt.Sprintf("FAILED: %s (exit %d)", strings.ReplaceAll(r.ErrorKind, "_", " "), r.Status)
	}
	row("result", status)
}

// inWords says how far off d is, roughly: "in 3 days", "in 5 hours", "already".
func inWords(d time.Duration) string {
	switch {
	case d <= 0:
		return "already (expired)"
	case d >= 48*time.Hour:
		return fmt.Sprintf("in %d days", int(d.Hours()/24))
	case d >= 2*time.Hour:
		return fmt.Sprintf("in %d hours", int(d.Hours()))
	}
	return fmt.Sprintf("in %d minutes", int(d.Minutes())+1)
}
