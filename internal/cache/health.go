package cache

import (
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/conduit-graphql/conduit/internal/outage"
)

// health remembers whether the backend failed lately. After a failure,
// reads skip it for retryAfter and then try it again; the first success
// ends the pause. Warnings are rate-limited (outage.Warner) and say how
// many were held back.
type health struct {
	warner     *outage.Warner
	retryAfter time.Duration
	now        func() time.Time

	downUntil atomic.Int64 // unix nanoseconds; 0 while the backend answers
}

func newHealth(log *slog.Logger, retryAfter time.Duration) *health {
	return &health{
		warner:     outage.NewWarner(log, "cache: redis failed; serving from the database", "cache: redis answers again"),
		retryAfter: retryAfter,
		now:        time.Now,
	}
}

// usable reports whether reads should try the backend now.
func (h *health) usable() bool {
	d := h.downUntil.Load()
	return d == 0 || h.now().UnixNano() >= d
}

// fail records that the backend failed an operation and warns, now and then.
func (h *health) fail(op string, err error) {
	h.downUntil.Store(h.now().Add(h.retryAfter).UnixNano())
	h.warner.Fail(op, err)
}

// ok records that the backend answered, and says so once after an outage.
func (h *health) ok() {
	// Load first: the common case must not write to a shared cache line.
	if h.downUntil.Load() != 0 {
		h.downUntil.Store(0)
	}
	h.warner.OK()
}

// warn logs msg about op, rate-limited together with the failures.
func (h *health) warn(msg, op string, err error) { h.warner.Warn(msg, op, err) }
