// Package node wires a medchain node together: CometBFT in process with the
// chain application, the HTTP API, metrics and logging; and it makes homes:
// a dev network with demo data, a single node from `medchain init`, or the
// homes of an N-validator testnet on loopback.
//
// It holds no business rules: those are in the modules.
package node

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	dbm "github.com/cometbft/cometbft-db"
	cmtcfg "github.com/cometbft/cometbft/config"
	cmtlog "github.com/cometbft/cometbft/libs/log"
	nm "github.com/cometbft/cometbft/node"
	"golang.org/x/crypto/acme"
	"golang.org/x/crypto/acme/autocert"

	"github.com/cometbft/cometbft/crypto/ed25519"
	"github.com/cometbft/cometbft/p2p"
	"github.com/cometbft/cometbft/privval"
	"github.com/cometbft/cometbft/proxy"
	"github.com/cometbft/cometbft/rpc/client/local"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"golang.org/x/net/netutil"

	"github.com/medchain/medchain/internal/api"
	"github.com/medchain/medchain/internal/chain"
	"github.com/medchain/medchain/internal/epcisrepo"
	"github.com/medchain/medchain/internal/localtx"
	"github.com/medchain/medchain/internal/monitor"
	"github.com/medchain/medchain/internal/state"
	"github.com/medchain/medchain/internal/vault"
	"github.com/medchain/medchain/internal/web"
)

// AppVersion is the application protocol version of the chain this binary
// runs (reported to CometBFT and in the API's status): what `medchain
// version` shows, since the CLI does not import the chain package.
const AppVersion = chain.AppVersion

// Options adjust how a node starts, over what its home's config says.
type Options struct {
	// Listen overrides the API address ("127.0.0.1:0" picks a free port).
	Listen string
	// LogOutput receives logs (default os.Stderr).
	LogOutput io.Writer
	// LogLevel overrides the configured level.
	LogLevel string
	// Warn, when set, also receives start-up warnings in plain words (the
	// CLI's stderr), besides the log: an API served without TLS on an
	// address other hosts can reach.
	Warn io.Writer
}

// Node is a running medchain node.
type Node struct {
	Home   string
	Config AppConfig

	log   *slog.Logger
	cmt   *nm.Node
	app   *chain.App
	dbs   *dbTracker
	rpc   *local.Local
	vault *vault.Vault
	// monitor keeps the custodians' devices' readings (nil with the vault).
	monitor *monitor.Monitor
	// epcis is the custodians' EPCIS repository (nil with the vault).
	epcis *epcisrepo.Repository
	// custodians are the node's own identities (config/custodians.json),
	// each with the Submitter that signs its transactions.
	custodians []vault.Custodian
	// waiters hands the custodians' Submitters their committed results.
	waiters  *chain.Waiters
	api      *api.Server
	srv      *http.Server
	listener net.Listener
	served   chan error

	// lastCommit is when this node last committed a block (unix nanos),
	// for readiness: a node of a halted chain is not ready.
	lastCommit atomic.Int64
	// stallAfter is how long without a block makes the chain look halted.
	stallAfter time.Duration

	// lock is the home's lock, held until Stop.
	lock *homeLock
	// quit is closed by Stop: the node's own loops end.
	quit chan struct{}

	stopOnce sync.Once
	stopErr  error
}

// Start starts the node of home and returns once it serves its API.
func Start(ctx context.Context, home string, opts Options) (*Node, error) {
	appCfg, err := LoadAppConfig(home)
	if err != nil {
		return nil, err
	}
	cfg, err := LoadCometConfig(home)
	if err != nil {
		return nil, err
	}
	if opts.Listen != "" {
		appCfg.API.Listen = opts.Listen
	}
	if opts.LogLevel != "" {
		appCfg.Log.Level = opts.LogLevel
	}
	out := opts.LogOutput
	if out == nil {
		out = os.Stderr
	}
	logger := newLogger(out, appCfg.Log.Format, appCfg.Log.Level)
	// The API's certificate is read before anything starts: a node that
	// cannot serve its API as configured does not start at all.
	tlsConf, err := apiTLS(appCfg.API)
	if err != nil {
		return nil, err
	}

	for _, f := range []string{cfg.PrivValidatorKeyFile(), cfg.NodeKeyFile(), cfg.GenesisFile()} {
		if _, err := os.Stat(f); err != nil {
			return nil, fmt.Errorf("node: %s is incomplete: %w", home, err)
		}
	}
	lock, err := lockHome(home, "the node")
	if err != nil {
		return nil, err
	}
	started := false
	defer func() {
		if !started {
			lock.release()
		}
	}()
	pv := privval.LoadOrGenFilePV(cfg.PrivValidatorKeyFile(), cfg.PrivValidatorStateFile())
	nodeKey, err := p2p.LoadNodeKey(cfg.NodeKeyFile())
	if err != nil {
		return nil, fmt.Errorf("node: node key: %w", err)
	}

	db, err := state.Open(filepath.Join(cfg.DBDir(), stateDir), state.Options{
		KeepVersions: appCfg.State.KeepVersions,
		CacheNodes:   appCfg.State.CacheNodes,
		FastIndex:    appCfg.State.FastIndex,
		Logger:       logger.With("module", "state"),
	})
	if err != nil {
		return nil, err
	}
	txlog, err := chain.OpenTxLog(cfg.DBDir())
	if err != nil {
		db.Close()
		return nil, err
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}), collectors.NewBuildInfoCollector(), buildInfo())
	app, err := chain.New(db, chain.Options{
		Logger:       logger.With("module", "chain"),
		Observer:     newChainMetrics(reg),
		RetainBlocks: appCfg.State.RetainBlocks,
		TxLog:        txlog,
		Snapshots: chain.SnapshotOptions{Dir: filepath.Join(cfg.DBDir(), "snapshots"),
			Interval: appCfg.State.SnapshotInterval, Keep: appCfg.State.SnapshotKeep},
	})
	if err != nil {
		db.Close()
		txlog.Close()
		return nil, err
	}

	dbs := &dbTracker{}
	cmtLogger := &cometLogger{l: logger.With("module", "cometbft"), min: parseLevel(appCfg.Log.ConsensusLevel)}
	cmt, err := nm.NewNode(cfg, pv, nodeKey, proxy.NewConnSyncLocalClientCreator(app),
		nm.DefaultGenesisDocProviderFunc(cfg), dbs.provide,
		cometMetrics(reg), cmtLogger)
	if err != nil {
		app.Close()
		dbs.closeAll()
		return nil, fmt.Errorf("node: create CometBFT node: %w", err)
	}
	if err := cmt.Start(); err != nil {
		app.Close()
		dbs.closeAll()
		return nil, fmt.Errorf("node: start CometBFT: %w", err)
	}
	n := &Node{Home: home, Config: appCfg, log: logger, cmt: cmt, app: app, dbs: dbs, rpc: local.New(cmt), served: make(chan error, 1),
		waiters: chain.NewWaiters(), lock: lock, quit: make(chan struct{})}

	keys, err := loadCustodians(home)
	if err != nil {
		n.Stop()
		return nil, err
	}
	app.Subscribe(n.waiters.Committed)
	n.lastCommit.Store(time.Now().UnixNano())
	n.stallAfter = stallAfter(cfg.Consensus.TimeoutCommit)
	app.Subscribe(func(chain.Block) { n.lastCommit.Store(time.Now().UnixNano()) })
	for _, k := range keys {
		s, err := localtx.New(localtx.Options{Key: k.key, Chain: app, Broadcast: n.rpc.BroadcastTxSync, Waiters: n.waiters})
		if err != nil {
			n.Stop()
			return nil, err
		}
		n.custodians = append(n.custodians, vault.Custodian{Org: k.org, Signer: s})
	}
	if len(n.custodians) > 0 {
		n.vault, err = vault.Open(vault.Options{
			Dir: filepath.Join(cfg.DBDir(), "vault"), Custodians: n.custodians, App: app,
			Logger: logger.With("module", "vault"), UploadTTL: appCfg.Records.UploadTTL.Duration,
			RefusalFlush: appCfg.Records.RefusedReceiptsFlush.Duration, RefusalLimit: appCfg.Records.RefusedReceiptsLimit,
			RefusalPeriod: appCfg.Records.RefusedReceiptsPeriod.Duration, Registry: reg,
		})
		if err != nil {
			n.Stop()
			return nil, err
		}
		if err := n.vault.Reconcile(); err != nil {
			logger.Error("vault: reconcile with the ledger failed", "err", err)
		}
		if _, err := n.vault.Sweep(app.LastBlockTime()); err != nil {
			logger.Error("vault: sweep of unanchored uploads failed", "err", err)
		}
		n.monitor, err = monitor.Open(monitor.Options{
			Dir: filepath.Join(cfg.DBDir(), "telemetry"), IdentityDir: filepath.Join(cfg.DBDir(), "vault", "custodians"),
			Custodians: n.custodians, App: app, Logger: logger.With("module", "monitor"), Registry: reg,
		})
		if err != nil {
			n.Stop()
			return nil, err
		}
		n.epcis, err = epcisrepo.Open(epcisrepo.Options{
			Dir: filepath.Join(cfg.DBDir(), "epcis"), IdentityDir: filepath.Join(cfg.DBDir(), "vault", "custodians"),
			Custodians: n.custodians, App: app, Logger: logger.With("module", "epcis"), BlockTime: n.blockTime,
		})
		if err != nil {
			n.Stop()
			return nil, err
		}
	}

	n.api, err = api.New(api.Deps{
		App:           app,
		Node:          n.rpc,
		Logger:        logger.With("module", "api"),
		Registry:      reg,
		Ready:         n.ready,
		CommitTimeout: appCfg.API.CommitTimeout.Duration,
		RateLimit:     api.RateLimit{Rate: appCfg.API.RateLimit, Burst: appCfg.API.RateBurst},
		Vault:         n.vault,
		Monitor:       n.monitor,
		EPCIS:         n.epcis,
		Reporter:      n.scanReporter(),
	})
	if err != nil {
		n.Stop()
		return nil, err
	}
	n.srv = newServer(handler(n.api, n.api.Guard(web.Handler())), appCfg.API, tlsConf, logger.With("module", "api"))
	n.listener, err = net.Listen("tcp", appCfg.API.Listen)
	if err != nil {
		n.Stop()
		return nil, fmt.Errorf("node: API listen on %s: %w", appCfg.API.Listen, err)
	}
	ln := n.listener
	if appCfg.API.MaxConnections > 0 {
		ln = netutil.LimitListener(ln, appCfg.API.MaxConnections)
	}
	if appCfg.API.MaxConnectionsPerClient > 0 {
		// Inside the global cap: a refused connection frees its slot at once.
		ln = newPerClientListener(ln, appCfg.API.MaxConnectionsPerClient)
	}
	if appCfg.API.TLS() {
		go func() { n.served <- n.srv.ServeTLS(ln, "", "") }()
	} else {
		go func() { n.served <- n.srv.Serve(ln) }()
		if msg := plainHTTPWarning(n.listener.Addr()); msg != "" {
			logger.Warn(msg, "listen", n.listener.Addr().String())
			if opts.Warn != nil {
				fmt.Fprintf(opts.Warn, "\nWARNING: %s.\n\n", msg)
			}
		}
	}
	if msg := openRPCWarning(cfg.RPC.ListenAddress); msg != "" {
		logger.Warn(msg, "rpc", cfg.RPC.ListenAddress)
		if opts.Warn != nil {
			fmt.Fprintf(opts.Warn, "\nWARNING: %s.\n\n", msg)
		}
	}
	if n.vault != nil && appCfg.Records.Endpoint != "" {
		n.vault.Announce(appCfg.Records.Endpoint, n.ready)
	}
	if k, ok := pv.Key.PrivKey.(ed25519.PrivKey); ok {
		go n.announceValidator(k)
	}
	logger.Info("node started", "home", home, "chain_id", cmt.GenesisDoc().ChainID, "api", n.APIURL(), "rpc", cfg.RPC.ListenAddress, "p2p", cfg.P2P.ListenAddress, "height", app.State().Version())
	started = true
	return n, nil
}

// blockTime is the time of a committed block, from CometBFT's block store.
func (n *Node) blockTime(ctx context.Context, height int64) (time.Time, error) {
	b, err := n.rpc.Block(ctx, &height)
	if err != nil {
		return time.Time{}, err
	}
	return b.Block.Time, nil
}

func (n *Node) ready(ctx context.Context) error {
	st, err := n.rpc.Status(ctx)
	if err != nil {
		return err
	}
	return readiness(st.SyncInfo.CatchingUp, n.app.State().Version(), time.Unix(0, n.lastCommit.Load()), time.Now(), n.stallAfter)
}

// readiness decides /readyz: a node is ready when it has caught up, has
// committed a block (CometBFT stores a block before the app applies it,
// and queries read the app's committed state) and keeps committing: a node
// of a halted chain (no block for stall; blocks come every timeout_commit,
// empty or not) answers stale data and must leave the load balancer.
func readiness(catchingUp bool, height int64, lastCommit, now time.Time, stall time.Duration) error {
	switch {
	case catchingUp:
		return errors.New("node is catching up with the network")
	case height < 1:
		return errors.New("no block committed yet")
	case now.Sub(lastCommit) > stall:
		return fmt.Errorf("no block committed for %s (last at height %d): the chain may be halted (too little voting power online?)",
			now.Sub(lastCommit).Round(time.Second), height)
	}
	return nil
}

// stallAfter is how long without a committed block makes a node not ready:
// twenty block intervals, and at least half a minute.
func stallAfter(timeoutCommit time.Duration) time.Duration {
	return max(20*timeoutCommit, 30*time.Second)
}

// APIURL is the base URL of the node's HTTP API.
func (n *Node) APIURL() string {
	if n.listener == nil {
		return ""
	}
	if n.Config.API.TLS() {
		return "https://" + n.listener.Addr().String()
	}
	return "http://" + n.listener.Addr().String()
}

// newServer makes the API's HTTP server with the limits of c, serving TLS
// with tlsConf when it is not nil.
func newServer(h http.Handler, c APIConfig, tlsConf *tls.Config, logger *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: c.ReadHeaderTimeout.Duration,
		ReadTimeout:       c.ReadTimeout.Duration,
		WriteTimeout:      c.WriteTimeout.Duration,
		IdleTimeout:       c.IdleTimeout.Duration,
		MaxHeaderBytes:    c.MaxHeaderBytes,
		// The server's own complaints (a failed TLS handshake, a client
		// that timed out) are the client's problem: debug level.
		ErrorLog:  slog.NewLogLogger(logger.Handler(), slog.LevelDebug),
		TLSConfig: tlsConf,
	}
}

// apiTLS reads the API's certificate and key, or sets up their ACME
// manager: nil when c names neither.
func apiTLS(c APIConfig) (*tls.Config, error) {
	if !c.TLS() {
		return nil, nil
	}
	if c.ACME() {
		return acmeTLS(c)
	}
	cert, err := tls.LoadX509KeyPair(c.TLSCertFile, c.TLSKeyFile)
	if err != nil {
		return nil, fmt.Errorf("node: [api] tls_cert_file %s and tls_key_file %s do not hold a PEM certificate and its key: %w", c.TLSCertFile, c.TLSKeyFile, err)
	}
	return &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}}, nil
}

// acmeTLS obtains and renews the API's certificate from an ACME CA by
// the TLS-ALPN-01 challenge, which the returned configuration answers on
// the API's own port (the CA reaches it on 443). Certificates are fetched
// on the first handshake for a listed host name and cached in
// ACMECacheDir; a handshake for any other name is refused without
// contacting the CA.
func acmeTLS(c APIConfig) (*tls.Config, error) {
	if err := os.MkdirAll(c.ACMECacheDir, 0o700); err != nil {
		return nil, fmt.Errorf("node: [api] acme_cache_dir: %w", err)
	}
	m := &autocert.Manager{
		Prompt:     autocert.AcceptTOS,
		HostPolicy: autocert.HostWhitelist(c.ACMEDomains...),
		Cache:      autocert.DirCache(c.ACMECacheDir),
		Email:      c.ACMEEmail,
	}
	if c.ACMEDirectoryURL != "" || c.ACMERootFile != "" {
		m.Client = &acme.Client{DirectoryURL: c.ACMEDirectoryURL}
	}
	if c.ACMERootFile != "" {
		pem, err := os.ReadFile(c.ACMERootFile)
		if err != nil {
			return nil, fmt.Errorf("node: [api] acme_root_file: %w", err)
		}
		roots := x509.NewCertPool()
		if !roots.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("node: [api] acme_root_file %s holds no PEM certificate", c.ACMERootFile)
		}
		m.Client.HTTPClient = &http.Client{Timeout: time.Minute, Transport: &http.Transport{
			Proxy: http.ProxyFromEnvironment, TLSClientConfig: &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}}}
	}
	conf := m.TLSConfig()
	conf.MinVersion = tls.VersionTLS12
	return conf, nil
}

// plainHTTPWarning is the warning for an API served without TLS on addr:
// none on loopback, which only this host reaches.
func plainHTTPWarning(addr net.Addr) string {
	if tcp, ok := addr.(*net.TCPAddr); ok && tcp.IP.IsLoopback() {
		return ""
	}
	return "the API serves plain HTTP on " + addr.String() + ", which other hosts can reach: " +
		"requests, signed transactions and record data cross the network unencrypted. " +
		"Set [api] tls_cert_file and tls_key_file in medchain.toml, or listen on 127.0.0.1 behind a TLS proxy"
}

// openRPCWarning is the warning for a CometBFT RPC listening where other
// hosts can reach it: it answers blocks, transactions and their events
// (patient pseudonyms among them) to anyone, with no key (ADR 22). None for
// loopback or a Unix socket.
func openRPCWarning(laddr string) string {
	scheme, hostport, ok := strings.Cut(laddr, "://")
	if !ok {
		scheme, hostport = "tcp", laddr
	}
	if scheme == "unix" {
		return ""
	}
	host, _, err := net.SplitHostPort(hostport)
	if err == nil && host == "localhost" {
		return ""
	}
	if ip := net.ParseIP(host); err == nil && ip != nil && ip.IsLoopback() {
		return ""
	}
	return "CometBFT's RPC listens on " + laddr + ", which other hosts can reach: it serves every transaction " +
		"and its events to anyone, without the keys the API asks for. Set [rpc] laddr in config.toml to tcp://127.0.0.1:<port>"
}

// RPCAddress is CometBFT's RPC listen address.
func (n *Node) RPCAddress() string { return n.cmt.Config().RPC.ListenAddress }

// App is the node's chain application.
func (n *Node) App() *chain.App { return n.app }

// RPC is an in-process CometBFT RPC client.
func (n *Node) RPC() *local.Local { return n.rpc }

// Vault is the node's custodian service (nil when it keeps no records).
func (n *Node) Vault() *vault.Vault { return n.vault }

// NodeID is the node's p2p ID.
func (n *Node) NodeID() string { return string(n.cmt.NodeInfo().ID()) }

// Stop shuts the node down: API first, then consensus, then the state store.
func (n *Node) Stop() error {
	n.stopOnce.Do(func() {
		close(n.quit)
		var errs []error
		if n.srv != nil {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			errs = append(errs, n.srv.Shutdown(ctx))
			cancel()
		}
		if n.api != nil {
			n.api.Close()
		}
		// No read comes in any more: the receipts of refused reads still
		// waiting for their batch are written while the node still
		// follows its transactions.
		if n.vault != nil && n.cmt.IsRunning() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			if lost := n.vault.FlushRefusals(ctx); lost > 0 {
				n.log.Warn("vault: receipts of refused reads lost at stop", "receipts", lost)
			}
			cancel()
		}
		// The open batches of readings are sealed and anchored while the
		// node still follows its transactions.
		if n.monitor != nil {
			n.monitor.Close()
		}
		// Waits for the node's own transactions end first: reads waiting
		// for their receipts fail rather than hold the vault open.
		n.waiters.Close()
		// A capture waiting for its transaction ends with the waits; what
		// it sent is settled against the ledger at the next start.
		if n.epcis != nil {
			n.epcis.Close()
		}
		if n.vault != nil {
			n.vault.Close()
		}
		if n.cmt.IsRunning() {
			if err := n.cmt.Stop(); err != nil {
				errs = append(errs, err)
			}
			n.cmt.Wait()
		}
		errs = append(errs, n.app.Close())
		// CometBFT's OnStop leaves some databases open (the tx indexer's):
		// close them all, so the home can be opened again in this process.
		n.dbs.closeAll()
		n.stopErr = errors.Join(errs...)
		n.lock.release()
		n.log.Info("node stopped", "home", n.Home)
	})
	return n.stopErr
}

// Run starts the node of home and serves until ctx is done.
func Run(ctx context.Context, home string, opts Options) error {
	n, err := Start(ctx, home, opts)
	if err != nil {
		return err
	}
	select {
	case <-ctx.Done():
	case err := <-n.served:
		n.Stop()
		return fmt.Errorf("node: API server: %w", err)
	}
	return n.Stop()
}

// dbTracker opens CometBFT's databases and remembers them.
type dbTracker struct {
	mu  sync.Mutex
	dbs []dbm.DB
}

func (t *dbTracker) provide(ctx *cmtcfg.DBContext) (dbm.DB, error) {
	db, err := cmtcfg.DefaultDBProvider(ctx)
	if err != nil {
		return nil, err
	}
	g := &guardedDB{DB: db}
	t.mu.Lock()
	t.dbs = append(t.dbs, g)
	t.mu.Unlock()
	return g, nil
}

// guardedDB answers reads after Close with "not found" instead of an error.
// CometBFT's consensus reactor keeps a per-peer goroutine that may read the
// block store after the node stopped and closed it; the store panics on any
// read error, which would take the whole process down (seen in multi-node
// tests that stop nodes while peers are connected).
type guardedDB struct {
	dbm.DB
	mu     sync.RWMutex
	closed bool
}

func (g *guardedDB) Get(key []byte) ([]byte, error) {
	g.mu.RLock()
	defer g.mu.RUnlock()
	if g.closed {
		return nil, nil
	}
	return g.DB.Get(key)
}

func (g *guardedDB) Has(key []byte) (bool, error) {
	g.mu.RLock()
	defer g.mu.RUnlock()
	if g.closed {
		return false, nil
	}
	return g.DB.Has(key)
}

func (g *guardedDB) Close() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return nil
	}
	g.closed = true
	return g.DB.Close()
}

// closeAll closes every database; those CometBFT closed already report an
// error, which is of no interest here.
func (t *dbTracker) closeAll() {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, db := range t.dbs {
		db.Close()
	}
	t.dbs = nil
}

func parseLevel(s string) slog.Level {
	switch strings.ToLower(s) {
	case "debug":
		return slog.LevelDebug
	case "warn":
		return slog.LevelWarn
	case "error":
		return slog.LevelError
	}
	return slog.LevelInfo
}

func newLogger(w io.Writer, format, level string) *slog.Logger {
	opts := &slog.HandlerOptions{Level: slog.LevelDebug} // per-source filtering below
	var h slog.Handler
	if format == "json" {
		h = slog.NewJSONHandler(w, opts)
	} else {
		h = slog.NewTextHandler(w, opts)
	}
	return slog.New(&levelHandler{Handler: h, min: parseLevel(level)})
}

// levelHandler filters medchain's own records by level; CometBFT's records
// are filtered by cometLogger before they get here.
type levelHandler struct {
	slog.Handler
	min slog.Level
}

func (h *levelHandler) Enabled(ctx context.Context, l slog.Level) bool { return l >= h.min }

func (h *levelHandler) WithAttrs(a []slog.Attr) slog.Handler {
	return &levelHandler{Handler: h.Handler.WithAttrs(a), min: h.min}
}

func (h *levelHandler) WithGroup(g string) slog.Handler {
	return &levelHandler{Handler: h.Handler.WithGroup(g), min: h.min}
}

// cometLogger adapts CometBFT's logger interface to slog.
type cometLogger struct {
	l   *slog.Logger
	min slog.Level
}

func (c *cometLogger) log(level slog.Level, msg string, kv []any) {
	if level < c.min {
		return
	}
	c.l.Handler().Handle(context.Background(), func() slog.Record {
		r := slog.NewRecord(time.Now(), level, msg, 0)
		r.Add(kv...)
		return r
	}())
}

func (c *cometLogger) Debug(msg string, kv ...any) { c.log(slog.LevelDebug, msg, kv) }
func (c *cometLogger) Info(msg string, kv ...any)  { c.log(slog.LevelInfo, msg, kv) }
func (c *cometLogger) Warn(msg string, kv ...any)  { c.log(slog.LevelWarn, msg, kv) }
func (c *cometLogger) Error(msg string, kv ...any) {
	if closedAtStop(msg, kv) {
		c.log(slog.LevelInfo, msg, kv)
		return
	}
	c.log(slog.LevelError, msg, kv)
}

// closedAtStop reports whether an error CometBFT logs is only its listeners
// closing as the node stops (its RPC server, its p2p transport): a clean
// stop logs no ERROR line.
func closedAtStop(msg string, kv []any) bool {
	switch msg {
	case "Stopped accept routine, as transport is closed":
		return true
	case "Error serving server":
		for i := 0; i+1 < len(kv); i += 2 {
			if err, ok := kv[i+1].(error); ok && errors.Is(err, net.ErrClosed) {
				return true
			}
		}
	}
	return false
}
func (c *cometLogger) With(kv ...any) cmtlog.Logger {
	return &cometLogger{l: c.l.With(kv...), min: c.min}
}
