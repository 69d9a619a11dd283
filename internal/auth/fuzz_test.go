package auth

import (
	"testing"
	"time"

	"github.com/conduit-graphql/conduit/internal/conduit"
)

// FuzzTokensParse: no input panics the token parser, every refusal is
// UNAUTHENTICATED, and what is accepted names a positive user id.
func FuzzTokensParse(f *testing.F) {
	tokens := NewTokens([]byte("0123456789abcdef0123456789abcdef"), time.Hour)
	valid, err := tokens.Issue(&conduit.User{ID: 42, TokenVersion: 3})
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{valid, "", "a.b.c", "eyJhbGciOiJub25lIn0.eyJzdWIiOiI0MiJ9.", valid + "x", valid[:len(valid)-2]} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, _, err := tokens.Parse(s)
		if err != nil {
			if conduit.ErrorCode(err) != conduit.EUNAUTHENTICATED {
				t.Fatalf("%q: code %s", s, conduit.ErrorCode(err))
			}
			return
		}
		if id <= 0 {
			t.Fatalf("%q: accepted user id %d", s, id)
		}
	})
}
