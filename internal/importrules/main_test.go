package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestModule: the module's own packages keep the rules in their docs, so
// that go test fails as make import-check does.
func TestModule(t *testing.T) {
	root, module, err := findModule(".")
	require.NoError(t, err)
	problems, err := check(root, module, checked)
	require.NoError(t, err)
	require.Empty(t, problems, "fix the imports, or the rule if the design changed")
}

// TestFixture: testdata/src breaks each kind of rule once, and keeps them
// elsewhere (tests, testdata, a look-alike path, an example in a doc).
func TestFixture(t *testing.T) {
	problems, err := check("testdata/src", "example.com/fixture", []string{"internal"})
	require.NoError(t, err)
	require.Equal(t, []string{
		`internal/domain/domain.go:10:2: internal/domain imports example.com/fixture/internal/store, which its package doc forbids: "Imports only: standard library."`,
		`internal/norule: the package doc states no import rule (a paragraph "Imports only: …" or "Never imports: …")`,
		`internal/web/web.go:10:2: internal/web imports example.com/fixture/internal/store/sql, which its package doc forbids: "Never imports: internal/store, example.org/db."`,
		`internal/web/web.go:12:2: internal/web imports example.org/db/v2, which its package doc forbids: "Never imports: internal/store, example.org/db."`,
	}, problems)
}

// TestRun: the command fails, printing the problems, in a module that
// breaks a rule.
func TestRun(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) {
		t.Helper()
		require.NoError(t, os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644))
	}
	write("go.mod", "module example.com/m\n\ngo 1.24\n")
	write("models/models.go", "// Package models.\n//\n// Imports only: standard library.\npackage models\n\nimport _ \"example.com/m/internal/db\"\n")
	write("internal/db/db.go", "// Package db.\n//\n// Never imports: models.\npackage db\n")
	t.Chdir(filepath.Join(dir, "internal"))
	var out strings.Builder
	require.ErrorIs(t, run(&out), errBroken)
	require.Equal(t, `models/models.go:6:8: models imports example.com/m/internal/db, which its package doc forbids: "Imports only: standard library."`+"\n", out.String())
}

func TestParseRules(t *testing.T) {
	for _, tc := range []struct {
		name, doc string
		want      []rule
		err       string
	}{
		{"None", "Package p does things.\n", nil, ""},
		{"Only", "Package p.\n\nImports only: standard library, internal/conduit.\n",
			[]rule{{text: "Imports only: standard library, internal/conduit.", only: true, entries: []string{stdlib, "m/internal/conduit"}}}, ""},
		{"NeverAcrossLines", "Package p.\n\nNever imports: resolvers,\ngithub.com/uptrace/bun.\n",
			[]rule{{text: "Never imports: resolvers, github.com/uptrace/bun.", entries: []string{"m/resolvers", "github.com/uptrace/bun"}}}, ""},
		{"ExampleIsNoRule", "Package p.\n\n\tNever imports: x.\n", nil, ""},
		{"NoPeriod", "Never imports: internal/store\n", nil, "end with a period"},
		{"Empty", "Never imports: .\n", nil, "end with a period"},
		{"NotAPath", "Never imports: the store.\n", nil, `"the store" is not a path`},
		{"EmptyEntry", "Never imports: a,, b.\n", nil, `"" is not a path`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseRules(tc.doc, "m")
			if tc.err != "" {
				require.ErrorContains(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
}

func TestCovers(t *testing.T) {
	for _, tc := range []struct {
		entry, imp string
		want       bool
	}{
		{stdlib, "net/http", true},
		{stdlib, "C", true},
		{stdlib, "github.com/uptrace/bun", false},
		{"m/internal/store", "m/internal/store", true},
		{"m/internal/store", "m/internal/store/sql", true},
		{"m/internal/store", "m/internal/storefront", false},
		{"github.com/redis/go-redis", "github.com/redis/go-redis/v9", true},
	} {
		if got := covers(tc.entry, tc.imp); got != tc.want {
			t.Errorf("covers(%q, %q) = %v, want %v", tc.entry, tc.imp, got, tc.want)
		}
	}
}

func TestModulePath(t *testing.T) {
	for text, want := range map[string]string{
		"module example.com/m\n":             "example.com/m",
		"// c\nmodule \"example.com/q\"\n":   "example.com/q",
		"module\texample.com/t // note\n":    "example.com/t",
		"go 1.24\nmodule example.com/late\n": "example.com/late",
	} {
		got, err := modulePath(strings.NewReader(text))
		require.NoError(t, err)
		require.Equal(t, want, got)
	}
	_, err := modulePath(strings.NewReader("go 1.24\n"))
	require.Error(t, err)
}
