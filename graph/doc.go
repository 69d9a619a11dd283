// Package graph is the executable schema: parsing, validation and the
// executor that calls the resolvers, generated from schema.graphqls and
// gqlgen.yml by go generate (internal/execgen). It is never edited by
// hand, but for this file, which generation leaves alone.
//
// It reaches the service only through ResolverRoot, which resolvers
// implements, and the domain and wire types that gqlgen.yml binds.
//
// Never imports: resolvers, internal/store, internal/cache,
// internal/pubsub, internal/loaders, internal/httpapi, internal/auth,
// github.com/uptrace/bun, github.com/redis/go-redis/v9.
package graph
