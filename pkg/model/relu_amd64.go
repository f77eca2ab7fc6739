//go:build amd64 && !purego

package model

// The 8-wide loops of the rectifier (relu_amd64.s; relu.go has their
// portable forms and the tails). Each does i < n, n a multiple of 8, with
// the bits of the Go loops; callers check gemmUseKernel.

// relu8 is reluForward on n values.
//
//go:noescape
func relu8(y, x *float32, n int)

// reluBack8 is reluBackward (set false: dx += dy where x > 0) or
// reluBackwardSet (set true: dx = dy where x > 0, else 0) on n values.
//
//go:noescape
func reluBack8(dx, dy, x *float32, n int, set bool)
