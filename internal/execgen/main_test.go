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

func TestNoDeferredGroups(t *testing.T) {
	obj := "func (ec *executionContext) _A(ctx context.Context) graphql.Marshaler {\n" +
		"\tout := graphql.NewFieldSet(fields)\n" +
		"\tdeferred := graphql.NewDeferredGroup(ctx)\n" +
		"\tout.Dispatch(ctx)\n" +
		"\n\tif n := len(deferred.Defers); n > 0 {\n" +
		"\t\tatomic.AddInt32(&ec.Deferred, int32(min(n, math.MaxInt32)))\n" +
		"\t\tec.ProcessDeferredGroup(deferred)\n" +
		"\t}\n\n\treturn out\n}\n"
	t.Run("OK", func(t *testing.T) {
		out, err := noDeferredGroups([]byte(obj))
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(out, []byte("deferred")) {
			t.Fatalf("group left:\n%s", out)
		}
		if !bytes.Contains(out, []byte("out.Dispatch(ctx)")) || !bytes.Contains(out, []byte("return out")) {
			t.Fatalf("removed too much:\n%s", out)
		}
	})
	t.Run("ErrFieldOnGroup", func(t *testing.T) {
		src := strings.Replace(obj, "out.Dispatch(ctx)", "out.ResolveConcurrently(ec.OperationContext, &deferred, i)", 1)
		if _, err := noDeferredGroups([]byte(src)); err == nil {
			t.Fatal("removed a group that a field uses")
		}
	})
	t.Run("ErrTemplateChanged", func(t *testing.T) {
		if _, err := noDeferredGroups([]byte("func f() {}\n")); err == nil {
			t.Fatal("a source without groups was accepted")
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
	if strings.Contains(s, "out.ResolveConcurrently(") {
		t.Error("graph/generated.go resolves object fields concurrently: run make generate")
	}
	if strings.Contains(s, "graphql.NewDeferredGroup(") {
		t.Error("graph/generated.go makes @defer groups: run make generate")
	}
	if !strings.Contains(s, "out.ResolveRootConcurrently(") {
		t.Error("root fields no longer resolve concurrently")
	}
}
