package api

import (
	"fmt"
	"math"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// RateLimit bounds the requests of each client IP address with a token
// bucket: Rate requests a second on average, Burst at once. Loopback
// clients are limited like any other (a local proxy in front of the API
// makes all its clients one address: give it a larger limit). A zero Rate
// turns the limit off.
type RateLimit struct {
	Rate  float64
	Burst int
}

// maxTrackedClients bounds the limiter's memory: past it, buckets idle for
// longer than it takes to refill are dropped first, then the oldest.
const maxTrackedClients = 100_000

// limiter keeps a token bucket per client IP.
type limiter struct {
	limit RateLimit
	// idle is how long a bucket takes to refill completely: an entry
	// unused that long is the same as a new one, and can go.
	idle time.Duration

	mu      sync.Mutex
	clients map[string]*client
	swept   time.Time
}

type client struct {
	bucket *rate.Limiter
	seen   time.Time
}

func newLimiter(l RateLimit) *limiter {
	if l.Rate <= 0 {
		return nil
	}
	if l.Burst < 1 {
		l.Burst = max(1, int(math.Ceil(l.Rate)))
	}
	idle := time.Duration(float64(l.Burst) / l.Rate * float64(time.Second))
	return &limiter{limit: l, idle: max(idle, time.Minute), clients: map[string]*client{}}
}

// allow takes a token for the client of r, or says how long until one is
// due.
func (l *limiter) allow(r *http.Request, now time.Time) (bool, time.Duration) {
	ip := clientIP(r)
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.swept) > l.idle || len(l.clients) >= maxTrackedClients {
		l.sweep(now)
	}
	c := l.clients[ip]
	if c == nil {
		c = &client{bucket: rate.NewLimiter(rate.Limit(l.limit.Rate), l.limit.Burst)}
		l.clients[ip] = c
	}
	c.seen = now
	res := c.bucket.ReserveN(now, 1)
	if d := res.DelayFrom(now); d > 0 {
		res.CancelAt(now)
		return false, d
	}
	return true, 0
}

// sweep drops the buckets of clients idle long enough to be full again; if
// the map is still at its bound, those idle for half that, then any until
// it is below the bound (a flood of addresses must not grow it unbounded).
func (l *limiter) sweep(now time.Time) {
	l.swept = now
	for ip, c := range l.clients {
		if now.Sub(c.seen) > l.idle {
			delete(l.clients, ip)
		}
	}
	if len(l.clients) < maxTrackedClients {
		return
	}
	cut := now.Add(-l.idle / 2)
	for ip, c := range l.clients {
		if c.seen.Before(cut) || len(l.clients) >= maxTrackedClients {
			delete(l.clients, ip)
		}
	}
}

// clientIP is the address the request came from. Forwarding headers are
// not trusted: any client can write them.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// rateLimited is a request over its client's limit.
func (l *limiter) rateLimited(wait time.Duration) *apiError {
	return &apiError{code: codeRateLimited, kind: kindRateLimited,
		msg: fmt.Sprintf("too many requests from this address: the limit is %s a second (bursts of %d); retry in %s",
			strconv.FormatFloat(l.limit.Rate, 'f', -1, 64), l.limit.Burst, wait.Round(time.Millisecond))}
}

// retryAfter is the Retry-After header value for wait: whole seconds,
// rounded up.
func retryAfter(wait time.Duration) string {
	return strconv.Itoa(int(math.Ceil(wait.Seconds())))
}
