package node

import stded25519 "crypto/ed25519"

// stdKey expands a 32-byte seed into the 64-byte private key layout that
// CometBFT's ed25519.PrivKey shares with the standard library.
func stdKey(seed []byte) []byte { return stded25519.NewKeyFromSeed(seed) }
