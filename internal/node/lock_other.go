//go:build !unix

package node

import "os"

// flock: no advisory lock on this platform, so homes are not locked
// (the CI and the guides run on Linux).
func flock(*os.File) error { return nil }

func funlock(*os.File) {}
