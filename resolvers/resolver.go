// Package resolvers turns GraphQL fields into calls on the domain services
// and loaders. It never touches the database, the cache or the broker itself.
//
// Never imports: internal/store, internal/cache, internal/pubsub,
// internal/httpapi, internal/auth, internal/cli, github.com/uptrace/bun,
// github.com/redis/go-redis/v9.
package resolvers

import (
	"log/slog"

	"github.com/conduit-graphql/conduit/graph"
	"github.com/conduit-graphql/conduit/internal/conduit"
	"github.com/conduit-graphql/conduit/internal/loaders"
)

// TokenIssuer signs tokens for signed-in users.
type TokenIssuer interface {
	Issue(u *conduit.User) (string, error)
}

// Resolver is the root of every resolver; internal/app fills all of its
// dependencies.
type Resolver struct {
	Users    conduit.UserService
	Articles conduit.ArticleService
	Comments conduit.CommentService
	// Events is what subscriptions listen to; writes are published by
	// the services (pubsub.NewArticleService), not here.
	Events conduit.EventService
	Tokens TokenIssuer
	Logger *slog.Logger
	// Loaders makes the loaders that a subscription's events share.
	Loaders *loaders.Factory
}

var _ graph.ResolverRoot = (*Resolver)(nil)

// Query returns the resolver of Query's fields.
func (r *Resolver) Query() graph.QueryResolver { return queryResolver{r} }

// Mutation returns the resolver of Mutation's fields.
func (r *Resolver) Mutation() graph.MutationResolver { return mutationResolver{r} }

// Subscription returns the resolver of Subscription's fields.
func (r *Resolver) Subscription() graph.SubscriptionResolver { return subscriptionResolver{r} }

// User returns the resolver of User's fields.
func (r *Resolver) User() graph.UserResolver { return userResolver{r} }

// Article returns the resolver of Article's fields.
func (r *Resolver) Article() graph.ArticleResolver { return articleResolver{r} }

// Comment returns the resolver of Comment's fields.
func (r *Resolver) Comment() graph.CommentResolver { return commentResolver{r} }

// The resolvers of each type hold just the root, by value: an interface
// holds such a value without an allocation, and one is handed out for
// every resolver field of every object.
type (
	queryResolver        struct{ *Resolver }
	mutationResolver     struct{ *Resolver }
	subscriptionResolver struct{ *Resolver }
	userResolver         struct{ *Resolver }
	articleResolver      struct{ *Resolver }
	commentResolver      struct{ *Resolver }
)

// notFoundIsNil turns ENOTFOUND into a null answer, as queries give for
// things that do not exist.
func notFoundIsNil[T any](v *T, err error) (*T, error) {
	if conduit.ErrorCode(err) == conduit.ENOTFOUND {
		return nil, nil
	}
	return v, err
}
