package cache

import (
	"log/slog"
	"sync/atomic"
	"time"
)

// warnEvery is the least time between two warnings about Redis: an outage
// fails every request, and one line per request would drown the log.
const warnEvery = 10 * time.Second

// health remembers whether Redis failed lately. After a failure, reads skip
// Redis for retryAfter and then try it again; the first success ends the
// pause. Warnings are rate-limited and say how many were held back.
type health struct {
	log        *slog.Logger
	retryAfter time.Duration
	now        func() time.Time

	downUntil  atomic.Int64 // unix nanoseconds; 0 while Redis answers
	lastWarn   atomic.Int64 // unix nanoseconds of the last warning
	suppressed atomic.Int64 // warnings held back since the last one
}

func newHealth(log *slog.Logger, retryAfter time.Duration) *health {
	return &health{log: log, retryAfter: retryAfter, now: time.Now}
}

// usable reports whether reads should try Redis now.
func (h *health) usable() bool {
	d := h.downUntil.Load()
	return d == 0 || h.now().UnixNano() >= d
}

// fail records that Redis failed an operation and warns, now and then.
func (h *health) fail(op string, err error) {
	h.downUntil.Store(h.now().Add(h.retryAfter).UnixNano())
	h.warn("cache: redis failed; serving from the database", op, err)
}

// ok records that Redis answered, and says so once after an outage.
func (h *health) ok() {
	// Load first: the common case must not write to a shared cache line.
	if h.downUntil.Load() != 0 && h.downUntil.Swap(0) != 0 {
		h.log.Info("cache: redis answers again")
	}
}

// warn logs msg about op, unless a warning was logged less than warnEvery
// ago; then it counts it for the next warning.
func (h *health) warn(msg, op string, err error) {
	now := h.now().UnixNano()
	last := h.lastWarn.Load()
	if now-last < int64(warnEvery) || !h.lastWarn.CompareAndSwap(last, now) {
		h.suppressed.Add(1)
		return
	}
	h.log.Warn(msg, "op", op, "err", err, "suppressed", h.suppressed.Swap(0))
}
