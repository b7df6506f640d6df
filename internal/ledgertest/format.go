package ledgertest

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/medchain/medchain/internal/chain"
	"github.com/medchain/medchain/internal/identity"
	"github.com/medchain/medchain/internal/state"
	"github.com/medchain/medchain/internal/tx"
)

// names remembers which name each key and patient ID printed stands for.
type names struct {
	keys     map[string]string // public key hex -> name
	patients map[string]string // patient ID -> name
}

func newNames() *names {
	return &names{keys: map[string]string{}, patients: map[string]string{}}
}

func (n *names) key(name string) tx.PubKey {
	k := PubKey(name)
	n.keys[k.String()] = name
	return k
}

func (n *names) patient(name string) string {
	id := identity.PatientID(n.key(name))
	n.patients[id] = name
	return id
}

var placeholder = regexp.MustCompile(`\$(key|pt|height|time|signed)(\(([^()]*)\))?`)

// expand replaces the placeholders in s; next and at are the height and time
// of the next block.
func (n *names) expand(s string, next int64, at time.Time) (string, error) {
	var bad error
	out := placeholder.ReplaceAllStringFunc(s, func(m string) string {
		p := placeholder.FindStringSubmatch(m)
		fn, hasArg, arg := p[1], p[2] != "", p[3]
		switch fn {
		case "key", "pt":
			if arg == "" {
				bad = fmt.Errorf("%s needs a name: $%s(name)", m, fn)
				return m
			}
			if fn == "key" {
				return n.key(arg).String()
			}
			return n.patient(arg)
		case "signed":
			out, err := n.signed(arg)
			if err != nil {
				bad = fmt.Errorf("%s: %v", m, err)
				return m
			}
			return out
		case "height":
			if !hasArg {
				return strconv.FormatInt(next, 10)
			}
			d, err := strconv.ParseInt(arg, 10, 64)
			if err != nil {
				bad = fmt.Errorf("%s: want $height(+N) or $height(-N)", m)
				return m
			}
			return strconv.FormatInt(next+d, 10)
		default: // time
			d := time.Duration(0)
			if hasArg {
				var err error
				if d, err = time.ParseDuration(arg); err != nil {
					bad = fmt.Errorf("%s: %v", m, err)
					return m
				}
			}
			return at.Add(d).Format(time.RFC3339)
		}
	})
	return out, bad
}

// signed is $signed(name type {json}): the message signed by name as an
// envelope of its own (one a message embeds, such as a read request in a
// records/receipts), base64 as JSON carries bytes. Nonce and expiry are
// fixed, so the same arguments give the same bytes: a retry.
func (n *names) signed(arg string) (string, error) {
	name, rest, _ := strings.Cut(strings.TrimSpace(arg), " ")
	typ, msg, _ := strings.Cut(strings.TrimSpace(rest), " ")
	if name == "" || typ == "" || !json.Valid([]byte(msg)) {
		return "", errors.New("want $signed(name type {json})")
	}
	n.key(name) // the output prints the signer's key as $key(name)
	raw, err := tx.Sign(Key(name), tx.Body{ChainID: ChainID, Nonce: 1, Expires: txTTL, Type: typ, Msg: json.RawMessage(msg)})
	if err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(raw), nil
}

var (
	hexKey    = regexp.MustCompile(`\b[0-9a-f]{64}\b`)
	patientID = regexp.MustCompile(`\bpt-[0-9a-f]{20}\b`)
)

// shorten prints the keys and patient IDs of known names as placeholders.
func (n *names) shorten(s string) string {
	s = hexKey.ReplaceAllStringFunc(s, func(h string) string {
		if name, ok := n.keys[h]; ok {
			return "$key(" + name + ")"
		}
		return h
	})
	return patientID.ReplaceAllStringFunc(s, func(id string) string {
		if name, ok := n.patients[id]; ok {
			return "$pt(" + name + ")"
		}
		return id
	})
}

// chainPrefixes are the chain's own state prefixes, left out of diffs.
var chainPrefixes = func() []string {
	var out []string
	for _, p := range state.Prefixes() {
		if p[1] == "chain" {
			out = append(out, p[0])
		}
	}
	return out
}()

// moduleState copies every key of r that is not the chain's own.
func moduleState(r state.Reader) map[string][]byte {
	m := map[string][]byte{}
	r.Iterate(nil, nil, func(k, v []byte) bool {
		for _, p := range chainPrefixes {
			if bytes.HasPrefix(k, []byte(p)) {
				return true
			}
		}
		m[string(k)] = bytes.Clone(v)
		return true
	})
	return m
}

// key prints a state key: printable ASCII as it is, other bytes escaped.
func (s *script) key(k []byte) string {
	var b strings.Builder
	for _, c := range k {
		if c > 0x20 && c < 0x7f && c != '\\' {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, `\x%02x`, c)
		}
	}
	return s.names.shorten(b.String())
}

// value prints a state value after sep: JSON compacted, an index entry
// (0x01) as nothing, anything else quoted.
func (s *script) value(sep string, v []byte) string {
	if len(v) == 1 && v[0] == 1 {
		return ""
	}
	var b bytes.Buffer
	if json.Compact(&b, v) == nil {
		return sep + s.names.shorten(b.String())
	}
	return sep + s.names.shorten(strconv.Quote(string(v)))
}

// printResult prints a transaction's outcome and its handler's events.
func (s *script) printResult(b *strings.Builder, prefix string, r *abci.ExecTxResult) {
	indent := "" // events under "tx <i>: " are indented
	if prefix != "" {
		indent = "  "
	}
	if r.Code != abci.CodeTypeOK {
		kind := "?"
		if c, ok := chain.Lookup(r.Codespace, r.Code); ok {
			kind = string(c.Kind)
		}
		fmt.Fprintf(b, "%serror %s (%s): %s\n", prefix, r.Info, kind, s.names.shorten(r.Log))
		return
	}
	b.WriteString(prefix + "ok")
	if len(r.Data) > 0 {
		b.WriteString(s.value(" ", r.Data))
	}
	b.WriteByte('\n')
	for _, e := range r.Events {
		if e.Type == "medchain.tx" { // the chain's own: type and signer
			continue
		}
		fmt.Fprintf(b, "%sevent %s\n", indent, s.event(e))
	}
}

func (s *script) event(e abci.Event) string {
	var b strings.Builder
	b.WriteString(e.Type)
	for _, a := range e.Attributes {
		v := a.Value
		if v == "" || strings.ContainsAny(v, " \"\\=") {
			v = strconv.Quote(v)
		}
		fmt.Fprintf(&b, " %s=%s", a.Key, v)
	}
	return s.names.shorten(b.String())
}

// printBlock prints what a block did besides its transactions' results:
// end-block events, validator updates, and the state it changed.
func (s *script) printBlock(b *strings.Builder, resp *abci.ResponseFinalizeBlock) {
	s.printEndBlock(b, resp)
	s.printDiff(b, s.c.prev, s.c.committed)
}

func (s *script) printEndBlock(b *strings.Builder, resp *abci.ResponseFinalizeBlock) {
	for _, e := range resp.Events {
		fmt.Fprintf(b, "end-block event %s\n", s.event(e))
	}
	for _, v := range resp.ValidatorUpdates {
		key := tx.PubKey(v.PubKey.GetEd25519())
		fmt.Fprintf(b, "validator %s power=%d\n", s.names.shorten(key.String()), v.Power)
	}
}

// printDiff prints the changes from before to after, keys sorted.
func (s *script) printDiff(b *strings.Builder, before, after map[string][]byte) {
	keys := make([]string, 0, len(after))
	for k := range after {
		keys = append(keys, k)
	}
	for k := range before {
		if _, ok := after[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		old, had := before[k]
		v, has := after[k]
		switch {
		case !had:
			fmt.Fprintf(b, "+ %s%s\n", s.key([]byte(k)), s.value(" = ", v))
		case !has:
			fmt.Fprintf(b, "- %s\n", s.key([]byte(k)))
		case !bytes.Equal(old, v):
			if patch, ok := mergePatch(old, v); ok {
				fmt.Fprintf(b, "~ %s %s\n", s.key([]byte(k)), s.names.shorten(patch))
			} else {
				fmt.Fprintf(b, "~ %s%s\n", s.key([]byte(k)), s.value(" = ", v))
			}
		}
	}
}

type field struct {
	name  string
	value []byte // compact JSON
}

// fields splits a JSON object into its fields, in order.
func fields(raw []byte) ([]field, bool) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, false
	}
	var out []field
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, false
		}
		name, _ := t.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, false
		}
		var c bytes.Buffer
		if err := json.Compact(&c, v); err != nil {
			return nil, false
		}
		out = append(out, field{name, c.Bytes()})
	}
	return out, true
}

// mergePatch returns the RFC 7386 merge patch that turns the JSON object old
// into new, fields in new's order and removed ones (null) after; ok is false
// unless both are objects.
func mergePatch(old, new []byte) (string, bool) {
	of, ok1 := fields(old)
	nf, ok2 := fields(new)
	if !ok1 || !ok2 {
		return "", false
	}
	var parts []string
	for _, f := range nf {
		i := slices.IndexFunc(of, func(o field) bool { return o.name == f.name })
		if i < 0 || !bytes.Equal(of[i].value, f.value) {
			parts = append(parts, strconv.Quote(f.name)+":"+string(f.value))
		}
	}
	for _, f := range of {
		if !slices.ContainsFunc(nf, func(n field) bool { return n.name == f.name }) {
			parts = append(parts, strconv.Quote(f.name)+":null")
		}
	}
	return "{" + strings.Join(parts, ",") + "}", true
}
