package bench

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// rpcClient reads CometBFT's JSON-RPC over HTTP GET: what the commit
// observer needs and nothing else.
type rpcClient struct {
	base string
	http *http.Client
}

func newRPC(base string) *rpcClient {
	return &rpcClient{base: strings.TrimRight(base, "/"), http: newHTTPClient(4)}
}

// newHTTPClient is a keep-alive client sized for conns concurrent requests.
func newHTTPClient(conns int) *http.Client {
	return &http.Client{
		Timeout: 30 * time.Second,
		Transport: &http.Transport{
			DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			MaxIdleConns:        2 * conns,
			MaxIdleConnsPerHost: 2 * conns,
			IdleConnTimeout:     90 * time.Second,
			DisableCompression:  true,
		},
	}
}

// rpcBase turns a listen address ("tcp://127.0.0.1:26657") into a URL.
func rpcBase(listen string) string {
	if rest, ok := strings.CutPrefix(listen, "tcp://"); ok {
		return "http://" + rest
	}
	return listen
}

type rpcError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
	Data    string `json:"data"`
}

func (e *rpcError) Error() string {
	if e.Data != "" {
		return e.Message + ": " + e.Data
	}
	return e.Message
}

type rpcResponse struct {
	Result json.RawMessage `json:"result"`
	Error  *rpcError       `json:"error"`
}

func (c *rpcClient) get(ctx context.Context, path string, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+path, nil)
	if err != nil {
		return err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	return decodeRPC(resp, out)
}

func decodeRPC(resp *http.Response, out any) error {
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	var r rpcResponse
	if err := json.Unmarshal(body, &r); err != nil {
		return fmt.Errorf("HTTP %d, not a JSON-RPC answer: %.200q", resp.StatusCode, body)
	}
	if r.Error != nil {
		return r.Error
	}
	if len(r.Result) == 0 {
		return fmt.Errorf("HTTP %d, JSON-RPC answer without result", resp.StatusCode)
	}
	return json.Unmarshal(r.Result, out)
}

// int64String reads CometBFT's quoted integers.
type int64String int64

func (n *int64String) UnmarshalJSON(b []byte) error {
	v, err := strconv.ParseInt(string(bytes.Trim(b, `"`)), 10, 64)
	*n = int64String(v)
	return err
}

type chainStatus struct {
	chainID    string
	height     int64
	catchingUp bool
}

func (c *rpcClient) status(ctx context.Context) (chainStatus, error) {
	var r struct {
		NodeInfo struct {
			Network string `json:"network"`
		} `json:"node_info"`
		SyncInfo struct {
			LatestBlockHeight int64String `json:"latest_block_height"`
			CatchingUp        bool        `json:"catching_up"`
		} `json:"sync_info"`
	}
	if err := c.get(ctx, "/status", &r); err != nil {
		return chainStatus{}, err
	}
	return chainStatus{chainID: r.NodeInfo.Network, height: int64(r.SyncInfo.LatestBlockHeight), catchingUp: r.SyncInfo.CatchingUp}, nil
}

// blockTxs returns the txs of the block at height.
func (c *rpcClient) blockTxs(ctx context.Context, height int64) ([][]byte, error) {
	var r struct {
		Block struct {
			Data struct {
				Txs [][]byte `json:"txs"` // base64 in JSON
			} `json:"data"`
		} `json:"block"`
	}
	if err := c.get(ctx, "/block?height="+strconv.FormatInt(height, 10), &r); err != nil {
		return nil, err
	}
	return r.Block.Data.Txs, nil
}

// blockCodes returns the result codes of the txs of the block at height.
func (c *rpcClient) blockCodes(ctx context.Context, height int64) ([]uint32, error) {
	var r struct {
		TxsResults []struct {
			Code uint32 `json:"code"`
		} `json:"txs_results"`
	}
	if err := c.get(ctx, "/block_results?height="+strconv.FormatInt(height, 10), &r); err != nil {
		return nil, err
	}
	codes := make([]uint32, len(r.TxsResults))
	for i, t := range r.TxsResults {
		codes[i] = t.Code
	}
	return codes, nil
}

// waitHeight waits until the node has committed at least height.
func (c *rpcClient) waitHeight(ctx context.Context, height int64, timeout time.Duration) (chainStatus, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var last error
	for {
		st, err := c.status(ctx)
		if err == nil && st.height >= height && !st.catchingUp {
			return st, nil
		}
		if err != nil {
			last = err
		} else {
			last = fmt.Errorf("at height %d", st.height)
		}
		select {
		case <-ctx.Done():
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return st, fmt.Errorf("no block %d after %s: %w", height, timeout, last)
			}
			return st, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// kvClient sends txs to a CometBFT node with broadcast_tx_sync.
type kvClient struct {
	url  string
	http *http.Client
}

func newKVClient(base string, concurrency int) *kvClient {
	return &kvClient{url: strings.TrimRight(base, "/") + "/", http: newHTTPClient(concurrency)}
}

func (k *kvClient) send(ctx context.Context, raw []byte) error {
	body := make([]byte, 0, 96+base64.StdEncoding.EncodedLen(len(raw)))
	body = append(body, `{"jsonrpc":"2.0","id":1,"method":"broadcast_tx_sync","params":{"tx":"`...)
	body = base64.StdEncoding.AppendEncode(body, raw)
	body = append(body, `"}}`...)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, k.url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := k.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var r struct {
		Code uint32 `json:"code"`
		Log  string `json:"log"`
	}
	if err := decodeRPC(resp, &r); err != nil {
		// CometBFT answers a full mempool with an RPC error.
		var rerr *rpcError
		if errors.As(err, &rerr) && strings.Contains(rerr.Error(), "mempool is full") {
			return fmt.Errorf("%w: %v", errBusy, err)
		}
		return err
	}
	if r.Code != 0 {
		return fmt.Errorf("code %d: %s", r.Code, r.Log)
	}
	return nil
}

// medchain sends txs to a medchain node's HTTP API.
type medchain struct {
	api  string
	http *http.Client
}

func newMedchain(api string, concurrency int) *medchain {
	return &medchain{api: strings.TrimRight(api, "/"), http: newHTTPClient(concurrency)}
}

// maxErrorBody bounds how much of a rejection is kept.
const maxErrorBody = 2048

func (m *medchain) send(ctx context.Context, raw []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, m.api+"/v1/txs?wait=sync", bytes.NewReader(raw))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/octet-stream")
	resp, err := m.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusOK {
		_, err := io.Copy(io.Discard, resp.Body) // lets the connection be reused
		return err
	}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	io.Copy(io.Discard, resp.Body)
	if resp.StatusCode == http.StatusServiceUnavailable && bytes.Contains(b, []byte(`"api.mempool_full"`)) {
		return fmt.Errorf("%w: HTTP %d: %s", errBusy, resp.StatusCode, bytes.TrimSpace(b))
	}
	return fmt.Errorf("HTTP %d: %s", resp.StatusCode, bytes.TrimSpace(b))
}

// chainID asks the API which chain it serves; it checks that the API answers.
func (m *medchain) chainID(ctx context.Context) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, m.api+"/v1/status", nil)
	if err != nil {
		return "", err
	}
	resp, err := m.http.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("GET /v1/status: HTTP %d: %s", resp.StatusCode, bytes.TrimSpace(b))
	}
	var st struct {
		ChainID string `json:"chain_id"`
	}
	if err := json.Unmarshal(b, &st); err != nil || st.ChainID == "" {
		return "", fmt.Errorf("GET /v1/status: not a medchain status: %.200q", b)
	}
	return st.ChainID, nil
}

// nextProposal is the ID the next governance proposal will get: one past
// the highest the API lists (proposal IDs count up from 1).
func (m *medchain) nextProposal(ctx context.Context) (uint64, error) {
	next, after := uint64(1), ""
	for {
		u := m.api + "/v1/proposals?limit=1000"
		if after != "" {
			u += "&after=" + after
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return 0, err
		}
		resp, err := m.http.Do(req)
		if err != nil {
			return 0, err
		}
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
		resp.Body.Close()
		var page struct {
			Items []struct {
				ID uint64 `json:"id"`
			} `json:"items"`
			Next string `json:"next"`
		}
		if resp.StatusCode != http.StatusOK || json.Unmarshal(b, &page) != nil {
			return 0, fmt.Errorf("GET /v1/proposals: HTTP %d: %.200q", resp.StatusCode, b)
		}
		for _, p := range page.Items {
			next = max(next, p.ID+1)
		}
		if page.Next == "" {
			return next, nil
		}
		after = page.Next
	}
}

// stateHeight asks the API for the height of the state it serves: the last
// block the app has committed, which CometBFT may report a moment earlier.
func (m *medchain) stateHeight(ctx context.Context) (int64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, m.api+"/v1/status", nil)
	if err != nil {
		return 0, err
	}
	resp, err := m.http.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	var st struct {
		StateHeight int64 `json:"state_height"`
	}
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("GET /v1/status: HTTP %d", resp.StatusCode)
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&st); err != nil {
		return 0, fmt.Errorf("GET /v1/status: %w", err)
	}
	return st.StateHeight, nil
}

// preflight checks both endpoints of a medchain node and that they belong
// to the same chain.
func preflight(ctx context.Context, m *medchain, rpc *rpcClient) (chainStatus, error) {
	chainID, err := m.chainID(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return chainStatus{}, ctx.Err()
		}
		return chainStatus{}, fmt.Errorf("bench: medchain API at %s is not usable: %w (start a node there, or leave out --node to let bench start one)", m.api, err)
	}
	st, err := rpc.status(ctx) // fails fast when nothing listens
	if err == nil && (st.height < 1 || st.catchingUp) {
		st, err = rpc.waitHeight(ctx, 1, 10*time.Second)
	}
	if err != nil {
		if ctx.Err() != nil {
			return chainStatus{}, ctx.Err()
		}
		return chainStatus{}, fmt.Errorf("bench: CometBFT RPC at %s is not usable: %w (give the node's RPC URL with --rpc)", rpc.base, err)
	}
	if chainID != st.chainID {
		return chainStatus{}, fmt.Errorf("bench: the API at %s serves chain %q but the RPC at %s chain %q: --rpc must be the same node's", m.api, chainID, rpc.base, st.chainID)
	}
	return st, nil
}
