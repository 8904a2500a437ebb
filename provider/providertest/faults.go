package providertest

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// FaultKind names one way a fake server misbehaves. See [Fault].
type FaultKind int

// Fault kinds. Each describes what the server does with a request the fault
// hits; requests it does not hit are served normally.
const (
	// FaultNone: no fault; the server behaves.
	FaultNone FaultKind = iota
	// FaultSlowHeaders serves the request at once but holds the answer
	// back for Fault.Delay; a zero Delay waits until the client gives up (at
	// most [MaxFaultDelay]) and sends nothing.
	FaultSlowHeaders
	// FaultSlowBody sends the status, the headers and the first half of the
	// normal answer's body at once, then waits Fault.Delay (zero: until the
	// client gives up, at most [MaxFaultDelay]) before the rest.
	FaultSlowBody
	// FaultReset reads the request and resets the TCP connection (RST)
	// without answering.
	FaultReset
	// FaultStatus answers Fault.Status (default 503 Service Unavailable)
	// with a short JSON body and Fault.Header: with Count, a burst of
	// server errors.
	FaultStatus
	// FaultRedirect answers Fault.Status (default 302 Found; any 3xx) with
	// Location: Fault.Location. A Location with no path (or "/") gets the
	// request's path and query, so the target sees the same route: point it
	// at another host name with [OtherHost] or a [Recorder].
	FaultRedirect
	// FaultRedirectLoop answers 302 with a Location equal to the request's
	// own URL, for ever (leave Count at 0): each hop is one more request.
	FaultRedirectLoop
	// FaultTruncatedBody sends the normal answer's status and headers with
	// its full Content-Length, then half of the body, then closes the
	// connection.
	FaultTruncatedBody
	// FaultOversizedBody answers the normal status and Content-Type with a
	// body of Fault.Size bytes (default [DefaultOversize]): one JSON string
	// value `{"pad":"aaaa…"}` that a JSON decoder must read to the end,
	// sent chunked, without a Content-Length.
	FaultOversizedBody
	// FaultHTML answers Fault.Status (default 200) with an HTML sign-in
	// page, as a captive portal, a proxy or a single sign-on gateway does.
	FaultHTML
)

// MaxFaultDelay bounds how long a slow fault with a zero Delay waits for
// the client to give up.
const MaxFaultDelay = time.Minute

// DefaultOversize is the body size of [FaultOversizedBody] when Fault.Size
// is zero: more than any client of the fakes should read.
const DefaultOversize = 4 << 20

// Fault makes a fake server misbehave. Set it with
// [GitHubServer.SetFault] or [AzureServer.SetFault]; the zero Fault (or
// Kind FaultNone) clears it.
type Fault struct {
	// Kind is what the server does.
	Kind FaultKind
	// Route limits the fault to requests of one route, named as the
	// server's Requests method names them ("GET /user", "GET connectionData",
	// "git info/refs"); "" hits every request.
	Route string
	// Count is how many matching requests the fault hits, after which the
	// server behaves again; 0 hits every matching request.
	Count int
	// Delay is how long slow faults wait; 0 waits until the client gives up.
	Delay time.Duration
	// Status is the status code of FaultStatus (default 503), FaultRedirect
	// (default 302) and FaultHTML (default 200).
	Status int
	// Location is where FaultRedirect points.
	Location string
	// Header holds extra headers for FaultStatus, FaultRedirect and
	// FaultHTML answers, e.g. Retry-After.
	Header http.Header
	// Size is the body size of FaultOversizedBody; 0 is DefaultOversize.
	Size int
}

// String names the kind as its constant does, e.g. "FaultReset".
func (k FaultKind) String() string {
	switch k {
	case FaultNone:
		return "FaultNone"
	case FaultSlowHeaders:
		return "FaultSlowHeaders"
	case FaultSlowBody:
		return "FaultSlowBody"
	case FaultReset:
		return "FaultReset"
	case FaultStatus:
		return "FaultStatus"
	case FaultRedirect:
		return "FaultRedirect"
	case FaultRedirectLoop:
		return "FaultRedirectLoop"
	case FaultTruncatedBody:
		return "FaultTruncatedBody"
	case FaultOversizedBody:
		return "FaultOversizedBody"
	case FaultHTML:
		return "FaultHTML"
	}
	return "FaultKind(" + strconv.Itoa(int(k)) + ")"
}

// FaultKinds lists every kind but FaultNone, for table tests.
func FaultKinds() []FaultKind {
	return []FaultKind{FaultSlowHeaders, FaultSlowBody, FaultReset, FaultStatus, FaultRedirect,
		FaultRedirectLoop, FaultTruncatedBody, FaultOversizedBody, FaultHTML}
}

// faults is a server's current fault and how many requests it hit.
type faults struct {
	mu    sync.Mutex
	f     Fault
	used  int // matching requests hit since SetFault
	total int // requests hit since the server started
}

func (fs *faults) set(f Fault) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.f, fs.used = f, 0
	fs.f.Header = f.Header.Clone()
}

func (fs *faults) hits() int {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return fs.total
}

// take returns the fault for a request of route and counts it, or false.
func (fs *faults) take(route string) (Fault, bool) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	f := fs.f
	if f.Kind == FaultNone || (f.Route != "" && f.Route != route) || (f.Count > 0 && fs.used >= f.Count) {
		return Fault{}, false
	}
	fs.used++
	fs.total++
	return f, true
}

func (fs *faults) active() bool {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return fs.f.Kind != FaultNone
}

// serve runs r through the current fault, if it hits r, else through next.
// routeOf names r; count records a request the fault answers without next
// (which counts its own).
func (fs *faults) serve(w http.ResponseWriter, r *http.Request, routeOf func(*http.Request) string, count func(string), next http.HandlerFunc) {
	if !fs.active() {
		next(w, r)
		return
	}
	route := routeOf(r)
	f, ok := fs.take(route)
	if !ok {
		next(w, r)
		return
	}
	switch f.Kind {
	case FaultSlowHeaders:
		rec := record(r, next)
		if faultWait(r, f.Delay) {
			replay(w, rec)
		}
	case FaultSlowBody:
		rest := writeHalf(w, record(r, next))
		if faultWait(r, f.Delay) {
			w.Write(rest)
		}
	case FaultReset:
		count(route)
		resetConn(w)
	case FaultStatus:
		count(route)
		status := f.Status
		if status == 0 {
			status = http.StatusServiceUnavailable
		}
		copyHeader(w.Header(), f.Header)
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(status)
		fmt.Fprintf(w, "{\"message\":%q}\n", http.StatusText(status))
	case FaultRedirect:
		count(route)
		status := f.Status
		if status < 300 || status > 399 {
			status = http.StatusFound
		}
		loc := f.Location
		if u, err := url.Parse(loc); err == nil && (u.Path == "" || u.Path == "/") && u.RawQuery == "" {
			loc = strings.TrimSuffix(loc, "/") + r.URL.RequestURI()
		}
		copyHeader(w.Header(), f.Header)
		w.Header().Set("Location", loc)
		w.WriteHeader(status)
	case FaultRedirectLoop:
		count(route)
		w.Header().Set("Location", r.URL.RequestURI())
		w.WriteHeader(http.StatusFound)
	case FaultTruncatedBody:
		writeHalf(w, record(r, next))
		closeConn(w)
	case FaultOversizedBody:
		rec := record(r, next)
		copyHeader(w.Header(), rec.Header())
		w.Header().Del("Content-Length")
		w.WriteHeader(rec.Code)
		size := f.Size
		if size <= 0 {
			size = DefaultOversize
		}
		writeOversized(w, size)
	case FaultHTML:
		count(route)
		status := f.Status
		if status == 0 {
			status = http.StatusOK
		}
		copyHeader(w.Header(), f.Header)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(status)
		io.WriteString(w, faultHTMLPage)
	default:
		next(w, r)
	}
}

// writeHalf sends rec's status and headers, announcing the whole body's
// length, then the first half of the body, flushed; it returns the rest.
func writeHalf(w http.ResponseWriter, rec *httptest.ResponseRecorder) []byte {
	body := rec.Body.Bytes()
	copyHeader(w.Header(), rec.Header())
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(rec.Code)
	w.Write(body[:len(body)/2])
	flush(w)
	return body[len(body)/2:]
}

const faultHTMLPage = `<!DOCTYPE html>
<html><head><title>Sign in</title></head>
<body><form method="post" action="/login"><p>Sign in to continue.</p>
<input name="user"><input name="password" type="password"><button>Sign in</button></form></body></html>
`

// faultWait waits d (0: until the client goes away, at most MaxFaultDelay)
// and reports whether the client is still there.
func faultWait(r *http.Request, d time.Duration) bool {
	if d <= 0 {
		d = MaxFaultDelay
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	}
}

// record serves r with next into a recorder.
func record(r *http.Request, next http.HandlerFunc) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	next(rec, r)
	return rec
}

// replay sends what rec recorded.
func replay(w http.ResponseWriter, rec *httptest.ResponseRecorder) {
	copyHeader(w.Header(), rec.Header())
	w.WriteHeader(rec.Code)
	w.Write(rec.Body.Bytes())
}

func copyHeader(dst, src http.Header) {
	for k, v := range src {
		dst[k] = append([]string(nil), v...)
	}
}

func flush(w http.ResponseWriter) {
	http.NewResponseController(w).Flush()
}

// resetConn closes the connection under w with an RST.
func resetConn(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		tc.SetLinger(0)
	}
	conn.Close()
}

// closeConn closes the connection under w after what was written.
func closeConn(w http.ResponseWriter) {
	conn, buf, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return
	}
	buf.Flush()
	conn.Close()
}

func writeOversized(w io.Writer, size int) {
	const head, tail = `{"pad":"`, `"}`
	chunk := bytes.Repeat([]byte("a"), 32<<10)
	if _, err := io.WriteString(w, head); err != nil {
		return
	}
	for n := size - len(head) - len(tail); n > 0; n -= len(chunk) {
		if _, err := w.Write(chunk[:min(n, len(chunk))]); err != nil {
			return
		}
	}
	io.WriteString(w, tail)
}

// SetFault makes the server misbehave as f says, replacing any earlier
// fault; SetFault(Fault{}) clears it. Requests a fault answers by itself
// still count in [GitHubServer.Requests] under their route.
func (s *GitHubServer) SetFault(f Fault) { s.faults.set(f) }

// FaultHits returns how many requests a fault has hit since the server
// started.
func (s *GitHubServer) FaultHits() int { return s.faults.hits() }

// routeOf names r as [GitHubServer.Requests] does.
func (s *GitHubServer) routeOf(r *http.Request) string {
	if p, ok := strings.CutPrefix(r.URL.Path, "/api/v3"); ok && (p == "" || p[0] == '/') {
		if p == "" {
			p = "/"
		}
		return ghRESTRoute(r.Method, p)
	}
	_, _, _, route, _, _ := ghGitRequest(r)
	return route
}

// SetFault makes the server misbehave as f says, replacing any earlier
// fault; SetFault(Fault{}) clears it. Requests a fault answers by itself
// still count in [AzureServer.Requests] under their route.
func (s *AzureServer) SetFault(f Fault) { s.faults.set(f) }

// FaultHits returns how many requests a fault has hit since the server
// started.
func (s *AzureServer) FaultHits() int { return s.faults.hits() }

// routeOf names r as [AzureServer.Requests] does.
func (s *AzureServer) routeOf(r *http.Request) string {
	if q, ok := s.parse(r); ok {
		return q.route(r)
	}
	return "other"
}

// OtherHost returns rawURL with its loopback host name swapped:
// "127.0.0.1" becomes "localhost" and "localhost" becomes "127.0.0.1", port
// kept. Both reach the same server, but they are different host names, so
// a redirect from one to the other is a redirect to another host.
func OtherHost(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return rawURL
	}
	switch u.Hostname() {
	case "127.0.0.1":
		u.Host = strings.Replace(u.Host, "127.0.0.1", "localhost", 1)
	case "localhost":
		u.Host = strings.Replace(u.Host, "localhost", "127.0.0.1", 1)
	}
	return u.String()
}

// Recorder is a loopback server that records what each request carries and
// answers 404 with a JSON message: the target of a redirect to another
// host, to prove credentials were dropped. It is safe for concurrent use.
type Recorder struct {
	// URL is the server root on 127.0.0.1, e.g. "http://127.0.0.1:41236".
	URL string
	// OtherURL is URL with the host name "localhost": the same server
	// under another host name.
	OtherURL string

	srv  *http.Server
	mu   sync.Mutex
	seen []RecordedRequest
}

// RecordedRequest is what a [Recorder] saw of one request.
type RecordedRequest struct {
	Method, Host, Path string
	// Authorization is the request's Authorization header, "" when absent.
	Authorization string
	// Cookie is the request's Cookie header, "" when absent.
	Cookie string
}

// NewRecorder starts a Recorder on 127.0.0.1. Close it when done.
func NewRecorder() (*Recorder, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("providertest: listen: %w", err)
	}
	rec := &Recorder{URL: "http://" + ln.Addr().String()}
	rec.OtherURL = OtherHost(rec.URL)
	rec.srv = &http.Server{Handler: http.HandlerFunc(rec.serve), ReadHeaderTimeout: 10 * time.Second}
	go rec.srv.Serve(ln) //nolint:errcheck // returns http.ErrServerClosed on Close
	return rec, nil
}

func (rec *Recorder) serve(w http.ResponseWriter, r *http.Request) {
	rec.mu.Lock()
	rec.seen = append(rec.seen, RecordedRequest{
		Method: r.Method, Host: r.Host, Path: r.URL.Path,
		Authorization: r.Header.Get("Authorization"), Cookie: r.Header.Get("Cookie"),
	})
	rec.mu.Unlock()
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusNotFound)
	io.WriteString(w, `{"message":"Not Found"}`+"\n")
}

// Requests returns every request the Recorder received, oldest first.
func (rec *Recorder) Requests() []RecordedRequest {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]RecordedRequest(nil), rec.seen...)
}

// Credentialed returns how many requests arrived with an Authorization or
// a Cookie header.
func (rec *Recorder) Credentialed() int {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	n := 0
	for _, r := range rec.seen {
		if r.Authorization != "" || r.Cookie != "" {
			n++
		}
	}
	return n
}

// Close stops the Recorder.
func (rec *Recorder) Close() { rec.srv.Close() }
