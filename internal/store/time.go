package store

import (
	"fmt"
	"strconv"
	"time"

	"github.com/uptrace/bun/dialect"
	"github.com/uptrace/bun/schema"
)

// dbTime is how every timestamp column is read and written.
//
// On PostgreSQL it is a timestamptz, which keeps microseconds. On SQLite it
// is an INTEGER of microseconds since the Unix epoch: bun would otherwise
// write times as text with a variable-length fraction, and a column that
// mixes such text with times written by other code (CURRENT_TIMESTAMP, the
// driver's own format, a 'Z' suffix) no longer sorts or compares correctly.
// Integers sort, compare and round-trip exactly, and a cursor holds the
// same microseconds. Times are truncated to microseconds on the way in, so
// what is read back equals what was written.
type dbTime struct {
	time.Time
}

// newTime returns t in UTC, truncated to the microsecond.
func newTime(t time.Time) dbTime {
	return dbTime{Time: t.UTC().Truncate(time.Microsecond)}
}

// AppendQuery writes the time as a literal for the query's dialect.
func (t dbTime) AppendQuery(gen schema.QueryGen, b []byte) ([]byte, error) {
	tm := t.UTC().Truncate(time.Microsecond)
	if gen.Dialect().Name() == dialect.SQLite {
		return strconv.AppendInt(b, tm.UnixMicro(), 10), nil
	}
	return gen.Dialect().AppendTime(b, tm), nil
}

// Scan reads integer microseconds (SQLite) or a time (PostgreSQL).
func (t *dbTime) Scan(src any) error {
	switch v := src.(type) {
	case int64:
		t.Time = time.UnixMicro(v).UTC()
	case time.Time:
		t.Time = v.UTC().Truncate(time.Microsecond)
	case nil:
		t.Time = time.Time{}
	default:
		return fmt.Errorf("store: cannot scan %T into a time", src)
	}
	return nil
}
