//go:build !linux

package bench

// processRSS is not measured here.
func processRSS() int64 { return 0 }
