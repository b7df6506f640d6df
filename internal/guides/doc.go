// Package guides holds no code: its test runs the README's tour and every
// guide in docs/ in order, as a newcomer would, on one fresh `medchain dev`
// (see guides_test.go for how a guide's code blocks are read).
package guides
