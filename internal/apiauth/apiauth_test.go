package apiauth_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/cometbft/cometbft/crypto/ed25519"

	"github.com/medchain/medchain/internal/apiauth"
	"github.com/medchain/medchain/internal/tx"
)

var (
	alice = ed25519.GenPrivKeyFromSecret([]byte("alice"))
	win   = apiauth.Window{ChainID: "medchain-test", Height: 100, MaxTTL: 1000}
)

func pub(k ed25519.PrivKey) tx.PubKey { return tx.PubKey(k.PubKey().Bytes()) }

func read(t *testing.T, nonce uint64, expires int64, method, uri string) string {
	t.Helper()
	c, err := apiauth.Credential(alice, win.ChainID, nonce, expires, apiauth.TypeRead, apiauth.Read{Method: method, URI: uri})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestSignedReadIsBoundToItsRequestAndTakenOnce(t *testing.T) {
	a := apiauth.New(nil)
	const uri = "/v1/patients/pt-0123456789abcdef0123/grants?limit=5"
	cred := read(t, 1, 110, "GET", uri)

	for _, c := range []struct{ name, method, uri string }{
		{"other path", "GET", "/v1/patients/pt-ffffffffffffffffffff/grants?limit=5"},
		{"other query", "GET", "/v1/patients/pt-0123456789abcdef0123/grants?limit=6"},
		{"other method", "POST", uri},
	} {
		if _, err := a.Signed(cred, c.method, c.uri, win); !errors.Is(err, apiauth.ErrUnauthenticated) || !strings.Contains(err.Error(), "is for GET "+uri) {
			t.Errorf("%s: err = %v, want a refusal naming the signed request", c.name, err)
		}
	}
	key, err := a.Signed(cred, "GET", uri, win)
	if err != nil || !bytes.Equal(key, pub(alice)) {
		t.Fatalf("Signed = %v, %v; want alice's key", key, err)
	}
	if _, err := a.Signed(cred, "GET", uri, win); !errors.Is(err, apiauth.ErrUnauthenticated) || !strings.Contains(err.Error(), "already used") {
		t.Fatalf("replayed request: err = %v, want already used", err)
	}
	if _, seen := a.Live(); seen != 1 {
		t.Errorf("remembered %d signed requests, want 1", seen)
	}
}

func TestSignedReadRefusals(t *testing.T) {
	const uri = "/v1/grants/g-1"
	good := read(t, 1, 110, "GET", uri)
	raw, _ := base64.StdEncoding.DecodeString(good)
	// The same body naming another grant: the signature no longer covers it.
	flipped := bytes.Replace(raw, []byte("g-1"), []byte("g-2"), 1)
	token, _ := apiauth.Credential(alice, win.ChainID, 1, 110, apiauth.TypeToken, apiauth.Token{})
	otherChain, _ := apiauth.Credential(alice, "other-chain", 1, 110, apiauth.TypeRead, apiauth.Read{Method: "GET", URI: uri})
	badMsg, _ := apiauth.Credential(alice, win.ChainID, 1, 110, apiauth.TypeRead, map[string]string{"method": "GET", "uri": uri, "extra": "x"})
	for _, c := range []struct{ name, cred, want string }{
		{"not base64", "%%%", "not standard base64"},
		{"truncated", base64.StdEncoding.EncodeToString(raw[:40]), "too short"},
		{"tampered", base64.StdEncoding.EncodeToString(flipped), "does not verify"},
		{"token request", token, `type is "auth/token", not "auth/read"`},
		{"other chain", otherChain, `signed for chain "other-chain"`},
		{"expired", read(t, 2, 99, "GET", uri), "expired at height 99"},
		{"too far", read(t, 3, 1101, "GET", uri), "more than 1000 blocks"},
		{"unknown field", badMsg, `"extra"`},
		{"relative uri", read(t, 4, 110, "GET", "v1/grants/g-1"), "starting with /"},
		{"lower-case method", read(t, 5, 110, "get", uri), "upper case"},
		{"too large", strings.Repeat("A", apiauth.MaxRequest*2), "exceeds"},
	} {
		_, err := apiauth.New(nil).Signed(c.cred, "GET", uri, win)
		if !errors.Is(err, apiauth.ErrUnauthenticated) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want ErrUnauthenticated containing %q", c.name, err, c.want)
		}
	}
}

func TestParseAuthorization(t *testing.T) {
	for _, c := range []struct{ header, scheme, cred, err string }{
		{"", "", "", ""},
		{"Medchain abc", apiauth.SchemeSigned, "abc", ""},
		{"medchain  abc", apiauth.SchemeSigned, "abc", ""},
		{"Bearer mct_x", apiauth.SchemeBearer, "mct_x", ""},
		{"Basic dXNlcjpwYXNz", "", "", `scheme "Basic"`},
		{"Bearer", "", "", "Authorization must be"},
		{"Bearer ", "", "", "Authorization must be"},
	} {
		s, cr, err := apiauth.ParseAuthorization(c.header)
		if c.err != "" {
			if !errors.Is(err, apiauth.ErrUnauthenticated) || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%q: err = %v, want %q", c.header, err, c.err)
			}
			continue
		}
		if err != nil || s != c.scheme || cr != c.cred {
			t.Errorf("%q = %q, %q, %v; want %q, %q", c.header, s, cr, err, c.scheme, c.cred)
		}
	}
}

func TestTokens(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	a := apiauth.New(func() time.Time { return now })
	req := func(nonce uint64, ttl int64) []byte {
		c, err := apiauth.Credential(alice, win.ChainID, nonce, 110, apiauth.TypeToken, apiauth.Token{TTLSeconds: ttl})
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := base64.StdEncoding.DecodeString(c)
		return raw
	}
	iss, err := a.Issue(req(1, 120), win)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(iss.Token, apiauth.TokenPrefix) || !bytes.Equal(iss.Key, pub(alice)) || !iss.ExpiresAt.Equal(now.Add(2*time.Minute)) {
		t.Fatalf("issued %+v", iss)
	}
	if _, err := a.Issue(req(1, 120), win); err == nil || !strings.Contains(err.Error(), "already used") {
		t.Errorf("replayed token request: err = %v", err)
	}
	if key, exp, err := a.Bearer(iss.Token); err != nil || !bytes.Equal(key, pub(alice)) || !exp.Equal(iss.ExpiresAt) {
		t.Fatalf("Bearer = %v, %v, %v", key, exp, err)
	}
	if _, _, err := a.Bearer(iss.Token + "x"); !errors.Is(err, apiauth.ErrUnauthenticated) || !strings.Contains(err.Error(), "unknown") {
		t.Errorf("altered token: err = %v", err)
	}
	if _, _, err := a.Bearer(read(t, 9, 110, "GET", "/")); err == nil || !strings.Contains(err.Error(), "goes with the Medchain scheme") {
		t.Errorf("signed request as a token: err = %v", err)
	}
	now = now.Add(2 * time.Minute)
	if _, _, err := a.Bearer(iss.Token); !errors.Is(err, apiauth.ErrUnauthenticated) || !strings.Contains(err.Error(), "expired") {
		t.Errorf("expired token: err = %v", err)
	}
	if tokens, _ := a.Live(); tokens != 0 {
		t.Errorf("%d live tokens after expiry, want 0", tokens)
	}

	// Revoke ends a token; a key holds at most MaxTokensPerKey, the oldest
	// ending first.
	first, _ := a.Issue(req(2, 0), win)
	if !first.ExpiresAt.Equal(now.Add(apiauth.DefaultTokenTTL)) {
		t.Errorf("default ttl: expires %v", first.ExpiresAt)
	}
	for i := range apiauth.MaxTokensPerKey {
		if _, err := a.Issue(req(uint64(10+i), 0), win); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := a.Bearer(first.Token); err == nil {
		t.Errorf("the oldest of %d tokens of one key still works", apiauth.MaxTokensPerKey+1)
	}
	if tokens, _ := a.Live(); tokens != apiauth.MaxTokensPerKey {
		t.Errorf("%d live tokens, want %d", tokens, apiauth.MaxTokensPerKey)
	}
	last, _ := a.Issue(req(99, 0), win)
	if !a.Revoke(last.Token) || a.Revoke(last.Token) {
		t.Error("Revoke: want true once, then false")
	}
	if _, _, err := a.Bearer(last.Token); err == nil {
		t.Error("a revoked token still works")
	}

	for _, ttl := range []int64{59, 3601, -1} {
		if _, err := a.Issue(req(uint64(200+ttl), ttl), win); err == nil || !strings.Contains(err.Error(), "ttl_seconds") {
			t.Errorf("ttl %d: err = %v", ttl, err)
		}
	}
}

// BenchmarkSigned measures checking one signed read: decode, Ed25519
// verification, message, window and the replay memory.
func BenchmarkSigned(b *testing.B) {
	a := apiauth.New(nil)
	const uri = "/v1/patients/pt-0123456789abcdef0123/grants"
	creds := make([]string, b.N)
	for i := range creds {
		creds[i], _ = apiauth.Credential(alice, win.ChainID, uint64(i), 110, apiauth.TypeRead, apiauth.Read{Method: "GET", URI: uri})
	}
	b.ResetTimer()
	for i := range b.N {
		if _, err := a.Signed(creds[i], "GET", uri, win); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBearer measures checking one token.
func BenchmarkBearer(b *testing.B) {
	a := apiauth.New(nil)
	c, _ := apiauth.Credential(alice, win.ChainID, 1, 110, apiauth.TypeToken, apiauth.Token{})
	raw, _ := base64.StdEncoding.DecodeString(c)
	iss, err := a.Issue(raw, win)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		if _, _, err := a.Bearer(iss.Token); err != nil {
			b.Fatal(err)
		}
	}
}
