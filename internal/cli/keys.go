package cli

import (
	"crypto/ed25519"
	"encoding/hex"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/medchain/medchain/client/keystore"
	"github.com/medchain/medchain/internal/node"
)

func keystorePath(g *Global) string { return filepath.Join(g.Home, node.KeystoreFile) }

func openKeystore(g *Global) (*keystore.Store, error) { return keystore.Open(keystorePath(g)) }

// signingKey loads the --as key, asking for the passphrase unless it is a dev key.
func signingKey(g *Global) (ed25519.PrivateKey, keystore.Entry, error) {
	if g.As == "" {
		return nil, keystore.Entry{}, usageErrorf("this command signs a transaction: say who signs with --as NAME (see `medchain keys list`)")
	}
	ks, e, err := keyEntry(g, g.As)
	if err != nil {
		return nil, e, fmt.Errorf("--as %s: %w", g.As, err)
	}
	pass, err := entryPassphrase(g, e)
	if err != nil {
		return nil, e, err
	}
	k, err := ks.Key(g.As, pass)
	return k, e, err
}

// keyEntry opens the keystore and reads the entry of the key name.
func keyEntry(g *Global, name string) (*keystore.Store, keystore.Entry, error) {
	ks, err := openKeystore(g)
	if err != nil {
		return nil, keystore.Entry{}, err
	}
	e, err := ks.Get(name)
	if err != nil {
		return nil, e, fmt.Errorf("%w (keystore %s)", err, ks.Path())
	}
	return ks, e, nil
}

// entryPassphrase is the passphrase that opens e: none asked for a dev key.
func entryPassphrase(g *Global, e keystore.Entry) (string, error) {
	if e.Dev {
		return keystore.DevPassphrase, nil
	}
	return passphrase(g, false)
}

func newKeysCmd(g *Global) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "keys",
		Short: "Manage the signing keys in the keystore",
		Long: `Manage signing keys. The keystore is HOME/keystore.json: names, public keys and
identities are readable; each private key is sealed with age (scrypt) under a
passphrase from $MEDCHAIN_PASSPHRASE or asked for. Dev keys (from medchain dev and
medchain testnet) are insecure demo keys and need no passphrase.`,
	}
	cmd.AddCommand(newKeysListCmd(g), newKeysShowCmd(g), newKeysNewCmd(g), newKeysImportCmd(g), newKeysExportCmd(g), newKeysRemoveCmd(g))
	return cmd
}

type keysListOptions struct{ g *Global }

func newKeysListCmd(g *Global) *cobra.Command {
	o := &keysListOptions{g: g}
	return &cobra.Command{
		Use:   "list",
		Short: "List the keys: name, identity, public key",
		Args:  cobra.NoArgs,
		RunE:  func(*cobra.Command, []string) error { return o.run() },
	}
}

func (o *keysListOptions) run() error {
	ks, err := openKeystore(o.g)
	if err != nil {
		return err
	}
	list := ks.List()
	// -o json: a list is {"items": [...]} of objects with an id, as every
	// other list command prints (the key's name is its id here).
	type item struct {
		ID string `json:"id"`
		keystore.Entry
	}
	view := struct {
		Items []item `json:"items"`
	}{Items: []item{}}
	for _, e := range list {
		view.Items = append(view.Items, item{ID: e.Name, Entry: e})
	}
	return o.g.Print(view, func(w io.Writer) {
		if len(list) == 0 {
			fmt.Fprintf(w, "no keys in %s (run `medchain dev`, or `medchain keys new NAME`)\n", ks.Path())
			return
		}
		table(w, "NAME\tIDENTITY\tNOTE\tPUBLIC KEY", func(tw io.Writer) {
			for _, e := range list {
				note := e.Note
				if e.Dev {
					note = strings.TrimSpace(note + " (dev)")
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", e.Name, e.Identity, note, e.PublicKey)
			}
		})
	})
}

type keysShowOptions struct{ g *Global }

func newKeysShowCmd(g *Global) *cobra.Command {
	o := &keysShowOptions{g: g}
	return &cobra.Command{
		Use:   "show NAME",
		Short: "Show one key",
		Args:  cobra.ExactArgs(1),
		RunE:  func(_ *cobra.Command, args []string) error { return o.run(args[0]) },
	}
}

func (o *keysShowOptions) run(name string) error {
	_, e, err := keyEntry(o.g, name)
	if err != nil {
		return err
	}
	return o.g.Print(e, func(w io.Writer) {
		fmt.Fprintf(w, "name        %s\nidentity    %s\npublic key  %s\nnote        %s\ndev key     %v\ncreated     %s\n", e.Name, e.Identity, e.PublicKey, e.Note, e.Dev, e.Created.Format("2006-01-02 15:04:05Z07:00"))
	})
}

type keysNewOptions struct {
	g              *Global
	identity, note string
}

// seal asks for the passphrase, puts a key into the keystore with add,
// saves it and prints the key's name and public key.
func (o *keysNewOptions) seal(add func(ks *keystore.Store, pass string) (keystore.Entry, error)) error {
	ks, err := openKeystore(o.g)
	if err != nil {
		return err
	}
	pass, err := passphrase(o.g, true)
	if err != nil {
		return err
	}
	e, err := add(ks, pass)
	if err != nil {
		return err
	}
	if err := ks.Save(); err != nil {
		return err
	}
	return o.g.Print(e, func(w io.Writer) { fmt.Fprintf(w, "%s %s\n", e.Name, e.PublicKey) })
}

func (o *keysNewOptions) flags(cmd *cobra.Command) {
	cmd.Flags().StringVar(&o.identity, "identity", "", "ledger identity this key belongs to (org/handle or patient ID), if known")
	cmd.Flags().StringVar(&o.note, "note", "", "free-text note")
}

func newKeysNewCmd(g *Global) *cobra.Command {
	o := &keysNewOptions{g: g}
	cmd := &cobra.Command{
		Use:   "new NAME",
		Short: "Generate a key and seal it in the keystore",
		Long: `Generate an Ed25519 key, seal it under the keystore passphrase and print its
public key. Give the public key to your organisation's admin (medchain members add),
or register yourself as a patient with it (medchain patients register --as NAME).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return o.seal(func(ks *keystore.Store, pass string) (keystore.Entry, error) {
				return ks.Generate(args[0], o.identity, o.note, pass)
			})
		},
	}
	o.flags(cmd)
	return cmd
}

func newKeysImportCmd(g *Global) *cobra.Command {
	o := &keysNewOptions{g: g}
	cmd := &cobra.Command{
		Use:   "import NAME HEX-SEED",
		Short: "Import a key from its 32-byte seed in hex",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			seed, err := hex.DecodeString(strings.TrimSpace(args[1]))
			if err != nil || len(seed) != 32 {
				return usageErrorf("the seed must be 64 hex characters (32 bytes)")
			}
			return o.seal(func(ks *keystore.Store, pass string) (keystore.Entry, error) {
				return ks.Add(args[0], seed, o.identity, o.note, pass, false)
			})
		},
	}
	o.flags(cmd)
	return cmd
}

type keysExportOptions struct{ g *Global }

func newKeysExportCmd(g *Global) *cobra.Command {
	o := &keysExportOptions{g: g}
	return &cobra.Command{
		Use:   "export NAME",
		Short: "Print a key's seed in hex (handle with care)",
		Args:  cobra.ExactArgs(1),
		RunE:  func(_ *cobra.Command, args []string) error { return o.run(args[0]) },
	}
}

func (o *keysExportOptions) run(name string) error {
	ks, e, err := keyEntry(o.g, name)
	if err != nil {
		return err
	}
	pass, err := entryPassphrase(o.g, e)
	if err != nil {
		return err
	}
	seed, err := ks.Export(name, pass)
	if err != nil {
		return err
	}
	return o.g.Print(map[string]string{"name": e.Name, "seed": seed}, func(w io.Writer) { fmt.Fprintln(w, seed) })
}

type keysRemoveOptions struct{ g *Global }

func newKeysRemoveCmd(g *Global) *cobra.Command {
	o := &keysRemoveOptions{g: g}
	return &cobra.Command{
		Use:   "remove NAME",
		Short: "Remove a key from the keystore (the ledger is not told: revoke it first)",
		Args:  cobra.ExactArgs(1),
		RunE:  func(_ *cobra.Command, args []string) error { return o.run(args[0]) },
	}
}

func (o *keysRemoveOptions) run(name string) error {
	ks, err := openKeystore(o.g)
	if err != nil {
		return err
	}
	if err := ks.Remove(name); err != nil {
		return err
	}
	if err := ks.Save(); err != nil {
		return err
	}
	return o.g.Print(map[string]string{"removed": name}, func(w io.Writer) { fmt.Fprintf(w, "removed %s\n", name) })
}
