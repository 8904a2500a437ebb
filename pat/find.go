package pat

// Match is one token [Find] found in a text.
type Match struct {
	// Token is the token found; it redacts itself like any Token.
	Token Token
	// Start and End are the byte offsets of the token in the text:
	// text[Start:End] is its secret.
	Start, End int
	// Checked is true when the token's kind carries a checksum and it
	// holds: GitHub's CRC32/base62 (ghp_, gho_, ghu_, ghs_, ghr_ of 40
	// characters), GitLab's routable CRC32/base36, and the CRC32 that
	// Azure DevOps' legacy 52-character PATs embed. False: the match is
	// on shape alone.
	Checked bool
}

// Find reports every token of a kind patgit knows in text, in order, with
// its byte offsets and whether its checksum holds. It runs in time linear
// in len(text), uses no regular expressions, and allocates nothing when it
// finds nothing.
//
// A token is found only as a whole word: one glued to letters, digits or
// '_' before it, or continued by them after it, is not reported (an
// identifier such as "xghp_…" is no token), except after an escaped line
// break or tab (a backslash and n, r or t) or a percent-encoded byte ("%3D"),
// which separate words once decoded. Tokens separated by punctuation or
// white space are all reported. What Find reports, by kind:
//
//   - GitHub ghp_, gho_, ghu_, ghr_: the prefix and 36 to 251 letters and
//     digits; Checked when there are exactly 36 and the checksum holds.
//     ghs_: the same, or the long stateless form (letters, digits, '.' and
//     '_', at least 36). github_pat_: the prefix and 36 to 244 letters,
//     digits and '_' (shape only).
//   - GitLab glpat-, gldt-, glcbt-, with or without an instance prefix
//     ("acme-glpat-…"): a body of 20 to 300 characters of URL-safe base64,
//     with the routable tail ".01.LLccccccc" or ".LLccccccc" when present
//     (Checked when its CRC32 holds); a job token may also be a JWT.
//   - Azure DevOps: the 84-character form with "AZDO" at offset 76 (88 with
//     a trailing "xx==") on shape alone. The legacy 52-character base32
//     form only when the CRC32 it embeds holds (then Checked): 52 lower-case
//     letters and digits 2-7 are also what a SHA-256 in base32 looks like,
//     so shape alone would report hashes.
//   - Entra ID tokens for Azure DevOps: a JWT (three URL-safe base64 parts,
//     the first starting "eyJ") whose "aud" claim is Azure DevOps, not
//     preceded by a base64 character or '.'. The signature is not verified:
//     shape only. Other JWTs are not reported.
//
// Every match's text is a token [Identify] gives the match's kind.
func Find(text []byte) []Match {
	f := finder{text: text, runFrom: -1, runEnd: -1, b64From: -1, b64End: -1}
	return f.find()
}

// Byte classes of the scanner.
const (
	cAlnum  = 1 << iota // A-Z a-z 0-9
	cWord               // alnum and '_'
	cB64URL             // alnum, '_' and '-': URL-safe base64
	cRun                // URL-safe base64 and '.': a JWT
	cGHS                // alnum, '_' and '.': a long ghs_ token
)

var byteClass = func() (t [256]uint8) {
	for c := 0; c < 256; c++ {
		b := byte(c)
		if isAlnum(b) {
			t[c] |= cAlnum | cWord | cB64URL | cRun | cGHS
		}
	}
	t['_'] |= cWord | cB64URL | cRun | cGHS
	t['-'] |= cB64URL | cRun
	t['.'] |= cRun | cGHS
	return t
}()

// Length limits of the shapes Find reports.
const (
	ghBodyMin        = 36  // classic-style and fine-grained bodies
	ghBodyMax        = 251 // GitHub documents tokens of up to 255 characters
	ghFineBodyMax    = 244
	glBodyMin        = 20 // GitLab's legacy body
	glBodyMax        = 300
	azureLegacyLen   = 52
	azureAnnotLen    = 84
	azureAnnotLongLn = 86 // plus "=="
)

type finder struct {
	text []byte
	out  []Match

	// The run of JWT characters last looked at: [runFrom, runEnd) with
	// trailing dots trimmed, and the positions of its last three dots (-1:
	// none), so that each run is read once however many candidates it holds.
	runFrom, runEnd int
	runDots         [3]int

	// [b64From, b64End) is the run of URL-safe base64 last read.
	b64From, b64End int

	// work counts the bytes the candidate checks read, beyond the one pass
	// over the text; tests bound it to prove the scan linear.
	work int

	// Long forms (long ghs_ tokens, JWTs) are not matched before skipLong:
	// the run there was longer than any token.
	skipLong int
}

func (f *finder) find() []Match {
	t := f.text
	n := len(t)
	for i := 0; i < n; {
		if byteClass[t[i]]&cAlnum == 0 || i > 0 && byteClass[t[i-1]]&cWord != 0 {
			i++
			continue
		}
		if end, ok := f.at(i); ok {
			i = end
			continue
		}
		if j := escapeEnd(t, i); j > i && j < n && byteClass[t[j]]&cAlnum != 0 {
			if end, ok := f.at(j); ok {
				i = end
				continue
			}
		}
		for i++; i < n && byteClass[t[i]]&cWord != 0; i++ {
		}
	}
	return f.out
}

// escapeEnd returns where a word that starts at i begins once decoded: past
// the n, r or t of an escaped line break or tab (a backslash before i: a
// JSON string, a log line) or past the two hex digits of a percent-encoded
// byte ('%' before i: a URL, a form body), so that "\nghp_…" and
// "token%3Dghp_…" hold a token. Else i.
func escapeEnd(t []byte, i int) int {
	switch {
	case i == 0:
	case t[i-1] == '\\' && (t[i] == 'n' || t[i] == 'r' || t[i] == 't'):
		return i + 1
	case t[i-1] == '%' && i+1 < len(t) && isHexDigit(t[i]) && isHexDigit(t[i+1]):
		return i + 2
	}
	return i
}

func isHexDigit(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// at looks for a token starting at i, a letter or digit that starts a word.
// It returns the end of what it found.
func (f *finder) at(i int) (int, bool) {
	t := f.text
	f.work += len("github_pat_") + maxInstancePrefix + len("-glcbt-")
	if t[i] == 'g' {
		if k, pl := githubPrefix(t[i:]); k != Unknown {
			return f.github(i, i+pl, k)
		}
		if k, pl := gitlabTypePrefix(t[i:]); k != Unknown {
			return f.gitlab(i, i+pl, i, k)
		}
	}
	if i == 0 || byteClass[t[i-1]]&cB64URL == 0 {
		if k, pl := gitlabPrefix(t[i:]); k != Unknown {
			if end, ok := f.gitlab(i, i+pl, i+pl-len(k.Prefix()), k); ok {
				return end, true
			}
		}
	}
	if t[i] == 'e' && (i == 0 || byteClass[t[i-1]]&cRun == 0) {
		if end, ok := f.jwt(i); ok {
			if end, ok := f.emit(i, end, AzureDevOpsEntra, false); ok {
				return end, true
			}
		}
	}
	return f.azure(i)
}

// emit records a match after checking that Identify agrees on its kind.
func (f *finder) emit(start, end int, kind Kind, checked bool) (int, bool) {
	s := f.text[start:end]
	f.work += 2 * (end - start)
	if end-start > MaxLen || identify(s) != kind {
		return 0, false
	}
	tok, err := New(string(s))
	if err != nil || tok.kind != kind {
		return 0, false
	}
	f.out = append(f.out, Match{Token: tok, Start: start, End: end, Checked: checked})
	return end, true
}

func (f *finder) github(start, b int, k Kind) (int, bool) {
	t := f.text
	n := len(t)
	switch k {
	case GitHubFineGrained:
		e := b
		for e < n && byteClass[t[e]]&cWord != 0 && e-b <= ghFineBodyMax {
			e++
		}
		f.work += e - b
		if l := e - b; l < ghBodyMin || l > ghFineBodyMax {
			return 0, false
		}
		return f.emit(start, e, k, false)
	case GitHubInstallation:
		if b < f.skipLong {
			break
		}
		e := b
		for e < n && byteClass[t[e]]&cGHS != 0 && e-start <= MaxLen {
			e++
		}
		f.work += e - b
		if e-start > MaxLen {
			f.skipLong = e
			for f.skipLong < n && byteClass[t[f.skipLong]]&cGHS != 0 {
				f.skipLong++
			}
			f.work += f.skipLong - e
			break
		}
		for e > b && t[e-1] == '.' {
			e--
		}
		if e-b >= ghBodyMin && !allAlnum(t[b:e]) {
			return f.emit(start, e, k, false)
		}
	}
	e := b
	for e < n && byteClass[t[e]]&cAlnum != 0 && e-b <= ghBodyMax {
		e++
	}
	f.work += e - b
	l := e - b
	if l < ghBodyMin || l > ghBodyMax || e < n && t[e] == '_' {
		return 0, false
	}
	return f.emit(start, e, k, l == ghBodyMin && checksumOK(t[b:b+30], t[b+30:e]))
}

func allAlnum(s []byte) bool {
	for _, c := range s {
		if byteClass[c]&cAlnum == 0 {
			return false
		}
	}
	return true
}

// gitlab matches a GitLab token that starts at start, whose type prefix
// starts at typeAt and whose body starts at b.
func (f *finder) gitlab(start, b, typeAt int, k Kind) (int, bool) {
	t := f.text
	n := len(t)
	if k == GitLabJob && hasPrefix(t[b:], "eyJ") {
		if end, ok := f.jwt(b); ok {
			return f.emit(start, end, k, false)
		}
	}
	if b < f.b64From || b >= f.b64End {
		// The body runs to the end of this run of URL-safe base64, which
		// later candidates inside the run share: read it once.
		f.b64From, f.b64End = b, b
		for f.b64End < n && byteClass[t[f.b64End]]&cB64URL != 0 {
			f.b64End++
		}
		f.work += f.b64End - b
	}
	e := f.b64End
	if l := e - b; l < glBodyMin || l > glBodyMax {
		return 0, false
	}
	if e < n && t[e] == '.' {
		r := e + 1
		if r+3 <= n && isBase36(t[r:r+2]) && t[r+2] == '.' {
			r += 3
		}
		if end := r + 2 + gitlabSumLen; end <= n && isBase36(t[r:end]) && (end == n || byteClass[t[end]]&cB64URL == 0) {
			if gitlabChecksumOK(t[start:end]) {
				return f.emit(start, end, k, true)
			}
			if typeAt != start && gitlabChecksumOK(t[typeAt:end]) {
				// The word before the prefix was no instance prefix.
				return f.emit(typeAt, end, k, true)
			}
			return f.emit(start, end, k, false)
		}
	}
	return f.emit(start, e, k, false)
}

// jwt returns the end of the JWT that starts at p: the rest of the run of
// JWT characters, trailing dots trimmed, holding exactly two dots, no part
// empty, no longer than MaxLen.
func (f *finder) jwt(p int) (int, bool) {
	if p < f.skipLong {
		return 0, false
	}
	t := f.text
	if p < f.runFrom || p >= f.runEnd {
		e := p
		for e < len(t) && byteClass[t[e]]&cRun != 0 {
			e++
		}
		for e > p && t[e-1] == '.' {
			e--
		}
		d := [3]int{-1, -1, -1}
		for j := p; j < e; j++ {
			if t[j] == '.' {
				d = [3]int{d[1], d[2], j}
			}
		}
		f.runFrom, f.runEnd, f.runDots = p, e, d
		f.work += 2 * (e - p)
	}
	end, d := f.runEnd, f.runDots
	if end-p > MaxLen {
		f.skipLong = end
		return 0, false
	}
	if d[0] >= p || d[1] < p+3 || d[2] == d[1]+1 || d[2] == end-1 || d[2] < 0 {
		return 0, false
	}
	return end, true
}

func (f *finder) azure(i int) (int, bool) {
	t := f.text
	n := len(t)
	e := i
	for e < n && byteClass[t[e]]&cAlnum != 0 && e-i <= azureAnnotLongLn {
		e++
	}
	f.work += e - i
	wordEnds := e == n || byteClass[t[e]]&cWord == 0
	switch e - i {
	case azureAnnotLen:
		if wordEnds && hasPrefix(t[i+76:], "AZDO") {
			return f.emit(i, e, AzureDevOps, false)
		}
	case azureAnnotLongLn:
		if hasPrefix(t[e:], "==") && hasPrefix(t[i+76:], "AZDO") {
			return f.emit(i, e+2, AzureDevOps, false)
		}
	case azureLegacyLen:
		if wordEnds && isAzureLegacy(t[i:e]) && azureLegacyChecksumOK(t[i:e]) {
			return f.emit(i, e, AzureDevOps, true)
		}
	}
	return 0, false
}

// Seeds Azure DevOps XORs into the CRC32 its legacy PATs embed (user and
// application PATs), as Microsoft's own secret detector checks them.
const (
	azureUserPatSeed = 0xE0B9692D
	azureAppPatSeed  = 0x1019F92E
)

// azureLegacyChecksumOK reports whether a 52-character base32 Azure DevOps
// PAT holds the checksum such PATs embed: decoded to 32 bytes b, the CRC32
// of b[0:2] b[3:7] b[9:22] b[23:32], XORed with a seed, is the little-endian
// value of b[22] b[8] b[7] b[2].
func azureLegacyChecksumOK[S byteseq](s S) bool {
	if len(s) != azureLegacyLen {
		return false
	}
	var b [33]byte
	var acc uint64
	bits, n := 0, 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		var v uint64
		switch {
		case c >= 'a' && c <= 'z':
			v = uint64(c - 'a')
		case c >= '2' && c <= '7':
			v = uint64(c-'2') + 26
		default:
			return false
		}
		acc = acc<<5 | v
		bits += 5
		if bits >= 8 {
			bits -= 8
			b[n] = byte(acc >> bits)
			n++
		}
	}
	var data [28]byte
	copy(data[0:2], b[0:2])
	copy(data[2:6], b[3:7])
	copy(data[6:19], b[9:22])
	copy(data[19:28], b[23:32])
	crc := crcIEEE(data[:])
	embedded := uint32(b[22]) | uint32(b[8])<<8 | uint32(b[7])<<16 | uint32(b[2])<<24
	return crc^azureUserPatSeed == embedded || crc^azureAppPatSeed == embedded
}
