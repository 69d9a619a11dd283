package outage_test

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/conduit-graphql/conduit/internal/outage"
)

// logBuffer is a log destination that tests can read.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) lines() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Split(strings.TrimSpace(l.b.String()), "\n")
}

// An outage logs one warning per WarnEvery, which counts those held back,
// and one line when the dependency answers again.
func TestWarner(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		log := new(logBuffer)
		w := outage.NewWarner(slog.New(slog.NewTextHandler(log, nil)), "redis failed", "redis answers again")
		w.OK() // answers, and had not failed: nothing to say
		boom := errors.New("boom")
		for range 5 {
			w.Fail("get", boom)
		}
		w.Warn("bad entry", "decode", boom) // shares the limit
		time.Sleep(outage.WarnEvery)
		w.Fail("set", boom)
		w.OK()
		w.OK()

		got := log.lines()
		if len(got) != 3 {
			t.Fatalf("want 3 lines, got %q", got)
		}
		for i, want := range []string{
			`level=WARN msg="redis failed" op=get err=boom suppressed=0`,
			`level=WARN msg="redis failed" op=set err=boom suppressed=5`,
			`level=INFO msg="redis answers again"`,
		} {
			if !strings.HasSuffix(got[i], want) {
				t.Errorf("line %d = %q, want it to end with %q", i, got[i], want)
			}
		}
	})
}
