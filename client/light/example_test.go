package light_test

import (
	"context"
	"encoding/hex"
	"fmt"
	"log"

	"github.com/medchain/medchain/client"
	"github.com/medchain/medchain/client/light"
)

// A pack's barcode, proven on the ledger (or proven absent: a counterfeit
// serial) and verified against a header CometBFT's light client verified
// from one the caller trusts: the height and hash of block 2, read from
// another organisation's node or a validator's published checkpoint.
func ExampleVerifier_Verify() {
	ctx := context.Background()
	trusted, err := hex.DecodeString("59C7B393562A7BAC616CF29AB9A18BB84803AD7D129A029AFEC1B6663A030081")
	if err != nil {
		log.Fatal(err)
	}
	v, err := light.NewVerifier(ctx, light.TrustOptions{Height: 2, Hash: trusted}, "http://127.0.0.1:26657")
	if err != nil {
		log.Fatal(err) // the trusted header does not hold, or the RPC does not answer
	}
	c := client.New("http://127.0.0.1:8080")
	p, err := c.ProveID(ctx, client.ProofOfItem, "(01)09506000134352(21)X1", 0)
	if err != nil {
		log.Fatal(err)
	}
	vp, err := v.Verify(ctx, p)
	if err != nil {
		log.Fatal(err) // errors.Is(err, client.ErrProof): the proof does not hold
	}
	fmt.Printf("%s on the ledger: %v, in the state after block %d, under the app hash %X of header %d (chain %s)\n",
		vp.Key, vp.Value != nil, vp.Height, vp.Header.AppHash, vp.Header.Height, vp.Header.ChainID)
}
