package checkcache

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// clock is a settable clock for TTL tests.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func counting(n *atomic.Int32, val any) func(context.Context) (any, error) {
	return func(context.Context) (any, error) { n.Add(1); return val, nil }
}

func TestKeyOf(t *testing.T) {
	if KeyOf("ab", "c") == KeyOf("a", "bc") || KeyOf("a") == KeyOf("a", "") {
		t.Error("different part lists share a key")
	}
	if a, b := KeyOf("x", "y"), KeyOf("x", "y"); a != b {
		t.Error("KeyOf is not deterministic")
	}
}

func TestTTLWithInjectedClock(t *testing.T) {
	clk := &clock{t: time.Unix(1e9, 0)}
	c := &Cache{Now: clk.now}
	var n atomic.Int32
	k := KeyOf("tok")
	for range 3 {
		if v, err := c.Do(context.Background(), k, time.Minute, 0, counting(&n, "v")); v != "v" || err != nil {
			t.Fatalf("Do = %v, %v", v, err)
		}
	}
	if n.Load() != 1 {
		t.Fatalf("fetches within the TTL = %d, want 1", n.Load())
	}
	clk.add(59 * time.Second)
	c.Do(context.Background(), k, time.Minute, 0, counting(&n, "v"))
	if n.Load() != 1 {
		t.Fatalf("fetches 59 s in = %d, want 1", n.Load())
	}
	clk.add(time.Second)
	c.Do(context.Background(), k, time.Minute, 0, counting(&n, "v"))
	if n.Load() != 2 {
		t.Fatalf("fetches once the TTL passed = %d, want 2", n.Load())
	}
}

func TestNoTTLNoErrorsStored(t *testing.T) {
	c := &Cache{}
	var n atomic.Int32
	k := KeyOf("tok")
	for range 2 {
		c.Do(context.Background(), k, 0, 0, counting(&n, 1))
		c.Do(context.Background(), k, -1, 0, counting(&n, 1))
	}
	if n.Load() != 4 {
		t.Errorf("fetches without a TTL = %d, want 4", n.Load())
	}
	boom := errors.New("boom")
	for range 2 {
		if _, err := c.Do(context.Background(), KeyOf("e"), time.Minute, 0, func(context.Context) (any, error) { n.Add(1); return nil, boom }); err != boom {
			t.Errorf("err = %v", err)
		}
	}
	if n.Load() != 6 {
		t.Errorf("errors were cached: %d fetches, want 6", n.Load())
	}
}

func TestBound(t *testing.T) {
	c := &Cache{MaxEntries: 2}
	for i := range 5 {
		c.Put(KeyOf(string(rune('a'+i))), i, time.Minute)
	}
	if len(c.entries) > 2 {
		t.Errorf("%d entries, bound 2", len(c.entries))
	}
}

// Concurrent callers of one key share one fetch.
func TestSingleflight(t *testing.T) {
	c := &Cache{}
	var n atomic.Int32
	release := make(chan struct{})
	started := make(chan struct{}, 1)
	fetch := func(context.Context) (any, error) {
		n.Add(1)
		started <- struct{}{}
		<-release
		return "v", nil
	}
	var wg sync.WaitGroup
	wg.Go(func() { c.Do(context.Background(), KeyOf("k"), time.Minute, 0, fetch) })
	<-started
	errs := make(chan error, 10)
	var joined sync.WaitGroup
	for range 10 {
		joined.Add(1)
		wg.Go(func() {
			joined.Done()
			v, err := c.Do(context.Background(), KeyOf("k"), time.Minute, 0, fetch)
			if v != "v" {
				err = errors.Join(err, errors.New("wrong value"))
			}
			errs <- err
		})
	}
	joined.Wait()
	close(release)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if got := n.Load(); got != 1 {
		t.Errorf("fetches = %d, want 1", got)
	}
}

// A leader that gives up does not cancel the flight its followers share.
func TestLeaderCancelDoesNotCancelFollowers(t *testing.T) {
	c := &Cache{}
	release := make(chan struct{})
	started := make(chan struct{})
	var fetchErr atomic.Value
	fetch := func(ctx context.Context) (any, error) {
		close(started)
		<-release
		if err := ctx.Err(); err != nil {
			fetchErr.Store(err)
			return nil, err
		}
		return "v", nil
	}
	leaderCtx, cancel := context.WithCancel(context.Background())
	leaderDone := make(chan error)
	go func() { _, err := c.Do(leaderCtx, KeyOf("k"), time.Minute, 0, fetch); leaderDone <- err }()
	<-started
	followerDone := make(chan any)
	go func() { v, _ := c.Do(context.Background(), KeyOf("k"), time.Minute, 0, fetch); followerDone <- v }()
	cancel()
	if err := <-leaderDone; !errors.Is(err, context.Canceled) {
		t.Errorf("leader: %v, want context.Canceled at once", err)
	}
	close(release)
	if v := <-followerDone; v != "v" {
		t.Errorf("follower got %v, want the shared answer", v)
	}
	if e := fetchErr.Load(); e != nil {
		t.Errorf("the flight saw %v", e)
	}
}

// The flight is bounded by the leader's deadline and by timeout.
func TestFlightDeadlines(t *testing.T) {
	c := &Cache{}
	seen := func(ctx context.Context) (any, error) {
		d, ok := ctx.Deadline()
		if !ok {
			return time.Duration(-1), nil
		}
		return time.Until(d), nil
	}
	v, _ := c.Do(context.Background(), KeyOf("a"), -1, 0, seen)
	if v.(time.Duration) != -1 {
		t.Errorf("no deadline, no timeout: flight deadline in %v", v)
	}
	v, _ = c.Do(context.Background(), KeyOf("b"), -1, time.Hour, seen)
	if d := v.(time.Duration); d <= 59*time.Minute || d > time.Hour {
		t.Errorf("timeout 1h: flight deadline in %v", d)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	v, _ = c.Do(ctx, KeyOf("c"), -1, time.Hour, seen)
	if d := v.(time.Duration); d > time.Minute {
		t.Errorf("leader deadline 1m, timeout 1h: flight deadline in %v", d)
	}
	v, _ = c.Do(ctx, KeyOf("d"), -1, time.Second, seen)
	if d := v.(time.Duration); d > time.Second {
		t.Errorf("leader deadline 1m, timeout 1s: flight deadline in %v", d)
	}
}

// A follower whose shared flight ended with the leader's deadline tries
// again under its own.
func TestFollowerRetriesAfterLeaderDeadline(t *testing.T) {
	c := &Cache{}
	started := make(chan struct{})
	var once sync.Once
	var n atomic.Int32
	fetch := func(ctx context.Context) (any, error) {
		if n.Add(1) == 1 {
			once.Do(func() { close(started) })
			<-ctx.Done()
			return nil, ctx.Err()
		}
		return "v", nil
	}
	leaderCtx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// The leader's deadline has passed by the time the flight checks it;
	// a short one, since this case waits for it.
	lctx, lcancel := context.WithTimeout(leaderCtx, 50*time.Millisecond)
	defer lcancel()
	go c.Do(lctx, KeyOf("k"), time.Minute, 0, fetch)
	<-started
	v, err := c.Do(context.Background(), KeyOf("k"), time.Minute, 0, fetch)
	if v != "v" || err != nil {
		t.Errorf("follower: %v, %v; want its own retry's answer", v, err)
	}
}

// A caller that missed the cache just as another flight stored its result
// and ended finds the result in its own flight instead of fetching again.
func TestRecheckInsideFlight(t *testing.T) {
	c := &Cache{}
	var n atomic.Int32
	var first atomic.Bool
	c.AfterMiss = func() {
		if first.CompareAndSwap(false, true) {
			c.Do(context.Background(), KeyOf("k"), time.Minute, 0, counting(&n, "v"))
		}
	}
	if v, err := c.Do(context.Background(), KeyOf("k"), time.Minute, 0, counting(&n, "v")); v != "v" || err != nil {
		t.Fatalf("Do = %v, %v", v, err)
	}
	if n.Load() != 1 {
		t.Errorf("fetches = %d, want 1", n.Load())
	}
}

// A panic in a flight is an error, not the end of the process; a nil
// context is Background.
func TestPanicAndNilContext(t *testing.T) {
	c := &Cache{}
	//lint:ignore SA1012 a nil context is what this case checks
	_, err := c.Do(nil, KeyOf("p"), time.Minute, 0, func(context.Context) (any, error) { panic("boom") }) //nolint:staticcheck
	if !errors.Is(err, ErrPanic) {
		t.Errorf("err = %v, want ErrPanic", err)
	}
}

// A follower whose own context ends stops waiting at once; the flight and
// its leader go on.
func TestFollowerGivesUpAlone(t *testing.T) {
	c := &Cache{}
	release := make(chan struct{})
	started := make(chan struct{})
	fetch := func(ctx context.Context) (any, error) {
		close(started)
		<-release
		return "v", ctx.Err()
	}
	leader := make(chan any)
	go func() { v, _ := c.Do(context.Background(), KeyOf("k"), time.Minute, 0, fetch); leader <- v }()
	<-started
	// A short deadline: this case waits for it, inside the shared flight.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := c.Do(ctx, KeyOf("k"), time.Minute, 0, fetch); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("follower: %v, want context.DeadlineExceeded", err)
	}
	close(release)
	if v := <-leader; v != "v" {
		t.Errorf("leader got %v", v)
	}
}
