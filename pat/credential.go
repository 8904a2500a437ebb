package pat

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
)

// Limits of [ReadCredential]. git's own messages are far smaller; the limits
// only stop a runaway or hostile peer.
const (
	// MaxCredentialLine is the longest key=value line, newline excluded.
	MaxCredentialLine = 64 << 10
	// MaxCredentialLines is the most lines one credential may have.
	MaxCredentialLines = 1024
	// MaxCredentialSize is the most bytes one credential may take.
	MaxCredentialSize = 1 << 20
)

// ErrProtocol is matched (with [errors.Is]) by every [*ProtocolError]: a
// message of git's credential-helper protocol that is not well formed.
var ErrProtocol = errors.New("pat: malformed git credential message")

// ProtocolError reports a malformed credential-helper message: where, and
// what is wrong, never a value (a value may be a password).
type ProtocolError struct {
	// Line is the 1-based line number, or 0 when the problem is not a line's.
	Line int
	// Reason says what is wrong, e.g. "no '=' (lines are key=value)".
	Reason string
	// Err is an underlying error, e.g. a [*MalformedError] for a password
	// that no token could be; nil when there is none.
	Err error
}

func (e *ProtocolError) Error() string {
	if e == nil {
		return ErrProtocol.Error()
	}
	var b strings.Builder
	b.WriteString("pat: malformed git credential message: ")
	if e.Line > 0 {
		b.WriteString("line ")
		b.WriteString(strconv.Itoa(e.Line))
		b.WriteString(": ")
	}
	b.WriteString(e.Reason)
	return b.String()
}

// Is reports whether target is [ErrProtocol].
func (e *ProtocolError) Is(target error) bool { return target == ErrProtocol }

// Unwrap returns the underlying error, if any.
func (e *ProtocolError) Unwrap() error {
	if e == nil {
		return nil
	}
	return e.Err
}

// Attribute is one key=value line of a credential message that [Credential]
// has no field for, such as "capability[]=authtype", "wwwauth[]=Basic
// realm=..." or "oauth_refresh_token=...". Some of them are secrets, so an
// Attribute keeps its value out of every printed form, like a [Token]: use
// [Attribute.Value] to read it.
type Attribute struct {
	// Key is the attribute name; names ending in "[]" may repeat.
	Key string
	v   *string // behind a pointer, like Token's secret: reflection prints an address
}

// NewAttribute returns the attribute key=value.
func NewAttribute(key, value string) Attribute {
	return Attribute{Key: key, v: &value}
}

// Value returns the attribute's value.
func (a Attribute) Value() string {
	if a.v == nil {
		return ""
	}
	return *a.v
}

// String returns the key and a mask in place of the value.
func (a Attribute) String() string { return a.Key + "=" + mask }

// GoString returns a redacted Go-syntax form, for %#v.
func (a Attribute) GoString() string { return "pat.Attribute(" + strconv.Quote(a.String()) + ")" }

// Format prints [Attribute.String] for every verb.
func (a Attribute) Format(f fmt.State, verb rune) { formatRedacted(f, verb, a.String(), a.GoString()) }

// MarshalText encodes [Attribute.String].
func (a Attribute) MarshalText() ([]byte, error) { return []byte(a.String()), nil }

// LogValue makes slog record [Attribute.String].
func (a Attribute) LogValue() slog.Value { return slog.StringValue(a.String()) }

// Credential is one message of git's credential-helper protocol (see
// gitcredentials(7) and git-credential(1)): what git asks a helper for, and
// what a helper answers. It prints, logs and encodes itself with the password
// redacted and the values of [Credential.Extra] masked.
type Credential struct {
	// Protocol is the URL scheme, e.g. "https".
	Protocol string
	// Host is the host name, with ":port" when the URL has one.
	Host string
	// Path is the repository path without the leading "/". git sends it only
	// when credential.useHttpPath is set.
	Path string
	// Username is the user name; empty when unknown.
	Username string
	// Password is the password or token; the zero Token when absent.
	Password Token
	// URL is the "url" attribute, exactly as given. git accepts it as input
	// in place of the parts above but never sends it to a helper; patgit
	// neither parses it into the parts nor allows a password inside it.
	URL string
	// Extra holds every other attribute in the order read, repeated
	// ("key[]") ones included, so that a reader can ignore them safely and a
	// writer can pass them on.
	Extra []Attribute
}

// Values returns the values of every attribute named key in c.Extra, in order.
func (c Credential) Values(key string) []string {
	var out []string
	for _, a := range c.Extra {
		if a.Key == key {
			out = append(out, a.Value())
		}
	}
	return out
}

// String returns a one-line form with the password redacted and the values
// of Extra masked.
func (c Credential) String() string {
	var b strings.Builder
	b.WriteString("{protocol=")
	b.WriteString(c.Protocol)
	b.WriteString(" host=")
	b.WriteString(c.Host)
	if c.Path != "" {
		b.WriteString(" path=")
		b.WriteString(c.Path)
	}
	b.WriteString(" username=")
	b.WriteString(redactUser(c.Username))
	b.WriteString(" password=")
	if c.Password.IsZero() {
		b.WriteString("<none>")
	} else {
		b.WriteString(c.Password.Redacted())
	}
	if c.URL != "" {
		b.WriteString(" url=")
		b.WriteString(redactURL(c.URL))
	}
	for _, a := range c.Extra {
		b.WriteByte(' ')
		b.WriteString(a.String())
	}
	b.WriteByte('}')
	return b.String()
}

// GoString returns a redacted Go-syntax form, for %#v.
func (c Credential) GoString() string { return "pat.Credential" + c.String() }

// Format prints [Credential.String] for every verb (%#v: [Credential.GoString]).
func (c Credential) Format(f fmt.State, verb rune) {
	formatRedacted(f, verb, c.String(), c.GoString())
}

// MarshalJSON encodes c with the password redacted and Extra masked.
func (c Credential) MarshalJSON() ([]byte, error) {
	extra := make([]string, len(c.Extra))
	for i, a := range c.Extra {
		extra[i] = a.String()
	}
	return json.Marshal(struct {
		Protocol string   `json:"protocol,omitempty"`
		Host     string   `json:"host,omitempty"`
		Path     string   `json:"path,omitempty"`
		Username string   `json:"username,omitempty"`
		Password *Token   `json:"password,omitempty"`
		URL      string   `json:"url,omitempty"`
		Extra    []string `json:"extra,omitempty"`
	}{c.Protocol, c.Host, c.Path, redactUser(c.Username), tokenOrNil(c.Password), redactURL(c.URL), extra})
}

// LogValue makes slog record c as a group, the password redacted.
func (c Credential) LogValue() slog.Value {
	attrs := []slog.Attr{
		slog.String("protocol", c.Protocol),
		slog.String("host", c.Host),
		slog.String("path", c.Path),
		slog.String("username", redactUser(c.Username)),
		slog.Any("password", c.Password),
	}
	if c.URL != "" {
		attrs = append(attrs, slog.String("url", redactURL(c.URL)))
	}
	for _, a := range c.Extra {
		attrs = append(attrs, slog.String("extra", a.String()))
	}
	return slog.GroupValue(attrs...)
}

var (
	_ fmt.Formatter  = Credential{}
	_ fmt.Stringer   = Credential{}
	_ slog.LogValuer = Credential{}
	_ json.Marshaler = Credential{}
)

func tokenOrNil(t Token) *Token {
	if t.IsZero() {
		return nil
	}
	return &t
}

// redactURL hides the user information of a URL (a token is sometimes
// written as the user name: https://TOKEN@host/...); a value that does not
// parse is hidden whole (it may be anything).
func redactURL(raw string) string {
	if raw == "" {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil {
		return mask
	}
	if u.User != nil {
		name := redactUser(u.User.Username())
		if _, ok := u.User.Password(); ok {
			u.User = url.UserPassword(name, mask)
		} else {
			u.User = url.User(name)
		}
	}
	return u.String()
}

// redactUser returns a user name as it may be printed: a name that is a
// token of a kind patgit recognises, or too long to be a user name, is
// masked.
func redactUser(user string) string {
	if Identify(user) != Unknown || len(user) > 64 {
		return mask
	}
	return user
}

// formatRedacted prints s (or goString for %#v, quoted for %q) padded to f's width.
func formatRedacted(f fmt.State, verb rune, s, goString string) {
	switch {
	case verb == 'q':
		s = strconv.Quote(s)
	case verb == 'v' && f.Flag('#'):
		s = goString
	}
	writePadded(f, s)
}

// ReadCredential reads one credential message from r: key=value lines up
// to a blank line or the end of input. It is strict, and every error it
// returns is a [*ProtocolError] (matching [ErrProtocol]) that names the line
// but never a value. It refuses:
//   - a line without '=', or with an empty key;
//   - a NUL byte or a carriage return anywhere (git itself refuses to send
//     them; lines end in LF alone);
//   - a line longer than [MaxCredentialLine], more than [MaxCredentialLines]
//     lines or more than [MaxCredentialSize] bytes;
//   - a key that repeats, unless its name ends in "[]";
//   - a password that [New] refuses (white space or control characters
//     inside it), and a url attribute that does not parse or holds a password.
//
// An empty "password=" leaves [Credential.Password] zero. Attributes other
// than protocol, host, path, username, password and url go to
// [Credential.Extra] in order.
//
// ReadCredential may read past the blank line; pass a [*bufio.Reader] and it
// reads only what that reader has buffered or needs.
func ReadCredential(r io.Reader) (Credential, error) {
	if r == nil {
		return Credential{}, &ProtocolError{Reason: "nothing to read (nil reader)"}
	}
	br := bufio.NewReaderSize(r, 4096)
	var (
		c     Credential
		seen  = map[string]bool{}
		total int
		line  []byte
	)
	for n := 1; ; n++ {
		line = line[:0]
		var err error
		line, total, err = readLine(br, line, total)
		if err != nil && err != io.EOF {
			var pe *ProtocolError
			if errors.As(err, &pe) {
				pe.Line = n
				return Credential{}, pe
			}
			return Credential{}, err
		}
		if len(line) == 0 {
			// A blank line, or the end of input.
			return c, nil
		}
		if n > MaxCredentialLines {
			return Credential{}, &ProtocolError{Reason: "more than " + strconv.Itoa(MaxCredentialLines) + " lines"}
		}
		if perr := c.set(line, seen); perr != nil {
			perr.Line = n
			return Credential{}, perr
		}
		if err == io.EOF {
			return c, nil
		}
	}
}

// readLine appends the next line of br to buf, without its LF. It returns
// io.EOF with the last (possibly empty) line at the end of input.
func readLine(br *bufio.Reader, buf []byte, total int) ([]byte, int, error) {
	for {
		chunk, err := br.ReadSlice('\n')
		total += len(chunk)
		if total > MaxCredentialSize {
			return nil, total, &ProtocolError{Reason: "the message is longer than " + strconv.Itoa(MaxCredentialSize) + " bytes"}
		}
		buf = append(buf, chunk...)
		if len(buf) > MaxCredentialLine+1 {
			return nil, total, &ProtocolError{Reason: "line is longer than " + strconv.Itoa(MaxCredentialLine) + " bytes"}
		}
		switch err {
		case nil:
			return buf[:len(buf)-1], total, nil
		case bufio.ErrBufferFull:
			continue
		case io.EOF:
			if len(buf) > MaxCredentialLine {
				return nil, total, &ProtocolError{Reason: "line is longer than " + strconv.Itoa(MaxCredentialLine) + " bytes"}
			}
			return buf, total, io.EOF
		default:
			return nil, total, fmt.Errorf("pat: reading git credential message: %w", err)
		}
	}
}

// knownKeys are the attributes Credential has fields for; only these are
// named in errors (any other key could be anything, even a secret).
var knownKeys = map[string]bool{"protocol": true, "host": true, "path": true, "username": true, "password": true, "url": true}

func (c *Credential) set(line []byte, seen map[string]bool) *ProtocolError {
	for _, b := range line {
		switch b {
		case 0:
			return &ProtocolError{Reason: "NUL byte"}
		case '\r':
			return &ProtocolError{Reason: "carriage return (CR): lines must end in LF alone"}
		}
	}
	s := string(line)
	key, value, ok := strings.Cut(s, "=")
	switch {
	case !ok:
		return &ProtocolError{Reason: "no '=' (lines are key=value)"}
	case key == "":
		return &ProtocolError{Reason: "empty key before '='"}
	}
	if !strings.HasSuffix(key, "[]") {
		if seen[key] {
			name := "a key"
			if knownKeys[key] {
				name = strconv.Quote(key)
			}
			return &ProtocolError{Reason: name + " appears twice"}
		}
		seen[key] = true
	}
	switch key {
	case "protocol":
		c.Protocol = value
	case "host":
		c.Host = value
	case "path":
		c.Path = value
	case "username":
		c.Username = value
	case "password":
		if value == "" {
			c.Password = Token{}
			return nil
		}
		t, err := New(value)
		if err != nil {
			return &ProtocolError{Reason: "the password is not a usable token: " + reason(err), Err: err}
		}
		c.Password = t
	case "url":
		if err := checkCredentialURL(value); err != nil {
			return err
		}
		c.URL = value
	default:
		c.Extra = append(c.Extra, NewAttribute(key, value))
	}
	return nil
}

func checkCredentialURL(value string) *ProtocolError {
	if value == "" {
		return nil
	}
	u, err := url.Parse(value)
	if err != nil {
		// Never wrap url.Parse's error: it quotes the URL.
		return &ProtocolError{Reason: "url is not a valid URL"}
	}
	if _, has := u.User.Password(); has {
		return &ProtocolError{Reason: "url holds a password: send it as password= instead"}
	}
	return nil
}

// reason is err's message without the package prefix, for nesting.
func reason(err error) string {
	s := err.Error()
	s = strings.TrimPrefix(s, "pat: ")
	return s
}

// WriteCredential writes c to w as key=value lines in git's order
// (protocol, host, path, username, password, url, then Extra in order),
// leaving out empty fields. It writes no terminating blank line. It refuses,
// with a [*ProtocolError] and before writing anything, a value or key holding
// a newline, carriage return or NUL, a key that is empty or holds '=', a line
// longer than [MaxCredentialLine], and a url holding a password.
func WriteCredential(w io.Writer, c Credential) error {
	if w == nil {
		return &ProtocolError{Reason: "nowhere to write (nil writer)"}
	}
	var b strings.Builder
	add := func(key, value string, always bool) *ProtocolError {
		if value == "" && !always {
			return nil
		}
		if key == "" || strings.ContainsAny(key, "=\n\r\x00") {
			return &ProtocolError{Reason: "cannot write an attribute whose key is empty or holds '=', a newline, CR or NUL"}
		}
		if strings.ContainsAny(value, "\n\r\x00") {
			name := "an attribute"
			if knownKeys[key] {
				name = strconv.Quote(key)
			}
			return &ProtocolError{Reason: "cannot write " + name + ": its value holds a newline, CR or NUL"}
		}
		if len(key)+1+len(value) > MaxCredentialLine {
			return &ProtocolError{Reason: "cannot write a line longer than " + strconv.Itoa(MaxCredentialLine) + " bytes"}
		}
		b.WriteString(key)
		b.WriteByte('=')
		b.WriteString(value)
		b.WriteByte('\n')
		return nil
	}
	if err := checkCredentialURL(c.URL); err != nil {
		err.Reason = "cannot write the url: " + err.Reason
		return err
	}
	for _, kv := range [...][2]string{
		{"protocol", c.Protocol},
		{"host", c.Host},
		{"path", c.Path},
		{"username", c.Username},
		{"password", c.Password.Secret()},
		{"url", c.URL},
	} {
		if err := add(kv[0], kv[1], false); err != nil {
			return err
		}
	}
	for _, a := range c.Extra {
		if knownKeys[a.Key] {
			return &ProtocolError{Reason: "cannot write Extra attribute " + strconv.Quote(a.Key) + ": it has a field of its own"}
		}
		if err := add(a.Key, a.Value(), true); err != nil {
			return err
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
