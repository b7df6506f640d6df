package seal

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"testing"

	"filippo.io/age"
)

func newEd25519(t testing.TB) (ed25519.PublicKey, ed25519.PrivateKey) {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return pub, priv
}

func ed25519Pair(t testing.TB) (age.Recipient, age.Identity) {
	t.Helper()
	pub, priv := newEd25519(t)
	r, err := RecipientForEd25519(pub)
	if err != nil {
		t.Fatalf("RecipientForEd25519: %v", err)
	}
	id, err := IdentityForEd25519(priv)
	if err != nil {
		t.Fatalf("IdentityForEd25519: %v", err)
	}
	return r, id
}

func TestSealOpenRoundTrip(t *testing.T) {
	big := make([]byte, 1<<20)
	rand.Read(big)
	tests := []struct {
		name      string
		plaintext []byte
	}{
		{"empty", []byte{}},
		{"nil", nil},
		{"one byte", []byte{0x42}},
		{"fhir json", []byte(`{"resourceType":"Observation","status":"final"}`)},
		{"4 KiB", bytes.Repeat([]byte("a"), 4096)},
		{"1 MiB random", big},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ct, key, err := Seal(tt.plaintext)
			if err != nil {
				t.Fatalf("Seal: %v", err)
			}
			if len(key) != KeySize {
				t.Fatalf("data key is %d bytes, want %d", len(key), KeySize)
			}
			if len(ct) != len(tt.plaintext)+Overhead {
				t.Fatalf("ciphertext is %d bytes, want %d", len(ct), len(tt.plaintext)+Overhead)
			}
			if ct[0] != Version {
				t.Fatalf("version byte 0x%02x, want 0x%02x", ct[0], Version)
			}
			if len(tt.plaintext) >= 16 && bytes.Contains(ct, tt.plaintext[:16]) {
				t.Fatal("ciphertext contains the plaintext")
			}
			got, err := Open(ct, key)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			if !bytes.Equal(got, tt.plaintext) {
				t.Fatal("Open returned a different plaintext")
			}
		})
	}
}

func TestSealFreshKeyAndNonce(t *testing.T) {
	pt := []byte("same record twice")
	ct1, k1, err := Seal(pt)
	if err != nil {
		t.Fatal(err)
	}
	ct2, k2, err := Seal(pt)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(k1, k2) {
		t.Error("two Seal calls returned the same data key")
	}
	if bytes.Equal(ct1[1:1+NonceSize], ct2[1:1+NonceSize]) {
		t.Error("two Seal calls used the same nonce")
	}
	if bytes.Equal(ct1, ct2) {
		t.Error("two Seal calls returned the same ciphertext")
	}
}

func TestOpenTampered(t *testing.T) {
	ct, key, err := Seal([]byte("diagnosis: confidential"))
	if err != nil {
		t.Fatal(err)
	}
	// Flip every bit position of every byte: the version byte is rejected as
	// such, any other change fails authentication.
	for i := range ct {
		for bit := range 8 {
			bad := bytes.Clone(ct)
			bad[i] ^= 1 << bit
			_, err := Open(bad, key)
			want := ErrDecrypt
			if i == 0 {
				want = ErrVersion
			}
			if !errors.Is(err, want) {
				t.Fatalf("byte %d bit %d flipped: got %v, want %v", i, bit, err, want)
			}
		}
	}
	// Appending or removing trailing bytes fails authentication too.
	if _, err := Open(append(bytes.Clone(ct), 0), key); !errors.Is(err, ErrDecrypt) {
		t.Errorf("appended byte: got %v, want ErrDecrypt", err)
	}
	if _, err := Open(ct[:len(ct)-1], key); !errors.Is(err, ErrDecrypt) {
		t.Errorf("removed byte: got %v, want ErrDecrypt", err)
	}
}

func TestOpenErrors(t *testing.T) {
	ct, key, err := Seal([]byte("record"))
	if err != nil {
		t.Fatal(err)
	}
	otherKey := make([]byte, KeySize)
	rand.Read(otherKey)
	v2 := bytes.Clone(ct)
	v2[0] = 0x02

	tests := []struct {
		name string
		ct   []byte
		key  []byte
		want error
	}{
		{"wrong key", ct, otherKey, ErrDecrypt},
		{"zero key", ct, make([]byte, KeySize), ErrDecrypt},
		{"nil key", ct, nil, ErrKeySize},
		{"short key", ct, key[:16], ErrKeySize},
		{"long key", ct, append(bytes.Clone(key), 0), ErrKeySize},
		{"empty ciphertext", nil, key, ErrShort},
		{"version only", []byte{Version}, key, ErrShort},
		{"no tag", ct[:1+NonceSize], key, ErrShort},
		{"one byte short of minimum", ct[:Overhead-1], key, ErrShort},
		{"minimum length, wrong tag", ct[:Overhead], key, ErrDecrypt},
		{"unknown version", v2, key, ErrVersion},
		{"unknown version, short", []byte{0x00}, key, ErrVersion},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pt, err := Open(tt.ct, tt.key)
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
			if pt != nil {
				t.Fatal("Open returned a plaintext along with an error")
			}
		})
	}
}

func TestWrapUnwrapEd25519(t *testing.T) {
	_, key, err := Seal([]byte("x"))
	if err != nil {
		t.Fatal(err)
	}
	r, id := ed25519Pair(t)
	wrapped, err := Wrap(key, r)
	if err != nil {
		t.Fatalf("Wrap: %v", err)
	}
	if !bytes.HasPrefix(wrapped, []byte("age-encryption.org/v1\n-> ssh-ed25519 ")) {
		t.Fatalf("wrapped key is not a binary age file to an ssh-ed25519 recipient: %q", wrapped[:min(len(wrapped), 60)])
	}
	if bytes.Contains(wrapped, key) {
		t.Fatal("wrapped key contains the data key")
	}
	got, err := Unwrap(wrapped, id)
	if err != nil {
		t.Fatalf("Unwrap: %v", err)
	}
	if !bytes.Equal(got, key) {
		t.Fatal("Unwrap returned a different key")
	}
}

func TestEnvelopeToSeveralRecipients(t *testing.T) {
	record := []byte(`{"resourceType":"Condition","code":{"text":"secret"}}`)
	ct, key, err := Seal(record)
	if err != nil {
		t.Fatal(err)
	}
	patientR, patientID := ed25519Pair(t)
	custodian, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	wrapped, err := Wrap(key, patientR, custodian.Recipient())
	if err != nil {
		t.Fatalf("Wrap: %v", err)
	}
	for name, id := range map[string]age.Identity{"patient": patientID, "custodian": custodian} {
		k, err := Unwrap(wrapped, id)
		if err != nil {
			t.Fatalf("%s: Unwrap: %v", name, err)
		}
		pt, err := Open(ct, k)
		if err != nil {
			t.Fatalf("%s: Open: %v", name, err)
		}
		if !bytes.Equal(pt, record) {
			t.Fatalf("%s: wrong plaintext", name)
		}
	}

	// The custodian re-wraps the key for a reader once consent allows it.
	readerR, readerID := ed25519Pair(t)
	k, err := Unwrap(wrapped, custodian)
	if err != nil {
		t.Fatal(err)
	}
	forReader, err := Wrap(k, readerR)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Unwrap(wrapped, readerID); !errors.Is(err, ErrNoIdentity) {
		t.Fatalf("reader unwrapped a key not wrapped to them: %v", err)
	}
	k2, err := Unwrap(forReader, readerID)
	if err != nil {
		t.Fatal(err)
	}
	if pt, err := Open(ct, k2); err != nil || !bytes.Equal(pt, record) {
		t.Fatalf("reader: Open: %v", err)
	}
}

func TestUnwrapWrongIdentity(t *testing.T) {
	_, key, err := Seal([]byte("x"))
	if err != nil {
		t.Fatal(err)
	}
	r, _ := ed25519Pair(t)
	_, otherEd := ed25519Pair(t)
	otherX, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	wrapped, err := Wrap(key, r)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		ids  []age.Identity
	}{
		{"other ed25519 key", []age.Identity{otherEd}},
		{"x25519 identity", []age.Identity{otherX}},
		{"several wrong identities", []age.Identity{otherEd, otherX}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Unwrap(wrapped, tt.ids...)
			if !errors.Is(err, ErrNoIdentity) {
				t.Fatalf("got %v, want ErrNoIdentity", err)
			}
			if !errors.Is(err, age.ErrIncorrectIdentity) {
				t.Fatalf("error %v does not wrap age.ErrIncorrectIdentity", err)
			}
			if got != nil {
				t.Fatal("Unwrap returned a key along with an error")
			}
		})
	}
}

func TestWrapErrors(t *testing.T) {
	r, _ := ed25519Pair(t)
	if _, err := Wrap(make([]byte, 16), r); !errors.Is(err, ErrKeySize) {
		t.Errorf("16-byte key: got %v, want ErrKeySize", err)
	}
	if _, err := Wrap(nil, r); !errors.Is(err, ErrKeySize) {
		t.Errorf("nil key: got %v, want ErrKeySize", err)
	}
	if _, err := Wrap(make([]byte, KeySize)); err == nil {
		t.Error("no recipients: got nil error")
	}
}

func TestUnwrapErrors(t *testing.T) {
	r, id := ed25519Pair(t)
	wrapped, err := Wrap(make([]byte, KeySize), r)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Unwrap(wrapped); err == nil {
		t.Error("no identities: got nil error")
	}
	if _, err := Unwrap(nil, id); err == nil {
		t.Error("empty input: got nil error")
	}
	if _, err := Unwrap([]byte("not an age file"), id); err == nil {
		t.Error("garbage: got nil error")
	}
	if _, err := Unwrap(wrapped[:len(wrapped)-1], id); err == nil {
		t.Error("truncated: got nil error")
	}
	tampered := bytes.Clone(wrapped)
	tampered[len(tampered)-1] ^= 1
	if _, err := Unwrap(tampered, id); err == nil {
		t.Error("tampered payload: got nil error")
	}

	// A valid age file whose payload is not a 32-byte key.
	for _, n := range []int{0, 16, 33} {
		var buf bytes.Buffer
		w, err := age.Encrypt(&buf, r)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(make([]byte, n))
		w.Close()
		if _, err := Unwrap(buf.Bytes(), id); !errors.Is(err, ErrKeySize) {
			t.Errorf("%d-byte payload: got %v, want ErrKeySize", n, err)
		}
	}
}

func TestEd25519KeyErrors(t *testing.T) {
	pub, priv := newEd25519(t)
	if _, err := RecipientForEd25519(pub[:31]); err == nil {
		t.Error("31-byte public key: got nil error")
	}
	if _, err := RecipientForEd25519(nil); err == nil {
		t.Error("nil public key: got nil error")
	}
	if _, err := IdentityForEd25519(priv.Seed()); err == nil {
		t.Error("32-byte seed as private key: got nil error")
	}
	if _, err := IdentityForEd25519(nil); err == nil {
		t.Error("nil private key: got nil error")
	}
	// A 64-byte key whose public half belongs to another seed.
	otherPub, _ := newEd25519(t)
	mismatched := append(bytes.Clone(priv.Seed()), otherPub...)
	if _, err := IdentityForEd25519(mismatched); err == nil {
		t.Error("mismatched public half: got nil error")
	}
	// A public key that is not a valid curve point (y = 2 has no x).
	invalid := make([]byte, ed25519.PublicKeySize)
	invalid[0] = 2
	if _, err := RecipientForEd25519(invalid); err == nil {
		t.Error("invalid point: got nil error")
	}
}

func BenchmarkSeal4KiB(b *testing.B) {
	record := make([]byte, 4096)
	rand.Read(record)
	b.SetBytes(int64(len(record)))
	for b.Loop() {
		if _, _, err := Seal(record); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkOpen4KiB(b *testing.B) {
	record := make([]byte, 4096)
	rand.Read(record)
	ct, key, err := Seal(record)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(record)))
	for b.Loop() {
		if _, err := Open(ct, key); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkWrapEd25519(b *testing.B) {
	r, _ := ed25519Pair(b)
	key := make([]byte, KeySize)
	rand.Read(key)
	var size int
	for b.Loop() {
		w, err := Wrap(key, r)
		if err != nil {
			b.Fatal(err)
		}
		size = len(w)
	}
	b.ReportMetric(float64(size), "bytes/wrap")
}

func BenchmarkUnwrapEd25519(b *testing.B) {
	r, id := ed25519Pair(b)
	key := make([]byte, KeySize)
	rand.Read(key)
	w, err := Wrap(key, r)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := Unwrap(w, id); err != nil {
			b.Fatal(err)
		}
	}
}
