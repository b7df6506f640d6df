package chain

import (
	"encoding/binary"
	"encoding/json"
	"fmt"

	idb "github.com/cosmos/iavl/db"

	"github.com/medchain/medchain/internal/tx"
)

// TxLog records the result of every committed transaction by hash, outside
// the Merkle state. The app writes a block's entries in Commit before it
// saves the state version and before anyone is told the block committed, so
// a transaction acknowledged as committed can always be looked up, even
// after a crash (CometBFT's own indexer runs behind, on its own goroutine).
// If the node dies between the two writes, CometBFT replays the block and
// the same entries are written again.
type TxLog struct {
	db idb.DB
}

// TxRecord is a committed transaction and its result.
type TxRecord struct {
	Hash      string `json:"hash"`
	Height    int64  `json:"height"`
	Index     int    `json:"index"`
	Type      string `json:"type,omitempty"`
	Signer    string `json:"signer,omitempty"`
	Code      uint32 `json:"code"`
	Codespace string `json:"codespace,omitempty"`
	CodeName  string `json:"code_name,omitempty"`
	Log       string `json:"log,omitempty"`
	Data      []byte `json:"data,omitempty"`
	Raw       []byte `json:"raw"`
}

// OpenTxLog opens the log in dir; an empty dir keeps it in memory.
func OpenTxLog(dir string) (*TxLog, error) {
	if dir == "" {
		return &TxLog{db: idb.NewMemDB()}, nil
	}
	db, err := idb.NewGoLevelDB("txlog", dir)
	if err != nil {
		return nil, fmt.Errorf("chain: open tx log: %w", err)
	}
	return &TxLog{db: db}, nil
}

var heightPrefix = []byte("h/")

func (l *TxLog) put(b *Block) error {
	batch := l.db.NewBatch()
	defer batch.Close()
	for i, r := range b.Results {
		rec := TxRecord{
			Hash: r.Hash.String(), Height: b.Height, Index: i, Type: r.Type, Signer: r.Signer,
			Code: r.Code.Number, Codespace: r.Code.Space, Log: r.Log, Data: r.Data, Raw: r.Raw,
		}
		if r.Code.Number != 0 {
			rec.CodeName = r.Code.ID()
		}
		v, err := json.Marshal(rec)
		if err != nil {
			return err
		}
		if err := batch.Set(append([]byte("t/"), r.Hash[:]...), v); err != nil {
			return err
		}
	}
	hk := binary.BigEndian.AppendUint64(append([]byte{}, heightPrefix...), uint64(b.Height))
	if err := batch.Set(hk, []byte{byte(len(b.Results))}); err != nil {
		return err
	}
	return batch.Write()
}

// Get finds a committed transaction by hash.
func (l *TxLog) Get(h tx.Hash) (TxRecord, bool, error) {
	v, err := l.db.Get(append([]byte("t/"), h[:]...))
	if err != nil || v == nil {
		return TxRecord{}, false, err
	}
	var rec TxRecord
	if err := json.Unmarshal(v, &rec); err != nil {
		return rec, false, fmt.Errorf("chain: tx log entry %s: %w", h, err)
	}
	return rec, true, nil
}

// Close closes the log.
func (l *TxLog) Close() error { return l.db.Close() }
