package logbuf

import (
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/conduit-graphql/conduit/internal/testenv"
)

func TestWriter(t *testing.T) {
	t.Run("InfoWaitsForTheInterval", func(t *testing.T) {
		out := &testenv.Buffer{}
		b := New(out, 50*time.Millisecond)
		defer b.Close()
		log := slog.New(Handler(slog.NewTextHandler(b, nil), b))
		log.Info("request", "status", 200)
		if out.String() != "" {
			t.Fatalf("written before the interval: %q", out.String())
		}
		deadline := time.Now().Add(2 * time.Second)
		for !strings.Contains(out.String(), "status=200") {
			if time.Now().After(deadline) {
				t.Fatal("an info line never reached the output")
			}
			time.Sleep(10 * time.Millisecond)
		}
	})
	t.Run("WarningAtOnce", func(t *testing.T) {
		out := &testenv.Buffer{}
		b := New(out, time.Hour)
		defer b.Close()
		log := slog.New(Handler(slog.NewTextHandler(b, nil), b)).With("component", "x")
		log.Info("first")
		log.Warn("disk full")
		if s := out.String(); !strings.Contains(s, "first") || !strings.Contains(s, "disk full") || !strings.Contains(s, "component=x") {
			t.Fatalf("a warning did not flush the lines before it: %q", s)
		}
	})
	t.Run("CloseFlushes", func(t *testing.T) {
		out := &testenv.Buffer{}
		b := New(out, time.Hour)
		_, _ = b.Write([]byte("last line\n"))
		if err := b.Close(); err != nil {
			t.Fatal(err)
		}
		if out.String() != "last line\n" {
			t.Fatalf("got %q", out.String())
		}
	})
}
