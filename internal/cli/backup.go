package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/medchain/medchain/internal/node"
)

func newBackupCmd(g *Global) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "backup",
		Short: "Back up a node's home (keys, configuration, sealed records), verify and restore it",
		Long: `Back up what a node cannot get back from its peers: its keys (validator, node,
custodian identities), its configuration, its keystore, and the vault of the
records it keeps (ciphertexts, wrapped keys, the custodians' age identities).
Lose these and the records of your organisation cannot be read by anyone.

A backup is one file sealed with a passphrase (age, scrypt), from
$MEDCHAIN_BACKUP_PASSPHRASE, --passphrase-file, or asked for. Keep it off the
node, and keep backups no longer than your erasure policy allows: a backup
holds the keys of records erased after it was made (they are shredded again
when it is restored, but the file itself still holds them).

  medchain backup create --home /srv/medchain --out /backup/node-$(date +%F).age
  medchain backup verify /backup/node-2026-12-07.age
  medchain backup restore /backup/node-2026-12-07.age --home /srv/medchain-new

See docs/operations.md, "Backup and restore".`,
	}
	cmd.AddCommand(newBackupCreateCmd(g), newBackupVerifyCmd(g), newBackupRestoreCmd(g))
	return cmd
}

type backupPass struct {
	file string
}

func (p *backupPass) flags(cmd *cobra.Command) {
	cmd.Flags().StringVar(&p.file, "passphrase-file", "", "read the backup passphrase from this file (its first line)")
}

// get reads the passphrase: the file, then $MEDCHAIN_BACKUP_PASSPHRASE,
// then the terminal (asked twice when confirm).
func (p *backupPass) get(g *Global, confirm bool) (string, error) {
	if p.file != "" {
		b, err := os.ReadFile(p.file)
		if err != nil {
			return "", usageErrorf("--passphrase-file: %v", err)
		}
		line, _, _ := strings.Cut(string(b), "\n")
		line = strings.TrimRight(line, "\r")
		if line == "" {
			return "", usageErrorf("--passphrase-file %s: the first line is empty", p.file)
		}
		return line, nil
	}
	if v := os.Getenv("MEDCHAIN_BACKUP_PASSPHRASE"); v != "" {
		return v, nil
	}
	f, ok := g.In.(*os.File)
	if !ok || !isTerminal(f) {
		return "", usageErrorf("a backup passphrase is needed: set MEDCHAIN_BACKUP_PASSPHRASE, give --passphrase-file, or run in a terminal")
	}
	fmt.Fprint(g.Err, "backup passphrase: ")
	pw, err := readPassword(f)
	fmt.Fprintln(g.Err)
	if err != nil {
		return "", err
	}
	if confirm {
		fmt.Fprint(g.Err, "again: ")
		again, err := readPassword(f)
		fmt.Fprintln(g.Err)
		if err != nil {
			return "", err
		}
		if again != pw {
			return "", usageErrorf("the passphrases differ")
		}
	}
	if pw == "" {
		return "", usageErrorf("empty passphrase")
	}
	return pw, nil
}

func newBackupCreateCmd(g *Global) *cobra.Command {
	var (
		pass  backupPass
		out   string
		chain bool
	)
	cmd := &cobra.Command{
		Use:   "create --out FILE [--chain]",
		Short: "Write a sealed backup of the home (--home)",
		Long: `Write a sealed backup of the node's home (--home) to FILE.

Without --chain it runs beside a running node: keys, configuration, keystore
and the vault. A node restored from it fetches the chain from its peers.
With --chain the chain's databases are included too, so the restored node
starts where this one stopped (the only way back for a network of one
validator); the node must be stopped while it runs.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if out == "" {
				return usageErrorf("--out FILE is needed")
			}
			pw, err := pass.get(g, true)
			if err != nil {
				return err
			}
			tmp, err := os.CreateTemp(filepath.Dir(out), ".backup-*")
			if err != nil {
				return err
			}
			defer os.Remove(tmp.Name())
			m, err := node.Backup(g.Home, tmp, node.BackupOptions{Passphrase: pw, Chain: chain})
			if err == nil {
				err = tmp.Sync()
			}
			if cerr := tmp.Close(); err == nil {
				err = cerr
			}
			if err == nil {
				err = os.Chmod(tmp.Name(), 0o600)
			}
			if err != nil {
				return err
			}
			if err := os.Rename(tmp.Name(), out); err != nil {
				return err
			}
			return g.Print(backupView(m, out), func(w io.Writer) {
				fmt.Fprintf(w, "backed up %s to %s\n", g.Home, out)
				printManifest(w, m)
			})
		},
	}
	pass.flags(cmd)
	cmd.Flags().StringVar(&out, "out", "", "file to write (replaced only once the backup is complete)")
	cmd.Flags().BoolVar(&chain, "chain", false, "include the chain's databases (the node must be stopped)")
	return cmd
}

func newBackupVerifyCmd(g *Global) *cobra.Command {
	var pass backupPass
	cmd := &cobra.Command{
		Use:   "verify FILE",
		Short: "Open a backup and check every file in it, writing nothing",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			pw, err := pass.get(g, false)
			if err != nil {
				return err
			}
			f, err := os.Open(args[0])
			if err != nil {
				return usageErrorf("%v", err)
			}
			defer f.Close()
			m, err := node.VerifyBackup(f, pw)
			if err != nil {
				return backupError(err)
			}
			return g.Print(backupView(m, args[0]), func(w io.Writer) {
				fmt.Fprintf(w, "%s is sound: every file matches its manifest\n", args[0])
				printManifest(w, m)
			})
		},
	}
	pass.flags(cmd)
	return cmd
}

func newBackupRestoreCmd(g *Global) *cobra.Command {
	var pass backupPass
	cmd := &cobra.Command{
		Use:   "restore FILE --home NEW-HOME",
		Short: "Restore a backup into a new home (--home must not exist or be empty)",
		Long: `Restore a backup into a new home (--home must not exist or be empty). Every
file is checked before the home is made: a backup that fails a check leaves
nothing behind.

Start the restored node with medchain start --home NEW-HOME. Never run it
beside the node it was backed up from: they share a validator key, and two
validators signing with one key is double signing.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			pw, err := pass.get(g, false)
			if err != nil {
				return err
			}
			f, err := os.Open(args[0])
			if err != nil {
				return usageErrorf("%v", err)
			}
			defer f.Close()
			m, err := node.Restore(f, g.Home, pw)
			if err != nil {
				return backupError(err)
			}
			return g.Print(backupView(m, args[0]), func(w io.Writer) {
				fmt.Fprintf(w, "restored %s into %s\n", args[0], g.Home)
				printManifest(w, m)
				if m.Chain {
					fmt.Fprintf(w, "start it with: medchain start --home %s (it resumes where the backed-up node stopped)\n", g.Home)
				} else {
					fmt.Fprintf(w, "start it with: medchain start --home %s (it fetches the chain from its peers; its vault's erased records are shredded again as it catches up)\n", g.Home)
				}
			})
		},
	}
	pass.flags(cmd)
	return cmd
}

// backupError words a refused backup for the command line.
func backupError(err error) error {
	if errors.Is(err, node.ErrBackup) || strings.HasPrefix(err.Error(), "node: ") {
		return fmt.Errorf("%s", strings.TrimPrefix(err.Error(), "node: "))
	}
	return err
}

type backupJSON struct {
	File string `json:"file"`
	*node.BackupManifest
}

func backupView(m *node.BackupManifest, file string) backupJSON {
	return backupJSON{File: file, BackupManifest: m}
}

func printManifest(w io.Writer, m *node.BackupManifest) {
	var size int64
	for _, f := range m.Files {
		size += f.Size
	}
	chain := "not included (the restored node fetches it from its peers)"
	if m.Chain {
		chain = "included"
	}
	fmt.Fprintf(w, "  created     %s\n", m.Created.Format("2006-01-02 15:04:05Z07:00"))
	fmt.Fprintf(w, "  chain ID    %s\n", m.ChainID)
	fmt.Fprintf(w, "  node ID     %s\n", m.NodeID)
	fmt.Fprintf(w, "  custodian   %s\n", strings.Join(m.Custodians, ", "))
	fmt.Fprintf(w, "  records     %d sealed versions\n", m.Blobs)
	fmt.Fprintf(w, "  chain       %s\n", chain)
	fmt.Fprintf(w, "  files       %d, %d bytes\n", len(m.Files), size)
}
