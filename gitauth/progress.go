package gitauth

import (
	"bytes"
	"io"
	"sync"
	"unicode/utf8"

	"github.com/patgit/patgit/pat"
)

// maxProgressLine bounds one line of server progress text passed on to a
// Progress writer.
const maxProgressLine = 1024

// progress is the writer gitauth gives go-git for the server's sideband
// text ("remote:" lines: progress, hook output, notices) on behalf of the
// caller's Progress writer, for Clone, Fetch and Push. Every byte of it is
// the server's: progress passes it on line by line, each line scrubbed of
// the tokens in every encoding ([pat.Token.Scrub]), stripped of control
// characters and escape sequences, and cut to [maxProgressLine] bytes,
// keeping only the \r and \n that end lines (progress counters rewrite
// their line with \r).
//
// A line is held until its end arrives; [progress.Flush] passes on the last
// unterminated one. However long a line, progress holds at most
// maxProgressLine plus the length of the longest encoding of a token.
type progress struct {
	mu     sync.Mutex
	w      io.Writer
	tokens []pat.Token
	buf    []byte
	limit  int  // bytes of a line held
	slack  int  // the longest encoding of a token: percent-encoded
	over   bool // the current line grew past limit
	err    error
}

// newProgress returns the writer for w, or nil when w is nil (go-git then
// discards the text).
func newProgress(w io.Writer, tokens ...pat.Token) *progress {
	if w == nil {
		return nil
	}
	slack := 0
	for _, t := range tokens {
		slack = max(slack, 3*len(t.Secret())+8)
	}
	return &progress{w: w, tokens: tokens, slack: slack, limit: maxProgressLine + slack}
}

// Write passes on the complete lines in b and holds the rest. It fails only
// when the caller's writer fails.
func (p *progress) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.err != nil {
		return 0, p.err
	}
	n := len(b)
	for len(b) > 0 {
		i := bytes.IndexAny(b, "\r\n")
		if i < 0 {
			p.hold(b)
			break
		}
		p.hold(b[:i])
		p.emit(b[i : i+1])
		b = b[i+1:]
	}
	if p.err != nil {
		return 0, p.err
	}
	return n, nil
}

// Flush passes on a held line that no \r or \n ended.
func (p *progress) Flush() {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.buf) > 0 || p.over {
		p.emit(nil)
	}
}

// hold appends b to the current line, up to limit.
func (p *progress) hold(b []byte) {
	if room := p.limit - len(p.buf); len(b) > room {
		b = b[:max(room, 0)]
		p.over = true
	}
	p.buf = append(p.buf, b...)
}

// emit writes the current line, made safe, followed by end.
func (p *progress) emit(end []byte) {
	line := string(p.buf)
	if p.over {
		// The line's end was dropped, perhaps in the middle of a token:
		// scrub what is held, then drop as much of its end as a token's
		// longest encoding, so no part of a cut token survives.
		line = pat.Sanitize(line, 0, p.tokens...)
		cut := max(len(line)-p.slack, 0)
		for cut > 0 && !utf8.RuneStart(line[cut]) {
			cut--
		}
		line = line[:cut] + "…"
	}
	line = pat.Sanitize(line, maxProgressLine, p.tokens...)
	p.buf, p.over = p.buf[:0], false
	if p.err == nil && (line != "" || len(end) > 0) {
		_, p.err = io.WriteString(p.w, line+string(end))
	}
}
