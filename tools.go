//go:build tools

package main

// Pins the code generator's version in go.mod for `go generate`.
import _ "github.com/99designs/gqlgen"
