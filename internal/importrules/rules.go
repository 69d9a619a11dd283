package main

import (
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// Keywords that start a rule's paragraph in a package doc.
const (
	keyOnly  = "Imports only:"
	keyNever = "Never imports:"
	stdlib   = "standard library"
)

// rule is one "Imports only:" or "Never imports:" paragraph of a package's
// doc.
type rule struct {
	text    string   // as written, for messages
	only    bool     // an allow-list; else a deny-list
	entries []string // import paths (prefixes), or stdlib
}

// allows tells whether the rule lets a package import imp.
func (r rule) allows(imp string) bool {
	return slices.ContainsFunc(r.entries, func(e string) bool { return covers(e, imp) }) == r.only
}

// covers tells whether an entry of a rule names imp: the standard library,
// or imp's path or a folder above it.
func covers(entry, imp string) bool {
	if entry == stdlib {
		first, _, _ := strings.Cut(imp, "/")
		return !strings.Contains(first, ".")
	}
	return imp == entry || strings.HasPrefix(imp, entry+"/")
}

// parseRules reads the rules of a package doc (as ast.CommentGroup.Text
// gives it). A rule is a paragraph that starts with a keyword, not
// indented (an indented one is an example); its entries end at the
// paragraph's period.
func parseRules(doc, module string) ([]rule, error) {
	var rules []rule
	for para := range strings.SplitSeq(doc, "\n\n") {
		para = strings.TrimLeft(para, "\n")
		var r rule
		var list string
		if rest, ok := strings.CutPrefix(para, keyOnly); ok {
			r.only, list = true, rest
		} else if rest, ok := strings.CutPrefix(para, keyNever); ok {
			list = rest
		} else {
			continue
		}
		r.text = strings.Join(strings.Fields(para), " ")
		list, ok := strings.CutSuffix(strings.Join(strings.Fields(list), " "), ".")
		if !ok || list == "" {
			return nil, fmt.Errorf("rule %q: list the paths, separated by commas, and end with a period", r.text)
		}
		for e := range strings.SplitSeq(list, ",") {
			e = strings.TrimSpace(e)
			switch first, _, _ := strings.Cut(e, "/"); {
			case e == stdlib:
			case e == "" || strings.ContainsAny(e, " \t"):
				return nil, fmt.Errorf("rule %q: %q is not a path", r.text, e)
			case !strings.Contains(first, "."):
				e = module + "/" + e // inside the module
			}
			r.entries = append(r.entries, e)
		}
		rules = append(rules, r)
	}
	return rules, nil
}

// check checks the packages in dirs (relative to root) and the folders
// below them, of the module with path module. It returns one line per
// broken rule and per package without a rule.
func check(root, module string, dirs []string) ([]string, error) {
	var problems []string
	for _, dir := range dirs {
		if _, err := os.Stat(filepath.Join(root, dir)); errors.Is(err, fs.ErrNotExist) {
			continue
		}
		err := filepath.WalkDir(filepath.Join(root, dir), func(p string, d fs.DirEntry, err error) error {
			if err != nil || !d.IsDir() {
				return err
			}
			if name := d.Name(); p != filepath.Join(root, dir) && (name == "testdata" || name == "vendor" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
				return filepath.SkipDir
			}
			found, err := checkPackage(root, p, module)
			problems = append(problems, found...)
			return err
		})
		if err != nil {
			return nil, err
		}
	}
	return problems, nil
}

// checkPackage checks the package in folder dir, if there is one.
func checkPackage(root, dir, module string) ([]string, error) {
	rel, err := filepath.Rel(root, dir)
	if err != nil {
		return nil, err
	}
	rel = filepath.ToSlash(rel)
	fset := token.NewFileSet()
	files, err := parseDir(fset, dir)
	if err != nil || len(files) == 0 {
		return nil, err
	}
	var rules []rule
	for _, f := range files {
		if f.Doc == nil {
			continue
		}
		found, err := parseRules(f.Doc.Text(), module)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", relPos(root, fset.Position(f.Doc.Pos())), err)
		}
		rules = append(rules, found...)
	}
	if len(rules) == 0 {
		return []string{fmt.Sprintf("%s: the package doc states no import rule (a paragraph %q or %q)", rel, keyOnly+" …", keyNever+" …")}, nil
	}
	var problems []string
	for _, f := range files {
		for _, spec := range f.Imports {
			imp, err := strconv.Unquote(spec.Path.Value)
			if err != nil {
				return nil, err
			}
			for _, r := range rules {
				if !r.allows(imp) {
					problems = append(problems, fmt.Sprintf("%s: %s imports %s, which its package doc forbids: %q",
						relPos(root, fset.Position(spec.Pos())), rel, imp, r.text))
				}
			}
		}
	}
	return problems, nil
}

// parseDir parses the imports and doc comments of dir's Go files, tests
// left out, whatever their build constraints.
func parseDir(fset *token.FileSet, dir string) ([]*ast.File, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var files []*ast.File
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, name), nil, parser.ImportsOnly|parser.ParseComments)
		if err != nil {
			return nil, err
		}
		files = append(files, f)
	}
	return files, nil
}

// relPos writes a position with its file relative to root, as go vet does.
func relPos(root string, pos token.Position) string {
	if rel, err := filepath.Rel(root, pos.Filename); err == nil {
		pos.Filename = path.Clean(filepath.ToSlash(rel))
	}
	return pos.String()
}
