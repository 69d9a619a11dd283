// Package outage logs the failures of a dependency that the server can do
// without for a while (Redis, for the cache and for the event hub): a
// warning at most once per interval, which says how many were held back,
// and one line when the dependency answers again. It owns nothing else.
//
// Imports only: standard library.
package outage

import (
	"log/slog"
	"sync/atomic"
	"time"
)

// WarnEvery is the least time between two warnings: an outage fails every
// request, and one line per request would drown the log.
const WarnEvery = 10 * time.Second

// Warner logs one dependency's failures, rate-limited. It is safe for
// concurrent use.
type Warner struct {
	log            *slog.Logger
	failMsg, okMsg string

	down       atomic.Bool
	lastWarn   atomic.Int64 // unix nanoseconds of the last warning
	suppressed atomic.Int64 // warnings held back since the last one
}

// NewWarner returns a Warner that logs to log: failMsg for a failure
// (Fail), okMsg once when the dependency answers after one (OK).
func NewWarner(log *slog.Logger, failMsg, okMsg string) *Warner {
	return &Warner{log: log, failMsg: failMsg, okMsg: okMsg}
}

// Fail records that an operation op failed with err and warns, now and then.
func (w *Warner) Fail(op string, err error) {
	w.down.Store(true)
	w.Warn(w.failMsg, op, err)
}

// OK records that the dependency answered, and says so once after a failure.
func (w *Warner) OK() {
	// Load first: the common case must not write to a shared cache line.
	if w.down.Load() && w.down.Swap(false) {
		w.log.Info(w.okMsg)
	}
}

// Warn logs msg about op and err, unless a warning (this one or Fail's)
// was logged less than WarnEvery ago; then it counts it for the next one.
func (w *Warner) Warn(msg, op string, err error) {
	now := time.Now().UnixNano()
	last := w.lastWarn.Load()
	if now-last < int64(WarnEvery) || !w.lastWarn.CompareAndSwap(last, now) {
		w.suppressed.Add(1)
		return
	}
	w.log.Warn(msg, "op", op, "err", err, "suppressed", w.suppressed.Swap(0))
}
