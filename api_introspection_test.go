package main

import (
	"testing"

	"github.com/stretchr/testify/require"

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
	api := newTestAPI(t, testenv.SQLite(t))
	var out struct {
		Schema struct {
			Types []struct{ Name string }
		} `json:"__schema"`
	}
	api.post(t, "", introspectionQuery, nil).decode(t, &out)
	names := map[string]bool{}
	for _, typ := range out.Schema.Types {
		names[typ.Name] = true
	}
	for _, want := range []string{"Query", "Mutation", "Subscription", "Article", "User", "DateTime"} {
		require.True(t, names[want], "type %s", want)
	}
	// Depth still counts for data: the limit was not simply switched off.
	resp := api.post(t, "", `{ user(username: "x") { followers { nodes { followers { nodes { followers { nodes { followers { nodes { followers { nodes { followers { nodes { username } } } } } } } } } } } } } }`, nil)
	require.Equal(t, "QUERY_TOO_COMPLEX", resp.code())
}
