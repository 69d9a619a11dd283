// Package resolvers turns GraphQL fields into calls on the domain services
// and loaders. It never touches the database, the cache or the broker itself.
package resolvers

// Resolver is the root of every resolver; server.go fills its dependencies.
type Resolver struct{}
