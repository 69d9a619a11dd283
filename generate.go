package main

// execgen is gqlgen's generate with serial execution below the root fields;
// internal/execgen says why.
//go:generate go run ./internal/execgen
