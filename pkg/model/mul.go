package model

import "fmt"

// Elementwise product of two [B, D] operands, each row-strided (the `v⊙u`
// input of the dot model, written straight into its slot of the MLP input).
//
//	z[i, :] = v[i, :] ⊙ u[i, :]
//	dv[i, :] += dz[i, :] ⊙ u[i, :]
//	du[i, :] += dz[i, :] ⊙ v[i, :]
//
// Every operand has its own row stride; here the strides are all the MLP
// input width, so one ld serves them all.

// mulForward: z = v ⊙ u over n rows of d values, rows ld apart.
func mulForward(z, v, u []float32, ld, d, n int) {
	if n == 0 {
		return
	}
	want := (n-1)*ld + d
	if len(z) < want || len(v) < want || len(u) < want {
		panic(fmt.Sprintf("model: mul: len z %d, v %d, u %d, want %d", len(z), len(v), len(u), want))
	}
	for i := 0; i < n; i++ {
		zr, vr, ur := z[i*ld:i*ld+d], v[i*ld:i*ld+d], u[i*ld:i*ld+d]
		for j := range zr {
			zr[j] = vr[j] * ur[j]
		}
	}
}

// mulBackward: dv += dz ⊙ u, du += dz ⊙ v.
func mulBackward(dv, du, dz, v, u []float32, ld, d, n int) {
	if n == 0 {
		return
	}
	want := (n-1)*ld + d
	if len(dv) < want || len(du) < want || len(dz) < want || len(v) < want || len(u) < want {
		panic(fmt.Sprintf("model: mul: operand shorter than %d", want))
	}
	for i := 0; i < n; i++ {
		o := i * ld
		dvr, dur, dzr, vr, ur := dv[o:o+d], du[o:o+d], dz[o:o+d], v[o:o+d], u[o:o+d]
		for j, g := range dzr {
			dvr[j] += g * ur[j]
			dur[j] += g * vr[j]
		}
	}
}
