// Package ledgertest runs the data-driven scripts that test medchain's
// modules: each file in a module's testdata/ directory is a story told to the
// real application (chain.New over an in-memory state store), and below each
// command stands what the chain answered: the result or the error code, the
// events, the validator updates and the state the transaction changed.
//
//	go test ./internal/identity -run TestScripts            # compare
//	go test ./internal/identity -run TestScripts -rewrite   # regenerate
//
// -rewrite (github.com/cockroachdb/datadriven, as in etcd-io/raft's
// interaction tests) writes this run's answers in place of the expected ones;
// read the diff before committing it, as it is the review of the change. A
// mismatch fails the test with a diff of the command's output.
//
// A module's test is one call, in its external test package, registering
// the queries its scripts call by name:
//
//	func TestScripts(t *testing.T) {
//		ledgertest.Run(t, "testdata", ledgertest.WithQueries(map[string]ledgertest.Query{
//			"member": func(c *ledgertest.Chain, a ledgertest.Args) (any, error) {
//				m, ok := c.App().Identity().Member(c.View(), a["id"])
//				if !ok {
//					return nil, fmt.Errorf("no member %q", a["id"])
//				}
//				return m, nil
//			},
//		}))
//	}
//
// Every transaction is signed with a key derived from a name
// (ed25519.GenPrivKeyFromSecret of the name) and goes through FinalizeBlock
// and Commit, in a block of its own unless a block command groups several, so
// it meets the real decoding, signature check, replay protection,
// authentication, routing and error codes. The harness must not write state,
// call handlers or build a ledger.Context itself (queries only read committed
// state), must not read the wall clock (block times advance by a fixed step
// from a fixed genesis time) and must print nothing that depends on map
// order: the same script gives the same output on every machine.
//
// # Replay
//
// When a script file ends (and before each further genesis in it), the
// harness replays the chain's blocks on a fresh application from the same
// genesis and fails unless every block gives the same app hash: every
// module's messages, refusals and end-block work, as its scripts exercise
// them, are checked for determinism. The replaying application never ran
// CheckTx, so what the mempool cached is checked to change nothing.
//
// # Names
//
// A name stands for a key pair. In genesis, member "st-marys/dr-grey" gets
// the key of the name "st-marys/dr-grey", patient "alice" the key of "alice",
// and an organisation's validator the key of "val-<org>". Command inputs and
// argument values may use these placeholders:
//
//	$key(name)      the public key of name, in hex (a JSON string's content)
//	$pt(name)       the patient ID of name's key (identity.PatientID)
//	$height         the height of the next block; $height(+3), $height(-1)
//	$time(+24h)     the time of the next block plus a duration, RFC 3339
//	$signed(name type {json})
//	                the message signed by name as an envelope of its own,
//	                base64 (a JSON string's content): what a message embeds,
//	                such as a read request in records/receipts. Nonce and
//	                expiry are fixed, so the same arguments sign the same
//	                bytes; the JSON holds no placeholder or parenthesis.
//
// Output is printed the other way round: a public key or patient ID of a name
// the script used reads $key(name) or $pt(name).
//
// # Commands
//
// genesis [max-tx-ttl=N] [voting-period=N] [max-voting-period=N]
//
// starts a fresh chain (a file may hold several). Its input declares the
// cast, one per line; with no input it is StandardCast. Declare a cast when
// the story needs other organisation kinds or roles (supply's manufacturers
// and pharmacies: "org acme-pharma manufacturer", "member acme-pharma/qa
// quality-officer").
//
//	org <id> <kind> [validator=<power>]   a founding organisation
//	member <org>/<handle> <role>... [kind=device|system]
//	patient <name>                          registered at genesis
//	section <module> <json>                 a module's raw genesis section
//
// The harness then commits an empty block 1, so that the genesis state is
// committed before the first command; the first transaction runs at height 2.
// The output lists the cast; an invalid genesis prints "error: …".
//
// exec signer=<name> type=<module/action>
//
// signs the input (the message JSON; empty means {}) with name's key and runs
// it in the next block. The output is "ok" and the result JSON, or
// "error <code> (<kind>): <log>"; then "event <type> k=v…" per event the
// handler emitted; then the block's end-of-block events ("end-block event …"),
// validator updates ("validator $key(val-x) power=N") and the state it
// changed, one key per line, keys sorted:
//
//	added:    + key = value
//	changed:  ~ key {…}    a JSON object as a merge patch (RFC 7386: the
//	                       changed fields, removed ones as null)
//	          ~ key = value  anything else
//	deleted:  - key
//
// Keys print with bytes outside printable ASCII escaped (\x00 separates the
// parts of an index key), values as compact JSON, an index entry (value 0x01)
// with no value. The chain's own keys (its metadata and remembered
// transaction hashes) are left out, so a refusal prints no state at all.
//
// block
//
// runs several transactions in one block: each input line is
// "exec signer=<name> type=<type> <json>". Each result prints under "tx <i>",
// then the block's end-block events, validator updates and state changes.
//
// check signer=<name> type=<module/action>
//
// runs the input through CheckTx against the committed state (the mempool's
// view) and prints the result as exec does, with no events or state.
//
// advance [blocks=N] [time=<duration>]
//
// commits N empty blocks (1 by default), the first <duration> after the last
// block (default: the usual step of 5s), and prints the new height and time,
// then the blocks' end-block events, validator updates and state changes.
//
// state prefix=<p>
//
// prints every committed key under p, with its value.
//
// signers [<name>…]
//
// makes every following block record the votes of these validators (names
// such as "val-st-marys") as having committed the block before it, as
// CometBFT's DecidedLastCommit does, until the next signers command; with no
// names, blocks record no votes (the default: nothing is known of who
// signs). Prints the validator addresses.
//
// misbehaviour <name> [type=duplicate-vote|light-client-attack] [height=N]
//
// makes the next block record CometBFT evidence that the validator of name
// misbehaved at height N (default: the last block's).
//
// query <name> [k=v…]
//
// calls the query the test registered under name and prints its answer as
// indented JSON, or "error: …".
//
// # Example
//
//	genesis
//	----
//	org st-marys hospital validator=10
//	…
//
//	exec signer=st-marys/admin type=identity/register-member
//	{"handle": "dr-who", "roles": ["physician"], "public_key": "$key(st-marys/dr-who)"}
//	----
//	ok {"id":"st-marys/dr-who"}
//	event identity.member_registered member=st-marys/dr-who org=st-marys kind=person
//	+ id/k/$key(st-marys/dr-who) = {"public_key":"$key(st-marys/dr-who)",…}
//	+ id/m/st-marys/dr-who = {"id":"st-marys/dr-who",…}
//
//	exec signer=st-marys/dr-who type=identity/register-member
//	{"handle": "x", "roles": ["nurse"], "public_key": "$key(x)"}
//	----
//	error identity.unauthorized (forbidden): identity: not allowed: …
//
// Write one file per message type or story, a comment (#) above each command
// saying what it shows, a success and every refusal the handler has. Prefer
// the standard cast; declare a cast only when the story needs another.
package ledgertest
