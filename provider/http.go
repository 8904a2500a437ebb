package provider

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/patgit/patgit/pat"
)

// DefaultTimeout bounds each request of the default HTTP client.
const DefaultTimeout = 30 * time.Second

// maxRedirects bounds redirect chains (Go's own default is 10).
const maxRedirects = 10

// IsLoopback reports whether host (with or without a port) is a loopback
// name or address: localhost, 127.0.0.0/8 or ::1.
func IsLoopback(host string) bool {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// checkScheme returns nil for https, and for http only to loopback hosts;
// ErrInsecureURL for http elsewhere; ErrUnsupportedURL for other schemes.
func checkScheme(u *url.URL) error {
	switch strings.ToLower(u.Scheme) {
	case "https":
		return nil
	case "http":
		if IsLoopback(u.Host) {
			return nil
		}
		return fmt.Errorf("%w: http://%s (use https://)", ErrInsecureURL, u.Host)
	}
	return fmt.Errorf("%w: scheme %q is not http(s)", ErrUnsupportedURL, u.Scheme)
}

// checkKind refuses a token of the other provider's kind before any request.
// Unknown kinds are never refused.
func checkKind(provider, host string, tok pat.Token) error {
	if tok.IsZero() {
		return fmt.Errorf("%s: %w", host, pat.ErrEmpty)
	}
	if p := tok.Kind().Provider(); p != "" && p != provider {
		return fmt.Errorf("%w: a %s token cannot authenticate to %s (%s)", ErrTokenMismatch, tok.Kind(), host, provider)
	}
	return nil
}

// newHTTPClient returns a copy of c (or a default client when c is nil) whose
// redirect policy drops credentials on a redirect to another host name, refuses
// https-to-http downgrades and stops after maxRedirects. c is not modified.
func newHTTPClient(c *http.Client) *http.Client {
	var out http.Client
	if c != nil {
		out = *c
	} else {
		out = http.Client{Transport: defaultTransport(), Timeout: DefaultTimeout}
	}
	next := out.CheckRedirect
	out.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if err := safeRedirect(req, via); err != nil {
			return err
		}
		if next != nil {
			return next(req, via)
		}
		return nil
	}
	return &out
}

// defaultTransport is shared by every provider made without an HTTPClient,
// so they reuse connections. It honours HTTPS_PROXY and NO_PROXY.
var defaultTransport = sync.OnceValue(func() http.RoundTripper {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.Proxy = http.ProxyFromEnvironment
	t.ResponseHeaderTimeout = DefaultTimeout
	return t
})

// errRedirect reports a redirect patgit refuses to follow.
var errRedirect = errors.New("refused redirect")

func safeRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= maxRedirects {
		return fmt.Errorf("%w: more than %d redirects from %s", errRedirect, maxRedirects, via[0].URL.Host)
	}
	prev := via[len(via)-1]
	if strings.EqualFold(prev.URL.Scheme, "https") && !strings.EqualFold(req.URL.Scheme, "https") {
		return fmt.Errorf("%w: %s redirected from https to %s", errRedirect, prev.URL.Host, req.URL.Scheme)
	}
	if !strings.EqualFold(req.URL.Hostname(), via[0].URL.Hostname()) {
		req.Header.Del("Authorization")
		req.Header.Del("Cookie")
	}
	return nil
}
