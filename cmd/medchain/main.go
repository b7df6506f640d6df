// Command medchain is the medchain node and its client: `medchain dev` runs a
// local network with demo data; `medchain --help` lists everything else.
package main

import (
	"os"

	"github.com/medchain/medchain/internal/cli"
)

func main() { os.Exit(cli.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) }
