package main

import (
	"encoding/base64"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestNULInArguments: PostgreSQL refuses a NUL character in text, so a NUL
// in any string argument answered INTERNAL_SERVER_ERROR there. Every such
// argument, read or write, literal or variable, is now a BAD_USER_INPUT
// naming the field, on both databases.
func TestNULInArguments(t *testing.T) {
	eachDB(t, func(t *testing.T, api *testAPI) {
		ann := api.mustSignUp(t, "ann")
		article := api.mustCreateArticle(t, ann, "Clean input", "go")
		for _, tc := range []struct {
			name, token, query, field string
			vars                      map[string]any
		}{
			{"UserLiteral", "", `{ user(username: "a\u0000b") { username } }`, "username", nil},
			{"Article", "", `query($s: String!) { article(slug: $s) { title } }`, "slug", map[string]any{"s": "clean\x00input"}},
			{"TagFilter", "", `query($t: String) { articles(filter: {tag: $t}) { totalCount } }`, "filter.tag", map[string]any{"t": "go\x00"}},
			{"AuthorFilter", "", `{ articles(filter: {author: "ann\u0000"}) { totalCount } }`, "filter.author", nil},
			{"SignInEmail", "", signInMutation, "email", map[string]any{"e": "ann@example.com\x00", "p": "password123"}},
			{"SignUp", "", signUpMutation, "username", map[string]any{"u": "b\x00b", "e": "bob@example.com", "p": "password123"}},
			{"ArticleBody", ann.Token, createArticleMutation, "body", map[string]any{"in": map[string]any{"title": "T", "description": "D", "body": "a\x00b"}}},
			{"ArticleTag", ann.Token, createArticleMutation, "tags.1", map[string]any{"in": map[string]any{"title": "T", "description": "D", "body": "B", "tags": []string{"ok", "x\x00"}}}},
			{"Comment", ann.Token, addCommentMutation, "body", map[string]any{"id": article.ID, "body": "nice\x00"}},
			{"Bio", ann.Token, `mutation($b: String) { updateViewer(input: {bio: $b}) { user { bio } } }`, "bio", map[string]any{"b": "\x00"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				resp := api.post(t, tc.token, tc.query, tc.vars)
				require.Equal(t, "BAD_USER_INPUT", resp.code(), "%+v", resp.Errors)
				require.Equal(t, []string{"Must not contain a NUL character."}, resp.Errors[0].Extensions.Fields[tc.field])
				require.NotEmpty(t, resp.Errors[0].Path, "the error is at its field")
			})
		}
		t.Run("OtherFieldsStillAnswer", func(t *testing.T) {
			resp := api.post(t, "", `{ bad: user(username: "a\u0000") { username } good: user(username: "ann") { username } }`, nil)
			require.Equal(t, "BAD_USER_INPUT", resp.code())
			require.JSONEq(t, `{"bad": null, "good": {"username": "ann"}}`, string(resp.Data))
		})
	})
}

// TestCursorOutOfRange: a cursor is opaque but a client can forge one; a
// time beyond what PostgreSQL stores answered INTERNAL_SERVER_ERROR there.
func TestCursorOutOfRange(t *testing.T) {
	eachDB(t, func(t *testing.T, api *testAPI) {
		ann := api.mustSignUp(t, "ann")
		api.mustCreateArticle(t, ann, "Paged")
		forge := func(micros string) string {
			return base64.RawURLEncoding.EncodeToString([]byte("c1:" + micros + ":1"))
		}
		for _, micros := range []string{"9223372036854775807", "-9223372036854775808", "253402300800000000", "-62135596800000001"} {
			for _, q := range []string{
				`query($c: String) { articles(first: 5, after: $c) { totalCount } }`,
				`query($c: String) { articles(last: 5, before: $c) { totalCount } }`,
				`query($c: String) { user(username: "ann") { followers(after: $c) { totalCount } articles(after: $c) { totalCount } } }`,
			} {
				resp := api.post(t, "", q, map[string]any{"c": forge(micros)})
				require.Equal(t, "BAD_USER_INPUT", resp.code(), "%s: %+v", micros, resp.Errors)
			}
		}
	})
}
