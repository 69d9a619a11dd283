// Command execgen generates graph/ and models/ from gqlgen.yml, as
// `gqlgen generate` does, with two changes to how the generated executor
// runs the fields of objects and lists. `go generate` runs it.
//
// gqlgen resolves every resolver field of an object, and every element of a
// list, in a goroutine of its own, so that fields waiting on I/O overlap.
// Conduit's fields below the root wait on nothing: connections read what is
// selected below their items for the whole page and prime the loaders, and
// the fields below lists are batch resolvers, which resolve the whole list
// in one call. A goroutine per article, author and comment then costs more
// than it can save (its start, its stack growth, the wait group): on the
// 100-article list it was most of the time left after SQL.
//
// So, below the root fields (Query, Mutation and Subscription keep gqlgen's
// behaviour):
//
//   - objects resolve their fields one after another (gqlgen's own
//     DisableConcurrency, which it sets for Mutation), and
//   - lists marshal their elements one after another, with the same panic
//     recovery per element that gqlgen's MarshalSliceConcurrently has, and
//   - objects make their @defer group only when a field is deferred, which
//     happens only for a response delivered incrementally (multipart/mixed):
//     otherwise a @defer'd field resolves in place, in the one response.
//     The group cost every object its path and two allocations.
//
// And each subscription field marshals an event's value through
// shareEventPayload: the subscribers of one event with the same operation,
// variables and viewer resolve its selection once, and the others get the
// payload as it was (a payload with errors is not shared).
//
// And a plain field, one read straight from its model (a struct field or
// an argument-less method such as NodeID, no resolver or directive) whose
// scalar marshals without a chance of null, marshals its value directly:
// no field context, no resolver middleware, no boxing of the value. On the
// 100-article list these were most of the allocations left. A field
// interceptor (a handler's AroundFields) therefore sees resolver fields
// and not the plain ones, as type-graphql's simple resolvers and
// Datadog's SkipFieldsWithTrivialResolver do; Conduit's tracer spans
// resolvers only.
//
// And a batch field finds its parents with batchparent.For, which reads
// the parent's list index from the field contexts, instead of
// graphql.BatchParentsFor, which builds the field's whole path for it.
//
// A field that would rely on its siblings running concurrently (a loader
// Load that waits for other elements' keys) would be slow here, one loader
// wait per element; the statement-budget tests catch that.
//
// It must build while graph/ and models/ are stale or broken: it is what
// makes them again.
//
// Never imports: graph, models, resolvers.
package main

import (
	"bytes"
	"fmt"
	"os"
	"regexp"

	"github.com/99designs/gqlgen/api"
	"github.com/99designs/gqlgen/codegen"
	"github.com/99designs/gqlgen/codegen/config"
	"golang.org/x/tools/imports"
)

func main() {
	if err := run("gqlgen.yml"); err != nil {
		fmt.Fprintln(os.Stderr, "execgen:", err)
		os.Exit(1)
	}
}

func run(configFile string) error {
	cfg, err := config.LoadConfig(configFile)
	if err != nil {
		return err
	}
	if err := api.Generate(cfg, api.AddPlugin(serialObjects{})); err != nil {
		return err
	}
	src, err := os.ReadFile(cfg.Exec.Filename)
	if err != nil {
		return err
	}
	out, err := serialSlices(src)
	if err == nil {
		out, err = lazyDeferredGroups(out)
	}
	if err == nil {
		out, err = sharedEventPayloads(out)
	}
	if err == nil {
		out, err = plainFields(out)
	}
	if err == nil {
		out, err = batchParents(out)
	}
	if err == nil {
		// Drop the imports that only the removed code used.
		out, err = imports.Process(cfg.Exec.Filename, out, nil)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", cfg.Exec.Filename, err)
	}
	return os.WriteFile(cfg.Exec.Filename, out, 0o644)
}

// serialObjects is a gqlgen plugin that makes the objects below the root
// resolve their fields on the calling goroutine.
type serialObjects struct{}

// Name names the plugin.
func (serialObjects) Name() string { return "serialobjects" }

// GenerateCode runs before gqlgen writes the executor: it marks the objects.
func (serialObjects) GenerateCode(data *codegen.Data) error {
	for _, o := range data.Objects {
		if !o.Root && !o.Stream {
			o.DisableConcurrency = true
		}
	}
	return nil
}

// sliceCall is gqlgen's concurrent list marshalling as its template writes
// it: MarshalSliceConcurrently(ctx, len(v), workerLimit, omitPanicHandler, …).
var sliceCall = regexp.MustCompile(`graphql\.MarshalSliceConcurrently\(ctx, len\(v\), \d+, (?:true|false), `)

// serialSlices rewrites every concurrent list marshalling of the generated
// executor into marshalSliceSerially, which it appends. It fails when it
// finds none, so that a gqlgen upgrade that changes the template is noticed
// instead of silently bringing the goroutines back.
func serialSlices(src []byte) ([]byte, error) {
	n := len(sliceCall.FindAllIndex(src, -1))
	if n == 0 {
		return nil, fmt.Errorf("no graphql.MarshalSliceConcurrently call to rewrite: has gqlgen's list template changed?")
	}
	out := sliceCall.ReplaceAll(src, []byte("marshalSliceSerially(ctx, len(v), "))
	return append(out, serialHelper...), nil
}

// deferredGroup is the @defer group that gqlgen's object template makes,
// and the block that hands it over once the fields have resolved.
var (
	deferredGroup = regexp.MustCompile(`\n\tdeferred := graphql\.NewDeferredGroup\(ctx\)\n`)
	deferredBlock = regexp.MustCompile(`\n\tif n := len\(deferred\.Defers\); n > 0 \{\n[^}]*\n\t\}\n`)
	// fieldCall is a field of an object below the root, resolved in order,
	// with the null check that follows it: Null for a non-null field.
	fieldCall = regexp.MustCompile(`(?m)^(\t+)out\.Values\[i\] = (ec\._\w+\(ctx, field, obj\))\n(\t+)if out\.Values\[i\] == graphql\.(Null|RequiredNull) \{`)
)

// lazyDeferredGroups makes the @defer group of each object lazy: none is
// made unless a field of the object is deferred, and fields are deferred
// only when the response is delivered incrementally (see deferring). Every
// field of an object below the root can then be deferred; the others
// resolve in order, at the cost of one check of the field. It fails when a
// field still schedules on a group, or when it finds no group or no field
// to rewrite.
func lazyDeferredGroups(src []byte) ([]byte, error) {
	if bytes.Contains(src, []byte("&deferred")) {
		return nil, fmt.Errorf("a field is still scheduled on a @defer group")
	}
	groups, blocks := len(deferredGroup.FindAllIndex(src, -1)), len(deferredBlock.FindAllIndex(src, -1))
	if groups == 0 || groups != blocks {
		return nil, fmt.Errorf("found %d @defer groups and %d hand-overs: has gqlgen's object template changed?", groups, blocks)
	}
	if len(fieldCall.FindAllIndex(src, -1)) == 0 {
		return nil, fmt.Errorf("no field of an object below the root to make deferrable: has gqlgen's object template changed?")
	}
	src = deferredGroup.ReplaceAll(src, []byte("\n\tvar deferred *graphql.DeferredGroup\n"))
	src = deferredBlock.ReplaceAll(src, []byte(`
	if deferred != nil && len(deferred.Defers) > 0 {
		atomic.AddInt32(&ec.Deferred, int32(min(len(deferred.Defers), math.MaxInt32)))
		ec.ProcessDeferredGroup(*deferred)
	}
`))
	src = fieldCall.ReplaceAllFunc(src, func(m []byte) []byte {
		g := fieldCall.FindSubmatch(m)
		indent, call, nonNull := string(g[1]), string(g[2]), string(g[4]) == "Null"
		return fmt.Appendf(nil, "%[1]sif deferring(ctx, field) {\n"+
			"%[1]s\tdeferred = deferField(ctx, ec.OperationContext, deferred, out, i, %[3]t, func(ctx context.Context) graphql.Marshaler { return %[2]s })\n"+
			"%[1]s\tcontinue\n"+
			"%[1]s}\n"+
			"%[1]sout.Values[i] = %[2]s\n"+
			"%[4]sif out.Values[i] == graphql.%[5]s {", indent, call, nonNull, g[3], g[4])
	})
	return append(src, deferHelper...), nil
}

// nullFreeScalars are the scalar marshallers that never return
// graphql.Null: each returns a graphql.WriterFunc for any value.
// models.MarshalDateTime is Conduit's DateTime.
const nullFreeScalars = `(?:graphql\.Marshal(?:String|ID|Int|Int32|Int64|Boolean|Float)|models\.MarshalDateTime)`

var (
	// nullFreeMarshal is a generated marshaller of a non-null scalar from a
	// Go value, or of a nullable one from a pointer, whose only use of ctx
	// is the error it would add if the scalar's marshaller returned null.
	nullFreeMarshal = regexp.MustCompile(`func \(ec \*executionContext\) (marshal[^(\s]+)\(ctx context\.Context, sel ast\.SelectionSet, v \*?[\w.]+\) graphql\.Marshaler \{\n` +
		`(?:\t_ = sel\n\tres := ` + nullFreeScalars + `\(v\)\n\tif res == graphql\.Null \{\n\t\tgraphql\.AddInvalidNullFromMarshaler\(ctx, "[^"\n]+"\)\n\t\}\n` +
		`|\tif v == nil \{\n\t\treturn graphql\.Null\n\t\}\n\t_ = sel\n\t_ = ctx\n\tres := ` + nullFreeScalars + `\(\*v\)\n)` +
		`\treturn res\n\}\n`)
	// plainField is gqlgen's function of a field that it reads from a
	// struct field or an argument-less method of the model (not a
	// resolver), with no middleware (directives).
	plainField = regexp.MustCompile(`func \(ec \*executionContext\) (_\w+)\(ctx context\.Context, field graphql\.CollectedField, obj ([*\w.]+)\) \(ret graphql\.Marshaler\) \{\n` +
		`\treturn graphql\.ResolveField\(\n\t\tctx,\n\t\tec\.OperationContext,\n\t\tfield,\n` +
		`\t\tfunc\(ctx context\.Context, field graphql\.CollectedField\) \(\*graphql\.FieldContext, error\) \{\n\t\t\treturn ec\.fieldContext_\w+\(ctx, field\)\n\t\t\},\n` +
		`\t\tfunc\(ctx context\.Context\) \(any, error\) \{\n\t\t\treturn (obj\.\w+(?:\(\))?), nil\n\t\t\},\n` +
		`\t\tnil,\n` +
		`\t\tfunc\(ctx context\.Context, selections ast\.SelectionSet, v [^)\n]+\) graphql\.Marshaler \{\n\t\t\treturn ec\.(marshal[^(\s]+)\(ctx, selections, v\)\n\t\t\},\n` +
		`\t\t(?:true|false),\n\t\t(?:true|false),\n\t\)\n\}\n`)
)

// plainFields makes each plain field marshal its value directly: a field
// read from a struct field or an argument-less method of its model,
// without directives, of a scalar whose marshaller cannot return null. Its
// marshaller then needs no field context, which exists for errors at the
// field's path and for resolver middleware. Such a method has no panic
// recovery of its own: a panic in it nulls the list element or root field
// around it. It fails when it finds no such field.
func plainFields(src []byte) ([]byte, error) {
	nullFree := map[string]bool{}
	for _, m := range nullFreeMarshal.FindAllSubmatch(src, -1) {
		nullFree[string(m[1])] = true
	}
	n := 0
	out := plainField.ReplaceAllFunc(src, func(f []byte) []byte {
		g := plainField.FindSubmatch(f)
		name, objType, value, marshal := g[1], g[2], g[3], string(g[4])
		if !nullFree[marshal] {
			return f
		}
		n++
		return fmt.Appendf(nil, "func (ec *executionContext) %s(ctx context.Context, field graphql.CollectedField, obj %s) (ret graphql.Marshaler) {\n"+
			"\treturn ec.%s(ctx, field.Selections, %s)\n}\n", name, objType, marshal, value)
	})
	if n == 0 {
		return nil, fmt.Errorf("no plain scalar field to marshal directly: has gqlgen's field or marshaller template changed?")
	}
	return out, nil
}

// batchParentsCall is how a batch field's function finds its parents.
var batchParentsCall = regexp.MustCompile(`graphql\.BatchParentsFor\[`)

// batchParents makes every batch field find its parents with
// batchparent.For, which has the same result and fields. It fails when it
// finds none.
func batchParents(src []byte) ([]byte, error) {
	if len(batchParentsCall.FindAllIndex(src, -1)) == 0 {
		return nil, fmt.Errorf("no graphql.BatchParentsFor call to rewrite: has gqlgen's batch template changed?")
	}
	src = batchParentsCall.ReplaceAll(src, []byte("batchparent.For["))
	// imports.Process puts it in its group.
	return bytes.Replace(src, []byte("\nimport (\n"), []byte("\nimport (\n\t\"github.com/conduit-graphql/conduit/internal/execgen/batchparent\"\n"), 1), nil
}

// subscriptionField is the generated function of one subscription field,
// up to the next function; streamMarshal is the call in it that marshals
// each event's value.
var (
	subscriptionField = regexp.MustCompile(`(?s)func \(ec \*executionContext\) _Subscription_\w+\(ctx context\.Context, field graphql\.CollectedField\) \(ret func\(ctx context\.Context\) graphql\.Marshaler\) \{.*?\n\}\n`)
	streamMarshal     = regexp.MustCompile(`(?m)^(\t+)return (ec\.marshal[^(\s]+\(ctx, selections, v\))$`)
)

// sharedEventPayloads makes each subscription field marshal an event's
// value through shareEventPayload, so that the subscribers of one event
// with the same operation, variables and viewer resolve it once. It fails
// when it finds no subscription field, or one whose marshalling it cannot
// find.
func sharedEventPayloads(src []byte) ([]byte, error) {
	fields := subscriptionField.FindAllIndex(src, -1)
	if len(fields) == 0 {
		return nil, fmt.Errorf("no subscription field to share the events of: has gqlgen's field template changed?")
	}
	var bad error
	src = subscriptionField.ReplaceAllFunc(src, func(f []byte) []byte {
		if n := len(streamMarshal.FindAllIndex(f, -1)); n != 1 {
			bad = fmt.Errorf("a subscription field marshals its events in %d places, want 1: has gqlgen's field template changed?", n)
			return f
		}
		return streamMarshal.ReplaceAll(f, []byte("${1}return shareEventPayload(ctx, ec.OperationContext, field.Alias, func() graphql.Marshaler { return ${2} })"))
	})
	if bad != nil {
		return nil, bad
	}
	return append(src, shareHelper...), nil
}

// shareHelper is appended to the generated executor.
const shareHelper = `
// EventReads returns the reads that the subscribers of the event that ctx
// resolves share with one another (nil: none): a subscription's payload
// is one of them (shareEventPayload). Set it before serving. Written by
// internal/execgen.
var EventReads func(ctx context.Context) SharedReads

// SharedReads runs fetch once per key; the callers with the same key get
// what the first one got.
type SharedReads interface {
	Once(ctx context.Context, key any, fetch func(context.Context) (any, error)) (any, error)
}

var eventPayloadsComputed, eventPayloadsShared atomic.Int64

// EventPayloadStats counts the payloads of subscription events computed,
// and those given to another subscriber as they were.
func EventPayloadStats() (computed, shared int64) {
	return eventPayloadsComputed.Load(), eventPayloadsShared.Load()
}

type eventPayloadKey struct{ query, operation, variables, field string }

var errPayloadNotShared = errors.New("the payload carried errors")

// shareEventPayload marshals an event's value for this subscriber, or
// gives the payload that a subscriber of the same event, operation,
// variables and viewer computed: the selection resolves once per event and
// shape, not once per subscriber. A payload with errors is not shared.
func shareEventPayload(ctx context.Context, oc *graphql.OperationContext, alias string, marshal func() graphql.Marshaler) graphql.Marshaler {
	var reads SharedReads
	if EventReads != nil {
		reads = EventReads(ctx)
	}
	vars, err := json.Marshal(oc.Variables)
	if reads == nil || err != nil {
		return marshal()
	}
	key := eventPayloadKey{query: oc.RawQuery, operation: oc.OperationName, variables: string(vars), field: alias}
	var own graphql.Marshaler
	v, err := reads.Once(ctx, key, func(context.Context) (any, error) {
		before := len(graphql.GetErrors(ctx))
		own = marshal()
		eventPayloadsComputed.Add(1)
		if len(graphql.GetErrors(ctx)) != before {
			return nil, errPayloadNotShared
		}
		var b bytes.Buffer
		own.MarshalGQL(&b)
		return b.Bytes(), nil
	})
	if own != nil {
		return own
	}
	payload, ok := v.([]byte)
	if err != nil || !ok {
		return marshal()
	}
	eventPayloadsShared.Add(1)
	return graphql.WriterFunc(func(w io.Writer) { _, _ = w.Write(payload) })
}
`

// deferHelper is appended to the generated executor.
const deferHelper = `
type incrementalKey struct{}

// WithIncrementalDelivery marks ctx as an operation whose response is
// delivered incrementally (multipart/mixed): its @defer'd fields then come
// in later payloads. Without it they resolve in place, in the one response.
// Written by internal/execgen.
func WithIncrementalDelivery(ctx context.Context) context.Context {
	return context.WithValue(ctx, incrementalKey{}, true)
}

// deferring reports whether field is to be deferred to a later payload.
func deferring(ctx context.Context, field graphql.CollectedField) bool {
	return field.IsDeferred() && ctx.Value(incrementalKey{}) != nil
}

// deferField schedules field i of out on the object's @defer group, which it
// makes on first use, and returns the group.
func deferField(ctx context.Context, oc *graphql.OperationContext, g *graphql.DeferredGroup, out *graphql.FieldSet, i int, nonNull bool, resolve func(ctx context.Context) graphql.Marshaler) *graphql.DeferredGroup {
	if g == nil {
		d := graphql.NewDeferredGroup(ctx)
		g = &d
	}
	out.ResolveConcurrently(oc, g, i, true, nonNull, resolve)
	// The field comes in a later payload: the first one must not have it.
	// gqlgen writes every slot of an object, so the slot writes a NUL byte,
	// which no JSON gqlgen writes can hold, and the transport removes the
	// field by it (httpapi's omitDeferred).
	out.Values[i] = deferredSlot{}
	return g
}

// deferredSlot stands for a deferred field in the payload that leaves it out.
type deferredSlot struct{}

// MarshalGQL writes the mark that the incremental transport removes.
func (deferredSlot) MarshalGQL(w io.Writer) { _, _ = w.Write([]byte{0}) }
`

// serialHelper is appended to the generated executor.
const serialHelper = `
// marshalSliceSerially marshals the n elements of a list one after another
// on the calling goroutine, each under its own field context (for its path),
// recovering a panic of one element as graphql.MarshalSliceConcurrently does.
// Written by internal/execgen, which says why.
func marshalSliceSerially(ctx context.Context, n int, marshal func(ctx context.Context, i int) graphql.Marshaler) graphql.Array {
	ret := make(graphql.Array, n)
	index := make([]int, n)
	for i := range n {
		index[i] = i
		ret[i] = marshalElement(graphql.WithFieldContext(ctx, &graphql.FieldContext{Index: &index[i]}), i, marshal)
	}
	return ret
}

// marshalElement marshals element i, turning a panic into an error at its
// path and a null element.
func marshalElement(ctx context.Context, i int, marshal func(ctx context.Context, i int) graphql.Marshaler) (m graphql.Marshaler) {
	defer func() {
		if r := recover(); r != nil {
			graphql.AddError(ctx, graphql.Recover(ctx, r))
			m = graphql.Null
		}
	}()
	return marshal(ctx, i)
}
`
