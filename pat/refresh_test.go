package pat

import (
	"context"
	"errors"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeClock is a clock tests move by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{t: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// counter is a fetch that mints numbered tokens valid for life (0: no expiry).
type counter struct {
	n     atomic.Int32
	clock *fakeClock
	life  time.Duration
}

func (c *counter) fetch(context.Context) (Token, error) {
	n := c.n.Add(1)
	tok, err := New(genToken(GitHubInstallation, "refresh-"+strconv.Itoa(int(n))))
	if err != nil || c.life == 0 {
		return tok, err
	}
	return tok.WithExpiry(c.clock.Now().Add(c.life)), nil
}

// waitFor spins (yielding, never sleeping) until cond holds.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for i := 0; !cond(); i++ {
		if i > 10_000_000 {
			t.Fatal("condition never held")
		}
		runtime.Gosched()
	}
}

func waiters(s *refreshSource) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.call == nil {
		return 0
	}
	return s.call.waiters
}

func TestRefreshReusesUntil80Percent(t *testing.T) {
	clock := newFakeClock()
	c := &counter{clock: clock, life: 100 * time.Second}
	src := RefreshWithClock(c.fetch, clock.Now)
	ctx := context.Background()
	start := clock.Now()
	first, err := src.Token(ctx)
	if err != nil || c.n.Load() != 1 {
		t.Fatalf("first call: %v, %d fetches", err, c.n.Load())
	}
	for _, at := range []time.Duration{0, time.Second, 79*time.Second + 999*time.Millisecond} {
		clock.Set(start.Add(at))
		got, err := src.Token(ctx)
		if err != nil || got.Secret() != first.Secret() || c.n.Load() != 1 {
			t.Fatalf("at +%v: %v, %d fetches; want the first token reused", at, err, c.n.Load())
		}
	}
	clock.Set(start.Add(80 * time.Second))
	second, err := src.Token(ctx)
	if err != nil || second.Secret() == first.Secret() || c.n.Load() != 2 {
		t.Fatalf("at 80 %%: %v, %d fetches; want a new token", err, c.n.Load())
	}
	// The new token's lifetime runs from its own fetch.
	clock.Set(start.Add(80*time.Second + 79*time.Second))
	if got, _ := src.Token(ctx); got.Secret() != second.Secret() || c.n.Load() != 2 {
		t.Fatalf("second token not reused within its 80 %%: %d fetches", c.n.Load())
	}
	clock.Set(start.Add(160 * time.Second))
	if _, _ = src.Token(ctx); c.n.Load() != 3 {
		t.Fatalf("second token reused past its 80 %%: %d fetches", c.n.Load())
	}
}

func TestRefreshJWTExpiry(t *testing.T) {
	clock := newFakeClock()
	exp := clock.Now().Add(time.Hour)
	var n atomic.Int32
	src := RefreshWithClock(func(context.Context) (Token, error) {
		n.Add(1)
		return New(genJWT("entra-refresh", `{"aud":"`+azureDevOpsAppID+`","exp":`+strconv.FormatInt(exp.Unix(), 10)+`}`))
	}, clock.Now)
	for _, at := range []time.Duration{0, 47 * time.Minute, 48 * time.Minute} {
		clock.Set(exp.Add(-time.Hour + at))
		tok, err := src.Token(context.Background())
		if err != nil || tok.Kind() != AzureDevOpsEntra {
			t.Fatalf("at +%v: %v %v", at, tok.Kind(), err)
		}
	}
	if n.Load() != 2 {
		t.Fatalf("%d fetches; want 2 (reuse until 48 of 60 minutes)", n.Load())
	}
}

func TestRefreshWithoutExpiryFetchesEveryTime(t *testing.T) {
	clock := newFakeClock()
	c := &counter{clock: clock}
	src := RefreshWithClock(c.fetch, clock.Now)
	for range 3 {
		if _, err := src.Token(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if c.n.Load() != 3 {
		t.Fatalf("%d fetches; want 3", c.n.Load())
	}
	// An already expired token is not reused either.
	c2 := &counter{clock: clock, life: -time.Second}
	src = RefreshWithClock(c2.fetch, clock.Now)
	_, _ = src.Token(context.Background())
	_, _ = src.Token(context.Background())
	if c2.n.Load() != 2 {
		t.Fatalf("expired token reused: %d fetches", c2.n.Load())
	}
}

func TestRefreshConcurrentCallersShareOneFetch(t *testing.T) {
	clock := newFakeClock()
	release := make(chan struct{})
	var fetches atomic.Int32
	src := RefreshWithClock(func(ctx context.Context) (Token, error) {
		fetches.Add(1)
		<-release
		tok, err := New(genToken(GitHubInstallation, "shared"))
		return tok.WithExpiry(clock.Now().Add(time.Hour)), err
	}, clock.Now)
	const callers = 100
	var wg sync.WaitGroup
	results := make(chan error, callers)
	for range callers {
		wg.Go(func() {
			tok, err := src.Token(context.Background())
			if err == nil && tok.IsZero() {
				err = errors.New("zero token")
			}
			results <- err
		})
	}
	waitFor(t, func() bool { return waiters(src.(*refreshSource)) == callers })
	close(release)
	wg.Wait()
	close(results)
	for err := range results {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := fetches.Load(); n != 1 {
		t.Fatalf("%d fetches for %d concurrent callers; want 1", n, callers)
	}
}

func TestRefreshErrorNotCached(t *testing.T) {
	clock := newFakeClock()
	boom := errors.New("mint failed")
	var n atomic.Int32
	src := RefreshWithClock(func(context.Context) (Token, error) {
		if n.Add(1) == 1 {
			return Token{}, boom
		}
		tok, err := New(genToken(GitHubInstallation, "after-error"))
		return tok.WithExpiry(clock.Now().Add(time.Hour)), err
	}, clock.Now)
	if _, err := src.Token(context.Background()); !errors.Is(err, boom) {
		t.Fatalf("first call: %v; want the fetch error", err)
	}
	if tok, err := src.Token(context.Background()); err != nil || tok.IsZero() {
		t.Fatalf("second call: %v; want a fresh fetch", err)
	}
	if n.Load() != 2 {
		t.Fatalf("%d fetches; want 2", n.Load())
	}
}

func TestRefreshFailureKeepsNoStaleState(t *testing.T) {
	// A failed renewal neither caches the error nor loses the next success.
	clock := newFakeClock()
	var n atomic.Int32
	src := RefreshWithClock(func(context.Context) (Token, error) {
		if n.Add(1) == 2 {
			return Token{}, errors.New("transient")
		}
		tok, err := New(genToken(GitHubInstallation, "k"+strconv.Itoa(int(n.Load()))))
		return tok.WithExpiry(clock.Now().Add(10 * time.Second)), err
	}, clock.Now)
	ctx := context.Background()
	_, _ = src.Token(ctx)
	clock.Set(clock.Now().Add(9 * time.Second))
	if _, err := src.Token(ctx); err == nil {
		t.Fatal("want the transient error")
	}
	if tok, err := src.Token(ctx); err != nil || tok.IsZero() || n.Load() != 3 {
		t.Fatalf("after a failed renewal: %v, %d fetches", err, n.Load())
	}
}

func TestRefreshCancelledCallerLeavesFetchRunning(t *testing.T) {
	clock := newFakeClock()
	release := make(chan struct{})
	fetchCtx := make(chan context.Context, 1)
	src := RefreshWithClock(func(ctx context.Context) (Token, error) {
		fetchCtx <- ctx
		<-release
		return New(genToken(GitHubInstallation, "survivor"))
	}, clock.Now)
	ctx, cancel := context.WithCancel(context.Background())
	first := make(chan error, 1)
	go func() { _, err := src.Token(ctx); first <- err }()
	fctx := <-fetchCtx
	second := make(chan error, 1)
	go func() { _, err := src.Token(context.Background()); second <- err }()
	waitFor(t, func() bool { return waiters(src.(*refreshSource)) == 2 })
	cancel()
	if err := <-first; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled caller: %v", err)
	}
	if fctx.Err() != nil {
		t.Fatal("the shared fetch was cancelled while another caller waits")
	}
	close(release)
	if err := <-second; err != nil {
		t.Fatalf("remaining caller: %v", err)
	}
}

func TestRefreshAllCallersGoneCancelsFetch(t *testing.T) {
	clock := newFakeClock()
	started := make(chan context.Context, 2)
	var n atomic.Int32
	src := RefreshWithClock(func(ctx context.Context) (Token, error) {
		started <- ctx
		if n.Add(1) == 1 {
			<-ctx.Done()
			return Token{}, ctx.Err()
		}
		return New(genToken(GitHubInstallation, "next"))
	}, clock.Now)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { _, err := src.Token(ctx); done <- err }()
	fctx := <-started
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("caller: %v", err)
	}
	<-fctx.Done() // the abandoned fetch is cancelled (the test hangs otherwise)
	if tok, err := src.Token(context.Background()); err != nil || tok.IsZero() {
		t.Fatalf("next call after an abandoned fetch: %v", err)
	}
}

func TestRefreshBadInput(t *testing.T) {
	var sErr *SourceError
	if _, err := Refresh(nil).Token(context.Background()); !errors.As(err, &sErr) {
		t.Errorf("Refresh(nil): %v; want a *SourceError", err)
	}
	ok := Refresh(func(context.Context) (Token, error) { return New(genToken(GitHubClassic, "x")) })
	//lint:ignore SA1012 a nil context is the input under test
	if _, err := ok.Token(nil); !errors.As(err, &sErr) {
		t.Errorf("nil context: %v; want a *SourceError", err)
	}
	done, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := ok.Token(done); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: %v", err)
	}
	empty := Refresh(func(context.Context) (Token, error) { return Token{}, nil })
	if _, err := empty.Token(context.Background()); !errors.Is(err, ErrNotFound) {
		t.Errorf("empty token: %v; want ErrNotFound", err)
	}
	secret := genToken(GitHubClassic, "panic")
	panics := Refresh(func(context.Context) (Token, error) { panic(secret) })
	_, err := panics.Token(context.Background())
	if !errors.As(err, &sErr) {
		t.Fatalf("panicking fetch: %v; want a *SourceError", err)
	}
	assertNoLeak(t, err.Error(), secret)
	var nilSrc *refreshSource
	if _, err := nilSrc.Token(context.Background()); err == nil {
		t.Error("nil *refreshSource: no error")
	}
}
