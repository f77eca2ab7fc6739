//go:build !amd64 || purego

package model

func sigmoid8(dst, src *float32, n int) {
	panic("model: sigmoid: no assembly kernel in this build")
}
