package resolvers_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/conduit-graphql/conduit/internal/apitest"
)

func TestSignUp(t *testing.T) {
	apitest.EachDB(t, func(t *testing.T, api *apitest.API) {
		alice := api.MustSignUp(t, "alice")
		require.NotEmpty(t, alice.Token)
		require.Equal(t, "alice@example.com", alice.Email, "the new user sees their own email")

		t.Run("ErrDuplicateUsername", func(t *testing.T) {
			resp := api.Post(t, "", apitest.SignUpMutation, map[string]any{"u": "alice", "e": "other@example.com", "p": "password123"})
			require.Equal(t, "BAD_USER_INPUT", resp.Code())
			require.Contains(t, resp.Errors[0].Extensions.Fields, "username")
			require.JSONEq(t, `null`, string(resp.Data))
		})
		t.Run("ErrDuplicateEmailAnyCase", func(t *testing.T) {
			resp := api.Post(t, "", apitest.SignUpMutation, map[string]any{"u": "alice2", "e": "ALICE@Example.com", "p": "password123"})
			require.Equal(t, "BAD_USER_INPUT", resp.Code())
			require.Contains(t, resp.Errors[0].Extensions.Fields, "email")
		})
		t.Run("ErrInvalidFields", func(t *testing.T) {
			resp := api.Post(t, "", apitest.SignUpMutation, map[string]any{"u": "bad name!", "e": "not-an-email", "p": "short"})
			require.Equal(t, "BAD_USER_INPUT", resp.Code())
			fields := resp.Errors[0].Extensions.Fields
			require.Contains(t, fields, "username")
			require.Contains(t, fields, "email")
			require.Contains(t, fields, "password")
		})
		t.Run("NothingLostOnError", func(t *testing.T) {
			// The failed sign-ups above made no account: the name is still free.
			api.MustSignUp(t, "alice2")
		})
	})
}

func TestSignIn(t *testing.T) {
	apitest.EachDB(t, func(t *testing.T, api *apitest.API) {
		api.MustSignUp(t, "bob")
		t.Run("OK", func(t *testing.T) {
			var out struct{ SignIn struct{ Token string } }
			api.Post(t, "", apitest.SignInMutation, map[string]any{"e": "BOB@example.com", "p": "password123"}).Decode(t, &out)
			require.NotEmpty(t, out.SignIn.Token)
			requireViewer(t, api, out.SignIn.Token, "bob")
		})
		t.Run("ErrSameMessageForUnknownEmailAndWrongPassword", func(t *testing.T) {
			wrong := api.Post(t, "", apitest.SignInMutation, map[string]any{"e": "bob@example.com", "p": "wrong-password"})
			unknown := api.Post(t, "", apitest.SignInMutation, map[string]any{"e": "nobody@example.com", "p": "password123"})
			require.Equal(t, "UNAUTHENTICATED", wrong.Code())
			require.Equal(t, "UNAUTHENTICATED", unknown.Code())
			require.Equal(t, wrong.Errors[0].Message, unknown.Errors[0].Message)
		})
	})
}

// requireViewer checks that token signs in as username.
func requireViewer(t *testing.T, api *apitest.API, token, username string) {
	t.Helper()
	var out struct {
		Viewer *struct{ Username, Email string }
	}
	api.Post(t, token, `{ viewer { username email } }`, nil).Decode(t, &out)
	require.NotNil(t, out.Viewer)
	require.Equal(t, username, out.Viewer.Username)
	require.Equal(t, username+"@example.com", out.Viewer.Email)
}

func TestViewer(t *testing.T) {
	apitest.EachDB(t, func(t *testing.T, api *apitest.API) {
		carol := api.MustSignUp(t, "carol")
		t.Run("Anonymous", func(t *testing.T) {
			resp := api.Post(t, "", `{ viewer { username } }`, nil)
			require.Empty(t, resp.Errors)
			require.JSONEq(t, `{"viewer": null}`, string(resp.Data))
		})
		t.Run("Bearer", func(t *testing.T) { requireViewer(t, api, carol.Token, "carol") })
		t.Run("TokenScheme", func(t *testing.T) {
			var out struct{ Viewer struct{ Username string } }
			r := apitest.NewGraphQLRequest(t, `{ viewer { username } }`)
			r.Header.Set("Authorization", "Token "+carol.Token)
			api.Send(t, r).Decode(t, &out)
			require.Equal(t, "carol", out.Viewer.Username)
		})
		t.Run("ErrBadToken", func(t *testing.T) {
			for _, token := range []string{"garbage", carol.Token[:len(carol.Token)-2] + "xx"} {
				resp := api.Post(t, token, `{ viewer { username } articles(first: 1) { totalCount } }`, nil)
				require.Equal(t, "UNAUTHENTICATED", resp.Code())
				require.Equal(t, []any{"viewer"}, resp.Errors[0].Path)
			}
		})
	})
}

func TestUserQuery(t *testing.T) {
	apitest.EachDB(t, func(t *testing.T, api *apitest.API) {
		dave := api.MustSignUp(t, "dave")
		erin := api.MustSignUp(t, "erin")
		const q = `query($u: String!) { user(username: $u) { id username email bio image createdAt } }`
		t.Run("EmailIsPrivate", func(t *testing.T) {
			var out struct {
				User struct {
					ID, Username string
					Email        *string
				}
			}
			api.Post(t, erin.Token, q, map[string]any{"u": "dave"}).Decode(t, &out)
			require.Equal(t, dave.ID, out.User.ID)
			require.Nil(t, out.User.Email, "another user's email is never shown")
			api.Post(t, "", q, map[string]any{"u": "dave"}).Decode(t, &out)
			require.Nil(t, out.User.Email)
			api.Post(t, dave.Token, q, map[string]any{"u": "dave"}).Decode(t, &out)
			require.Equal(t, "dave@example.com", *out.User.Email)
		})
		t.Run("NotFoundIsNull", func(t *testing.T) {
			resp := api.Post(t, "", q, map[string]any{"u": "nobody"})
			require.Empty(t, resp.Errors)
			require.JSONEq(t, `{"user": null}`, string(resp.Data))
		})
	})
}

const updateViewerMutation = `mutation($in: UpdateViewerInput!) { updateViewer(input: $in) { token user { username email bio image } } }`

func TestUpdateViewer(t *testing.T) {
	apitest.EachDB(t, func(t *testing.T, api *apitest.API) {
		frank := api.MustSignUp(t, "frank")
		api.MustSignUp(t, "grace")
		t.Run("ErrAnonymous", func(t *testing.T) {
			resp := api.Post(t, "", updateViewerMutation, map[string]any{"in": map[string]any{"bio": "hi"}})
			require.Equal(t, "UNAUTHENTICATED", resp.Code())
		})
		t.Run("OK", func(t *testing.T) {
			var out struct {
				UpdateViewer struct {
					Token *string
					User  struct {
						Username, Email string
						Bio, Image      *string
					}
				}
			}
			api.Post(t, frank.Token, updateViewerMutation, map[string]any{"in": map[string]any{"bio": "I write.", "image": "https://example.com/f.png"}}).Decode(t, &out)
			require.Equal(t, "I write.", *out.UpdateViewer.User.Bio)
			require.Equal(t, "https://example.com/f.png", *out.UpdateViewer.User.Image)
			require.Nil(t, out.UpdateViewer.Token, "no new token without a new password")
			api.Post(t, frank.Token, updateViewerMutation, map[string]any{"in": map[string]any{"bio": ""}}).Decode(t, &out)
			require.Nil(t, out.UpdateViewer.User.Bio, "an empty bio clears it")
		})
		t.Run("ErrEmptyInput", func(t *testing.T) {
			resp := api.Post(t, frank.Token, updateViewerMutation, map[string]any{"in": map[string]any{}})
			require.Equal(t, "BAD_USER_INPUT", resp.Code())
		})
		t.Run("ErrTakenUsername", func(t *testing.T) {
			resp := api.Post(t, frank.Token, updateViewerMutation, map[string]any{"in": map[string]any{"username": "grace"}})
			require.Equal(t, "BAD_USER_INPUT", resp.Code())
			require.Contains(t, resp.Errors[0].Extensions.Fields, "username")
		})
		t.Run("PasswordChangeRefusesOldTokens", func(t *testing.T) {
			var out struct{ UpdateViewer struct{ Token *string } }
			api.Post(t, frank.Token, updateViewerMutation, map[string]any{"in": map[string]any{"password": "new-password-1"}}).Decode(t, &out)
			require.NotNil(t, out.UpdateViewer.Token)
			resp := api.Post(t, frank.Token, `{ viewer { username } }`, nil)
			require.Equal(t, "UNAUTHENTICATED", resp.Code(), "the token from before the change is refused")
			requireViewer(t, api, *out.UpdateViewer.Token, "frank")
			resp = api.Post(t, "", apitest.SignInMutation, map[string]any{"e": "frank@example.com", "p": "password123"})
			require.Equal(t, "UNAUTHENTICATED", resp.Code(), "the old password no longer works")
			var in struct{ SignIn struct{ Token string } }
			api.Post(t, "", apitest.SignInMutation, map[string]any{"e": "frank@example.com", "p": "new-password-1"}).Decode(t, &in)
			requireViewer(t, api, in.SignIn.Token, "frank")
		})
	})
}

// TestTokenRecheck changes a password through one instance and checks
// when another instance on the same database refuses the old token: at
// once on the first, within --token-recheck on the second.
func TestTokenRecheck(t *testing.T) {
	apitest.EachDSN(t, func(t *testing.T, dsn string) {
		a := apitest.New(t, dsn)
		cfg := apitest.Config()
		cfg.TokenRecheck = 200 * time.Millisecond
		b := apitest.NewWith(t, dsn, cfg)
		judy := a.MustSignUp(t, "judy")
		requireViewer(t, b, judy.Token, "judy") // b now holds judy's token version
		var out struct{ UpdateViewer struct{ Token *string } }
		a.Post(t, judy.Token, updateViewerMutation, map[string]any{"in": map[string]any{"password": "new-password-1"}}).Decode(t, &out)
		require.Equal(t, "UNAUTHENTICATED", a.Post(t, judy.Token, `{ viewer { username } }`, nil).Code(), "refused at once where the password changed")
		require.Eventually(t, func() bool {
			return b.Post(t, judy.Token, `{ viewer { username } }`, nil).Code() == "UNAUTHENTICATED"
		}, 2*time.Second, 20*time.Millisecond, "the other instance keeps accepting the old token")
		requireViewer(t, b, *out.UpdateViewer.Token, "judy")
	})
}

const (
	unfollowMutation = `mutation($id: ID!) { unfollowUser(input: {userId: $id}) { user { username viewerIsFollowing followersCount } } }`
)

type followResult struct {
	Username          string
	ViewerIsFollowing bool
	FollowersCount    int
}

func TestFollow(t *testing.T) {
	apitest.EachDB(t, func(t *testing.T, api *apitest.API) {
		heidi, ivan := api.MustSignUp(t, "heidi"), api.MustSignUp(t, "ivan")
		follow := func(t *testing.T, m, token, id string) followResult {
			var out map[string]struct{ User followResult }
			api.Post(t, token, m, map[string]any{"id": id}).Decode(t, &out)
			for _, v := range out {
				return v.User
			}
			return followResult{}
		}
		t.Run("IdempotentFollow", func(t *testing.T) {
			require.Equal(t, followResult{"ivan", true, 1}, follow(t, apitest.FollowMutation, heidi.Token, ivan.ID))
			require.Equal(t, followResult{"ivan", true, 1}, follow(t, apitest.FollowMutation, heidi.Token, ivan.ID), "following twice counts once")
		})
		t.Run("Counts", func(t *testing.T) {
			var out struct {
				User struct{ FollowersCount, FollowingCount int }
			}
			api.Post(t, "", `{ user(username: "heidi") { followersCount followingCount } }`, nil).Decode(t, &out)
			require.Equal(t, 0, out.User.FollowersCount)
			require.Equal(t, 1, out.User.FollowingCount)
		})
		t.Run("IdempotentUnfollow", func(t *testing.T) {
			require.Equal(t, followResult{"ivan", false, 0}, follow(t, unfollowMutation, heidi.Token, ivan.ID))
			require.Equal(t, followResult{"ivan", false, 0}, follow(t, unfollowMutation, heidi.Token, ivan.ID))
		})
		t.Run("ErrFollowSelf", func(t *testing.T) {
			resp := api.Post(t, heidi.Token, apitest.FollowMutation, map[string]any{"id": heidi.ID})
			require.Equal(t, "BAD_USER_INPUT", resp.Code())
		})
		t.Run("ErrAnonymous", func(t *testing.T) {
			require.Equal(t, "UNAUTHENTICATED", api.Post(t, "", apitest.FollowMutation, map[string]any{"id": ivan.ID}).Code())
		})
		t.Run("ErrUnknownUser", func(t *testing.T) {
			resp := api.Post(t, heidi.Token, apitest.FollowMutation, map[string]any{"id": apitest.GlobalID("User", 999999)})
			require.Equal(t, "NOT_FOUND", resp.Code())
		})
		t.Run("ErrMalformedID", func(t *testing.T) {
			for _, id := range []string{"not-an-id", apitest.GlobalID("Article", 1), "", "%%%"} {
				resp := api.Post(t, heidi.Token, apitest.FollowMutation, map[string]any{"id": id})
				require.Equal(t, "BAD_USER_INPUT", resp.Code(), "id %q", id)
				require.Contains(t, resp.Errors[0].Extensions.Fields, "userId")
			}
		})
	})
}

func TestFollowersConnection(t *testing.T) {
	apitest.EachDB(t, func(t *testing.T, api *apitest.API) {
		star := api.MustSignUp(t, "star")
		var fans []apitest.User
		for i := range 7 {
			fan := api.MustSignUp(t, "fan"+string(rune('a'+i)))
			api.Post(t, fan.Token, apitest.FollowMutation, map[string]any{"id": star.ID})
			fans = append(fans, fan)
		}
		const q = `query($first: Int, $after: String) { user(username: "star") {
		  followers(first: $first, after: $after) { totalCount edges { cursor node { username } } nodes { username } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } } }`
		type page struct {
			User struct {
				Followers struct {
					TotalCount int
					Edges      []struct {
						Cursor string
						Node   struct{ Username string }
					}
					Nodes    []struct{ Username string }
					PageInfo struct {
						HasNextPage, HasPreviousPage bool
						StartCursor, EndCursor       *string
					}
				}
			}
		}
		t.Run("PagesMostRecentFirst", func(t *testing.T) {
			var seen []string
			var after any
			for {
				var p page
				api.Post(t, "", q, map[string]any{"first": 3, "after": after}).Decode(t, &p)
				f := p.User.Followers
				require.Equal(t, 7, f.TotalCount)
				require.Len(t, f.Edges, len(f.Nodes))
				for _, n := range f.Nodes {
					seen = append(seen, n.Username)
				}
				if !f.PageInfo.HasNextPage {
					break
				}
				after = *f.PageInfo.EndCursor
			}
			require.Equal(t, []string{"fang", "fanf", "fane", "fand", "fanc", "fanb", "fana"}, seen)
		})
		t.Run("ErrFirstOutOfRange", func(t *testing.T) {
			for _, n := range []int{0, -1, 101, 1000} {
				resp := api.Post(t, "", q, map[string]any{"first": n})
				require.Equal(t, "BAD_USER_INPUT", resp.Code(), "first: %d", n)
				require.Contains(t, resp.Errors[0].Extensions.Fields, "first")
			}
		})
		t.Run("ErrMalformedCursor", func(t *testing.T) {
			for _, c := range []string{"nope", "Zm9v", strings.Repeat("A", 40)} {
				resp := api.Post(t, "", q, map[string]any{"first": 2, "after": c})
				require.Equal(t, "BAD_USER_INPUT", resp.Code(), "cursor %q", c)
			}
		})
		t.Run("StatementsDoNotGrowWithPageSize", func(t *testing.T) {
			const list = `query($first: Int) { user(username: "star") { followers(first: $first) { nodes { id username viewerIsFollowing followersCount followingCount } } } }`
			count := func(first int) int64 {
				return api.Statements(func() {
					resp := api.Post(t, fans[0].Token, list, map[string]any{"first": first})
					require.Empty(t, resp.Errors)
				})
			}
			count(1) // the token check reads the viewer once; later requests reuse it
			small, large := count(2), count(7)
			require.Equal(t, small, large, "statements must not depend on the page size")
			require.LessOrEqual(t, large, int64(3), "user + page + viewerIsFollowing")
		})
	})
}
