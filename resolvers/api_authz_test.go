package resolvers_test

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/conduit-graphql/conduit/internal/apitest"
	"github.com/conduit-graphql/conduit/internal/testenv"
)

// Who sends a request in the authorization table.
const (
	anonymous = iota
	otherUser // signed in, not the owner of what the request touches
	owner     // the author of the article or comment, or the user concerned
)

var whoNames = [...]string{"anonymous", "other", "owner"}

// authzFixture is what one request of the table works on, made fresh for
// each request: ann owns an article and a comment on it; bob is another user.
type authzFixture struct {
	api              *apitest.API
	ann, bob         apitest.User
	article, comment string
}

// authzCase is one mutation or private field: the request, the code each
// sender gets ("" for success) and, optionally, what else a user would see.
type authzCase struct {
	request func(f *authzFixture, n int) (query string, vars map[string]any)
	want    [3]string
	// after checks the outcome as one who; resp is what the request got.
	after func(t *testing.T, f *authzFixture, who int, resp apitest.Response)
}

// TestAuthorization runs every mutation of the schema, and every field the
// schema marks private, as anonymous, as another user and as the owner,
// and checks the contract's code for each. A mutation or private field
// without a row fails the test.
func TestAuthorization(t *testing.T) {
	sdl, err := os.ReadFile("../schema.graphqls")
	require.NoError(t, err)
	schema, err := gqlparser.LoadSchema(&ast.Source{Name: "schema.graphqls", Input: string(sdl)})
	require.NoError(t, err)

	api := apitest.New(t, testenv.SQLite(t))
	ann, bob := api.MustSignUp(t, "ann"), api.MustSignUp(t, "bob")
	var fresh atomic.Int64
	fixture := func(t *testing.T) *authzFixture {
		article := api.MustCreateArticle(t, ann, fmt.Sprintf("Owned %d", fresh.Add(1)))
		return &authzFixture{api: api, ann: ann, bob: bob, article: article.ID, comment: api.MustAddComment(t, ann, article.ID, "mine")}
	}
	articleExists := func(t *testing.T, f *authzFixture, who int, resp apitest.Response) {
		if who == owner {
			return
		}
		var out struct{ Node *struct{ Title string } }
		f.api.Post(t, "", `query($id: ID!) { node(id: $id) { ... on Article { title } } }`, map[string]any{"id": f.article}).Decode(t, &out)
		require.NotNil(t, out.Node, "the article is still there")
		require.True(t, strings.HasPrefix(out.Node.Title, "Owned "), "the article is unchanged: %q", out.Node.Title)
	}
	commentCount := func(t *testing.T, f *authzFixture) int {
		var out struct{ Node struct{ CommentsCount int } }
		f.api.Post(t, "", `query($id: ID!) { node(id: $id) { ... on Article { commentsCount } } }`, map[string]any{"id": f.article}).Decode(t, &out)
		return out.Node.CommentsCount
	}
	unauth := "UNAUTHENTICATED"

	mutations := map[string]authzCase{
		"signUp": {
			request: func(f *authzFixture, n int) (string, map[string]any) {
				name := fmt.Sprintf("new%d", n)
				return apitest.SignUpMutation, map[string]any{"u": name, "e": name + "@example.com", "p": "password123"}
			},
			want: [3]string{"", "", ""},
		},
		"signIn": {
			request: func(f *authzFixture, n int) (string, map[string]any) {
				return apitest.SignInMutation, map[string]any{"e": f.ann.Email, "p": "password123"}
			},
			want: [3]string{"", "", ""},
		},
		"updateViewer": {
			request: func(f *authzFixture, n int) (string, map[string]any) {
				return `mutation($b: String) { updateViewer(input: {bio: $b}) { user { username bio } } }`, map[string]any{"b": fmt.Sprintf("bio %d", n)}
			},
			want: [3]string{unauth, "", ""},
			after: func(t *testing.T, f *authzFixture, who int, resp apitest.Response) {
				if who == otherUser {
					var out struct {
						UpdateViewer struct{ User struct{ Username string } }
					}
					resp.Decode(t, &out)
					require.Equal(t, "bob", out.UpdateViewer.User.Username, "another user changes only their own account")
				}
			},
		},
		"followUser": {
			request: func(f *authzFixture, n int) (string, map[string]any) {
				return `mutation($id: ID!) { followUser(input: {userId: $id}) { user { username viewerIsFollowing } } }`, map[string]any{"id": f.ann.ID}
			},
			want: [3]string{unauth, "", "BAD_USER_INPUT"}, // the owner would follow herself
		},
		"unfollowUser": {
			request: func(f *authzFixture, n int) (string, map[string]any) {
				return `mutation($id: ID!) { unfollowUser(input: {userId: $id}) { user { username viewerIsFollowing } } }`, map[string]any{"id": f.ann.ID}
			},
			want: [3]string{unauth, "", ""},
		},
		"createArticle": {
			request: func(f *authzFixture, n int) (string, map[string]any) {
				return apitest.CreateArticleMutation, map[string]any{"in": map[string]any{"title": fmt.Sprintf("New %d", n), "description": "d", "body": "b"}}
			},
			want: [3]string{unauth, "", ""},
		},
		"updateArticle": {
			request: func(f *authzFixture, n int) (string, map[string]any) {
				return `mutation($id: ID!) { updateArticle(input: {id: $id, title: "Taken over"}) { article { title } } }`, map[string]any{"id": f.article}
			},
			want:  [3]string{unauth, "FORBIDDEN", ""},
			after: articleExists,
		},
		"deleteArticle": {
			request: func(f *authzFixture, n int) (string, map[string]any) {
				return `mutation($id: ID!) { deleteArticle(input: {id: $id}) { deletedArticleId } }`, map[string]any{"id": f.article}
			},
			want:  [3]string{unauth, "FORBIDDEN", ""},
			after: articleExists,
		},
		"favoriteArticle": {
			request: func(f *authzFixture, n int) (string, map[string]any) {
				return favoriteMutation, map[string]any{"id": f.article}
			},
			want: [3]string{unauth, "", ""},
		},
		"unfavoriteArticle": {
			request: func(f *authzFixture, n int) (string, map[string]any) {
				return unfavoriteMutation, map[string]any{"id": f.article}
			},
			want: [3]string{unauth, "", ""},
		},
		"addComment": {
			request: func(f *authzFixture, n int) (string, map[string]any) {
				return apitest.AddCommentMutation, map[string]any{"id": f.article, "body": "hello"}
			},
			want: [3]string{unauth, "", ""},
			after: func(t *testing.T, f *authzFixture, who int, resp apitest.Response) {
				want := map[int]int{anonymous: 1, otherUser: 2, owner: 2}[who]
				require.Equal(t, want, commentCount(t, f), "a comment is added only when signed in")
			},
		},
		"deleteComment": {
			request: func(f *authzFixture, n int) (string, map[string]any) {
				return `mutation($id: ID!) { deleteComment(input: {id: $id}) { deletedCommentId } }`, map[string]any{"id": f.comment}
			},
			want: [3]string{unauth, "FORBIDDEN", ""},
			after: func(t *testing.T, f *authzFixture, who int, resp apitest.Response) {
				want := map[int]int{anonymous: 1, otherUser: 1, owner: 0}[who]
				require.Equal(t, want, commentCount(t, f), "only the author deletes a comment")
			},
		},
	}

	// Private fields: what the schema says only the viewer gets.
	private := map[string]authzCase{
		"Query.viewer": {
			request: func(f *authzFixture, n int) (string, map[string]any) { return `{ viewer { username email } }`, nil },
			want:    [3]string{"", "", ""},
			after: func(t *testing.T, f *authzFixture, who int, resp apitest.Response) {
				want := map[int]string{anonymous: `{"viewer": null}`, otherUser: `{"viewer": {"username": "bob", "email": "bob@example.com"}}`, owner: `{"viewer": {"username": "ann", "email": "ann@example.com"}}`}[who]
				require.JSONEq(t, want, string(resp.Data))
			},
		},
		"Query.feed": {
			request: func(f *authzFixture, n int) (string, map[string]any) { return `{ feed(first: 5) { totalCount } }`, nil },
			want:    [3]string{unauth, "", ""},
			after: func(t *testing.T, f *authzFixture, who int, resp apitest.Response) {
				if who == anonymous {
					require.JSONEq(t, `null`, string(resp.Data), "no feed for nobody")
				}
			},
		},
		"User.email": {
			request: func(f *authzFixture, n int) (string, map[string]any) {
				return `{ user(username: "ann") { email } }`, nil
			},
			want: [3]string{"", "", ""},
			after: func(t *testing.T, f *authzFixture, who int, resp apitest.Response) {
				want := map[int]string{anonymous: `null`, otherUser: `null`, owner: `"ann@example.com"`}[who]
				require.JSONEq(t, `{"user": {"email": `+want+`}}`, string(resp.Data))
			},
		},
		"UpdateViewerPayload.token": {
			request: func(f *authzFixture, n int) (string, map[string]any) {
				return `mutation($b: String) { updateViewer(input: {bio: $b}) { token } }`, map[string]any{"b": "no new password"}
			},
			want: [3]string{unauth, "", ""},
			after: func(t *testing.T, f *authzFixture, who int, resp apitest.Response) {
				if who != anonymous {
					require.JSONEq(t, `{"updateViewer": {"token": null}}`, string(resp.Data), "no token without a new password")
				}
			},
		},
		"AuthPayload.token": {
			// Only the password gets a token, whoever asks.
			request: func(f *authzFixture, n int) (string, map[string]any) {
				return apitest.SignInMutation, map[string]any{"e": f.ann.Email, "p": "wrong-password"}
			},
			want: [3]string{unauth, unauth, unauth},
			after: func(t *testing.T, f *authzFixture, who int, resp apitest.Response) {
				require.JSONEq(t, `null`, string(resp.Data))
			},
		},
		"Subscription.feedArticleAdded": {}, // UNAUTHENTICATED when anonymous: TestSubscriptions/ErrFeedAnonymous, over a websocket
	}

	// The schema decides what the table must cover.
	for _, f := range schema.Mutation.Fields {
		_, ok := mutations[f.Name]
		require.True(t, ok, "mutation %s has no row in the authorization table", f.Name)
	}
	for _, typ := range schema.Types {
		if typ.BuiltIn {
			continue
		}
		for _, f := range typ.Fields {
			d := strings.ToLower(f.Description)
			if strings.Contains(d, "unauthenticated") && !slices.Contains([]string{"Mutation"}, typ.Name) ||
				strings.Contains(d, "only for the viewer") || strings.Contains(d, "signed in only") ||
				typ.Name != "Mutation" && f.Name == "token" {
				_, ok := private[typ.Name+"."+f.Name]
				require.True(t, ok, "%s.%s is private by its description and has no row in the authorization table", typ.Name, f.Name)
			}
		}
	}

	n := 0
	for _, table := range []map[string]authzCase{mutations, private} {
		for name, c := range table {
			if c.request == nil {
				continue
			}
			t.Run(name, func(t *testing.T) {
				for who, want := range c.want {
					t.Run(whoNames[who], func(t *testing.T) {
						f := fixture(t)
						token := map[int]string{anonymous: "", otherUser: f.bob.Token, owner: f.ann.Token}[who]
						n++
						query, vars := c.request(f, n)
						resp := f.api.Post(t, token, query, vars)
						require.Equal(t, want, resp.Code(), "%s as %s: %+v", name, whoNames[who], resp.Errors)
						if want != "" {
							require.Len(t, resp.Errors, 1)
							require.Equal(t, 200, resp.Status, "the contract answers field errors with 200")
						}
						if c.after != nil {
							c.after(t, f, who, resp)
						}
					})
				}
			})
		}
	}
}
