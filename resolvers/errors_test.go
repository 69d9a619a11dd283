package resolvers

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/conduit-graphql/conduit/internal/conduit"
)

// TestErrorPresenter_ClientLeft: a field that fails because its request's
// client left is no server error: it is logged at info, not as an internal
// error. A cancellation while the request is still wanted is one.
func TestErrorPresenter_ClientLeft(t *testing.T) {
	var buf bytes.Buffer
	present := ErrorPresenter(slog.New(slog.NewTextHandler(&buf, nil)))
	stopped := fmt.Errorf("articles: %w", context.Canceled)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	got := present(ctx, stopped)
	if code := got.Extensions["code"]; code != conduit.EINTERNAL {
		t.Errorf("code = %v, want %s", code, conduit.EINTERNAL)
	}
	if line := buf.String(); !strings.Contains(line, "level=INFO") || strings.Contains(line, "level=ERROR") {
		t.Errorf("client left, logged %q; want one info line", line)
	}

	buf.Reset()
	present(context.Background(), stopped)
	if line := buf.String(); !strings.Contains(line, "level=ERROR") || !strings.Contains(line, "internal error") {
		t.Errorf("canceled while still wanted, logged %q; want an internal error", line)
	}

	buf.Reset()
	present(ctx, errors.New("disk on fire"))
	if line := buf.String(); !strings.Contains(line, "level=ERROR") {
		t.Errorf("another error after the client left, logged %q; want an internal error", line)
	}
}
