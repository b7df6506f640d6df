package tx

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/cometbft/cometbft/crypto/ed25519"
)

func testBody() Body {
	return Body{ChainID: "test", Nonce: 7, Expires: 100, Type: "identity/register-patient", Msg: json.RawMessage(`{}`)}
}

func TestSignDecodeVerify(t *testing.T) {
	key := ed25519.GenPrivKeyFromSecret([]byte("alice"))
	raw, err := Sign(key, testBody())
	if err != nil {
		t.Fatal(err)
	}
	got, err := Decode(raw)
	if err != nil {
		t.Fatal(err)
	}
	if err := got.Verify(); err != nil {
		t.Fatalf("verify: %v", err)
	}
	if got.Body.Type != "identity/register-patient" || got.Body.Nonce != 7 || got.Body.Module() != "identity" {
		t.Fatalf("body round trip: %+v", got.Body)
	}
	if got.Hash != HashOf(raw) {
		t.Fatal("hash is not SHA-256 of the raw bytes")
	}
}

func TestTamperedBodyFailsVerify(t *testing.T) {
	key := ed25519.GenPrivKeyFromSecret([]byte("alice"))
	raw, _ := Sign(key, testBody())
	// Change the nonce digit inside the body: still valid JSON, wrong signature.
	for i := 1 + SignatureSize; i < len(raw); i++ {
		if raw[i] == '7' {
			raw[i] = '8'
			break
		}
	}
	got, err := Decode(raw)
	if err != nil {
		t.Fatal(err)
	}
	if err := got.Verify(); !errors.Is(err, ErrSignature) {
		t.Fatalf("want ErrSignature, got %v", err)
	}
}

func TestDecodeRejects(t *testing.T) {
	key := ed25519.GenPrivKeyFromSecret([]byte("alice"))
	good, _ := Sign(key, testBody())
	body := good[1+SignatureSize:]
	sig := good[1 : 1+SignatureSize]
	cases := map[string][]byte{
		"empty":          nil,
		"short":          {Version, 1, 2},
		"bad version":    append([]byte{0x02}, good[1:]...),
		"not json":       Encode(sig, []byte("hello world")),
		"unknown field":  Encode(sig, []byte(`{"chain_id":"x","extra":1}`)),
		"trailing":       Encode(sig, append(append([]byte{}, body...), []byte(` {}`)...)),
		"no type":        Encode(sig, []byte(`{"chain_id":"x","signer":"`+PubKey(key.PubKey().Bytes()).String()+`","nonce":1,"expires":5,"msg":{}}`)),
		"msg not object": Encode(sig, []byte(`{"chain_id":"x","signer":"`+PubKey(key.PubKey().Bytes()).String()+`","nonce":1,"expires":5,"type":"a/b","msg":[1]}`)),
		"short key":      Encode(sig, []byte(`{"chain_id":"x","signer":"abcd","nonce":1,"expires":5,"type":"a/b","msg":{}}`)),
		"zero expiry":    Encode(sig, []byte(`{"chain_id":"x","signer":"`+PubKey(key.PubKey().Bytes()).String()+`","nonce":1,"expires":0,"type":"a/b","msg":{}}`)),
		"too big":        make([]byte, MaxSize+1),
		// A key given twice would carry text no decoded view shows.
		"duplicate key in body": Encode(sig, []byte(`{"chain_id":"x","chain_id":"y","signer":"`+PubKey(key.PubKey().Bytes()).String()+`","nonce":1,"expires":5,"type":"a/b","msg":{}}`)),
		"duplicate key in msg":  Encode(sig, []byte(`{"chain_id":"x","signer":"`+PubKey(key.PubKey().Bytes()).String()+`","nonce":1,"expires":5,"type":"a/b","msg":{"record":"Alice Smith, HIV+","record":"rec-1"}}`)),
		"duplicate key nested":  Encode(sig, []byte(`{"chain_id":"x","signer":"`+PubKey(key.PubKey().Bytes()).String()+`","nonce":1,"expires":5,"type":"a/b","msg":{"a":[{"k":1},{"k":2,"k":3}]}}`)),
	}
	for name, raw := range cases {
		if _, err := Decode(raw); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: want ErrMalformed, got %v", name, err)
		}
	}
}

// The same key in different objects, and keys that look alike, are fine.
func TestDecodeAcceptsRepeatedKeysAcrossObjects(t *testing.T) {
	key := ed25519.GenPrivKeyFromSecret([]byte("alice"))
	b := testBody()
	b.Msg = []byte(`{"a":[{"k":1},{"k":2}],"b":{"k":{"k":"k"}},"K":1}`)
	raw, err := Sign(key, b)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Decode(raw); err != nil {
		t.Fatal(err)
	}
}

func TestVerifyBatch(t *testing.T) {
	var txs []*Tx
	for i := 0; i < 8; i++ {
		key := ed25519.GenPrivKeyFromSecret([]byte{byte(i)})
		b := testBody()
		b.Nonce = uint64(i)
		raw, _ := Sign(key, b)
		d, err := Decode(raw)
		if err != nil {
			t.Fatal(err)
		}
		txs = append(txs, d)
	}
	for i, err := range VerifyBatch(txs) {
		if err != nil {
			t.Fatalf("tx %d: %v", i, err)
		}
	}
	// Swap two signatures: exactly those two fail.
	txs[2].Signature, txs[5].Signature = txs[5].Signature, txs[2].Signature
	for i, err := range VerifyBatch(txs) {
		bad := i == 2 || i == 5
		if bad != (err != nil) {
			t.Fatalf("tx %d: bad=%v err=%v", i, bad, err)
		}
	}
}

func FuzzDecode(f *testing.F) {
	key := ed25519.GenPrivKeyFromSecret([]byte("fuzz"))
	good, _ := Sign(key, testBody())
	f.Add(good)
	f.Add([]byte{Version})
	f.Add(Encode(make([]byte, SignatureSize), []byte(`{"chain_id":"x"}`)))
	f.Fuzz(func(t *testing.T, raw []byte) {
		got, err := Decode(raw)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("decode error does not wrap ErrMalformed: %v", err)
			}
			return
		}
		// Whatever decodes must be well formed and re-verifiable without panics.
		if err := got.Body.Validate(); err != nil {
			t.Fatalf("decoded body fails Validate: %v", err)
		}
		_ = got.Verify()
		if got.Hash != HashOf(raw) {
			t.Fatal("hash mismatch")
		}
	})
}

func BenchmarkVerifyBatch(b *testing.B) {
	var txs []*Tx
	for i := 0; i < 256; i++ {
		key := ed25519.GenPrivKeyFromSecret([]byte{byte(i), 1})
		bd := testBody()
		raw, _ := Sign(key, bd)
		d, _ := Decode(raw)
		txs = append(txs, d)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		VerifyBatch(txs)
	}
}

// A body whose text is not valid UTF-8, or escapes a lone UTF-16 surrogate,
// is refused: encoding/json would decode either to U+FFFD, so the state
// would hold other text than the signed bytes. Valid text, escaped or not,
// is accepted.
func TestDecodeRefusesInvalidText(t *testing.T) {
	key := ed25519.GenPrivKeyFromSecret([]byte("alice"))
	signer := PubKey(key.PubKey().Bytes()).String()
	body := func(note string) []byte {
		return []byte(`{"chain_id":"x","signer":"` + signer + `","nonce":1,"expires":5,"type":"a/b","msg":{"note":"` + note + `"}}`)
	}
	sig := make([]byte, SignatureSize)
	for name, c := range map[string]struct {
		note, want string
	}{
		"invalid UTF-8":      {"Zo\xeb", "not valid UTF-8"},
		"truncated sequence": {"\xe2\x82", "not valid UTF-8"},
		"lone high":          {`\ud83d`, `\ud83d is half of a UTF-16 surrogate pair`},
		"lone low":           {`\ude00x`, `\ude00 is half of a UTF-16 surrogate pair`},
		"reversed pair":      {`\ude00\ud83d`, `\ude00 is half of a UTF-16 surrogate pair`},
		"upper-case escape":  {`\uD800`, `\ud800 is half of a UTF-16 surrogate pair`},
	} {
		_, err := Decode(Encode(sig, body(c.note)))
		if !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want ErrMalformed saying %q", name, err, c.want)
		}
	}
	for _, note := range []string{"Zoë ☃", `\ud83d\ude00`, `\u00e9`, `\\ud800`, "\uFFFD"} {
		if _, err := Decode(Encode(sig, body(note))); err != nil {
			t.Errorf("note %q: %v", note, err)
		}
	}
}
