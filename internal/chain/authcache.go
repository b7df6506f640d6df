package chain

import (
	"slices"
	"sync"

	"github.com/medchain/medchain/internal/ledger"
	"github.com/medchain/medchain/internal/tx"
)

// authCache remembers, for the committed state CheckTx reads, who each
// signer key authenticates as (or why it does not). Authentication reads
// four keys (the key, its member, the organisation, the roles), each a walk
// down the tree; in CheckTx, and in the recheck of every transaction left
// in the mempool after each block, the same few keys of an organisation's
// services and staff sign most transactions. The committed state does not
// change until the next commit, so neither does the answer: an entry is
// good for one committed version, and the cache empties when CheckTx first
// sees the next one. The block (FinalizeBlock) never uses it: consensus
// authenticates every transaction against the state as the block has made
// it so far.
type authCache struct {
	mu      sync.Mutex
	version int64                 // the committed version the entries were read at
	m       map[string]authResult // by signer key bytes
}

type authResult struct {
	p   ledger.Principal
	err error
}

// maxAuthCache bounds the entries kept for one version: past it the cache
// starts again, so that a flood of distinct signers costs no more memory.
const maxAuthCache = 4096

// get returns the cached answer for key at version.
func (c *authCache) get(version int64, key tx.PubKey) (authResult, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.version != version {
		return authResult{}, false
	}
	r, ok := c.m[string(key)]
	if !ok {
		return authResult{}, false
	}
	r.p = clonePrincipal(r.p)
	return r, true
}

// put remembers the answer for key at version.
func (c *authCache) put(version int64, key tx.PubKey, p ledger.Principal, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.version != version || c.m == nil || len(c.m) >= maxAuthCache {
		c.version, c.m = version, make(map[string]authResult)
	}
	c.m[string(key)] = authResult{clonePrincipal(p), err}
}

// clonePrincipal copies p's roles, so that no handler shares them with the
// cache.
func clonePrincipal(p ledger.Principal) ledger.Principal {
	p.Roles = slices.Clone(p.Roles)
	return p
}
