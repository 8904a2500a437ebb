package provider

import "time"

// BindGitLab returns g bound to repository r, as ForURL binds it.
func BindGitLab(g *GitLab, r Repo) *GitLab { return g.bind(r) }

// SetGitLabClock sets the clock g judges expiry and cache lifetimes by.
func SetGitLabClock(g *GitLab, now func() time.Time) { g.now = now }
