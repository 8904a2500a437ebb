package provider

import (
	"slices"
	"strings"
)

// ghScopeChildren maps each GitHub OAuth scope (classic tokens, OAuth app
// tokens) to the scopes it directly includes. A token granted the key is
// granted every scope reachable from it. Scopes absent from the map include
// nothing but themselves (gist, notifications, delete_repo, workflow,
// admin:org_hook, delete:packages, site_admin, ...).
//
// Notably, repo does not include workflow, read:org or delete_repo.
var ghScopeChildren = map[string][]string{
	"repo":                      {"repo:status", "repo_deployment", "public_repo", "repo:invite", "security_events"},
	"admin:org":                 {"write:org", "manage_runners:org"},
	"write:org":                 {"read:org"},
	"admin:public_key":          {"write:public_key"},
	"write:public_key":          {"read:public_key"},
	"admin:repo_hook":           {"write:repo_hook"},
	"write:repo_hook":           {"read:repo_hook"},
	"admin:gpg_key":             {"write:gpg_key"},
	"write:gpg_key":             {"read:gpg_key"},
	"admin:ssh_signing_key":     {"write:ssh_signing_key"},
	"write:ssh_signing_key":     {"read:ssh_signing_key"},
	"user":                      {"read:user", "user:email", "user:follow"},
	"project":                   {"read:project"},
	"write:packages":            {"read:packages"},
	"write:discussion":          {"read:discussion"},
	"admin:enterprise":          {"manage_runners:enterprise", "manage_billing:enterprise", "read:enterprise"},
	"manage_billing:enterprise": {"read:enterprise"},
	"codespace":                 {"codespace:secrets"},
	"copilot":                   {"manage_billing:copilot"},
	"audit_log":                 {"read:audit_log"},
}

// ghScopeCovers reports whether holding scope grants want, directly or
// through GitHub's scope hierarchy.
func ghScopeCovers(scope, want string) bool {
	if scope == want {
		return true
	}
	for _, child := range ghScopeChildren[scope] {
		if ghScopeCovers(child, want) {
			return true
		}
	}
	return false
}

// ghScopesCover reports whether any of granted grants want.
func ghScopesCover(granted []string, want string) bool {
	for _, g := range granted {
		if ghScopeCovers(g, want) {
			return true
		}
	}
	return false
}

// ghParseScopes splits an X-OAuth-Scopes value ("repo, read:org") into its
// scopes, in the order given, dropping empty entries. It returns an empty,
// non-nil slice for an empty value: the header was present and the token
// has no scopes.
func ghParseScopes(v string) []string {
	out := []string{}
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// ghNormalizeRequired trims the required scope names and drops empty and
// repeated ones, keeping the caller's order.
func ghNormalizeRequired(required []string) []string {
	if len(required) == 0 {
		return nil
	}
	out := make([]string, 0, len(required))
	for _, r := range required {
		r = strings.TrimSpace(r)
		if r == "" || slices.Contains(out, r) {
			continue
		}
		out = append(out, r)
	}
	return out
}
