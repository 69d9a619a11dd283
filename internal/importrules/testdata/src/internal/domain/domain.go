// Package domain may import only the standard library, and breaks that.
//
// Imports only: standard library.
package domain

import (
	"context"
	"net/http"

	"example.com/fixture/internal/store"
)

var _ = context.Background
var _ = http.Get
var _ = store.Open
