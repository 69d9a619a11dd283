package resolvers

import (
	"context"

	"github.com/conduit-graphql/conduit/internal/conduit"
	"github.com/conduit-graphql/conduit/internal/loaders"
	"github.com/conduit-graphql/conduit/models"
)

// FollowUser makes the viewer follow a user.
func (r mutationResolver) FollowUser(ctx context.Context, input models.FollowUserInput) (*models.FollowUserPayload, error) {
	u, err := r.changeFollow(ctx, input.UserID, r.Users.FollowUser)
	if err != nil {
		return nil, err
	}
	return &models.FollowUserPayload{User: u}, nil
}

// UnfollowUser makes the viewer stop following a user.
func (r mutationResolver) UnfollowUser(ctx context.Context, input models.UnfollowUserInput) (*models.UnfollowUserPayload, error) {
	u, err := r.changeFollow(ctx, input.UserID, r.Users.UnfollowUser)
	if err != nil {
		return nil, err
	}
	return &models.UnfollowUserPayload{User: u}, nil
}

// changeFollow applies a follow change and returns the followee as it is now.
func (r mutationResolver) changeFollow(ctx context.Context, userID string, change func(context.Context, int64, int64) error) (*conduit.User, error) {
	viewer, id, err := viewerAndID(ctx, "userId", models.TypeUser, userID)
	if err != nil {
		return nil, err
	}
	if err := change(ctx, viewer.ID, id); err != nil {
		return nil, err
	}
	u, err := r.Users.UserByID(ctx, id)
	if err != nil {
		return nil, err
	}
	primeUser(ctx, u)
	loaders.For(ctx).ViewerIsFollowing().Clear(id)
	return u, nil
}

// viewerAndID returns the signed-in viewer and the id that the global id gid
// (of input field field) names, which must be of type typ.
func viewerAndID(ctx context.Context, field, typ, gid string) (*conduit.User, int64, error) {
	viewer, err := conduit.RequireViewer(ctx)
	if err != nil {
		return nil, 0, err
	}
	id, err := models.ParseID(field, typ, gid)
	if err != nil {
		return nil, 0, err
	}
	return viewer, id, nil
}
