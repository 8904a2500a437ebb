package provider

import "fmt"

// ParseRepo parses a GitHub repository URL.
func (g *GitHub) ParseRepo(rawURL string) (Repo, error) {
	return Repo{}, fmt.Errorf("%w: %v", ErrUnsupportedURL, errNotImplemented)
}

// CloneURL returns https://HOST/OWNER/REPO.git.
func (g *GitHub) CloneURL(r Repo) string { return "" }

// ParseRepo parses an Azure DevOps repository URL.
func (a *AzureDevOps) ParseRepo(rawURL string) (Repo, error) {
	return Repo{}, fmt.Errorf("%w: %v", ErrUnsupportedURL, errNotImplemented)
}

// CloneURL returns the canonical https clone URL, never with .git.
func (a *AzureDevOps) CloneURL(r Repo) string { return "" }

// ForURL picks the provider for rawURL and parses it.
func ForURL(rawURL string, cfg Config) (Provider, Repo, error) {
	return nil, Repo{}, fmt.Errorf("%w: %v", ErrUnsupportedURL, errNotImplemented)
}
