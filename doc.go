// Package patgit is programmatic, personal-access-token authenticated Git
// access to GitHub (github.com, GitHub Enterprise Server, GHE.com) and Azure
// DevOps (dev.azure.com, *.visualstudio.com, Azure DevOps Server).
//
// The work is done by three packages, each importing only the ones after it:
//
//   - [github.com/patgit/patgit/gitauth]: one call from a remote URL to working
//     go-git credentials; clone, fetch and push that work on both hosts
//     (including Azure DevOps' multi_ack requirement); a one-request access
//     probe; credentials for the git CLI through its credential-helper
//     protocol, never in argv, a URL or a file.
//   - [github.com/patgit/patgit/provider]: repository URLs of every form
//     (https, ssh, scp-like, web), and token checks against the host: who
//     the token belongs to, its scopes, what is missing, when it expires.
//   - [github.com/patgit/patgit/pat]: the [pat.Token] type, which recognises
//     its kind, verifies GitHub checksums offline, and redacts itself in every
//     printed, logged or encoded form; and token sources (environment, file,
//     git's credential helpers).
//
// [github.com/patgit/patgit/provider/providertest] holds fake GitHub and Azure
// DevOps servers, with real repositories behind git http-backend, for tests.
//
// # Example
//
// Prove a token can push before a long job starts, then clone:
//
//	func prepare(ctx context.Context, remote, dir string) (*git.Repository, error) {
//		opts := gitauth.Options{} // GH_TOKEN, AZURE_DEVOPS_EXT_PAT, ... then git's helpers
//		r, err := gitauth.Resolve(ctx, remote, opts)
//		if err != nil {
//			return nil, err // says which variables and helpers were tried
//		}
//		report, err := r.Provider.CheckScopes(ctx, r.Token)
//		if err != nil {
//			return nil, err // ErrUnauthorized, *RateLimitError, *SSOError, ...
//		}
//		if report.ExpiresWithin(7 * 24 * time.Hour) {
//			log.Printf("token %v from %s expires %s", r.Token, r.Token.Origin(), report.ExpiresAt)
//		}
//		auth, err := r.BasicAuth(ctx)
//		if err != nil {
//			return nil, err
//		}
//		if err := gitauth.Probe(ctx, remote, auth, gitauth.Write); err != nil {
//			return nil, err // "token can read but not write owner/repo"
//		}
//		return gitauth.Clone(ctx, remote, dir, opts, nil)
//	}
//
// Package patgit itself holds no code; it documents the module.
package patgit
