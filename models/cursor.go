package models

import (
	"encoding/base64"
	"strconv"
	"strings"
	"time"

	"github.com/conduit-graphql/conduit/internal/conduit"
)

const cursorPrefix = "c1:"

// EncodeCursor returns the opaque form of a list position.
func EncodeCursor(c conduit.Cursor) string {
	s := cursorPrefix + strconv.FormatInt(c.Time.UnixMicro(), 10) + ":" + strconv.FormatInt(c.ID, 10)
	return base64.RawURLEncoding.EncodeToString([]byte(s))
}

// DecodeCursor reads an opaque cursor; nil for nil. EINVALID, naming field,
// when it is malformed.
func DecodeCursor(field string, s *string) (*conduit.Cursor, error) {
	if s == nil {
		return nil, nil
	}
	bad := conduit.FieldError(field, "%q is not a valid cursor.", *s)
	raw, err := base64.RawURLEncoding.DecodeString(*s)
	if err != nil {
		return nil, bad
	}
	rest, ok := strings.CutPrefix(string(raw), cursorPrefix)
	us, ids, ok2 := strings.Cut(rest, ":")
	if !ok || !ok2 {
		return nil, bad
	}
	micros, err1 := strconv.ParseInt(us, 10, 64)
	id, err2 := strconv.ParseInt(ids, 10, 64)
	if err1 != nil || err2 != nil || id <= 0 || micros < minCursorMicros || micros > maxCursorMicros {
		return nil, bad
	}
	return &conduit.Cursor{Time: time.UnixMicro(micros).UTC(), ID: id}, nil
}

// A cursor's time lies within years 1 to 9999, the range that both
// databases store and compare (PostgreSQL's timestamps end in 294276 and
// refuse what is beyond; SQLite compares times as text with four-digit
// years). Every real row's time is far inside it.
var (
	minCursorMicros = time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC).UnixMicro()
	maxCursorMicros = time.Date(9999, 12, 31, 23, 59, 59, 999999000, time.UTC).UnixMicro()
)

// PageArgs checks connection arguments and turns them into conduit.PageArgs:
// first defaults to 20 and, like last, must be 1 to 100; first/after and
// last/before don't mix.
func PageArgs(first *int, after *string, last *int, before *string) (conduit.PageArgs, error) {
	var v conduit.Validation
	var args conduit.PageArgs
	checkSize := func(name string, n *int) int {
		if n == nil {
			return 0
		} else if *n < 1 || *n > conduit.MaxPageSize {
			v.Add(name, "%s must be between 1 and %d.", name, conduit.MaxPageSize)
			return 0
		}
		return *n
	}
	args.First, args.Last = checkSize("first", first), checkSize("last", last)
	var err error
	if args.After, err = DecodeCursor("after", after); err != nil {
		v.Add("after", "%s", conduit.ErrorFields(err)["after"][0])
	}
	if args.Before, err = DecodeCursor("before", before); err != nil {
		v.Add("before", "%s", conduit.ErrorFields(err)["before"][0])
	}
	backward := last != nil || before != nil
	if backward && (first != nil || after != nil) {
		v.Add("last", "Use first/after or last/before, not both.")
	}
	if err := v.Err(); err != nil {
		return conduit.PageArgs{}, err
	}
	if backward && args.Last == 0 {
		args.Last = conduit.DefaultPageSize
	} else if !backward && args.First == 0 {
		args.First = conduit.DefaultPageSize
	}
	return args, nil
}
