package state

import (
	"slices"
	"strings"
)

// Public state: maps whose every value anyone may read. The API proves a
// key under a public prefix to any caller (GET /v1/proofs); a key under
// any other prefix only to a caller the owning module allows
// (ledger.KeyReader). Unmarked is private: forgetting to mark a map closes
// it, never opens it.

var public []string // prefixes, under prefixMu

// Public marks the values of m as open to anyone. It must be called during
// package initialisation.
func (m Map[V]) Public() Map[V] {
	mark(&public, m.prefix)
	return m
}

// Public marks the keys of x as open to anyone, as Map.Public.
func (x Index) Public() Index {
	mark(&public, x.prefix)
	return x
}

// IsPublic reports whether key lies under a public prefix.
func IsPublic(key string) bool {
	prefixMu.Lock()
	defer prefixMu.Unlock()
	return slices.ContainsFunc(public, func(p string) bool { return strings.HasPrefix(key, p) })
}

// OwnerOf names the owner of the claimed prefix key lies under.
func OwnerOf(key string) (owner string, ok bool) {
	prefixMu.Lock()
	defer prefixMu.Unlock()
	for p, o := range prefixes {
		if strings.HasPrefix(key, p) {
			return o, true
		}
	}
	return "", false
}

// ID returns the ID of key in m: the key without m's prefix. ok is false
// when key is not under m.
func (m Map[V]) ID(key string) (id string, ok bool) {
	return strings.CutPrefix(key, string(m.prefix))
}

// Parts returns the parts of key in x (split at IndexSep). ok is false
// when key is not under x.
func (x Index) Parts(key string) (parts []string, ok bool) {
	rest, ok := strings.CutPrefix(key, string(x.prefix))
	if !ok {
		return nil, false
	}
	return strings.Split(rest, indexSep), true
}
