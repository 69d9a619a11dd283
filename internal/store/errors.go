package store

import (
	"database/sql"
	"errors"
	"strings"

	"github.com/conduit-graphql/conduit/internal/conduit"
	"github.com/jackc/pgx/v5/pgconn"
)

// uniqueFields names the input field behind each unique constraint, by the
// names that the drivers report: PostgreSQL's constraint or index name,
// SQLite's "table.column" or, for an expression index, its name.
var uniqueFields = []struct{ key, field, message string }{
	{"users_username_key", "username", "Username has already been taken."},
	{"users.username", "username", "Username has already been taken."},
	{"users_email_lower_key", "email", "Email has already been taken."},
	{"articles_slug_key", "slug", "Slug has already been taken."},
	{"articles.slug", "slug", "Slug has already been taken."},
}

// SQLite's extended result codes for constraint violations.
const (
	sqliteConstraintForeignKey = 787
	sqliteConstraintPrimaryKey = 1555
	sqliteConstraintUnique     = 2067
)

// dbError classifies a driver error: no rows, or a foreign key that points
// at no row (it was deleted meanwhile), becomes ENOTFOUND ("<what> not
// found."); a unique violation becomes EINVALID naming the field; anything
// else, *conduit.Error included, is returned as it is.
func dbError(err error, what string) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) || foreignKeyViolation(err) {
		return conduit.Errorf(conduit.ENOTFOUND, "%s not found.", what)
	}
	if name, ok := uniqueViolation(err); ok {
		for _, u := range uniqueFields {
			if strings.Contains(name, u.key) {
				return conduit.FieldError(u.field, "%s", u.message)
			}
		}
		return conduit.Errorf(conduit.EINVALID, "That value has already been taken.")
	}
	return err
}

// uniqueViolation reports whether err is a unique violation, and the name
// of the constraint (PostgreSQL) or the message naming it (SQLite).
func uniqueViolation(err error) (string, bool) {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.ConstraintName, pgErr.Code == "23505"
	}
	// modernc.org/sqlite's *Error has Code() with the extended result code.
	var coded interface{ Code() int }
	if errors.As(err, &coded) {
		c := coded.Code()
		return err.Error(), c == sqliteConstraintUnique || c == sqliteConstraintPrimaryKey
	}
	// Other SQLite drivers say so in the message.
	msg := err.Error()
	return msg, strings.Contains(msg, "UNIQUE constraint failed")
}

// foreignKeyViolation reports whether err is a foreign key violation.
func foreignKeyViolation(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == "23503"
	}
	var coded interface{ Code() int }
	if errors.As(err, &coded) {
		return coded.Code() == sqliteConstraintForeignKey
	}
	return strings.Contains(err.Error(), "FOREIGN KEY constraint failed")
}

// isNotFound reports whether err is an ENOTFOUND *conduit.Error.
func isNotFound(err error) bool {
	return conduit.ErrorCode(err) == conduit.ENOTFOUND
}
