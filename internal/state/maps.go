package state

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
)

var (
	prefixMu sync.Mutex
	prefixes = map[string]string{} // prefix -> owner
)

// RegisterPrefix claims a key prefix for owner. It panics if the prefix is
// already claimed, or if one claimed prefix would contain another: two
// modules must never be able to read or overwrite each other's keys.
// Prefixes are claimed at package initialisation.
func RegisterPrefix(owner, prefix string) []byte {
	prefixMu.Lock()
	defer prefixMu.Unlock()
	if prefix == "" {
		panic("state: empty prefix for " + owner)
	}
	for p, o := range prefixes {
		if strings.HasPrefix(p, prefix) || strings.HasPrefix(prefix, p) {
			panic(fmt.Sprintf("state: prefix %q of %s overlaps prefix %q of %s", prefix, owner, p, o))
		}
	}
	prefixes[prefix] = owner
	return []byte(prefix)
}

// Prefixes lists the claimed prefixes and their owners, sorted.
func Prefixes() [][2]string {
	prefixMu.Lock()
	defer prefixMu.Unlock()
	out := make([][2]string, 0, len(prefixes))
	for p, o := range prefixes {
		out = append(out, [2]string{p, o})
	}
	sort.Slice(out, func(i, j int) bool { return out[i][0] < out[j][0] })
	return out
}

// Map is a typed map from string IDs to JSON-encoded values under a unique
// prefix. JSON of Go structs is deterministic (fields in declaration order,
// map keys sorted), which consensus needs.
type Map[V any] struct {
	prefix []byte
}

// NewMap claims prefix for owner and returns a map over it.
func NewMap[V any](owner, prefix string) Map[V] {
	return Map[V]{prefix: RegisterPrefix(owner, prefix)}
}

// Key returns the full state key of id.
func (m Map[V]) Key(id string) []byte {
	k := make([]byte, 0, len(m.prefix)+len(id))
	return append(append(k, m.prefix...), id...)
}

// Get reads id. ok is false if it is absent.
func (m Map[V]) Get(r Reader, id string) (v V, ok bool) {
	b := r.Get(m.Key(id))
	if b == nil {
		return v, false
	}
	if err := json.Unmarshal(b, &v); err != nil {
		panic(&Fault{Err: fmt.Errorf("decode %s%s: %w", m.prefix, id, err)})
	}
	return v, true
}

// Has reports whether id is present.
func (m Map[V]) Has(r Reader, id string) bool { return r.Has(m.Key(id)) }

// Set writes id.
func (m Map[V]) Set(s Store, id string, v V) {
	b, err := json.Marshal(v)
	if err != nil {
		panic(&Fault{Err: fmt.Errorf("encode %s%s: %w", m.prefix, id, err)})
	}
	s.Set(m.Key(id), b)
}

// Delete removes id.
func (m Map[V]) Delete(s Store, id string) { s.Delete(m.Key(id)) }

// Walk calls fn for each entry whose id starts with idPrefix, in id order,
// until fn returns false.
func (m Map[V]) Walk(r Reader, idPrefix string, fn func(id string, v V) bool) {
	start := m.Key(idPrefix)
	r.Iterate(start, PrefixEnd(start), func(k, b []byte) bool {
		var v V
		if err := json.Unmarshal(b, &v); err != nil {
			panic(&Fault{Err: fmt.Errorf("decode %s: %w", k, err)})
		}
		return fn(string(k[len(m.prefix):]), v)
	})
}

// Page returns up to limit entries with ids starting with idPrefix and
// greater than after, and the id to pass as after for the next page ("" when
// there is none).
func (m Map[V]) Page(r Reader, idPrefix, after string, limit int) (items []V, next string) {
	start := m.Key(idPrefix)
	end := PrefixEnd(start)
	if after != "" {
		start = append(m.Key(after), 0)
	}
	last := ""
	r.Iterate(start, end, func(k, b []byte) bool {
		if len(items) == limit {
			next = last
			return false
		}
		var v V
		if err := json.Unmarshal(b, &v); err != nil {
			panic(&Fault{Err: fmt.Errorf("decode %s: %w", k, err)})
		}
		items = append(items, v)
		last = string(k[len(m.prefix):])
		return true
	})
	return items, next
}

// Index is a set of keys under a unique prefix, with tiny values.
type Index struct{ prefix []byte }

// NewIndex claims prefix for owner.
func NewIndex(owner, prefix string) Index { return Index{prefix: RegisterPrefix(owner, prefix)} }

// indexSep separates the parts of an index entry. IDs may contain '/'
// (item IDs always do, GS1 serials may), so a printable separator would
// let the entries under one part ("…/21/A") include those of a longer one
// ("…/21/A/B"). No ID contains a zero byte.
const indexSep = string(IndexSep)

// IndexSep separates the parts of a remainder Index.Walk gives.
const IndexSep = '\x00'

// Key returns the state key of the entry made of parts.
func (x Index) Key(parts ...string) []byte {
	return append(append([]byte{}, x.prefix...), strings.Join(parts, indexSep)...)
}

// Add puts an entry.
func (x Index) Add(s Store, parts ...string) { s.Set(x.Key(parts...), []byte{1}) }

// Remove deletes an entry.
func (x Index) Remove(s Store, parts ...string) { s.Delete(x.Key(parts...)) }

// Has reports whether an entry is present.
func (x Index) Has(r Reader, parts ...string) bool { return r.Has(x.Key(parts...)) }

// Walk calls fn with the remainder (after prefix and the given parts) of
// each entry under exactly those parts, in order, until fn returns false.
// A remainder of several parts has them separated by a zero byte.
func (x Index) Walk(r Reader, fn func(rest string) bool, parts ...string) {
	start := x.Key(parts...)
	if len(parts) > 0 {
		start = append(start, indexSep...)
	}
	r.Iterate(start, PrefixEnd(start), func(k, _ []byte) bool {
		return fn(string(k[len(start):]))
	})
}

// WalkFrom is Walk starting at the first entry whose remainder is from or
// after it: a range read (the entries of the last day, say) that does not
// visit what came before.
func (x Index) WalkFrom(r Reader, from string, fn func(rest string) bool, parts ...string) {
	base := x.Key(parts...)
	if len(parts) > 0 {
		base = append(base, indexSep...)
	}
	start := append(append([]byte{}, base...), from...)
	r.Iterate(start, PrefixEnd(base), func(k, _ []byte) bool {
		return fn(string(k[len(base):]))
	})
}
