package node

import (
	"context"
	"time"

	"github.com/cometbft/cometbft/crypto/ed25519"

	"github.com/medchain/medchain/internal/chain"
	"github.com/medchain/medchain/internal/governance"
	"github.com/medchain/medchain/internal/localtx"
	"github.com/medchain/medchain/internal/tx"
)

// readyRetryBlocks is how many blocks the node waits before it says again
// that its pending validator runs, when the last attempt did not commit.
const readyRetryBlocks = 10

// announceValidator sends governance/validator-ready, signed with the
// node's validator key, when the ledger holds that key as pending (admitted
// by governance, not yet in the set) and the node has caught up: from the end
// of that block the key's power counts. A key that no running node holds
// (a typo, a node never started) stays pending, and the chain goes on.
func (n *Node) announceValidator(key ed25519.PrivKey) {
	s, err := localtx.New(localtx.Options{Key: key, Chain: n.app, Broadcast: n.rpc.BroadcastTxSync, Waiters: n.waiters})
	if err != nil {
		n.log.Error("validator: cannot sign with the validator key", "err", err)
		return
	}
	pub := tx.PubKey(key.PubKey().Bytes())
	kick := make(chan struct{}, 1)
	n.app.Subscribe(func(chain.Block) {
		select {
		case kick <- struct{}{}:
		default:
		}
	})
	var tried int64
	for {
		select {
		case <-n.quit:
			return
		case <-kick:
		}
		view := n.app.State().Committed()
		org, power, pending := n.app.Governance().PendingValidator(view, pub)
		if !pending || (tried > 0 && view.Version() < tried+readyRetryBlocks) {
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		st, err := n.rpc.Status(ctx)
		if err != nil || st.SyncInfo.CatchingUp {
			cancel()
			continue
		}
		tried = view.Version()
		out, err := s.Send(ctx, governance.TypeValidatorReady, governance.ValidatorReady{})
		cancel()
		if err != nil {
			n.log.Warn("validator: could not say that this node runs; trying again", "org", org, "err", err, "retry_after_blocks", readyRetryBlocks)
			continue
		}
		n.log.Info("validator: this node's key joins the validator set", "org", org, "power", power, "height", out.Height)
	}
}
