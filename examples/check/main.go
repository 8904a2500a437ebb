// Command check proves a token is good enough for a repository before a long
// job starts: it finds the token the way gitauth.Auth does, checks it against
// the host (user, kind, scopes, missing and unverified scopes, expiry) and
// probes the repository's git endpoint for read (and, with -write, write)
// access.
//
// Usage:
//
//	check [-json] [-need SCOPE]... [-write] [-base-url URL] URL
//
// Exit status:
//
//	0  the token is valid, has every -need scope and the access asked for
//	1  the check failed: no token, token rejected, scope missing, access denied
//	2  usage or bad input (unsupported URL, malformed token)
//	3  network or host trouble (unreachable, timeout, rate limited, 5xx)
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/patgit/patgit/gitauth"
	"github.com/patgit/patgit/pat"
	"github.com/patgit/patgit/provider"
)

// Exit statuses.
const (
	exitOK      = 0
	exitFailed  = 1
	exitUsage   = 2
	exitNetwork = 3
)

// expiryWarning is how close to expiry a token draws a warning.
const expiryWarning = 7 * 24 * time.Hour

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr, gitauth.Options{}))
}

type scopeList []string

func (s *scopeList) String() string { return strings.Join(*s, ",") }
func (s *scopeList) Set(v string) error {
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			*s = append(*s, p)
		}
	}
	return nil
}

// result is what check found, printed as a table or as JSON.
type result struct {
	URL         string    `json:"url"`
	Provider    string    `json:"provider,omitempty"`
	Host        string    `json:"host,omitempty"`
	Repository  string    `json:"repository,omitempty"`
	User        string    `json:"user,omitempty"`
	Kind        string    `json:"token_kind,omitempty"`
	Token       pat.Token `json:"token,omitzero"`
	TokenSource string    `json:"token_source,omitempty"`
	Scopes      []string  `json:"scopes"`
	Missing     []string  `json:"missing,omitempty"`
	Unverified  []string  `json:"unverified,omitempty"`
	ExpiresAt   time.Time `json:"expires_at,omitzero"`
	ExpiresSoon bool      `json:"expires_soon,omitempty"`
	Read        string    `json:"read,omitempty"`
	Write       string    `json:"write,omitempty"`
	Error       string    `json:"error,omitempty"`
	Status      int       `json:"exit_status"`
}

// run is check's whole behaviour; base holds defaults (the demo and the tests
// pass a token source and provider configuration).
func run(ctx context.Context, args []string, stdout, stderr io.Writer, base gitauth.Options) int {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	asJSON := fs.Bool("json", false, "print the result as JSON")
	write := fs.Bool("write", false, "also probe write (push) access")
	baseURL := fs.String("base-url", base.Provider.BaseURL, "web root of a GitHub Enterprise Server or Azure DevOps Server")
	var need scopeList
	fs.Var(&need, "need", "a scope the token must have (repeat, or comma-separate)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: check [-json] [-need SCOPE]... [-write] [-base-url URL] URL")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return exitUsage
	}
	opts := base
	opts.Provider.BaseURL = *baseURL
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

func check(ctx context.Context, rawURL string, need []string, write bool, opts gitauth.Options) *result {
	res := &result{URL: rawURL}
	fail := func(err error) *result {
		res.Error = strings.ReplaceAll(err.Error(), "\n", "; ")
		res.Status = exitStatus(err)
		return res
	}
	r, err := gitauth.Resolve(ctx, rawURL, opts)
	if r != nil {
		res.Provider = r.Provider.Name()
		res.Host = r.Repo.Host
		res.Repository = r.Repo.String()
	}
	if err != nil {
		return fail(err)
	}
	res.Token = r.Token
	res.Kind = r.Token.Kind().String()
	res.TokenSource = r.Token.Origin()

	report, checkErr := r.Provider.CheckScopes(ctx, r.Token, need...)
	if report != nil {
		res.User = report.User
		res.Scopes = report.Scopes
		res.Missing = report.Missing
		res.Unverified = report.Unverified
		res.ExpiresAt = report.ExpiresAt
		res.ExpiresSoon = report.ExpiresWithin(expiryWarning)
	}
	if checkErr != nil && report == nil {
		return fail(checkErr)
	}
	// The token just reported, not a second look-up that could find another.
	auth, err := r.BasicAuth(ctx)
	if err != nil {
		return fail(err)
	}
	if err := opts.Probe(ctx, rawURL, auth, gitauth.Read); err != nil {
		res.Read = "denied"
		return fail(errors.Join(checkErr, err))
	}
	res.Read = "ok"
	if write {
		if err := opts.Probe(ctx, rawURL, auth, gitauth.Write); err != nil {
			res.Write = "denied"
			return fail(errors.Join(checkErr, err))
		}
		res.Write = "ok"
	}
	if checkErr != nil {
		return fail(checkErr)
	}
	return res
}

// exitStatus maps an error to check's documented exit statuses.
func exitStatus(err error) int {
	var (
		netErr  net.Error
		hostErr *provider.HostError
		remote  *gitauth.RemoteError
	)
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, provider.ErrUnsupportedURL), errors.Is(err, provider.ErrInsecureURL),
		errors.Is(err, provider.ErrTokenMismatch), errors.Is(err, pat.ErrMalformed),
		errors.Is(err, pat.ErrChecksum), errors.Is(err, pat.ErrEmpty):
		return exitUsage
	case errors.Is(err, provider.ErrRateLimited), errors.Is(err, context.DeadlineExceeded),
		errors.As(err, &netErr), errors.As(err, &hostErr),
		errors.As(err, &remote) && remote.Status >= 500:
		return exitNetwork
	}
	return exitFailed
}

func printTable(w io.Writer, r *result) {
	row := func(k, v string) {
		if v == "" {
			v = "-"
		}
		fmt.Fprintf(w, "  %-12s %s\n", k+":", v)
	}
	title := r.Host
	if title == "" {
		title = r.URL
	}
	if r.Provider != "" {
		title += " (" + r.Provider + ")"
	}
	fmt.Fprintln(w, title)
	row("repository", r.Repository)
	row("user", r.User)
	if !r.Token.IsZero() {
		tok := r.Kind + " " + r.Token.String()
		if r.TokenSource != "" {
			tok += " from " + r.TokenSource
		}
		row("token", tok)
	}
	switch {
	case r.Token.IsZero():
	case r.Scopes == nil:
		row("scopes", "not disclosed by the host (the probes below are the proof)")
	case len(r.Scopes) == 0:
		row("scopes", "none")
	default:
		row("scopes", strings.Join(r.Scopes, ", "))
	}
	if len(r.Missing) > 0 {
		row("missing", strings.Join(r.Missing, ", "))
	}
	if len(r.Unverified) > 0 {
		row("unverified", strings.Join(r.Unverified, ", "))
	}
	if !r.ExpiresAt.IsZero() {
		exp := r.ExpiresAt.UTC().Format("2006-01-02 15:04 MST")
		if r.ExpiresSoon {
			exp += "  WARNING: expires " + inWords(time.Until(r.ExpiresAt))
		}
		row("expires", exp)
	} else if !r.Token.IsZero() {
		row("expires", "unknown or never")
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
	if r.Status != exitOK {
		status = fmt.Sprintf("FAILED (exit %d)", r.Status)
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
