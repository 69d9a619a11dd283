package models

import (
	"testing"
	"time"

	"github.com/conduit-graphql/conduit/internal/conduit"
)

// FuzzParseGlobalID: any string is either refused with BAD_USER_INPUT or
// names a type and a positive id that encode back to the same.
func FuzzParseGlobalID(f *testing.F) {
	for _, s := range []string{GlobalID(TypeArticle, 42), GlobalID(TypeUser, 1), "", "42", "!!!", "VXNlcjotMQ", "VXNlcjphYmM", "QXJ0aWNsZTo0Mg==", "VXNlcjorMQ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		typ, id, err := ParseGlobalID("id", s)
		if err != nil {
			if conduit.ErrorCode(err) != conduit.EINVALID {
				t.Fatalf("%q: code %s", s, conduit.ErrorCode(err))
			}
			return
		}
		if id <= 0 || typ == "" {
			t.Fatalf("%q: accepted type %q id %d", s, typ, id)
		}
		typ2, id2, err := ParseGlobalID("id", GlobalID(typ, id))
		if err != nil || typ2 != typ || id2 != id {
			t.Fatalf("%q: (%q, %d) does not round-trip: (%q, %d, %v)", s, typ, id, typ2, id2, err)
		}
	})
}

// FuzzDecodeCursor: any string is either refused with BAD_USER_INPUT or is
// a position with a positive id, a time both databases store, that
// encodes back to the same.
func FuzzDecodeCursor(f *testing.F) {
	for _, s := range []string{
		EncodeCursor(conduit.Cursor{Time: time.Date(2026, 11, 26, 13, 22, 30, 123456000, time.UTC), ID: 7}),
		"", "x", "YzE6", "YzE6MTow", "YzE6YWJjOjE", "YzE6OTIyMzM3MjAzNjg1NDc3NTgwNzox",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := DecodeCursor("after", &s)
		if err != nil {
			if conduit.ErrorCode(err) != conduit.EINVALID {
				t.Fatalf("%q: code %s", s, conduit.ErrorCode(err))
			}
			return
		}
		if c.ID <= 0 || c.Time.Year() < 1 || c.Time.Year() > 9999 {
			t.Fatalf("%q: accepted %+v", s, c)
		}
		again := EncodeCursor(*c)
		c2, err := DecodeCursor("after", &again)
		if err != nil || !c2.Time.Equal(c.Time) || c2.ID != c.ID {
			t.Fatalf("%q: %+v does not round-trip: %+v, %v", s, c, c2, err)
		}
	})
}
