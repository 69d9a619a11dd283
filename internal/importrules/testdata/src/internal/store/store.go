// Package store keeps to its rules: an example that is not a rule
//
//	Never imports: example.org/db.
//
// is not read as one.
//
// Imports only: standard library, example.org/db.
package store

import (
	"database/sql"

	"example.org/db"
)

var _, _ = sql.Open, db.X
