// Package pat holds personal access tokens and short-lived credentials for
// GitHub, Azure DevOps and GitLab: a [Token] type that cannot be printed by
// accident, the recognition of its kind, offline checksum and expiry,
// [Find] for tokens in any text, the one scrubber ([Token.Scrub]), and
// [Source]s that find a token in the environment, in a file, through git's
// credential helpers or by refreshing a short-lived one.
//
// # Tokens
//
// [New] makes a Token from a secret, trimming surrounding white space (the
// newline of a token file) and refusing what no token holds: inner white
// space, control characters, non-ASCII bytes, more than [MaxLen] bytes.
// [Token.Secret] is the only way back to the value.
//
// # Kinds
//
// [Identify] (and [Token.Kind]) recognise a token's [Kind] by its prefix on
// GitHub: ghp_ (classic), github_pat_ (fine-grained), gho_ (OAuth app),
// ghu_ (GitHub App user-to-server), ghs_ (installation tokens and Actions'
// GITHUB_TOKEN, in the old 40-character and the newer long form), ghr_
// (refresh); and by shape on Azure DevOps: 52 characters of lower-case
// base32 (legacy) or 84 characters of letters and digits with "AZDO" at
// offset 76 (88 with a trailing "xx=="); a Microsoft Entra ID token (a JWT)
// whose audience is Azure DevOps is [AzureDevOpsEntra]. On GitLab, by
// prefix: glpat- (personal, project, group tokens), gldt- (deploy), glcbt-
// (CI job tokens), also behind an instance prefix ("acme-glpat-…").
// Anything else is [Unknown] and is never refused for its shape: a
// pipeline's JWT, an Azure DevOps Server PAT, a GitLab token whose prefix an
// administrator replaced. Prefixed tokens are never judged by length:
// GitHub documents tokens of up to 255 characters, and newer installation
// tokens are longer still.
//
// # Redaction
//
// A Token prints itself as its kind's prefix and a fixed mask, such as
// "ghp_********", through every path: String, GoString, fmt with every verb
// and flag, encoding/json, encoding.TextMarshaler and log/slog. fmt prints a
// value held in an unexported struct field by reflection, without calling
// its methods; the secret sits behind a pointer so that this path shows
// only an address. No error of this package contains a secret.
//
// [Token.Scrub] removes a secret from text in every encoding a server or a
// log may give it (raw, percent-encoded, JSON-escaped, base64 at every
// alignment, hexadecimal); [Sanitize] also makes text one clean line.
//
// # Checksums
//
// Classic-style GitHub tokens (ghp_, gho_, ghu_, ghs_, ghr_ of 40
// characters) end in a 6-character base62 CRC32 of their 30 random
// characters. [Token.Validate] verifies it offline and says whether a
// failing token was truncated or mistyped; [Checksum] computes it. Routable
// GitLab tokens end in a 7-character base-36 CRC32 of everything before it
// ([GitLabChecksum], [GitLabRoutable]). Fine-grained tokens, long
// installation tokens, Azure DevOps tokens and GitLab's legacy 20-character
// tokens carry no checksum that can be verified offline, and pass.
//
// # Expiry
//
// [Token.ExpiresAt] reads the exp claim of JWT-shaped tokens (Entra ID,
// long GitHub installation tokens, GitLab JWT job tokens) without verifying
// anything, or returns what a Source set with [Token.WithExpiry].
//
// # Finding tokens
//
// [Find] reports every token of every kind in a text with its offsets and
// whether its checksum holds, in linear time and without allocating when
// there is nothing to report: the core of a secret scanner whose checked
// matches are not guesses.
//
// # Sources
//
// A [Source] finds a token: [Env] (the first set environment variable),
// [File] (re-read on every call; refused, like an ssh key, when others may
// read it), [Static], [GitCredential] (`git credential fill`, never
// prompting), [Chain] (the first that has one) and [Refresh] (a
// short-lived token reused until 80 % of its lifetime, one fetch for
// concurrent callers). A source with nothing returns an error matching
// [ErrNotFound]; a [*NotFoundError] lists what was tried. Anything else, such as a malformed value or an unprotected file, is
// a different error, so that a chain stops instead of quietly using another
// token.
//
// # Credential helper protocol
//
// [ReadCredential] and [WriteCredential] speak git's credential-helper
// protocol strictly; a [Credential] redacts its password when printed.
package pat
