package credentials

import (
	"fmt"
	"strings"
	"time"

	"github.com/medchain/medchain/internal/state"
)

// Credential reads a credential's ledger entry by ID.
func (k *Keeper) Credential(r state.Reader, id string) (Credential, bool) {
	return credentials.Get(r, id)
}

// ByHash reads the ledger entry of the credential whose SHA-256 (lower-case
// hex) is hash.
func (k *Keeper) ByHash(r state.Reader, hash string) (Credential, bool) {
	id, ok := byHash.Get(r, hash)
	if !ok {
		return Credential{}, false
	}
	return credentials.Get(r, id)
}

// CredentialKey is the state key of a credential's entry, for proofs.
func CredentialKey(id string) []byte { return credentials.Key(id) }

// Authorisation reads what org may issue.
func (k *Keeper) Authorisation(r state.Reader, org string) (Authorisation, bool) {
	return authorisations.Get(r, org)
}

// Authorisations lists the authorised issuers, by organisation ID.
func (k *Keeper) Authorisations(r state.Reader, after string, limit int) ([]Authorisation, string) {
	return authorisations.Page(r, "", after, limit)
}

// Practising reports whether member may act in a clinical role: no
// medical licence of theirs is suspended, or revoked for cause, as of the
// end of the last block. Identity asks it for every principal it
// authenticates (through its Licences interface).
func (k *Keeper) Practising(r state.Reader, member string) bool {
	found := false
	barred.Walk(r, func(string) bool {
		found = true
		return false
	}, member)
	return !found
}

// Of lists the credentials whose subject is member, by ID.
func (k *Keeper) Of(r state.Reader, member string, limit int) []Credential {
	return k.walk(r, bySubject, member, limit)
}

// IssuedBy lists the credentials org issued, by ID.
func (k *Keeper) IssuedBy(r state.Reader, org string, limit int) []Credential {
	return k.walk(r, byIssuer, org, limit)
}

func (k *Keeper) walk(r state.Reader, x state.Index, part string, limit int) []Credential {
	var out []Credential
	x.Walk(r, func(id string) bool {
		if c, ok := credentials.Get(r, id); ok {
			out = append(out, c)
		}
		return len(out) < limit
	}, part)
	return out
}

// Expiring lists the credentials still in force (not revoked) whose
// validity ends at or after from and before until, soonest first: the
// recredentialing reminders. issuer and subject, when not empty, narrow
// the list.
func (k *Keeper) Expiring(r state.Reader, from, until time.Time, issuer, subject string, limit int) []Credential {
	var out []Credential
	end := expiryKey(until.Unix())
	byExpiry.WalkFrom(r, expiryKey(from.Unix()), func(rest string) bool {
		at, id, _ := strings.Cut(rest, "\x00")
		if at >= end {
			return false
		}
		c, ok := credentials.Get(r, id)
		if ok && c.Status != StatusRevoked && (issuer == "" || c.Issuer == issuer) && (subject == "" || c.Subject == subject) {
			out = append(out, c)
		}
		return len(out) < limit
	})
	return out
}

// Validity is the ledger's answer to "was this credential valid at this
// instant?".
type Validity struct {
	Credential Credential `json:"credential"`
	// At is the instant asked about (RFC 3339).
	At string `json:"at"`
	// Status is the credential's status at At: active, suspended, revoked,
	// or unrecorded (before the ledger recorded it).
	Status string `json:"status"`
	Reason string `json:"reason,omitempty"`
	// Authorised says whether its issuer is authorised for its type now
	// (it was when it issued it: the ledger refuses otherwise).
	Authorised bool `json:"issuer_authorised"`
	Valid      bool `json:"valid"`
	// Why says why it is not valid, in words.
	Why string `json:"why,omitempty"`
}

// StatusUnrecorded is the status at an instant before the ledger recorded
// the credential.
const StatusUnrecorded = "unrecorded"

// StatusAt returns c's status and reason at instant t: its issuance
// applies from its block's time, each later change from just after the
// time of the block that decided it (it is enforced from the next block).
func StatusAt(c Credential, t int64) (status, reason string) {
	status = StatusUnrecorded
	for i, h := range c.History {
		if h.Time > t || (i > 0 && h.Time == t) {
			break
		}
		status, reason = h.Status, h.Reason
	}
	return status, reason
}

// ValidAt answers whether c was valid at t: recorded, active, within its
// validity period. A withdrawn authority does not invalidate what the
// issuer issued while it held it; the answer says so all the same.
func (k *Keeper) ValidAt(r state.Reader, c Credential, t time.Time) Validity {
	st, reason := StatusAt(c, t.Unix())
	return k.validity(r, c, t, st, reason)
}

// ValidNow answers whether c is valid now: its status in r (the state the
// next block runs on, so a change decided in the last block counts) and
// its validity period at now (the last block's time).
func (k *Keeper) ValidNow(r state.Reader, c Credential, now time.Time) Validity {
	return k.validity(r, c, now, c.Status, c.Reason)
}

func (k *Keeper) validity(r state.Reader, c Credential, t time.Time, status, reason string) Validity {
	v := Validity{Credential: c, At: t.UTC().Format(time.RFC3339), Status: status, Reason: reason}
	a, _ := authorisations.Get(r, c.Issuer)
	v.Authorised = a.Allows(c.Type)
	switch {
	case v.Status == StatusUnrecorded:
		v.Why = fmt.Sprintf("not yet on the ledger (recorded at %s, height %d)", unix(c.Time), c.Height)
	case v.Status != StatusActive:
		v.Why = fmt.Sprintf("%s (%s) by %s", v.Status, v.Reason, c.Issuer)
	case t.Unix() < c.ValidFrom:
		v.Why = "not valid before " + unix(c.ValidFrom)
	case c.ValidUntil != 0 && t.Unix() >= c.ValidUntil:
		v.Why = "expired at " + unix(c.ValidUntil)
	default:
		v.Valid = true
	}
	return v
}

// StatusList reads an issuer's status lists as of the last block's end
// (empty lists when none of its credentials names one).
func (k *Keeper) StatusList(r state.Reader, org string) StatusList {
	l, ok := statusLists.Get(r, org)
	if !ok {
		return StatusList{Org: org, Revoked: []uint32{}, Suspended: []uint32{}}
	}
	return l
}

// StatusListKey is the state key of an issuer's status lists, for proofs.
func StatusListKey(org string) []byte { return statusLists.Key(org) }
