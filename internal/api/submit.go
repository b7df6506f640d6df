package api

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"time"

	"github.com/cometbft/cometbft/mempool"

	"github.com/medchain/medchain/internal/chain"
	"github.com/medchain/medchain/internal/jsondec"
	"github.com/medchain/medchain/internal/tx"
)

// Submission wait modes (?wait=).
const (
	waitCommit = "commit"
	waitSync   = "sync"
)

// maxSubmitBody bounds a submission body: a maximal transaction in base64
// inside a small JSON object.
const maxSubmitBody = tx.MaxSize/3*4 + 1024

// submitRequest is the JSON submission body.
type submitRequest struct {
	// Tx is the encoded transaction (0x01 || signature || body), in
	// standard base64.
	Tx string `json:"tx"`
}

// decodeSubmitBody extracts the encoded transaction from a submission body:
// a JSON submitRequest, or the raw bytes as application/octet-stream. It
// checks only the request's form; the chain judges the transaction.
func decodeSubmitBody(contentType string, body []byte) ([]byte, error) {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return nil, &apiError{code: codeUnsupportedMedia, kind: kindUnsupportedMedia, field: "Content-Type",
			msg: fmt.Sprintf("Content-Type %q must be application/json or application/octet-stream", contentType)}
	}
	var raw []byte
	switch mt {
	case "application/octet-stream":
		raw = body
	case "application/json":
		var req submitRequest
		if err := jsondec.Strict(body, &req); err != nil {
			return nil, badJSON(err, `{"tx": "<base64>"}`)
		}
		if req.Tx == "" {
			return nil, badBody("tx", "is required: the encoded transaction in standard base64")
		}
		if raw, err = base64.StdEncoding.Strict().DecodeString(req.Tx); err != nil {
			return nil, badBody("tx", "%v", jsondec.Explain(nil, err))
		}
	default:
		return nil, &apiError{code: codeUnsupportedMedia, kind: kindUnsupportedMedia, field: "Content-Type",
			msg: fmt.Sprintf("Content-Type %q must be application/json or application/octet-stream", mt)}
	}
	if len(raw) == 0 {
		return nil, badBody("tx", "the transaction is empty")
	}
	if len(raw) > tx.MaxSize {
		return nil, &apiError{code: codeBodyTooLarge, kind: kindTooLarge, field: "tx",
			msg: fmt.Sprintf("transaction of %d bytes exceeds the limit of %d", len(raw), tx.MaxSize)}
	}
	return raw, nil
}

// submitTx handles POST /v1/txs.
func (s *Server) submitTx(w http.ResponseWriter, r *http.Request) (err error) {
	result := ""
	defer func() {
		if err != nil {
			result = problemOf(err).Code
		}
		if result != "" {
			s.metrics.submitted(result)
		}
	}()
	wait := r.URL.Query().Get("wait")
	switch wait {
	case "":
		wait = waitCommit
	case waitCommit, waitSync:
	default:
		return badParam("wait", "must be %q or %q, got %q", waitCommit, waitSync, wait)
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxSubmitBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return &apiError{code: codeBodyTooLarge, kind: kindTooLarge,
				msg: fmt.Sprintf("request body exceeds %d bytes", mbe.Limit)}
		}
		return unreadable(err)
	}
	raw, err := decodeSubmitBody(r.Header.Get("Content-Type"), body)
	if err != nil {
		return err
	}
	hash := tx.HashOf(raw)

	var (
		done   <-chan chain.Outcome
		cancel = func() {}
	)
	if wait == waitCommit {
		// Before broadcasting: the block could commit before we listen.
		done, cancel = s.waiters.Add(hash)
	}
	defer cancel()

	res, err := s.node.BroadcastTxSync(r.Context(), raw)
	switch {
	case errors.Is(err, mempool.ErrTxInCache):
		// Seen before: either committed already (then it is a replay) or
		// waiting in the mempool (then wait for it like any other). The
		// app's tx log, not CometBFT's indexer: the log is written before
		// a commit is acknowledged, and the indexer can lose a crashed
		// node's last block (a replay would then wait for a commit that
		// never comes, and answer 202).
		if rec, ok, lerr := s.app.LookupTx(hash); lerr == nil && ok {
			return &txError{code: chain.CodeOf(chain.ErrReplay), hash: hash.String(), height: rec.Height,
				log: fmt.Sprintf("%v: tx %s was committed at height %d", chain.ErrReplay, hash, rec.Height)}
		}
	case err != nil:
		var full mempool.ErrMempoolIsFull
		if errors.As(err, &full) || errors.Is(err, mempool.ErrRecheckFull) {
			return unavailable(codeMempoolFull, err)
		}
		var tooLarge mempool.ErrTxTooLarge
		if errors.As(err, &tooLarge) {
			return &apiError{code: codeBodyTooLarge, kind: kindTooLarge, field: "tx", msg: err.Error()}
		}
		return unavailable(codeNodeUnavailable, fmt.Errorf("broadcast: %w", err))
	case res == nil:
		return unavailable(codeNodeUnavailable, errors.New("broadcast: the node returned no result"))
	case res.Code != 0:
		return &txError{code: codeOfABCI(res.Codespace, res.Code), log: res.Log, hash: hash.String()}
	}

	if wait == waitSync {
		result = statusPending
		return writeJSON(w, http.StatusOK, submitView{Hash: hash.String(), Status: statusPending})
	}
	timer := time.NewTimer(s.commitTimeout)
	defer timer.Stop()
	select {
	case o := <-done:
		if o.Result.Code.Number != 0 {
			return &txError{code: o.Result.Code, log: o.Result.Log, hash: hash.String(), height: o.Height}
		}
		result = "ok"
		code := uint32(0)
		v := submitView{Hash: hash.String(), Status: statusCommitted, Height: o.Height, Index: &o.Index, Code: &code}
		if len(o.Result.Data) > 0 && json.Valid(o.Result.Data) {
			v.Result = o.Result.Data
		}
		return writeJSON(w, http.StatusOK, v)
	case <-timer.C:
	case <-s.waiters.Stopped():
	case <-r.Context().Done():
		// The client left; what it would have been told is "pending".
	}
	result = statusPending
	return writeJSON(w, http.StatusAccepted, submitView{Hash: hash.String(), Status: statusPending})
}
