package httpapi_test

import (
	"crypto/rand"
	"io"
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/conduit-graphql/conduit/internal/apitest"
	"github.com/conduit-graphql/conduit/internal/cli"
	"github.com/conduit-graphql/conduit/internal/testenv"
)

// introspectionQuery is what GraphiQL and graphql-js's getIntrospectionQuery
// send when a tool loads: nested seven ofType levels deep.
const introspectionQuery = `query IntrospectionQuery {
  __schema {
    queryType { name } mutationType { name } subscriptionType { name }
    types { ...FullType }
    directives { name description locations args { ...InputValue } }
  }
}
fragment FullType on __Type {
  kind name description
  fields(includeDeprecated: true) { name description args { ...InputValue } type { ...TypeRef } isDeprecated deprecationReason }
  inputFields { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
  possibleTypes { ...TypeRef }
}
fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue }
fragment TypeRef on __Type {
  kind name
  ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } }
}`

// TestIntrospectionWithinDefaultLimits checks that tools can load the
// schema under the default limits (the playground does it on every load).
func TestIntrospectionWithinDefaultLimits(t *testing.T) {
	api := apitest.New(t, testenv.SQLite(t))
	var out struct {
		Schema struct {
			Types []struct{ Name string }
		} `json:"__schema"`
	}
	api.Post(t, "", introspectionQuery, nil).Decode(t, &out)
	names := map[string]bool{}
	for _, typ := range out.Schema.Types {
		names[typ.Name] = true
	}
	for _, want := range []string{"Query", "Mutation", "Subscription", "Article", "User", "DateTime"} {
		require.True(t, names[want], "type %s", want)
	}
	// What graphql-js's getIntrospectionQuery writes today, every option on
	// (nine ofType levels): codegen, GraphiQL and other tools send it.
	current, err := os.ReadFile("testdata/introspection-graphql-js.graphql")
	require.NoError(t, err)
	resp := api.Post(t, "", string(current), nil)
	require.Empty(t, resp.Errors, "graphql-js's introspection query was refused")
	require.Contains(t, string(resp.Data), `"name":"Article"`)
	// Depth still counts for data: the limit was not simply switched off.
	resp = api.Post(t, "", `{ user(username: "x") { followers { nodes { followers { nodes { followers { nodes { followers { nodes { followers { nodes { followers { nodes { username } } } } } } } } } } } } } }`, nil)
	require.Equal(t, "QUERY_TOO_COMPLEX", resp.Code())
}

// TestIntrospectionProduction: production keeps its schema to itself. An
// introspection query fails validation, and validation errors suggest no
// names, unless --introspection turns both back on; development answers.
func TestIntrospectionProduction(t *testing.T) {
	dsn := testenv.SQLite(t)
	serveWith := func(t *testing.T, args ...string) *apitest.API {
		env := map[string]string{"CONDUIT_ENV": "production", "CONDUIT_JWT_SECRET": rand.Text() + rand.Text(), "CONDUIT_CORS_ORIGINS": "https://app.example.com"}
		cfg, err := cli.ParseServe(args, func(k string) string { return env[k] }, io.Discard)
		require.NoError(t, err)
		return apitest.NewWith(t, dsn, cfg)
	}
	typo := `{ articles(frist: 1) { nodes { titel } } }`
	t.Run("ErrProduction", func(t *testing.T) {
		api := serveWith(t)
		resp := api.Post(t, "", introspectionQuery, nil)
		require.Equal(t, "GRAPHQL_VALIDATION_FAILED", resp.Code())
		require.Contains(t, resp.Errors[0].Message, "Introspection is disabled")
		require.Nil(t, resp.Data)
		resp = api.Post(t, "", `{ __type(name: "User") { name } }`, nil)
		require.Contains(t, resp.Errors[0].Message, "Introspection is disabled")
		resp = api.Post(t, "", typo, nil)
		require.Equal(t, "GRAPHQL_VALIDATION_FAILED", resp.Code())
		require.Len(t, resp.Errors, 2, "both typos are still reported")
		for _, e := range resp.Errors {
			require.NotContains(t, e.Message, "Did you mean")
		}
		var out struct {
			Typename string `json:"__typename"`
		}
		api.Post(t, "", `{ __typename }`, nil).Decode(t, &out)
		require.Equal(t, "Query", out.Typename, "__typename is data, not introspection")
	})
	check := func(t *testing.T, api *apitest.API) {
		var out struct {
			Schema struct{ QueryType struct{ Name string } } `json:"__schema"`
		}
		api.Post(t, "", `{ __schema { queryType { name } } }`, nil).Decode(t, &out)
		require.Equal(t, "Query", out.Schema.QueryType.Name)
		resp := api.Post(t, "", typo, nil)
		require.Contains(t, resp.Errors[0].Message+resp.Errors[1].Message, "Did you mean")
	}
	t.Run("OKFlag", func(t *testing.T) { check(t, serveWith(t, "--introspection")) })
	t.Run("OKDevelopment", func(t *testing.T) { check(t, serveWith(t, "--env", "development")) })
}
