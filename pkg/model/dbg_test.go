package model

import "testing"

func TestDbgDot(t *testing.T) {
	ds := synth(synthConfig{Rows: 300, Users: 10, Items: 12, Clusters: 3, HistLen: 5, Seed: 3})
	for _, p := range []Params{
		{Model: "dot", EmbedDim: 4, Hidden: []int{8, 6}},
		{Model: "dot", EmbedDim: 4, Hidden: []int{8, 6}, BatchNorm: true},
		{Model: "dot", EmbedDim: 4, Hidden: []int{8, 6}, Dropout: 0.2},
		{Model: "dot", EmbedDim: 4, Hidden: []int{8, 6}, BatchNorm: true, Dropout: 0.2},{Model: "dot", EmbedDim: 4, Hidden: []int{8, 6}, BatchNorm: true, Dropout: 0.2, Heads: 2, AttentionDim: 4, Layers: 2, AttentionHidden: []int{6}},
	} {
		t.Run("", func(t *testing.T) { checkModelGradient(t, ds, p) })
	}
}
