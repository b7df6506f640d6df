// Package rules is medchain's consensus-safe profile of CEL
// (cel.dev/cel-go): the language in which consent conditions, payer coverage
// rules, cold-chain thresholds and alert rules are written and stored on
// chain as data.
//
// A Profile names the inputs of one kind of rule (for consent conditions:
// reader_id, reader_org, reader_roles, purpose, record_types, record_id and
// now) and the type of its result. Profile.Compile parses and type-checks a
// rule against exactly those inputs and rejects anything whose outcome could
// differ between machines, runs or library upgrades, or whose cost is not
// bounded in advance:
//
//   - sources longer than MaxSourceLen bytes or not valid UTF-8;
//   - any expression of type double (literals such as 1.5, double()
//     conversions, mixed int/double comparisons): floating point is not
//     consensus-safe;
//   - maps of any kind, and so any comprehension over a map: CEL iterates
//     maps in Go map order, which changes from run to run;
//   - timestamps and durations: there is no clock; block time is passed in
//     as an int variable (unix seconds);
//   - dyn, uint, bytes, null, type values and any value without a static
//     type: every expression must be one of bool, int, string or a list of
//     them;
//   - every function outside a small allow-list (logic, comparison, int
//     arithmetic, in, indexing of lists, size, string contains, startsWith,
//     endsWith, matches, int<->string conversions and the list macros all,
//     exists, exists_one, map, filter);
//   - matches with a pattern that is not a string literal, that does not
//     compile, whose RE2 program exceeds MaxRegexInsts instructions, or that
//     depends on Unicode tables (\p, \P classes, case folding with (?i)),
//     which change with the Go version (matches is allowed because RE2 runs
//     in time linear in the input and the cost estimate prices it by the
//     size of the compiled program times the bound on the subject string);
//   - a result type other than the profile's;
//   - a static cost estimate (computed with the profile's size bounds on
//     string and list inputs, with the cost model pinned to version 1) above
//     the profile's MaxCost.
//
// Errors name what is wrong and where (line:column, 1-based) and are
// deterministic strings.
//
// Rule.Eval checks every input against the profile (declared, present,
// right Go type, within the size bounds the static estimate assumed, valid
// UTF-8) before running the program, and runs it under a runtime cost limit
// equal to the profile's MaxCost, so a rule can never run away even if the
// estimate were wrong. A Rule is immutable and safe for concurrent use.
// Cache keeps compiled rules by hash for read paths.
//
// The package is pure: no clock, no randomness, no I/O, no goroutines.
package rules
