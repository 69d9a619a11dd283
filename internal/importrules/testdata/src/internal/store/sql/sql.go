// Package sql states its rule in a file of its own (doc.go would do).
package sql
