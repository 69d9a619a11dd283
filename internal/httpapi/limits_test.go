package httpapi

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
)

func mustMeasure(t *testing.T, doc string) shape {
	t.Helper()
	d, err := parser.ParseQuery(&ast.Source{Input: doc})
	require.NoError(t, err)
	return measureDocument(d)
}

func TestMeasureDocument(t *testing.T) {
	for _, tc := range []struct {
		name, doc string
		want      shape
	}{
		{"Flat", `{ viewer { id username } }`, shape{fields: 3, depth: 2}},
		{"TypenameCounts", `{ __typename __typename viewer { __typename } }`, shape{fields: 4, depth: 2}},
		{"Aliases", `{ a: viewer { id } b: viewer { x: id } viewer { id } }`, shape{fields: 6, aliases: 3, depth: 2}},
		{"FragmentExpandedWhereSpread", `{ viewer { ...F } user(username: "x") { ...F } } fragment F on User { id username }`, shape{fields: 8, depth: 2}},
		{"InlineFragment", `{ node(id: "x") { ... on User { id } } }`, shape{fields: 2, depth: 2}},
		{"IntrospectionCosts", `{ __schema { types { name fields { type { ofType { ofType { name } } } } } } }`, shape{fields: 58, depth: 1}},
		{"CycleCountsOnce", `{ viewer { ...A } } fragment A on User { id ...B } fragment B on User { username ...A }`, shape{fields: 6, depth: 2}},
		{"UnknownFragment", `{ viewer { ...Nope } }`, shape{fields: 1, depth: 1}},
		{"DeepestOperation", `query A { viewer { id } } query B { viewer { followers { nodes { id } } } }`, shape{fields: 6, depth: 4}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, mustMeasure(t, tc.doc))
		})
	}
}

// TestMeasureDocumentSpreadsEachFragmentOnce: fragments that each spread
// the next twice describe 2^60 fields; measuring them must still be
// instant, and the count must saturate rather than wrap.
func TestMeasureDocumentSpreadsEachFragmentOnce(t *testing.T) {
	var doc strings.Builder
	doc.WriteString("{ viewer { ...F0 } }\n")
	for i := range 60 {
		doc.WriteString("fragment F" + itoa(int64(i)) + " on User { ...F" + itoa(int64(i+1)) + " ...F" + itoa(int64(i+1)) + " }\n")
	}
	doc.WriteString("fragment F60 on User { id }\n")
	start := time.Now()
	s := mustMeasure(t, doc.String())
	require.Less(t, time.Since(start), time.Second)
	require.Equal(t, maxCount, s.fields)
	require.Equal(t, 2, s.depth)
}

func TestLimitsCheck(t *testing.T) {
	l := Limits{Fields: 10, Depth: 3, Aliases: 2}
	require.Nil(t, l.check(shape{fields: 10, depth: 3, aliases: 2}), "at the limits")
	for _, over := range []shape{{fields: 11}, {depth: 4}, {aliases: 3}} {
		err := l.check(over)
		require.NotNil(t, err, "%+v", over)
		require.Equal(t, CodeQueryTooComplex, err.Extensions["code"])
	}
}
