package ledger

// Kind is the class of an error, for clients: the HTTP API maps each kind to
// one status (ADR 5).
type Kind string

// Kinds of error.
const (
	KindInvalid         Kind = "invalid"
	KindUnauthenticated Kind = "unauthenticated"
	KindForbidden       Kind = "forbidden"
	KindNotFound        Kind = "not_found"
	KindConflict        Kind = "conflict"
	KindPrecondition    Kind = "failed_precondition"
	KindGone            Kind = "gone"
	KindInternal        Kind = "internal"
)

// Code is an error's stable identity: what clients and consensus depend on.
// Space and Number travel in ABCI responses; Name is the stable string that
// the API puts in problem details ("identity.key_revoked").
type Code struct {
	Space  string `json:"codespace"`
	Number uint32 `json:"code"`
	Name   string `json:"name"`
	Kind   Kind   `json:"kind"`
}

// ID is "space.name", the stable code string.
func (c Code) ID() string { return c.Space + "." + c.Name }

// ErrorCode is one row of a module's code table: an exported error of the
// module and the code it is answered with. The module's name is the code's
// space. Numbers are never reused or renumbered: clients and the results
// hash depend on them.
type ErrorCode struct {
	Err    error
	Number uint32
	Name   string
	Kind   Kind
}
