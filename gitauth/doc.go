// Package gitauth turns a remote URL into working credentials for go-git and
// the git CLI, for GitHub and Azure DevOps alike.
//
// # One call
//
// [Auth] takes any URL form of a repository (https, ssh, scp-like, web
// URLs), picks its provider with provider.ForURL, finds a token and returns
// go-git Basic credentials with the user name the host expects: the login (or
// x-access-token) on GitHub, an empty name on Azure DevOps, as Microsoft's
// SDKs send. [Clone], [Fetch] and [Push] do the whole job with go-git, and
// [Resolve] shows the parts: provider, repository, clean clone URL, and the
// token with where it came from ("env GH_TOKEN").
//
// # Where the token comes from
//
// Options.Source when set. Otherwise, in order, the environment variables
// bound to the remote's host ([provider.TokenEnv]), then `git credential
// fill` for the clean clone URL. Each variable goes only to the hosts the
// binding names:
//
//	GH_TOKEN, GITHUB_TOKEN                    github.com, *.ghe.com
//	GH_ENTERPRISE_TOKEN, GITHUB_ENTERPRISE_TOKEN
//	                                          a GitHub Enterprise Server that Config.BaseURL
//	                                          or GITHUB_SERVER_URL names
//	GITHUB_TOKEN (after those)                the server GITHUB_SERVER_URL names (Actions)
//	AZURE_DEVOPS_EXT_PAT                      dev.azure.com, *.visualstudio.com, an Azure
//	                                          DevOps Server that Config.BaseURL names
//	SYSTEM_ACCESSTOKEN                        the collection SYSTEM_COLLECTIONURI names (its
//	                                          host; on dev.azure.com its organization only);
//	                                          unset SYSTEM_COLLECTIONURI: as AZURE_DEVOPS_EXT_PAT
//
// gitauth itself knows no host: the provider and the hosts it serves come
// from provider.ForURL (well-known hosts and the host of
// Options.Provider.BaseURL, whose provider Options.Provider.Name or BaseURL
// alone says; never a URL's path), and everything host-specific (variables,
// user names, hints) from provider's host-family table. Any other host is
// refused before a token is read. In CI with no BaseURL, the server
// GITHUB_SERVER_URL or SYSTEM_COLLECTIONURI names configures itself
// ([provider.CIConfig]).
//
// When none has a token the error is a [*NoTokenError] saying what was tried,
// e.g. "no token for github.com: GH_TOKEN, GITHUB_TOKEN unset; git credential
// helper had none for github.com"; it matches pat.ErrNotFound.
//
// # Secrets
//
// The token travels only as a Basic password (or an Authorization header in
// [Probe]); it never goes in a URL, because go-git prints URLs in its errors
// and writes the clone URL to .git/config. [Clone] records the clean,
// canonical clone URL, whatever form the caller gave (credentials in the URL
// given are dropped). Errors name the remote by that clean URL and the
// repository by name; server messages quoted in them are cut to one line and
// scrubbed of the token. No error, log line or formatted value holds it.
//
// # Errors
//
// Refusals by the remote are a [*RemoteError] (operation, clean URL,
// repository, HTTP status, the server's own words) matching, with
// [errors.Is]:
//
//	401                     provider.ErrUnauthorized (also a 2xx that is not Git: an Azure DevOps sign-in page)
//	403 naming SAML SSO     provider.ErrSSORequired (a *provider.SSOError with the authorization URL)
//	403                     ErrAccessDenied ("token can read but not write owner/repo" on a push)
//	404                     ErrRepoNotFound ("repository owner/repo not found or the token cannot see it")
//	429, 403 rate limit     provider.ErrRateLimited (a *provider.RateLimitError)
//	400 TF401041            ErrMultiAck (go-git did not offer multi_ack to Azure DevOps)
//
// and also go-git's own sentinel (transport.ErrAuthenticationRequired,
// ErrAuthorizationFailed, ErrRepositoryNotFound). Azure DevOps answers 401,
// not 403, to a PAT that lacks vso.code or vso.code_write.
//
// A submodule that fails during a recursive [Clone] is a [*SubmoduleError]
// (its path and URL) wrapping the submodule's own [*RemoteError], so the
// table above applies to the submodule's remote, not the superproject's.
//
// # Azure DevOps and multi_ack
//
// Azure DevOps refuses every fetch from a client that does not ask for the
// multi_ack or multi_ack_detailed capability ("TF401041: The Git protocol sent
// is not as expected"), and go-git v5 never asks: it drops both from every
// server's advertisement through the process-wide list
// transport.UnsupportedCapabilities. That list is go-git's only hook, and it
// is read without synchronisation on every transfer.
//
// [EnableMultiAck] removes the two capabilities from the list, once for the
// process, through a sync.Once; [Clone], [Fetch] and [Push] call it before
// their first transfer, so patgit's own transfers never race with the change.
// What it changes for everyone else in the process:
//
//   - every go-git transfer, to any server, GitHub included, now negotiates
//     multi_ack_detailed when the server offers it (thin-pack stays off);
//   - go-git v5 does not fully implement multi_ack answers, and its authors
//     warn that fetches into an existing clone may then fail;
//   - go-git's http and https transports become go-git's own transport over
//     a client that cuts the body of every answer that is not 2xx at 64 KiB
//     (go-git reads a refusal's body whole into its error), unless the
//     program installed transports of its own there;
//   - a program whose other goroutines run go-git transfers while patgit
//     makes its first one would race on the list: such a program calls
//     EnableMultiAck itself first thing in main, before those goroutines
//     start. [MultiAckEnabled] reports the current state.
//
// [Fetch] handles the follow-up-fetch failure: when go-git's fetch fails with
// an error naming multi_ack (or an Azure DevOps TF401041), it fetches the
// same refs again into an empty in-memory repository, where there is nothing
// to negotiate, and copies the objects and updated remote-tracking refs and
// tags into the repository. Against git http-backend, go-git's fetch with
// multi_ack_detailed succeeds, also after divergent local commits; the
// recovery is there for servers where it does not.
//
// To keep go-git's defaults, use [Auth] with go-git directly and never call
// Clone, Fetch or Push: [Auth], [Probe], [Command] and [CredentialHelper]
// leave the list alone. Azure DevOps then refuses go-git's fetches; the git
// CLI ([Command]) speaks multi_ack itself.
//
// # Probe
//
// [Probe] answers "may this token read (or write) this repository?" with the
// Git endpoint itself and exactly one request: GET
// {cloneURL}/info/refs?service=git-upload-pack (or git-receive-pack for
// [Write]), through an HTTP client that honours HTTPS_PROXY and NO_PROXY,
// times out, and drops credentials on a redirect to another host. It reads
// the status and the first line of the advertisement (or a small, capped
// part of a refusal) and moves no objects. It is the answer for tokens whose
// scopes cannot be listed (fine-grained and installation tokens, every Azure
// DevOps PAT). GitHub answers 403 to a write probe with a token that may
// only read.
//
// # HTTP clients
//
// Options.Provider.HTTPClient (and Timeout) serve the provider's checks and
// [Options.Probe]. [Clone], [Fetch] and [Push] move objects through go-git's
// own HTTP transport, which go-git lets a program replace only for the whole
// process (see [EnableMultiAck] for the cap on refusal bodies patgit adds):
// it honours HTTPS_PROXY and NO_PROXY from the environment, and the
// ProxyOptions, CABundle, InsecureSkipTLS and client-certificate fields of
// the go-git options passed in are kept. Bound a transfer's time with ctx.
//
// # Progress
//
// The Progress writer of the go-git options given to [Clone], [Fetch] and
// [Push] receives the server's sideband text (progress counters, hook
// output, notices) through one writer of gitauth's: line by line, each line
// scrubbed of the token in every encoding, stripped of control characters
// and escape sequences (the \r and \n that end lines stay, so counters still
// rewrite their line), and cut to 1 KiB. A line is passed on when it ends;
// the last one when the operation returns. go-git gives submodule updates
// no progress writer.
//
// # The git CLI
//
// [Command] returns an *exec.Cmd running git whose credentials for the
// remote's host come from a credential helper defined in the command's
// environment (GIT_CONFIG_COUNT, GIT_CONFIG_KEY_n, GIT_CONFIG_VALUE_n), after
// any such entries the caller already has:
//
//	credential.https://HOST.helper = ""          resets the helper list for HOST
//	credential.https://HOST.helper = !f() {...}  prints $PATGIT_USER and $PATGIT_TOKEN
//
// The reset means the user's own helpers (keychain, cache, gh, Git Credential
// Manager) are neither asked nor handed the token to store. The token is in
// neither argv (visible to every user in the process list) nor any file; it
// is in the child's environment, readable by the same user, the same
// trade-off as GIT_ASKPASS. GIT_TERMINAL_PROMPT=0 makes a refused token fail
// rather than prompt. The user name is never empty, since git sends no
// password with an empty one: the GitHub login, or on Azure DevOps the
// organization, the form Azure's clone button shows.
//
// [CloneCLI] is [Clone] done by git clone through Command's credentials and
// opened with go-git afterwards: on a repository with a long history git is
// several times faster than go-git and needs a fraction of its memory (see
// BENCHMARKS.md). Each git.CloneOptions field becomes a git clone flag or is
// refused with an [*OptionError] naming it; the result, the errors and the
// cleanup of a failed clone are Clone's.
//
// # A credential helper
//
// [CredentialHelper] implements git's credential-helper protocol with the
// same token sources as [Auth] except `git credential fill`: git would call
// the helper again. It answers only for https (http for loopback) and only
// for hosts it knows, and stays silent otherwise, so git moves on to its next
// helper. A program around it is a complete helper:
//
//	func main() {
//		err := gitauth.CredentialHelper(ctx, os.Args[1], os.Stdin, os.Stdout, gitauth.Options{})
//		...
//	}
//
//	git config --global credential.https://dev.azure.com.helper '!/usr/local/bin/my-helper'
package gitauth
