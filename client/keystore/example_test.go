package keystore_test

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/medchain/medchain/client/keystore"
)

func ExampleOpen() {
	dir, err := os.MkdirTemp("", "keystore-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "keystore.json")

	// The file does not exist yet: Open returns an empty store.
	ks, err := keystore.Open(path)
	if err != nil {
		log.Fatal(err)
	}
	ks.WorkFactor = 10 // fast but weak; leave at 0 (age's default) for real keys.

	// A fixed seed so the output is stable; use ks.Generate for real keys.
	seed := bytes.Repeat([]byte{7}, keystore.SeedSize)
	if _, err := ks.Add("alice", seed, "patient-42", "example key", "s3cret", false); err != nil {
		log.Fatal(err)
	}
	if err := ks.Save(); err != nil {
		log.Fatal(err)
	}

	// Listing needs no passphrase.
	ks, err = keystore.Open(path)
	if err != nil {
		log.Fatal(err)
	}
	for _, e := range ks.List() {
		fmt.Println(e.Name, e.Identity, e.PublicKey)
	}

	// Signing does.
	key, err := ks.Key("alice", "s3cret")
	if err != nil {
		log.Fatal(err)
	}
	sig := ed25519.Sign(key, []byte("hello"))
	e, _ := ks.Get("alice")
	pub, _ := hex.DecodeString(e.PublicKey)
	fmt.Println("verified:", ed25519.Verify(pub, []byte("hello"), sig))
	// Output:
	// alice patient-42 ea4a6c63e29c520abef5507b132ec5f9954776aebebe7b92421eea691446d22c
	// verified: true
}
