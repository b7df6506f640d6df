package node

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
	cmtcfg "github.com/cometbft/cometbft/config"
	"github.com/spf13/viper"

	"github.com/medchain/medchain/internal/records"
	"github.com/medchain/medchain/internal/vault"
)

// A node's home directory:
//
//	config/config.toml      CometBFT: p2p, RPC, consensus, mempool
//	config/medchain.toml    medchain: API address, state pruning, logging
//	config/genesis.json     the network's genesis
//	config/node_key.json, config/priv_validator_key.json
//	data/                   CometBFT's block store and state; data/state the Merkle tree
//	keystore.json           signing keys of this operator (client/keystore)
const (
	appConfigFile = "medchain.toml"
	stateDir      = "state"
	// KeystoreFile is the keystore's file name in a home directory.
	KeystoreFile = "keystore.json"
)

// AppConfig is medchain's own part of a node's configuration.
type AppConfig struct {
	// Dev marks a home made by `medchain dev`: demo keys, one validator.
	Dev     bool          `toml:"dev"`
	API     APIConfig     `toml:"api"`
	State   StateConfig   `toml:"state"`
	Records RecordsConfig `toml:"records"`
	Log     LogConfig     `toml:"log"`
}

// RecordsConfig configures the node's custodian side of patient records.
type RecordsConfig struct {
	// UploadTTL is how long an uploaded, encrypted document waits for its
	// author's anchor before the node shreds it.
	UploadTTL Duration `toml:"upload_ttl"`
	// Endpoint is the base URL at which readers of other organisations
	// reach this node's API; the node publishes it on the ledger for each
	// organisation it keeps records for. Empty: publish nothing.
	Endpoint string `toml:"endpoint"`
	// RefusedReceiptsFlush is how often the receipts of refused reads are
	// written in one batch (ADR 20).
	RefusedReceiptsFlush Duration `toml:"refused_receipts_flush"`
	// RefusedReceiptsLimit is how many refused reads of one requester key
	// are receipted per RefusedReceiptsPeriod; the key's further refusals
	// are answered without a receipt.
	RefusedReceiptsLimit  int      `toml:"refused_receipts_limit"`
	RefusedReceiptsPeriod Duration `toml:"refused_receipts_period"`
}

// APIConfig configures the HTTP API and the server that carries it.
type APIConfig struct {
	Listen        string   `toml:"listen"`
	CommitTimeout Duration `toml:"commit_timeout"`

	// ReadHeaderTimeout bounds how long a client may take to send a
	// request's headers.
	ReadHeaderTimeout Duration `toml:"read_header_timeout"`
	// ReadTimeout bounds how long a client may take to send a whole
	// request, body included: the largest body (a 16 MiB record upload or
	// EPCIS document, base64 in JSON) must arrive within it.
	ReadTimeout Duration `toml:"read_timeout"`
	// WriteTimeout bounds a request from the end of its headers to the end
	// of its answer: it must exceed CommitTimeout (POST /v1/txs waits that
	// long) and the 20 s a record read waits for its receipt, and leave
	// time to send the largest answer (a 16 MiB record read).
	WriteTimeout Duration `toml:"write_timeout"`
	// IdleTimeout closes a kept-alive connection that sends no request.
	IdleTimeout Duration `toml:"idle_timeout"`
	// MaxHeaderBytes bounds a request's headers.
	MaxHeaderBytes int `toml:"max_header_bytes"`
	// MaxConnections caps the open connections; past it new ones wait to
	// be accepted. 0: no cap.
	MaxConnections int `toml:"max_connections"`
	// MaxConnectionsPerClient caps the open connections of each client IP
	// address; past it a new connection is closed at once. 0: no cap.
	MaxConnectionsPerClient int `toml:"max_connections_per_client"`
	// RateLimit is the requests a second each client IP address may make
	// on average, RateBurst how many at once. Loopback is not exempt.
	// 0: no limit.
	RateLimit float64 `toml:"rate_limit"`
	RateBurst int     `toml:"rate_burst"`
	// TLSCertFile and TLSKeyFile (PEM; relative paths are in the home's
	// config directory) make the API serve HTTPS, TLS 1.2 or later. Both
	// or neither.
	TLSCertFile string `toml:"tls_cert_file"`
	TLSKeyFile  string `toml:"tls_key_file"`
	// ACMEDomains, when set, make the API obtain and renew its certificate
	// from an ACME CA (Let's Encrypt, or the consortium's own CA at
	// ACMEDirectoryURL) for these host names, by the TLS-ALPN-01
	// challenge: the CA must reach the API on port 443. Off by default;
	// not together with TLSCertFile. ACMECacheDir (relative paths are in
	// the home's data directory) keeps the account key and certificates.
	ACMEDomains      []string `toml:"acme_domains"`
	ACMEEmail        string   `toml:"acme_email"`
	ACMEDirectoryURL string   `toml:"acme_directory_url"`
	ACMECacheDir     string   `toml:"acme_cache_dir"`
	// ACMERootFile (PEM; relative paths are in the config directory) is
	// the root certificate a private ACME CA's directory is served with,
	// when the system's roots do not include it.
	ACMERootFile string `toml:"acme_root_file"`
}

// The server limits of a new home. WriteTimeout is 60 s: four times the
// default commit timeout, and a 16 MiB record read sent at 3 Mbit/s.
const (
	defaultReadHeaderTimeout = 10 * time.Second
	defaultReadTimeout       = 60 * time.Second
	defaultWriteTimeout      = 60 * time.Second
	defaultIdleTimeout       = 120 * time.Second
	defaultMaxHeaderBytes    = 64 << 10
	defaultMaxConnections    = 512
	defaultMaxConnsPerClient = 64
	defaultRateLimit         = 200
	defaultRateBurst         = 400
)

// TLS reports whether the API serves HTTPS.
func (c APIConfig) TLS() bool { return c.TLSCertFile != "" || c.ACME() }

// ACME reports whether the API's certificate comes from an ACME CA.
func (c APIConfig) ACME() bool { return len(c.ACMEDomains) > 0 }

// hostName matches a DNS host name an ACME CA can issue for.
var hostName = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$`)

// check refuses settings the server cannot honour.
func (c APIConfig) check() error {
	switch {
	case (c.TLSCertFile == "") != (c.TLSKeyFile == ""):
		return errors.New("[api] tls_cert_file and tls_key_file go together: set both or neither")
	case c.ACME() && c.TLSCertFile != "":
		return errors.New("[api] acme_domains and tls_cert_file exclude each other: the certificate comes from the ACME CA or from the files")
	case !c.ACME() && (c.ACMEEmail != "" || c.ACMEDirectoryURL != "" || c.ACMERootFile != ""):
		return errors.New("[api] acme_email, acme_directory_url and acme_root_file need acme_domains: the host names to obtain a certificate for")
	case c.ACME() && slices.ContainsFunc(c.ACMEDomains, func(d string) bool { return !hostName.MatchString(d) }):
		return fmt.Errorf("[api] acme_domains %q: each must be a DNS host name such as records.example.org (lower case, no port, no wildcard)", c.ACMEDomains)
	case c.ACMEDirectoryURL != "" && !strings.HasPrefix(c.ACMEDirectoryURL, "https://"):
		return fmt.Errorf("[api] acme_directory_url %q must be an https:// URL", c.ACMEDirectoryURL)
	case c.ReadHeaderTimeout.Duration < 0, c.ReadTimeout.Duration < 0, c.WriteTimeout.Duration < 0, c.IdleTimeout.Duration < 0:
		return errors.New("[api] timeouts must not be negative (0 means none)")
	case c.WriteTimeout.Duration > 0 && c.WriteTimeout.Duration <= c.CommitTimeout.Duration:
		return fmt.Errorf("[api] write_timeout (%s) must be longer than commit_timeout (%s): a submission waiting for its commit would be cut off", c.WriteTimeout, c.CommitTimeout)
	case c.MaxHeaderBytes < 0, c.MaxConnections < 0, c.MaxConnectionsPerClient < 0, c.RateBurst < 0:
		return errors.New("[api] max_header_bytes, max_connections, max_connections_per_client and rate_burst must not be negative")
	case c.RateLimit < 0:
		return errors.New("[api] rate_limit must not be negative (0 turns it off)")
	}
	return nil
}

// StateConfig configures what the node keeps.
type StateConfig struct {
	// KeepVersions is how many recent state versions to keep (0: all).
	// Proofs can be served for kept versions only.
	KeepVersions int64 `toml:"keep_versions"`
	// RetainBlocks lets CometBFT prune blocks older than this many heights (0: keep all).
	RetainBlocks int64 `toml:"retain_blocks"`
	// CacheNodes is the state tree's node cache size (0: the default).
	CacheNodes int `toml:"cache_nodes"`
	// FastIndex keeps IAVL's key→value index of the latest version: faster
	// reads, slower blocks (ADR 11).
	FastIndex bool `toml:"fast_index"`
	// SnapshotInterval: every this many heights the node writes a snapshot
	// of the state into data/snapshots, which nodes joining by state sync
	// fetch from their peers (0: none). SnapshotKeep is how many stay.
	SnapshotInterval int64 `toml:"snapshot_interval"`
	SnapshotKeep     int   `toml:"snapshot_keep"`
}

// LogConfig sets log levels: "debug", "info", "warn" or "error".
type LogConfig struct {
	Level          string `toml:"level"`
	ConsensusLevel string `toml:"consensus_level"`
	Format         string `toml:"format"` // "text" or "json"
}

// Duration is a time.Duration that reads and writes as "15s".
type Duration struct{ time.Duration }

func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	d.Duration = v
	return err
}

func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// DefaultSnapshotInterval is [state] snapshot_interval of a new home.
const DefaultSnapshotInterval = 1000

// DefaultAppConfig returns the settings of a new home.
func DefaultAppConfig() AppConfig {
	return AppConfig{
		API: APIConfig{
			Listen: "127.0.0.1:8080", CommitTimeout: Duration{15 * time.Second},
			ReadHeaderTimeout: Duration{defaultReadHeaderTimeout}, ReadTimeout: Duration{defaultReadTimeout},
			WriteTimeout: Duration{defaultWriteTimeout}, IdleTimeout: Duration{defaultIdleTimeout},
			MaxHeaderBytes: defaultMaxHeaderBytes, MaxConnections: defaultMaxConnections,
			MaxConnectionsPerClient: defaultMaxConnsPerClient,
			RateLimit:               defaultRateLimit, RateBurst: defaultRateBurst,
		},
		State: StateConfig{KeepVersions: 0, RetainBlocks: 0, SnapshotInterval: DefaultSnapshotInterval, SnapshotKeep: 2},
		Records: RecordsConfig{UploadTTL: Duration{vault.DefaultUploadTTL}, RefusedReceiptsFlush: Duration{vault.DefaultRefusalFlush},
			RefusedReceiptsLimit: vault.DefaultRefusalLimit, RefusedReceiptsPeriod: Duration{vault.DefaultRefusalPeriod}},
		Log: LogConfig{Level: "info", ConsensusLevel: "error", Format: "text"},
	}
}

const appConfigHeader = `# medchain node settings. CometBFT's own settings are in config.toml beside this file.
#
# [api] listen: address of the HTTP API (and dashboard); commit_timeout: how long
#   POST /v1/txs waits for a transaction to commit before answering 202.
#   read_header_timeout, read_timeout: how long a client may take to send a request's
#   headers, and the whole request (a 16 MiB upload must fit); write_timeout: from a
#   request's headers to the end of its answer (must exceed commit_timeout); idle_timeout:
#   a kept-alive connection with no request is closed; 0 means no limit for each.
#   max_header_bytes; max_connections: open connections at once, max_connections_per_client:
#   of one client IP address (0: no cap).
#   rate_limit, rate_burst: requests a second per client IP address, and at once (loopback
#   included; 0 turns the limit off); over it the answer is 429 api.rate_limited.
#   tls_cert_file, tls_key_file: PEM files (relative to this directory) to serve HTTPS
#   (TLS 1.2+). Or acme_domains (off by default): host names to get a certificate for from
#   an ACME CA (acme_directory_url, default Let's Encrypt, and acme_root_file, its root if
#   private; acme_email; acme_cache_dir, default data/acme), which must reach the API on
#   port 443. Without either the API is
#   plain HTTP: keep listen on loopback or put a TLS proxy in front.
#   docs/operations.md explains each setting.
# [state] keep_versions: recent state versions kept for proofs (0 keeps all);
#   retain_blocks: blocks kept by CometBFT (0 keeps all); cache_nodes: state tree nodes
#   kept in memory (0: the default); fast_index: keep IAVL's key->value index too (faster
#   reads of the latest state, slower blocks; the consent check of record reads has a
#   smaller index of its own either way, data/state/read-index.db).
# [records] upload_ttl: how long an uploaded record waits for its author's anchor before the
#   node shreds it (block time; e.g. "24h"); endpoint: the URL at which other organisations'
#   readers reach this node's API (e.g. "https://records.example.org"), published on the
#   ledger at start for the organisations this node keeps records for ("" publishes nothing).
#   refused_receipts_flush: how often receipts of refused reads are written, in one batch;
#   refused_receipts_limit, refused_receipts_period: refused reads of one key receipted per
#   period (further ones are refused without a receipt). Served reads are always receipted.
# [log] level: debug|info|warn|error; consensus_level: the same for CometBFT; format: text|json.

`

// WriteAppConfig writes medchain.toml into home.
func WriteAppConfig(home string, c AppConfig) error {
	path := filepath.Join(home, "config", appConfigFile)
	f, err := os.OpenFile(path, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("node: write %s: %w", path, err)
	}
	defer f.Close()
	if _, err := f.WriteString(appConfigHeader); err != nil {
		return err
	}
	return toml.NewEncoder(f).Encode(c)
}

// LoadAppConfig reads medchain.toml from home; unknown keys are errors.
func LoadAppConfig(home string) (AppConfig, error) {
	c := DefaultAppConfig()
	path := filepath.Join(home, "config", appConfigFile)
	md, err := toml.DecodeFile(path, &c)
	if err != nil {
		return c, fmt.Errorf("node: read %s: %w", path, err)
	}
	if und := md.Undecoded(); len(und) > 0 {
		return c, fmt.Errorf("node: %s: unknown setting %q", path, und[0].String())
	}
	if err := (&records.SetEndpoint{URL: c.Records.Endpoint}).Validate(); err != nil {
		return c, fmt.Errorf("node: %s: [records] endpoint: %w", path, err)
	}
	if c.Records.RefusedReceiptsFlush.Duration <= 0 || c.Records.RefusedReceiptsLimit < 1 || c.Records.RefusedReceiptsPeriod.Duration <= 0 {
		return c, fmt.Errorf("node: %s: [records] refused_receipts_flush, refused_receipts_limit and refused_receipts_period must be positive", path)
	}
	if err := c.API.check(); err != nil {
		return c, fmt.Errorf("node: %s: %w", path, err)
	}
	for _, f := range []*string{&c.API.TLSCertFile, &c.API.TLSKeyFile, &c.API.ACMERootFile} {
		if *f != "" && !filepath.IsAbs(*f) {
			*f = filepath.Join(home, "config", *f)
		}
	}
	if c.API.ACME() {
		if c.API.ACMECacheDir == "" {
			c.API.ACMECacheDir = "acme"
		}
		if !filepath.IsAbs(c.API.ACMECacheDir) {
			c.API.ACMECacheDir = filepath.Join(home, "data", c.API.ACMECacheDir)
		}
	}
	return c, nil
}

// LoadCometConfig reads config/config.toml of home.
func LoadCometConfig(home string) (*cmtcfg.Config, error) {
	path := filepath.Join(home, "config", "config.toml")
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("node: %s is not a medchain home (no config/config.toml; run `medchain init` or `medchain dev`): %w", home, err)
	}
	v := viper.New()
	v.SetConfigFile(path)
	if err := v.ReadInConfig(); err != nil {
		return nil, fmt.Errorf("node: read %s: %w", path, err)
	}
	cfg := cmtcfg.DefaultConfig()
	if err := v.Unmarshal(cfg); err != nil {
		return nil, fmt.Errorf("node: parse %s: %w", path, err)
	}
	cfg.SetRoot(home)
	if err := cfg.ValidateBasic(); err != nil {
		return nil, fmt.Errorf("node: %s: %w", path, err)
	}
	return cfg, nil
}

// cometConfig is the CometBFT configuration medchain writes for a new home.
func cometConfig(home, moniker string, ports Ports) *cmtcfg.Config {
	cfg := cmtcfg.DefaultConfig()
	cfg.SetRoot(home)
	cfg.Moniker = moniker
	cfg.P2P.ListenAddress = fmt.Sprintf("tcp://127.0.0.1:%d", ports.P2P)
	cfg.RPC.ListenAddress = fmt.Sprintf("tcp://127.0.0.1:%d", ports.RPC)
	cfg.P2P.AllowDuplicateIP = true
	cfg.P2P.AddrBookStrict = false
	// A permissioned network: members' nodes are configured with their
	// peers (testnet, init --peers) and admitted by governance, so nodes do
	// not learn peers by gossip. With peer exchange off CometBFT also never
	// starts its address book, whose last save would otherwise land after
	// the node has stopped.
	cfg.P2P.PexReactor = false
	cfg.Consensus.TimeoutCommit = 500 * time.Millisecond
	cfg.Mempool.Size = 50_000
	cfg.Mempool.CacheSize = 200_000
	cfg.Instrumentation.Prometheus = false
	cfg.LogLevel = "error"
	return cfg
}

// Ports are the loopback ports of a node.
type Ports struct {
	P2P int `json:"p2p"`
	RPC int `json:"rpc"`
	API int `json:"api"`
}

// DefaultPorts are the ports of a single node.
var DefaultPorts = Ports{P2P: 26656, RPC: 26657, API: 8080}

func writeCometConfig(cfg *cmtcfg.Config) error {
	if err := os.MkdirAll(filepath.Join(cfg.RootDir, "config"), 0o755); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(cfg.RootDir, "data"), 0o700); err != nil {
		return err
	}
	cmtcfg.WriteConfigFile(filepath.Join(cfg.RootDir, "config", "config.toml"), cfg)
	return nil
}

// Initialised reports whether home holds a genesis.
func Initialised(home string) bool {
	_, err := os.Stat(filepath.Join(home, "config", "genesis.json"))
	return err == nil
}

var errNotDev = errors.New("node: home was not made by `medchain dev`")
