package gitauth

import (
	"crypto/tls"
	"crypto/x509"
	"io"
	"net/http"
	"sync"

	"github.com/go-git/go-git/v5/plumbing/transport"
	"github.com/go-git/go-git/v5/plumbing/transport/client"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"
)

// maxRefusalBody caps how much of a refusal's body (an answer that is not
// 2xx) go-git reads during a [Clone], [Fetch] or [Push]: go-git reads such a
// body whole into its error, so a hostile or broken host could otherwise
// make it hold any amount of memory. The cut happens before anything reads
// the body.
const maxRefusalBody = 64 << 10

var transportOnce sync.Once

// installTransport puts gitauth's HTTP transport under go-git's http and
// https schemes, once for the process, where go-git's own default is still
// installed (a transport a program installed itself is left alone). It is
// go-git's own transport over an HTTP client whose answers that are not 2xx
// have their bodies capped at maxRefusalBody.
func installTransport() {
	transportOnce.Do(func() {
		t := &cappedTransport{plain: githttp.NewClient(&http.Client{Transport: &capRefusals{base: http.DefaultTransport}})}
		for _, scheme := range []string{"http", "https"} {
			if client.Protocols[scheme] == githttp.DefaultClient {
				client.InstallProtocol(scheme, t)
			}
		}
	})
}

// cappedTransport is go-git's HTTP transport with refusal bodies capped.
// go-git wants an *http.Transport to apply an endpoint's TLS and proxy
// options (CloneOptions.CABundle, InsecureSkipTLS, ProxyOptions, client
// certificates): for such an endpoint cappedTransport builds the configured
// transport itself, under the cap, and hands go-git the endpoint without
// the options.
type cappedTransport struct {
	plain transport.Transport // for endpoints without options
}

func (t *cappedTransport) NewUploadPackSession(ep *transport.Endpoint, auth transport.AuthMethod) (transport.UploadPackSession, error) {
	c, ep, err := t.clientFor(ep)
	if err != nil {
		return nil, err
	}
	return c.NewUploadPackSession(ep, auth)
}

func (t *cappedTransport) NewReceivePackSession(ep *transport.Endpoint, auth transport.AuthMethod) (transport.ReceivePackSession, error) {
	c, ep, err := t.clientFor(ep)
	if err != nil {
		return nil, err
	}
	return c.NewReceivePackSession(ep, auth)
}

// clientFor returns the transport for ep and the endpoint to give it.
func (t *cappedTransport) clientFor(ep *transport.Endpoint) (transport.Transport, *transport.Endpoint, error) {
	if ep == nil || (len(ep.ClientCert) == 0 && len(ep.ClientKey) == 0 && len(ep.CaBundle) == 0 && !ep.InsecureSkipTLS && ep.Proxy.URL == "") {
		return t.plain, ep, nil
	}
	base := http.DefaultTransport.(*http.Transport).Clone()
	if base.TLSClientConfig == nil {
		base.TLSClientConfig = &tls.Config{}
	}
	if len(ep.ClientCert) > 0 && len(ep.ClientKey) > 0 {
		pair, err := tls.X509KeyPair(ep.ClientCert, ep.ClientKey)
		if err != nil {
			return nil, nil, err
		}
		base.TLSClientConfig.Certificates = []tls.Certificate{pair}
	}
	if len(ep.CaBundle) > 0 {
		roots, err := x509.SystemCertPool()
		if err != nil || roots == nil {
			roots = x509.NewCertPool()
		}
		roots.AppendCertsFromPEM(ep.CaBundle)
		base.TLSClientConfig.RootCAs = roots
	}
	base.TLSClientConfig.InsecureSkipVerify = ep.InsecureSkipTLS
	if ep.Proxy.URL != "" {
		proxy, err := ep.Proxy.FullURL()
		if err != nil {
			return nil, nil, err
		}
		base.Proxy = http.ProxyURL(proxy)
	}
	plain := *ep
	plain.ClientCert, plain.ClientKey, plain.CaBundle, plain.InsecureSkipTLS = nil, nil, nil, false
	plain.Proxy = transport.ProxyOptions{}
	return githttp.NewClient(&http.Client{Transport: &capRefusals{base: base}}), &plain, nil
}

// capRefusals caps the body of every answer that is not 2xx at
// maxRefusalBody.
type capRefusals struct {
	base http.RoundTripper
}

func (c *capRefusals) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := c.base.RoundTrip(req)
	if err != nil || resp == nil || resp.Body == nil {
		return resp, err
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		resp.Body = struct {
			io.Reader
			io.Closer
		}{io.LimitReader(resp.Body, maxRefusalBody), resp.Body}
	}
	return resp, nil
}
