package httpapi

import (
	"errors"
	"io"
	"net/http"
	"os"
	"sync"
	"time"
)

// withBodyTimeout bounds how long a request's body may take to arrive: a
// client that trickles a byte every few seconds would otherwise hold a
// connection and a goroutine for as long as it likes. The deadline is set
// on the connection for this request only and cleared once the body has
// been read, so what comes after (a slow answer, an event stream, the
// next request on the connection) is not cut. Websocket upgrades have no
// body and get no deadline; http.Server's ReadHeaderTimeout bounds their
// headers.
func withBodyTimeout(d time.Duration) middleware {
	return func(next http.Handler) http.Handler {
		if d <= 0 {
			return next
		}
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Body == nil || r.Body == http.NoBody {
				next.ServeHTTP(w, r)
				return
			}
			rc := http.NewResponseController(w)
			if err := rc.SetReadDeadline(time.Now().Add(d)); err != nil {
				// The writer cannot set deadlines (a test recorder).
				next.ServeHTTP(w, r)
				return
			}
			body := &deadlineBody{ReadCloser: r.Body, timeout: d}
			body.clear = func() { _ = rc.SetReadDeadline(time.Time{}) }
			r.Body = body
			next.ServeHTTP(w, r)
		})
	}
}

// ErrBodyTimeout is the error of reading a request body that did not
// arrive in time.
type ErrBodyTimeout struct{ Timeout time.Duration }

// Error says what happened, in the client's terms.
func (e ErrBodyTimeout) Error() string {
	return "the request body did not arrive within " + e.Timeout.String()
}

// deadlineBody clears the connection's read deadline when the body ends,
// and names the error of one that did not arrive in time.
type deadlineBody struct {
	io.ReadCloser
	timeout time.Duration
	clear   func()
	once    sync.Once
}

// Read reads the body; at its end the deadline is lifted.
func (b *deadlineBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	switch {
	case errors.Is(err, os.ErrDeadlineExceeded):
		return n, ErrBodyTimeout{b.timeout}
	case err != nil:
		// io.EOF, or the connection is gone: either way nothing more will
		// be read for this request, and the deadline must not outlive it.
		b.once.Do(b.clear)
	}
	return n, err
}
