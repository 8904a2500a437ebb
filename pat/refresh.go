package pat

import (
	"context"
	"errors"
	"sync"
	"time"
)

// errNilContext is the cause of the error a Source returns for a nil context.
var errNilContext = errors.New("nil context")

// Refresh returns a Source for short-lived credentials (GitHub App
// installation tokens, Entra ID tokens for Azure DevOps): it calls fetch and
// reuses the token it returned until 80 % of the token's lifetime has
// passed, the lifetime running from the moment fetch was called to the
// token's [Token.ExpiresAt]. A token without a known expiry (or already
// expired) is not reused: fetch is called again on the next call.
//
// Concurrent callers share one fetch. The fetch runs with a context that
// carries the values of the first caller's context but not its deadline or
// cancellation: a caller whose context ends returns ctx.Err() at once while
// the others keep waiting for the shared fetch. When every caller waiting
// for a fetch has gone, its context is cancelled and its result is thrown
// away.
//
// An error from fetch is returned to the callers that waited for that fetch
// and never cached: the next call fetches again. A fetch that returns no
// token and no error gives an error matching [ErrNotFound]; a fetch that
// panics gives a [*SourceError] (the panic value is not shown: it might hold
// a secret). A nil fetch gives a [*SourceError] on every call.
//
// An Entra ID token for Azure DevOps is Refresh around azidentity's
// GetToken, with the access token's expiry set by [Token.WithExpiry] (its
// exp claim is read too).
func Refresh(fetch func(ctx context.Context) (Token, error)) Source {
	return RefreshWithClock(fetch, nil)
}

// RefreshWithClock is [Refresh] with a clock: now returns the current time
// (nil: [time.Now]). Tests use it to move time without sleeping.
func RefreshWithClock(fetch func(ctx context.Context) (Token, error), now func() time.Time) Source {
	if now == nil {
		now = time.Now
	}
	return &refreshSource{fetch: fetch, now: now}
}

type refreshSource struct {
	fetch func(context.Context) (Token, error)
	now   func() time.Time

	mu      sync.Mutex
	tok     Token
	renewAt time.Time    // zero: nothing to reuse
	call    *refreshCall // the fetch under way, if any
}

// refreshCall is one fetch shared by the callers that wait for it.
type refreshCall struct {
	done    chan struct{}
	tok     Token
	err     error
	waiters int
	cancel  context.CancelFunc
}

const refreshOrigin = "refresh"

func (s *refreshSource) String() string { return refreshOrigin }

// Token returns the reused token or the result of a (shared) fetch.
func (s *refreshSource) Token(ctx context.Context) (Token, error) {
	if s == nil || s.fetch == nil {
		return Token{}, &SourceError{Origin: refreshOrigin, Err: errors.New("no fetch function")}
	}
	if ctx == nil {
		return Token{}, &SourceError{Origin: refreshOrigin, Err: errNilContext}
	}
	if err := ctx.Err(); err != nil {
		return Token{}, err
	}
	s.mu.Lock()
	if !s.renewAt.IsZero() && s.now().Before(s.renewAt) {
		t := s.tok
		s.mu.Unlock()
		return t, nil
	}
	c := s.call
	if c == nil {
		fctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		c = &refreshCall{done: make(chan struct{}), cancel: cancel}
		s.call = c
		go s.run(fctx, c)
	}
	c.waiters++
	s.mu.Unlock()

	select {
	case <-c.done:
		return c.tok, c.err
	case <-ctx.Done():
		s.mu.Lock()
		c.waiters--
		if c.waiters == 0 && s.call == c {
			s.call = nil
			c.cancel()
		}
		s.mu.Unlock()
		return Token{}, ctx.Err()
	}
}

// run performs one fetch and publishes its result.
func (s *refreshSource) run(ctx context.Context, c *refreshCall) {
	defer c.cancel()
	start := s.now()
	tok, err := s.safeFetch(ctx)
	if err == nil && tok.IsZero() {
		err = notFound(refreshOrigin, "fetch returned no token")
	}
	if err != nil {
		tok = Token{}
	}
	s.mu.Lock()
	if s.call == c {
		s.call = nil
		if err == nil {
			s.tok, s.renewAt = tok, renewAt(start, tok.ExpiresAt())
		}
	}
	c.tok, c.err = tok, err
	s.mu.Unlock()
	close(c.done)
}

func (s *refreshSource) safeFetch(ctx context.Context) (tok Token, err error) {
	defer func() {
		if r := recover(); r != nil {
			tok, err = Token{}, &SourceError{Origin: refreshOrigin, Err: errors.New("fetch panicked")}
		}
	}()
	return s.fetch(ctx)
}

// renewAt is when a token fetched at start and expiring at exp is due for
// renewal: at 80 % of its lifetime. Zero: do not reuse it.
func renewAt(start, exp time.Time) time.Time {
	if exp.IsZero() || !exp.After(start) {
		return time.Time{}
	}
	life := exp.Sub(start)
	return start.Add(life - life/5)
}

var _ Source = (*refreshSource)(nil)
