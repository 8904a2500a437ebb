package providertest

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
)

// Hostile makes a fake answer like a hostile host, or a careless proxy in
// front of one, that echoes the credentials each request carries back in
// every place a server can put text: the status line, headers
// (WWW-Authenticate, X-TFS-ServiceError, X-GitHub-SSO, Link, …), the body,
// git sideband "remote:" lines and redirect Locations. Each echo holds the
// credentials raw, base64-encoded (the Authorization header's own value,
// and the token alone in both alphabets) and percent-encoded, wrapped in
// control characters and escape sequences. Set it with SetHostile on a fake;
// the zero Hostile turns it off.
//
// A client passes when nothing it returns, prints, logs or writes holds the
// token in any encoding (the leak scanner of the module's tests checks).
type Hostile struct {
	// Echo adds echoing headers to every answer and, to git answers that
	// use the sideband, progress lines that echo the credentials; the fake
	// otherwise answers as usual, so clones and pushes succeed.
	Echo bool
	// Refuse, when not 0, answers every request with this status (401,
	// 403, 404, 429, 500, …) instead of serving it: a status line, headers
	// and body (JSON for API requests, text for git requests) that echo the
	// credentials.
	Refuse int
	// Redirect answers every request that carries credentials with a 302
	// to the same server whose Location holds them in its path and query;
	// the fake serves the redirected request as the original one (so a
	// client that follows it goes on working with the token in its URLs).
	Redirect bool
}

// echoPrefix starts the path of a Location a hostile fake redirects to.
const echoPrefix = "/_echo/"

// hostile is a fake's hostile mode. The zero value is off.
type hostile struct {
	mu sync.Mutex
	h  Hostile
}

func (m *hostile) set(h Hostile) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.h = h
}

func (m *hostile) get() Hostile {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.h
}

// echo is what a request carried, in the forms a hostile answer shows.
type echo struct {
	auth   string // the Authorization header as sent
	secret string // the token: Basic password, Bearer or "token" value
}

func echoOf(r *http.Request) echo {
	e := echo{auth: r.Header.Get("Authorization")}
	scheme, rest, _ := strings.Cut(e.auth, " ")
	switch strings.ToLower(scheme) {
	case "basic":
		if b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(rest)); err == nil {
			_, e.secret, _ = strings.Cut(string(b), ":")
		}
	case "bearer", "token":
		e.secret = strings.TrimSpace(rest)
	}
	return e
}

// forms returns the token in every encoding a hostile answer echoes.
func (e echo) forms() []string {
	if e.secret == "" && e.auth == "" {
		return nil
	}
	var pct strings.Builder
	for i := 0; i < len(e.secret); i++ {
		pct.WriteString("%" + strings.ToUpper(hex.EncodeToString([]byte{e.secret[i]})))
	}
	return []string{
		e.secret,
		e.auth,
		base64.StdEncoding.EncodeToString([]byte(e.secret)),
		base64.RawURLEncoding.EncodeToString([]byte("x:" + e.secret)),
		pct.String(),
		url.QueryEscape(e.secret),
		"\x1b[31m" + e.secret + "\x1b[0m",
	}
}

// text is one line of echoes: "you sent FORM; FORM; …".
func (e echo) text() string {
	return "you sent " + strings.Join(e.forms(), "; ")
}

// headers sets the echoing headers on h.
func (e echo) headers(h http.Header, base string) {
	if e.secret == "" && e.auth == "" {
		return
	}
	b64 := base64.StdEncoding.EncodeToString([]byte(e.secret))
	h.Set("X-Echo-Authorization", e.auth)
	h.Set("WWW-Authenticate", `Basic realm="`+e.secret+`", Bearer error="invalid_token", error_description="`+b64+`"`)
	h.Set("X-TFS-ServiceError", url.QueryEscape("TF400813: The user '"+e.secret+"' is not authorized; you sent "+e.auth))
	h.Set("X-GitHub-SSO", "required; url="+base+"/orgs/x/sso?authorization_request="+e.secret)
	h.Set("Link", "<"+base+"/next?token="+url.QueryEscape(e.secret)+`>; rel="next"`)
	h.Set("X-Request-Id", b64)
}

// serve answers r as m says, or hands it to next.
func (m *hostile) serve(w http.ResponseWriter, r *http.Request, api func(*http.Request) bool, next http.HandlerFunc) {
	h := m.get()
	if h == (Hostile{}) {
		next(w, r)
		return
	}
	e := echoOf(r)
	base := "http://" + r.Host
	if rest, ok := strings.CutPrefix(r.URL.Path, echoPrefix); ok {
		// A redirected request: serve it as the original.
		r = unechoed(r, rest)
	} else if h.Redirect && e.auth != "" {
		q := r.URL.Query()
		q.Set("echo", e.secret)
		q.Set("auth", e.auth)
		loc := echoPrefix + url.PathEscape(e.secret) + "/" + base64.RawURLEncoding.EncodeToString([]byte(e.secret)) + r.URL.Path + "?" + q.Encode()
		e.headers(w.Header(), base)
		w.Header().Set("Location", loc)
		w.WriteHeader(http.StatusFound)
		return
	}
	if h.Refuse != 0 {
		refuse(w, h.Refuse, api(r), e, base)
		return
	}
	if !h.Echo {
		next(w, r)
		return
	}
	e.headers(w.Header(), base)
	if r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, "-pack") {
		next(w, r)
		return
	}
	rec := record(r, next)
	copyHeader(w.Header(), rec.Header())
	e.headers(w.Header(), base)
	body := withSideband(rec.Body.Bytes(), e)
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(rec.Code)
	w.Write(body)
}

// unechoed returns r as it was before the hostile redirect: the path after
// the two echo segments, the query without the echoes.
func unechoed(r *http.Request, rest string) *http.Request {
	r2 := r.Clone(r.Context())
	segs := strings.SplitN(rest, "/", 3)
	path := "/"
	if len(segs) == 3 {
		path += segs[2]
	}
	r2.URL.Path, r2.URL.RawPath = path, ""
	q := r2.URL.Query()
	q.Del("echo")
	q.Del("auth")
	r2.URL.RawQuery = q.Encode()
	r2.RequestURI = r2.URL.RequestURI()
	return r2
}

// refuse writes a refusal with status whose status line, headers and body
// echo e. It writes the raw HTTP answer itself: net/http would not send a
// status text of its own choosing.
func refuse(w http.ResponseWriter, status int, api bool, e echo, base string) {
	h := http.Header{}
	e.headers(h, base)
	if status == http.StatusTooManyRequests {
		h.Set("Retry-After", "1")
	}
	var body []byte
	if api {
		h.Set("Content-Type", "application/json; charset=utf-8")
		body, _ = json.Marshal(map[string]any{
			"message":           e.text() + "\n\x1b[2Jline two " + e.secret,
			"typeKey":           "UnauthorizedRequestException",
			"documentation_url": base + "/docs?token=" + url.QueryEscape(e.secret),
			"errors":            []map[string]string{{"message": e.secret, "code": e.auth}},
		})
	} else {
		h.Set("Content-Type", "text/plain; charset=utf-8")
		var b strings.Builder
		for _, f := range e.forms() {
			b.WriteString("remote: " + f + "\n")
		}
		b.WriteString("The '" + e.secret + "' organization has enabled or enforced SAML SSO. To access this repository, visit " + base + "/orgs/x/sso?t=" + e.secret + " and try again.\n")
		body = []byte(b.String())
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("Connection", "close")
	conn, buf, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return
	}
	defer conn.Close()
	reason := http.StatusText(status) + " " + e.secret + " " + base64.StdEncoding.EncodeToString([]byte(e.secret))
	fmt.Fprintf(buf, "HTTP/1.1 %d %s\r\n", status, reason)
	h.Write(buf)
	buf.WriteString("\r\n")
	buf.Write(body)
	buf.Flush()
}

// withSideband returns a git answer with progress packets (sideband channel
// 2) echoing e inserted before its first sideband packet, when the answer
// uses the sideband; else the answer unchanged. (Before the first rather
// than the last: a client reading a push's report stops at the report's
// end.)
func withSideband(body []byte, e echo) []byte {
	at := firstMuxed(body)
	if at < 0 {
		return body
	}
	var extra bytes.Buffer
	for _, f := range append(e.forms(), e.text()) {
		line := "\x02" + f + "\n"
		fmt.Fprintf(&extra, "%04x%s", len(line)+4, line)
	}
	out := make([]byte, 0, len(body)+extra.Len())
	out = append(out, body[:at]...)
	out = append(out, extra.Bytes()...)
	return append(out, body[at:]...)
}

// firstMuxed returns the offset of a git answer's first sideband packet (a
// pkt-line whose payload starts with channel 1 or 2), or -1.
func firstMuxed(body []byte) int {
	for at := 0; at+4 <= len(body); {
		size, err := strconv.ParseUint(string(body[at:at+4]), 16, 16)
		if err != nil {
			return -1
		}
		if size < 4 {
			at += 4 // flush, delimiter
			continue
		}
		if at+int(size) > len(body) {
			return -1
		}
		if size > 4 && (body[at+4] == 1 || body[at+4] == 2) {
			return at
		}
		at += int(size)
	}
	return -1
}

// SetHostile makes the fake echo credentials as h says, replacing any
// earlier mode; SetHostile(Hostile{}) ends it. Faults set with SetFault
// apply behind it.
func (s *GitHubServer) SetHostile(h Hostile) { s.hostile.set(h) }

// SetHostile makes the fake echo credentials as h says, replacing any
// earlier mode; SetHostile(Hostile{}) ends it. Faults set with SetFault
// apply behind it.
func (s *AzureServer) SetHostile(h Hostile) { s.hostile.set(h) }
