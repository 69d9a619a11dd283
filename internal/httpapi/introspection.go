package httpapi

import (
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/validator/core"
	"github.com/vektah/gqlparser/v2/validator/rules"
)

// introspectionOff is the message of a document refused because it asks
// for __schema or __type while introspection is off.
const introspectionOff = "Introspection is disabled on this server (--introspection turns it on)."

// closedRules returns the validation rules of a server that keeps its schema
// to itself: gqlparser's defaults, without "Did you mean …?" suggestions
// (they spell out field, argument, type and enum names one typo at a time),
// and refusing __schema and __type at validation, so that an introspection
// query fails as a whole with a message that says why.
func closedRules() *rules.Rules {
	r := rules.NewRules()
	def := rules.NewDefaultRules()
	for name, fn := range def.GetInner() {
		r.AddRule(name, withoutSuggestions(fn))
	}
	r.AddRule("NoIntrospection", noIntrospection)
	return r
}

// withoutSuggestions wraps a rule so that its errors end before any
// "Did you mean" gqlparser appends. gqlgen's SetDisableSuggestion covers
// only two rules; unknown arguments, types and enum values suggest too.
func withoutSuggestions(fn core.RuleFunc) core.RuleFunc {
	return func(observers *core.Events, addError core.AddErrFunc) {
		fn(observers, func(options ...core.ErrorOption) {
			addError(append(options, stripSuggestion)...)
		})
	}
}

func stripSuggestion(err *gqlerror.Error) {
	if i := strings.Index(err.Message, " Did you mean"); i >= 0 {
		err.Message = err.Message[:i]
	}
}

// noIntrospection refuses the introspection fields; __typename stays, as
// clients (and Apollo's cache) ask for it with their data.
func noIntrospection(observers *core.Events, addError core.AddErrFunc) {
	observers.OnField(func(_ *core.Walker, field *ast.Field) {
		if field.Name == "__schema" || field.Name == "__type" {
			addError(core.Message(introspectionOff), core.At(field.Position))
		}
	})
}
