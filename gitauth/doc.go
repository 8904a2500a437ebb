// Package gitauth turns a remote URL into working credentials for go-git and
// the git CLI, for GitHub and Azure DevOps alike.
package gitauth
