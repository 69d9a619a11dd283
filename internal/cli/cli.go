// Package cli is the command line of the conduit binary: the commands
// other than serve (migrate, seed, backup, schema, version), the flags of
// every command with their CONDUIT_* environment defaults, the serve
// configuration they parse into (Config), and progress output.
//
// It parses, checks and runs admin work against the store; it builds no
// server. The root's server.go dispatches to it and wires what it parses.
// It must never import resolvers or graph: what the schema needs, it gets
// from server.go (the SDL, the version).
//
// Never imports: resolvers, graph.
package cli

import (
	"fmt"
	"io"
)

// Usage is the help text of the binary, printed for `conduit help` and
// for `conduit --help`.
const Usage = `Usage: conduit [COMMAND] [flags]

Conduit, the GraphQL backend of the Conduit blogging app.

Commands:
  serve                       serve the API (the default command)
  migrate [up|down|status]    apply, roll back or list database migrations
  seed                        add a deterministic, realistic data set
  schema                      print the GraphQL schema (SDL)
  backup FILE                 write a consistent copy of the database to FILE
  version                     print the version
  help                        print this text

Run 'conduit COMMAND --help' for a command's flags. Every flag can also be
set with the CONDUIT_* environment variable named in its help.

Tracing: set OTEL_EXPORTER_OTLP_ENDPOINT (e.g. http://collector:4318) to
export OpenTelemetry spans over OTLP/HTTP; the SDK's other OTEL_* variables
(OTEL_SERVICE_NAME, OTEL_TRACES_SAMPLER, ...) apply. Unset, tracing is off.
`

// Schema prints sdl, the GraphQL schema that the server serves.
func Schema(args []string, stdout, stderr io.Writer, sdl string) error {
	return simpleCmd("schema", "Prints the GraphQL schema (SDL) that the server serves.", args, stderr, func() { fmt.Fprint(stdout, sdl) })
}

// Version prints the version of the binary.
func Version(args []string, stdout, stderr io.Writer, version string) error {
	return simpleCmd("version", "Prints the version.", args, stderr, func() { fmt.Fprintln(stdout, "conduit", version) })
}

// simpleCmd runs do for a command that takes no flags but --help, and no
// arguments.
func simpleCmd(name, about string, args []string, stderr io.Writer, do func()) error {
	f := newFlags(name, about, func(string) string { return "" }, stderr)
	if err := f.parse(args); err != nil {
		return err
	} else if f.fs.NArg() > 0 {
		f.fs.Usage()
		return fmt.Errorf("%s takes no arguments", name)
	}
	do()
	return nil
}
