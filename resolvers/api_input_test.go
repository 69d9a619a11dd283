package resolvers_test

import (
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/conduit-graphql/conduit/internal/apitest"
	"github.com/conduit-graphql/conduit/internal/testenv"
)

// TestNULInArguments: PostgreSQL refuses a NUL character in text, so a NUL
// in any string argument answered INTERNAL_SERVER_ERROR there. Every such
// argument, read or write, literal or variable, is now a BAD_USER_INPUT
// naming the field, on both databases.
func TestNULInArguments(t *testing.T) {
	apitest.EachDB(t, func(t *testing.T, api *apitest.API) {
		ann := api.MustSignUp(t, "ann")
		article := api.MustCreateArticle(t, ann, "Clean input", "go")
		for _, tc := range []struct {
			name, token, query, field string
			vars                      map[string]any
		}{
			{"UserLiteral", "", `{ user(username: "a\u0000b") { username } }`, "username", nil},
			{"Article", "", `query($s: String!) { article(slug: $s) { title } }`, "slug", map[string]any{"s": "clean\x00input"}},
			{"TagFilter", "", `query($t: String) { articles(filter: {tag: $t}) { totalCount } }`, "filter.tag", map[string]any{"t": "go\x00"}},
			{"AuthorFilter", "", `{ articles(filter: {author: "ann\u0000"}) { totalCount } }`, "filter.author", nil},
			{"SignInEmail", "", apitest.SignInMutation, "email", map[string]any{"e": "ann@example.com\x00", "p": "password123"}},
			{"SignUp", "", apitest.SignUpMutation, "username", map[string]any{"u": "b\x00b", "e": "bob@example.com", "p": "password123"}},
			{"ArticleBody", ann.Token, apitest.CreateArticleMutation, "body", map[string]any{"in": map[string]any{"title": "T", "description": "D", "body": "a\x00b"}}},
			{"ArticleTag", ann.Token, apitest.CreateArticleMutation, "tags.1", map[string]any{"in": map[string]any{"title": "T", "description": "D", "body": "B", "tags": []string{"ok", "x\x00"}}}},
			{"Comment", ann.Token, apitest.AddCommentMutation, "body", map[string]any{"id": article.ID, "body": "nice\x00"}},
			{"Bio", ann.Token, `mutation($b: String) { updateViewer(input: {bio: $b}) { user { bio } } }`, "bio", map[string]any{"b": "\x00"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				resp := api.Post(t, tc.token, tc.query, tc.vars)
				require.Equal(t, "BAD_USER_INPUT", resp.Code(), "%+v", resp.Errors)
				require.Equal(t, []string{"Must not contain a NUL character."}, resp.Errors[0].Extensions.Fields[tc.field])
				require.NotEmpty(t, resp.Errors[0].Path, "the error is at its field")
			})
		}
		t.Run("OtherFieldsStillAnswer", func(t *testing.T) {
			resp := api.Post(t, "", `{ bad: user(username: "a\u0000") { username } good: user(username: "ann") { username } }`, nil)
			require.Equal(t, "BAD_USER_INPUT", resp.Code())
			require.JSONEq(t, `{"bad": null, "good": {"username": "ann"}}`, string(resp.Data))
		})
	})
}

// TestCursorOutOfRange: a cursor is opaque but a client can forge one; a
// time beyond what PostgreSQL stores answered INTERNAL_SERVER_ERROR there.
func TestCursorOutOfRange(t *testing.T) {
	apitest.EachDB(t, func(t *testing.T, api *apitest.API) {
		ann := api.MustSignUp(t, "ann")
		api.MustCreateArticle(t, ann, "Paged")
		forge := func(micros string) string {
			return base64.RawURLEncoding.EncodeToString([]byte("c1:" + micros + ":1"))
		}
		for _, micros := range []string{"9223372036854775807", "-9223372036854775808", "253402300800000000", "-62135596800000001"} {
			for _, q := range []string{
				`query($c: String) { articles(first: 5, after: $c) { totalCount } }`,
				`query($c: String) { articles(last: 5, before: $c) { totalCount } }`,
				`query($c: String) { user(username: "ann") { followers(after: $c) { totalCount } articles(after: $c) { totalCount } } }`,
			} {
				resp := api.Post(t, "", q, map[string]any{"c": forge(micros)})
				require.Equal(t, "BAD_USER_INPUT", resp.Code(), "%s: %+v", micros, resp.Errors)
			}
		}
	})
}

// TestMalformedJSON: a malformed body or variables is told what is wrong in
// the client's terms, never with Go's type names (map[string]interface {},
// "json: cannot unmarshal"), with the contract's code and status.
func TestMalformedJSON(t *testing.T) {
	api := apitest.New(t, testenv.SQLite(t))
	const articlesN = `query($n: Int) { articles(first: $n) { totalCount } }`
	const signUpI = `mutation($i: SignUpInput!) { signUp(input: $i) { token } }`
	for _, tc := range []struct {
		name, body string
		status     int
		code, msg  string
	}{
		{"Empty", ``, 400, "GRAPHQL_PARSE_FAILED", "The request body is empty"},
		{"Truncated", `{"query": "{ viewer`, 400, "GRAPHQL_PARSE_FAILED", "The request body is not valid JSON: unexpected end at byte 19"},
		{"NotJSON", `query { viewer }`, 400, "GRAPHQL_PARSE_FAILED", "The request body is not valid JSON: invalid character 'q' looking for beginning of value at byte 1"},
		{"Array", `[{"query": "{ viewer { id } }"}]`, 400, "GRAPHQL_PARSE_FAILED", "Batching (a JSON array of operations) is not supported: send each operation in a request of its own"},
		{"Number", `42`, 400, "GRAPHQL_PARSE_FAILED", "The request body must be a JSON object, not a number"},
		{"String", `"{ viewer { id } }"`, 400, "GRAPHQL_PARSE_FAILED", "The request body must be a JSON object, not a string"},
		{"QueryNumber", `{"query": 42}`, 400, "GRAPHQL_PARSE_FAILED", `"query" must be a string, not a number`},
		{"QueryObject", `{"query": {"a": 1}}`, 400, "GRAPHQL_PARSE_FAILED", `"query" must be a string, not an object`},
		{"OperationNameBool", `{"query": "{ viewer { id } }", "operationName": true}`, 400, "GRAPHQL_PARSE_FAILED", `"operationName" must be a string, not a boolean`},
		{"VariablesArray", `{"query": "{ viewer { id } }", "variables": [1]}`, 400, "GRAPHQL_PARSE_FAILED", `"variables" must be an object, not an array`},
		{"VariablesString", `{"query": "{ viewer { id } }", "variables": "{\"n\": 1}"}`, 400, "GRAPHQL_PARSE_FAILED", `"variables" must be an object, not a string`},
		{"ExtensionsNumber", `{"query": "{ viewer { id } }", "extensions": 1}`, 400, "GRAPHQL_PARSE_FAILED", `"extensions" must be an object, not a number`},
		{"Trailing", `{"query": "{ viewer { id } }"} {}`, 400, "GRAPHQL_PARSE_FAILED", "The request body has more after its JSON value, which ends at byte 30"},
		{"BadEscape", `{"query": "\x"}`, 400, "GRAPHQL_PARSE_FAILED", "The request body is not valid JSON: invalid character 'x' in string escape code at byte 13"},
		{"VariablesGETList", "", 400, "GRAPHQL_PARSE_FAILED", `The variables parameter must be a JSON object, not an array`},
		{"VariablesGETBroken", "", 400, "GRAPHQL_PARSE_FAILED", `The variables parameter is not valid JSON: unexpected end at byte 5`},
		// Variables that are JSON but not of their GraphQL type fail
		// validation, as the GraphQL-over-HTTP spec says.
		{"VariableString", `{"query": "` + articlesN + `", "variables": {"n": "five"}}`, 400, "GRAPHQL_VALIDATION_FAILED", `Variable "$n" must be an Int, not a string`},
		{"VariableList", `{"query": "` + articlesN + `", "variables": {"n": [5]}}`, 400, "GRAPHQL_VALIDATION_FAILED", `Variable "$n" must be an Int, not a list`},
		{"VariableObject", `{"query": "` + articlesN + `", "variables": {"n": {"a": 5}}}`, 400, "GRAPHQL_VALIDATION_FAILED", `Variable "$n" must be an Int, not an object`},
		{"VariableHuge", `{"query": "` + articlesN + `", "variables": {"n": 1e999}}`, 400, "GRAPHQL_VALIDATION_FAILED", `Variable "$n" must be an Int, not a number beyond its range`},
		{"InputNotObject", `{"query": "` + signUpI + `", "variables": {"i": "x"}}`, 400, "GRAPHQL_VALIDATION_FAILED", `Variable "$i" must be a SignUpInput, not a string`},
		{"InputFieldList", `{"query": "` + signUpI + `", "variables": {"i": {"username": ["a"], "email": "a@b.c", "password": "password123"}}}`, 400, "GRAPHQL_VALIDATION_FAILED", `Variable "$i" at "username" must be a String, not a list`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(tc.body))
			switch tc.name {
			case "VariablesGETList":
				req = httptest.NewRequest(http.MethodGet, "/graphql?query=%7B__typename%7D&variables=%5B1%5D", nil)
			case "VariablesGETBroken":
				req = httptest.NewRequest(http.MethodGet, "/graphql?query=%7B__typename%7D&variables=%7B%22n%22%3A", nil)
			}
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Accept", "application/graphql-response+json")
			resp := api.Send(t, req)
			require.Equal(t, tc.status, resp.Status)
			require.Equal(t, tc.code, resp.Code())
			require.Len(t, resp.Errors, 1)
			msg := resp.Errors[0].Message
			require.Equal(t, tc.msg+".", msg)
			for _, goism := range []string{"interface {}", "map", "json:", "Go ", "unmarshal", "int64", "float64", "slice", "struct"} {
				require.NotContains(t, msg, goism)
			}
		})
	}
}
