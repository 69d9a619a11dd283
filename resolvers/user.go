package resolvers

import (
	"context"

	"github.com/conduit-graphql/conduit/internal/conduit"
	"github.com/conduit-graphql/conduit/internal/loaders"
	"github.com/conduit-graphql/conduit/models"
)

// Email is shown only to the user themself.
func (r userResolver) Email(ctx context.Context, obj *conduit.User) (*string, error) {
	if !conduit.IsViewer(ctx, obj.ID) {
		return nil, nil
	}
	return &obj.Email, nil
}

// ViewerIsFollowing says whether the viewer follows the user, through the
// loader that pages prime; on a miss, it loads for the whole list.
func (r userResolver) ViewerIsFollowing(ctx context.Context, obj *conduit.User) (bool, error) {
	l := loaders.For(ctx).ViewerIsFollowing()
	if list := listStart(ctx, obj); len(list) > 1 {
		_, _ = l.LoadAll(ctx, userIDs(list)) // hits when primed; else one batch for all
	}
	return l.Load(ctx, obj.ID)
}

// Articles pages through the user's articles, newest first.
func (r userResolver) Articles(ctx context.Context, obj *conduit.User, first *int, after *string) (*models.ArticleConnection, error) {
	return r.articleConnection(ctx, conduit.ArticleFilter{AuthorID: obj.ID}, first, after, nil, nil)
}

// FavoriteArticles pages through the articles the user favorited.
func (r userResolver) FavoriteArticles(ctx context.Context, obj *conduit.User, first *int, after *string) (*models.ArticleConnection, error) {
	return r.articleConnection(ctx, conduit.ArticleFilter{FavoritedByID: obj.ID}, first, after, nil, nil)
}

// Followers pages through the users who follow obj.
func (r userResolver) Followers(ctx context.Context, obj *conduit.User, first *int, after *string) (*models.UserConnection, error) {
	return r.userConnection(ctx, r.Users.Followers, obj.ID, obj.FollowersCount, first, after)
}

// Following pages through the users whom obj follows.
func (r userResolver) Following(ctx context.Context, obj *conduit.User, first *int, after *string) (*models.UserConnection, error) {
	return r.userConnection(ctx, r.Users.Following, obj.ID, obj.FollowingCount, first, after)
}

type userPager func(ctx context.Context, userID int64, args conduit.PageArgs) (*conduit.Page[*conduit.User], error)

func (r *Resolver) userConnection(ctx context.Context, page userPager, userID int64, total int, first *int, after *string) (*models.UserConnection, error) {
	args, err := models.PageArgs(first, after, nil, nil)
	if err != nil {
		return nil, err
	}
	p, err := page(ctx, userID, args)
	if err != nil {
		return nil, err
	}
	primeUsers(ctx, p.Items)
	r.prefetchUsers(ctx, itemFields(ctx, "User"), p.Items)
	return models.NewConnection(p, func(context.Context) (int, error) { return total, nil }), nil
}

// primeUsers lets later fields of the operation find these users without a query.
func primeUsers(ctx context.Context, users []*conduit.User) {
	l := loaders.For(ctx)
	for _, u := range users {
		l.PrimeUser(u)
	}
}

func userIDs(users []*conduit.User) []int64 {
	ids := make([]int64, len(users))
	for i, u := range users {
		ids[i] = u.ID
	}
	return ids
}
