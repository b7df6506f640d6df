package cli

import (
	"context"
	"io"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// showVerb describes a command that only reads one thing from the node and
// prints it: as JSON with --output json, as Text writes it otherwise. It is
// the read-side twin of sendVerb. Build the command with newShowCmd.
type showVerb[T any] struct {
	Use, Short, Long string
	// Args checks the positional arguments; nil means none.
	Args cobra.PositionalArgs
	// Flags binds the verb's flags (into variables Fetch reads); nil if it
	// has none.
	Flags func(f *pflag.FlagSet)
	// Access is who the route answers (zero: anyone).
	Access readAccess
	// Fetch reads the thing the arguments and flags name.
	Fetch func(ctx context.Context, api API, args []string) (*T, error)
	// Text writes it for people.
	Text func(w io.Writer, v *T)
}

// showOptions are a show verb's options (its flags are bound by the verb,
// into variables Fetch reads).
type showOptions[T any] struct {
	g    *Global
	verb *showVerb[T]
}

// newShowCmd builds the command of a show verb.
func newShowCmd[T any](g *Global, v showVerb[T]) *cobra.Command {
	o := &showOptions[T]{g: g, verb: &v}
	cmd := verbCmd(v.Use, v.Short, v.Long, "", v.Args, o.run)
	if v.Flags != nil {
		v.Flags(cmd.Flags())
	}
	return cmd
}

func (o *showOptions[T]) run(ctx context.Context, args []string) error {
	api, err := o.g.reader(o.verb.Access)
	if err != nil {
		return err
	}
	v, err := o.verb.Fetch(ctx, api, args)
	if err != nil {
		return err
	}
	return o.g.Print(v, func(w io.Writer) { o.verb.Text(w, v) })
}

// byID is the Fetch of a show verb whose one argument names the thing,
// read with an API method: Fetch: byID(API.Item).
func byID[T any](get func(API, context.Context, string) (*T, error)) func(context.Context, API, []string) (*T, error) {
	return func(ctx context.Context, api API, args []string) (*T, error) { return get(api, ctx, args[0]) }
}
