// Command importrules checks that each package imports only what its doc
// allows: `make import-check` runs it, and `make test` with it.
//
// A package's doc comment states the rule in a paragraph of its own that
// starts with "Imports only:" (an allow-list) or "Never imports:" (a
// deny-list), followed by a comma-separated list ending in a period:
//
//	Imports only: standard library, internal/conduit.
//	Never imports: internal/store, github.com/redis/go-redis/v9.
//
// An entry is "standard library", a path inside the module
// (internal/store: the entry's first element has no dot), or an import
// path (github.com/uptrace/bun: its first element has a dot); a path also
// covers the packages below it. Each package under internal/, resolvers/,
// models/ and graph/ must state at least one rule. Test files are not
// checked: tests may use whatever builds their fixtures.
//
// Usage, from anywhere in the module:
//
//	go run ./internal/importrules
//
// It prints one line per import that a rule forbids, as go vet does
// (file:line:col: what, which rule), and exits with status 1 if there is
// any.
//
// Imports only: standard library.
package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// checked are the folders, relative to the module's root, whose packages
// must state their import rules.
var checked = []string{"internal", "resolvers", "models", "graph"}

func main() {
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "importrules:", err)
		os.Exit(1)
	}
}

// errBroken says that some package breaks its rules; the lines are printed.
var errBroken = errors.New("imports break the rules in their packages' docs (see above)")

// run checks the module that the working directory is in.
func run(out io.Writer) error {
	wd, err := os.Getwd()
	if err != nil {
		return err
	}
	root, module, err := findModule(wd)
	if err != nil {
		return err
	}
	problems, err := check(root, module, checked)
	if err != nil {
		return err
	}
	for _, p := range problems {
		fmt.Fprintln(out, p)
	}
	if len(problems) > 0 {
		return errBroken
	}
	return nil
}

// findModule walks up from dir to the folder with go.mod, and reads the
// module's path from it.
func findModule(dir string) (root, module string, err error) {
	if dir, err = filepath.Abs(dir); err != nil {
		return "", "", err
	}
	for {
		f, err := os.Open(filepath.Join(dir, "go.mod"))
		if err == nil {
			defer f.Close()
			module, err := modulePath(f)
			return dir, module, err
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", "", errors.New("no go.mod in this folder or above it")
		}
		dir = parent
	}
}

// modulePath reads the module directive of a go.mod.
func modulePath(r io.Reader) (string, error) {
	s := bufio.NewScanner(r)
	for s.Scan() {
		line, _, _ := strings.Cut(s.Text(), "//")
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "module"); ok && rest != "" && (rest[0] == ' ' || rest[0] == '\t') {
			return strings.Trim(strings.TrimSpace(rest), `"`), nil
		}
	}
	if err := s.Err(); err != nil {
		return "", err
	}
	return "", errors.New("go.mod has no module directive")
}
