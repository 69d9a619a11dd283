package logbuf

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"
)

// TestAccess checks that an access line says what slog would have said:
// the same line as slog's handlers but for the time, for text, and the
// same object for JSON.
func TestAccess(t *testing.T) {
	cases := []struct{ method, path, id, op, client string }{
		{"POST", "/graphql", "0123456789abcdef", "ArticlePage", "web"},
		{"GET", "/a path/with=equals\"quote", "req-42", "", ""},
		{"OPTIONS", "/ünï\x00\n", "", "other", "ios-1.2"},
	}
	for _, c := range cases {
		for _, format := range []string{"text", "json"} {
			var got, want bytes.Buffer
			b := New(&got, time.Hour)
			Access(b, format)(c.method, c.path, 201, 1500*time.Microsecond, c.id, c.op, c.client)
			if err := b.Close(); err != nil {
				t.Fatal(err)
			}
			var h slog.Handler = slog.NewTextHandler(&want, nil)
			if format == "json" {
				h = slog.NewJSONHandler(&want, nil)
			}
			slog.New(h).Info("request", "method", c.method, "path", c.path, "status", 201, "duration", 1500*time.Microsecond, "request_id", c.id, "operation", c.op, "client", c.client)
			if format == "json" {
				var g, w map[string]any
				if err := json.Unmarshal(got.Bytes(), &g); err != nil {
					t.Fatalf("%s: not JSON: %v\n%s", format, err, got.String())
				}
				if err := json.Unmarshal(want.Bytes(), &w); err != nil {
					t.Fatal(err)
				}
				delete(g, "time")
				delete(w, "time")
				if !equalJSON(g, w) {
					t.Errorf("json %q:\n got %v\nwant %v", c.path, g, w)
				}
				continue
			}
			g, w := afterTime(got.String()), afterTime(want.String())
			if strings.ContainsAny(c.path, "ü") {
				// slog leaves printable non-ASCII unquoted; Access quotes it.
				if !strings.Contains(g, "path=") || strings.Count(g, "\n") != 1 {
					t.Errorf("text %q: %q", c.path, g)
				}
				continue
			}
			if g != w {
				t.Errorf("text %q:\n got %q\nwant %q", c.path, g, w)
			}
		}
	}
}

func afterTime(line string) string {
	_, rest, _ := strings.Cut(line, " ")
	return rest
}

func equalJSON(a, b map[string]any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}
