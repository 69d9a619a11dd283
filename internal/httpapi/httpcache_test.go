package httpapi

import (
	"os"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

// TestPrivateFieldsInSchema keeps the list of viewer-dependent fields true
// to the schema: a renamed field would otherwise make answers public.
func TestPrivateFieldsInSchema(t *testing.T) {
	sdl, err := os.ReadFile("../../schema.graphqls")
	if err != nil {
		t.Fatal(err)
	}
	schema := gqlparser.MustLoadSchema(&ast.Source{Name: "schema.graphqls", Input: string(sdl)})
	for name := range privateFields {
		typ, field, _ := strings.Cut(name, ".")
		def := schema.Types[typ]
		if def == nil || def.Fields.ForName(field) == nil {
			t.Errorf("%s is listed as private but is not in the schema", name)
		}
	}
	// Every field named viewer… depends on the viewer.
	for _, def := range schema.Types {
		for _, f := range def.Fields {
			if strings.HasPrefix(f.Name, "viewer") && def.Name != "Mutation" && !privateFields[def.Name+"."+f.Name] {
				t.Errorf("%s.%s depends on the viewer but is not listed as private", def.Name, f.Name)
			}
		}
	}
}
