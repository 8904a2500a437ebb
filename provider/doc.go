// Package provider knows each Git host patgit serves: how its repository
// URLs are written, where its API is, which user name goes with a token, and
// how to check a token against it.
//
// # Hosts and URLs
//
// [ForURL] takes a repository URL of any form (https, ssh, scp-like such as
// git@github.com:owner/repo.git, or a web URL below the repository) and
// returns the [Provider] for its host and the [Repo] it names. Well-known
// hosts are recognised by name: github.com and SUB.ghe.com (GitHub),
// dev.azure.com and ORG.visualstudio.com (Azure DevOps). A server of your
// own (GitHub Enterprise Server, Azure DevOps Server, a test server) is
// recognised only as the host of [Config].BaseURL; look-alike hosts
// ("github.com.evil.example"), control characters and extra '@' are
// refused with an error wrapping [ErrUnsupportedURL], so a token never goes
// to a host it was not meant for.
//
//	p, repo, err := provider.ForURL("git@ssh.dev.azure.com:v3/contoso/Web/site", provider.Config{})
//	// p.Name() == "azure-devops", repo.String() == "contoso/Web/site",
//	// p.CloneURL(repo) == "https://dev.azure.com/contoso/Web/_git/site"
//
// [NewGitHub] and [NewAzureDevOps] build a provider directly from a
// [Config].
//
// # Checking a token
//
// [Provider.CheckScopes] asks the host who the token belongs to, which
// scopes it has and when it expires, and proves the scopes a caller
// requires, returning a [Report]:
//
//   - GitHub: one GET /user. Classic and OAuth tokens disclose their scopes
//     (X-OAuth-Scopes), checked with GitHub's hierarchy (repo covers
//     public_repo). Fine-grained, app user and installation tokens disclose
//     none: required scopes go to Report.Unverified.
//   - Azure DevOps: a PAT never discloses its scopes. One GET of the
//     organization's connectionData validates it, and one request per scope
//     family proves each required read scope; write scopes a read cannot
//     prove go to Report.Unverified.
//
// For a repository, gitauth.Probe settles what a check cannot: whether the
// token may fetch from or push to it. [Scopes] lists the scopes each host
// knows and the git access each grants. Results are cached per token for
// Config.CacheTTL, and concurrent checks of one token share their requests.
//
// # Errors
//
// Errors wrap the sentinels of this package, for errors.Is:
// [ErrUnauthorized] (a bad, expired or revoked token), [ErrMissingScope]
// ([*MissingScopeError], with the Report), [ErrRateLimited]
// ([*RateLimitError]), [ErrSSORequired] ([*SSOError]), [ErrTokenMismatch] (a
// token of another host's kind, refused before any request),
// [ErrInsecureURL] and [ErrUnsupportedURL] ([*URLError]). A host that cannot
// be reached or answers 5xx is a [*HostError]. No error holds the token.
//
// # Secrets
//
// BasicAuth and CheckScopes put the token only in an Authorization header
// or go-git's BasicAuth.Password; credentials never go over http:// except
// to loopback, and a redirect to another origin (scheme, host or port) drops
// them.
// AuthenticatedURL, which puts the token in a URL for the git CLI, is a last
// resort: prefer gitauth.Command.
package provider
