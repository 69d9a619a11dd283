// Package web must not reach the database, and does, through a package
// below the store and a newer major version of the driver.
//
// Never imports: internal/store,
// example.org/db.
package web

import (
	"example.com/fixture/internal/domain"
	"example.com/fixture/internal/store/sql"
	"example.com/fixture/internal/storefront"
	db "example.org/db/v2"
	"example.org/dbx"
)

var _, _, _, _, _ = domain.X, sql.X, storefront.X, db.X, dbx.X
