package resolvers

import (
	"context"
	"fmt"

	"github.com/conduit-graphql/conduit/internal/conduit"
	"github.com/conduit-graphql/conduit/internal/loaders"
	"github.com/conduit-graphql/conduit/models"
)

// SignUp makes an account and signs it in.
func (r mutationResolver) SignUp(ctx context.Context, input models.SignUpInput) (*models.AuthPayload, error) {
	u, err := r.Users.CreateUser(ctx, conduit.NewUser{Username: input.Username, Email: input.Email, Password: input.Password})
	if err != nil {
		return nil, err
	}
	return r.authPayload(ctx, u)
}

// SignIn checks an e-mail address and password and signs the user in.
func (r mutationResolver) SignIn(ctx context.Context, input models.SignInInput) (*models.AuthPayload, error) {
	u, err := r.Users.Authenticate(ctx, input.Email, input.Password)
	if err != nil {
		return nil, err
	}
	return r.authPayload(ctx, u)
}

// UpdateViewer changes the signed-in user's account.
func (r mutationResolver) UpdateViewer(ctx context.Context, input models.UpdateViewerInput) (*models.UpdateViewerPayload, error) {
	viewer, err := conduit.RequireViewer(ctx)
	if err != nil {
		return nil, err
	}
	u, err := r.Users.UpdateUser(ctx, viewer.ID, conduit.UserUpdate{
		Username: input.Username, Email: input.Email, Password: input.Password, Bio: input.Bio, Image: input.Image,
	})
	if err != nil {
		return nil, err
	}
	primeUser(ctx, u)
	payload := &models.UpdateViewerPayload{User: u}
	// Against the token's own version: the viewer may be a user read
	// earlier and reused.
	version, ok := conduit.ViewerTokenVersion(ctx)
	if !ok {
		version = viewer.TokenVersion
	}
	if u.TokenVersion != version {
		token, err := r.Tokens.Issue(u)
		if err != nil {
			return nil, fmt.Errorf("update viewer: %w", err)
		}
		payload.Token = &token
	}
	return payload, nil
}

func (r mutationResolver) authPayload(ctx context.Context, u *conduit.User) (*models.AuthPayload, error) {
	token, err := r.Tokens.Issue(u)
	if err != nil {
		return nil, fmt.Errorf("issue token: %w", err)
	}
	// The rest of the operation shows the new user what a viewer sees (email included).
	primeUser(ctx, u)
	conduit.SignIn(ctx, u.ID)
	return &models.AuthPayload{Token: token, User: u}, nil
}

// primeUser makes the operation's later fields see u as it is now.
func primeUser(ctx context.Context, u *conduit.User) {
	loaders.For(ctx).PrimeUser(u)
}
