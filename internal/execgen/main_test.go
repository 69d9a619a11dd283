package main

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

func TestSerialSlices(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		src := []byte("ret := graphql.MarshalSliceConcurrently(ctx, len(v), 0, false, func(ctx context.Context, i int) graphql.Marshaler {\n")
		out, err := serialSlices(src)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(out, []byte("ret := marshalSliceSerially(ctx, len(v), func(ctx context.Context, i int)")) {
			t.Fatalf("not rewritten:\n%s", out)
		}
		if !bytes.Contains(out, []byte("func marshalSliceSerially(")) {
			t.Fatal("helper not appended")
		}
	})
	t.Run("ErrTemplateChanged", func(t *testing.T) {
		if _, err := serialSlices([]byte("graphql.MarshalSlice(ctx, v)")); err == nil {
			t.Fatal("a source without the call was accepted")
		}
	})
}

func TestLazyDeferredGroups(t *testing.T) {
	obj := "func (ec *executionContext) _A(ctx context.Context) graphql.Marshaler {\n" +
		"\tout := graphql.NewFieldSet(fields)\n" +
		"\tdeferred := graphql.NewDeferredGroup(ctx)\n" +
		"\tfor i, field := range fields {\n" +
		"\t\tswitch field.Name {\n" +
		"\t\tcase \"b\":\n" +
		"\t\t\tout.Values[i] = ec._A_b(ctx, field, obj)\n" +
		"\t\t\tif out.Values[i] == graphql.Null {\n" +
		"\t\t\t\tout.Invalids++\n" +
		"\t\t\t}\n" +
		"\t\tcase \"c\":\n" +
		"\t\t\tout.Values[i] = ec._A_c(ctx, field, obj)\n" +
		"\t\t\tif out.Values[i] == graphql.RequiredNull {\n" +
		"\t\t\t\tout.Invalids++\n" +
		"\t\t\t}\n" +
		"\t\t}\n\t}\n" +
		"\tout.Dispatch(ctx)\n" +
		"\n\tif n := len(deferred.Defers); n > 0 {\n" +
		"\t\tatomic.AddInt32(&ec.Deferred, int32(min(n, math.MaxInt32)))\n" +
		"\t\tec.ProcessDeferredGroup(deferred)\n" +
		"\t}\n\n\treturn out\n}\n"
	t.Run("OK", func(t *testing.T) {
		out, err := lazyDeferredGroups([]byte(obj))
		if err != nil {
			t.Fatal(err)
		}
		s := string(out)
		for _, want := range []string{
			"var deferred *graphql.DeferredGroup",
			"deferred = deferField(ctx, ec.OperationContext, deferred, out, i, true, func(ctx context.Context) graphql.Marshaler { return ec._A_b(ctx, field, obj) })",
			"deferred = deferField(ctx, ec.OperationContext, deferred, out, i, false, func(ctx context.Context) graphql.Marshaler { return ec._A_c(ctx, field, obj) })",
			"if deferred != nil && len(deferred.Defers) > 0 {",
			"\t\t\tout.Values[i] = ec._A_b(ctx, field, obj)\n\t\t\tif out.Values[i] == graphql.Null {",
			"out.Dispatch(ctx)", "return out", "func deferring(",
		} {
			if !strings.Contains(s, want) {
				t.Errorf("missing %q in:\n%s", want, s)
			}
		}
		if strings.Contains(s, "graphql.NewDeferredGroup(ctx)\n\tfor") {
			t.Errorf("the group is still made for every object:\n%s", s)
		}
	})
	t.Run("ErrFieldOnGroup", func(t *testing.T) {
		src := strings.Replace(obj, "out.Dispatch(ctx)", "out.ResolveConcurrently(ec.OperationContext, &deferred, i)", 1)
		if _, err := lazyDeferredGroups([]byte(src)); err == nil {
			t.Fatal("rewrote a group that a field uses")
		}
	})
	t.Run("ErrTemplateChanged", func(t *testing.T) {
		if _, err := lazyDeferredGroups([]byte("func f() {}\n")); err == nil {
			t.Fatal("a source without groups was accepted")
		}
		noFields := strings.Replace(obj, "out.Values[i] = ec._A_b(ctx, field, obj)", "out.Values[i] = 1", 1)
		noFields = strings.Replace(noFields, "out.Values[i] = ec._A_c(ctx, field, obj)", "out.Values[i] = 2", 1)
		if _, err := lazyDeferredGroups([]byte(noFields)); err == nil {
			t.Fatal("a source without fields to rewrite was accepted")
		}
	})
}

// TestGeneratedExecutorIsSerial checks the committed executor: no list
// marshals its elements in goroutines, and no object below the root
// resolves its fields concurrently.
func TestGeneratedExecutorIsSerial(t *testing.T) {
	src, err := os.ReadFile("../../graph/generated.go")
	if err != nil {
		t.Fatal(err)
	}
	s := string(src)
	if strings.Contains(s, "graphql.MarshalSliceConcurrently(") {
		t.Error("graph/generated.go marshals lists concurrently: run make generate")
	}
	// deferField's own call runs only for a deferred field, which is
	// scheduled on its group, never on out.
	if strings.Contains(s, "out.ResolveConcurrently(ec.") {
		t.Error("graph/generated.go resolves object fields concurrently: run make generate")
	}
	if strings.Contains(s, "deferred := graphql.NewDeferredGroup(") {
		t.Error("graph/generated.go makes a @defer group for every object: run make generate")
	}
	if !strings.Contains(s, "out.ResolveRootConcurrently(") {
		t.Error("root fields no longer resolve concurrently")
	}
	if !strings.Contains(s, "\treturn ec.marshalNString2string(ctx, field.Selections, obj.Title)\n") {
		t.Error("graph/generated.go resolves Article.title through a field context: run make generate")
	}
	if strings.Contains(s, "graphql.BatchParentsFor[") {
		t.Error("graph/generated.go builds a path for each batch field: run make generate")
	}
}

func TestSharedEventPayloads(t *testing.T) {
	field := "func (ec *executionContext) _Subscription_a(ctx context.Context, field graphql.CollectedField) (ret func(ctx context.Context) graphql.Marshaler) {\n" +
		"\treturn graphql.ResolveFieldStream(ctx, ec.OperationContext, field, nil, nil, nil,\n" +
		"\t\tfunc(ctx context.Context, selections ast.SelectionSet, v *conduit.Article) graphql.Marshaler {\n" +
		"\t\t\treturn ec.marshalNArticle2ᚖconduitᚐArticle(ctx, selections, v)\n" +
		"\t\t},\n\t\ttrue,\n\t\ttrue,\n\t)\n}\n"
	other := "func (ec *executionContext) _Article_b(ctx context.Context) graphql.Marshaler {\n\t\t\treturn ec.marshalNString2string(ctx, selections, v)\n}\n"
	t.Run("OK", func(t *testing.T) {
		out, err := sharedEventPayloads([]byte(field + other))
		if err != nil {
			t.Fatal(err)
		}
		s := string(out)
		if !strings.Contains(s, "\t\t\treturn shareEventPayload(ctx, ec.OperationContext, field.Alias, func() graphql.Marshaler { return ec.marshalNArticle2ᚖconduitᚐArticle(ctx, selections, v) })\n") {
			t.Errorf("the subscription field was not rewritten:\n%s", s)
		}
		if !strings.Contains(s, "return ec.marshalNString2string(ctx, selections, v)\n") {
			t.Errorf("a field outside Subscription was rewritten:\n%s", s)
		}
		if !strings.Contains(s, "func shareEventPayload(") {
			t.Error("the helper was not appended")
		}
	})
	t.Run("ErrTemplateChanged", func(t *testing.T) {
		if _, err := sharedEventPayloads([]byte(other)); err == nil {
			t.Fatal("a source without subscription fields was accepted")
		}
		changed := strings.Replace(field, "(ctx, selections, v)", "(ctx, sel, v)", 1)
		if _, err := sharedEventPayloads([]byte(changed)); err == nil {
			t.Fatal("a subscription field without its marshalling was accepted")
		}
	})
}

func TestPlainFields(t *testing.T) {
	field := func(name, value, typ, marshal string) string {
		return "func (ec *executionContext) _A_" + name + "(ctx context.Context, field graphql.CollectedField, obj *conduit.A) (ret graphql.Marshaler) {\n" +
			"\treturn graphql.ResolveField(\n\t\tctx,\n\t\tec.OperationContext,\n\t\tfield,\n" +
			"\t\tfunc(ctx context.Context, field graphql.CollectedField) (*graphql.FieldContext, error) {\n\t\t\treturn ec.fieldContext_A_" + name + "(ctx, field)\n\t\t},\n" +
			"\t\tfunc(ctx context.Context) (any, error) {\n\t\t\treturn " + value + ", nil\n\t\t},\n" +
			"\t\tnil,\n" +
			"\t\tfunc(ctx context.Context, selections ast.SelectionSet, v " + typ + ") graphql.Marshaler {\n\t\t\treturn ec." + marshal + "(ctx, selections, v)\n\t\t},\n" +
			"\t\ttrue,\n\t\ttrue,\n\t)\n}\n"
	}
	marshallers := "func (ec *executionContext) marshalNString2string(ctx context.Context, sel ast.SelectionSet, v string) graphql.Marshaler {\n" +
		"\t_ = sel\n\tres := graphql.MarshalString(v)\n\tif res == graphql.Null {\n\t\tgraphql.AddInvalidNullFromMarshaler(ctx, \"String!\")\n\t}\n\treturn res\n}\n" +
		"func (ec *executionContext) marshalOString2ᚖstring(ctx context.Context, sel ast.SelectionSet, v *string) graphql.Marshaler {\n" +
		"\tif v == nil {\n\t\treturn graphql.Null\n\t}\n\t_ = sel\n\t_ = ctx\n\tres := graphql.MarshalString(*v)\n\treturn res\n}\n" +
		// A scalar whose marshaller may return null needs the field context
		// for the error at the field's path.
		"func (ec *executionContext) marshalNMaybe2string(ctx context.Context, sel ast.SelectionSet, v string) graphql.Marshaler {\n" +
		"\t_ = sel\n\tres := models.MarshalMaybe(v)\n\tif res == graphql.Null {\n\t\tgraphql.AddInvalidNullFromMarshaler(ctx, \"Maybe!\")\n\t}\n\treturn res\n}\n"
	plain := field("title", "obj.Title", "string", "marshalNString2string") + field("id", "obj.NodeID()", "string", "marshalNString2string")
	optional := field("image", "obj.Image", "*string", "marshalOString2ᚖstring")
	kept := []string{
		field("name", "ec.Resolvers.A().Name(ctx, obj)", "string", "marshalNString2string"), // a resolver
		field("count", "obj.Count(ctx)", "string", "marshalNString2string"),                 // a method with arguments
		field("maybe", "obj.Maybe", "string", "marshalNMaybe2string"),
		strings.Replace(field("directed", "obj.Directed", "string", "marshalNString2string"), "\t\tnil,\n", "\t\tfunc(ctx context.Context, next graphql.Resolver) graphql.Resolver { return next },\n", 1),
	}
	t.Run("OK", func(t *testing.T) {
		src := marshallers + plain + optional + strings.Join(kept, "")
		out, err := plainFields([]byte(src))
		if err != nil {
			t.Fatal(err)
		}
		s := string(out)
		for _, want := range []string{
			"func (ec *executionContext) _A_title(ctx context.Context, field graphql.CollectedField, obj *conduit.A) (ret graphql.Marshaler) {\n\treturn ec.marshalNString2string(ctx, field.Selections, obj.Title)\n}\n",
			"func (ec *executionContext) _A_image(ctx context.Context, field graphql.CollectedField, obj *conduit.A) (ret graphql.Marshaler) {\n\treturn ec.marshalOString2ᚖstring(ctx, field.Selections, obj.Image)\n}\n",
			"func (ec *executionContext) _A_id(ctx context.Context, field graphql.CollectedField, obj *conduit.A) (ret graphql.Marshaler) {\n\treturn ec.marshalNString2string(ctx, field.Selections, obj.NodeID())\n}\n",
		} {
			if !strings.Contains(s, want) {
				t.Errorf("missing\n%s\nin:\n%s", want, s)
			}
		}
		for _, k := range kept {
			if !strings.Contains(s, k) {
				t.Errorf("rewrote a field that needs its field context:\n%s", k)
			}
		}
	})
	t.Run("ErrTemplateChanged", func(t *testing.T) {
		if _, err := plainFields([]byte(marshallers + strings.Join(kept, ""))); err == nil {
			t.Fatal("a source without plain fields was accepted")
		}
	})
}

func TestBatchParents(t *testing.T) {
	src := "package graph\n\nimport (\n\t\"context\"\n)\n\n" +
		"func (ec *executionContext) resolveBatch_A_b(ctx context.Context) (any, error) {\n" +
		"\tif batch, ok := graphql.BatchParentsFor[*conduit.A](ctx, \"A\"); ok {\n"
	out, err := batchParents([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	s := string(out)
	if !strings.Contains(s, "\tif batch, ok := batchparent.For[*conduit.A](ctx, \"A\"); ok {\n") ||
		!strings.Contains(s, "import (\n\t\"github.com/conduit-graphql/conduit/internal/execgen/batchparent\"\n") {
		t.Errorf("not rewritten:\n%s", s)
	}
	if _, err := batchParents([]byte("package graph\n")); err == nil {
		t.Error("a source without batch fields was accepted")
	}
}
