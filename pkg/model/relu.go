package model

import "fmt"

// relu is the elementwise rectifier over n values (any shape, flattened).
//
//	y = max(0, x)
//	dx += dy · [x > 0]

// reluForward: y[j] = max(0, x[j]) for j < len(x).
func reluForward(y, x []float32) {
	if len(y) < len(x) {
		panic(fmt.Sprintf("model: relu: y len %d, want %d", len(y), len(x)))
	}
	y = y[:len(x)]
	for j, v := range x {
		if v > 0 {
			y[j] = v
		} else {
			y[j] = 0
		}
	}
}

// reluBackward: dx[j] += dy[j] where x[j] > 0 (the subgradient at 0 is 0).
func reluBackward(dx, dy, x []float32) {
	if len(dx) < len(x) || len(dy) < len(x) {
		panic(fmt.Sprintf("model: relu: dx len %d, dy len %d, want %d", len(dx), len(dy), len(x)))
	}
	dx, dy = dx[:len(x)], dy[:len(x)]
	for j, v := range x {
		if v > 0 {
			dx[j] += dy[j]
		}
	}
}
