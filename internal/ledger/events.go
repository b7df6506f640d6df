package ledger

import "fmt"

// EventType declares one kind of event a module emits: its name
// ("records.granted") and its attribute keys, in order. A module declares
// each as a package variable in its events.go and lists them in Events();
// handlers build events only through New, so no handler spells an event
// name or attribute key inline, and docs/events.md is generated from the
// declarations.
type EventType struct {
	// Name is "module.event".
	Name string
	// Attrs are the attribute keys, in the order New takes their values.
	Attrs []string
	// Doc says when the event is emitted, for docs/events.md.
	Doc string
}

// New makes an event of this type from its attribute values, one per key
// and in the declared order. A count that differs from the declaration is a
// programming error: it panics (every node alike, so the chain answers
// chain.internal rather than diverging).
func (t EventType) New(values ...string) Event {
	if len(values) != len(t.Attrs) {
		panic(fmt.Sprintf("ledger: event %s takes %d attributes (%v), got %d", t.Name, len(t.Attrs), t.Attrs, len(values)))
	}
	e := Event{Type: t.Name, Attrs: make([]Attr, len(values))}
	for i, v := range values {
		e.Attrs[i] = Attr{Key: t.Attrs[i], Value: v}
	}
	return e
}
