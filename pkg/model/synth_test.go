package model

import (
	"math"
	"math/rand/v2"

	"github.com/attnsweep/attnsweep/pkg/dataset"
)

// synthConfig describes a small planted-attention CTR data set for tests.
type synthConfig struct {
	Rows     int
	Users    int
	Items    int
	Clusters int // items fall into this many taste clusters
	HistLen  int // MaxLen of the history column
	Latent   int // dimension of the items' latent vectors
	Seed     uint64
}

func (c synthConfig) withDefaults() synthConfig {
	if c.Users == 0 {
		c.Users = 300
	}
	if c.Items == 0 {
		c.Items = 400
	}
	if c.Clusters == 0 {
		c.Clusters = 20
	}
	if c.HistLen == 0 {
		c.HistLen = 10
	}
	if c.Latent == 0 {
		c.Latent = 8
	}
	return c
}

// synth builds a dataset.Dataset directly (no files). Items have latent unit
// vectors around their cluster's centre; each user likes two clusters and
// their history is drawn from them; the candidate comes from the user's
// clusters half the time. The true click logit is
//
//	4·max_j cos(item, hist_j) − 2.5 + itemBias + 0.5·price
//
// (max over the real history; 0 for an empty one), so a model that compares
// the candidate with the history items can do well, and a model that adds up
// per-id weights cannot. Columns: categorical user, item, category (the
// item's cluster), hour (noise); dense price (informative), noise; history
// hist_item → item. Splits: 80/10/10 of a shuffle. Ids start at 1 (0 is
// unknown/padding).
func synth(cfg synthConfig) *dataset.Dataset {
	c := cfg.withDefaults()
	rng := rand.New(rand.NewPCG(c.Seed, 7))
	normalize := func(v []float64) {
		var s float64
		for _, x := range v {
			s += x * x
		}
		s = math.Sqrt(s)
		for i := range v {
			v[i] /= s
		}
	}
	centres := make([][]float64, c.Clusters)
	for k := range centres {
		centres[k] = make([]float64, c.Latent)
		for i := range centres[k] {
			centres[k][i] = rng.NormFloat64()
		}
		normalize(centres[k])
	}
	itemVec := make([][]float64, c.Items+1)
	itemCluster := make([]int, c.Items+1)
	itemBias := make([]float64, c.Items+1)
	byCluster := make([][]int32, c.Clusters)
	for it := 1; it <= c.Items; it++ {
		k := (it - 1) % c.Clusters
		itemCluster[it] = k
		v := make([]float64, c.Latent)
		for i := range v {
			v[i] = centres[k][i] + 0.35*rng.NormFloat64()
		}
		normalize(v)
		itemVec[it] = v
		itemBias[it] = 0.3 * rng.NormFloat64()
		byCluster[k] = append(byCluster[k], int32(it))
	}
	userLikes := make([][2]int, c.Users+1)
	for u := 1; u <= c.Users; u++ {
		a := rng.IntN(c.Clusters)
		b := (a + 1 + rng.IntN(c.Clusters-1)) % c.Clusters
		userLikes[u] = [2]int{a, b}
	}
	cos := func(a, b []float64) float64 {
		var s float64
		for i := range a {
			s += a[i] * b[i]
		}
		return s
	}

	n, L := c.Rows, c.HistLen
	ds := &dataset.Dataset{
		Schema: dataset.Schema{
			Label: "click",
			Categorical: []dataset.Field{
				{Name: "user", Vocab: c.Users + 1},
				{Name: "item", Vocab: c.Items + 1},
				{Name: "category", Vocab: c.Clusters + 1},
				{Name: "hour", Vocab: 25},
			},
			Dense:     []string{"price", "noise"},
			Sequences: []dataset.Sequence{{Name: "hist_item", Target: "item", Field: 1, MaxLen: L}},
			Group:     "user",
			PTrue:     "p_true",
		},
		N:     n,
		Label: make([]float32, n),
		Cat:   [][]int32{make([]int32, n), make([]int32, n), make([]int32, n), make([]int32, n)},
		Dense: [][]float32{make([]float32, n), make([]float32, n)},
		Seq:   []dataset.SeqColumn{{MaxLen: L, IDs: make([]int32, n*L), Len: make([]int32, n)}},
		PTrue: make([]float32, n),
		Group: make([]int32, n),
	}
	pick := func(k int) int32 { return byCluster[k][rng.IntN(len(byCluster[k]))] }
	for r := 0; r < n; r++ {
		u := 1 + rng.IntN(c.Users)
		likes := userLikes[u]
		var item int32
		if rng.IntN(2) == 0 {
			item = pick(likes[rng.IntN(2)])
		} else {
			item = int32(1 + rng.IntN(c.Items))
		}
		ln := rng.IntN(L + 1)
		if rng.IntN(20) == 0 {
			ln = 0
		}
		maxSim := 0.0
		for j := 0; j < ln; j++ {
			h := pick(likes[rng.IntN(2)])
			ds.Seq[0].IDs[r*L+j] = h
			s := cos(itemVec[item], itemVec[h])
			if j == 0 || s > maxSim {
				maxSim = s
			}
		}
		ds.Seq[0].Len[r] = int32(ln)
		price := rng.NormFloat64()
		logit := 4*maxSim - 2.5 + itemBias[item] + 0.5*price
		p := 1 / (1 + math.Exp(-logit))
		if rng.Float64() < p {
			ds.Label[r] = 1
		}
		ds.PTrue[r] = float32(p)
		ds.Cat[0][r] = int32(u)
		ds.Cat[1][r] = item
		ds.Cat[2][r] = int32(itemCluster[item] + 1)
		ds.Cat[3][r] = int32(1 + rng.IntN(24))
		ds.Dense[0][r] = float32(price)
		ds.Dense[1][r] = float32(rng.NormFloat64())
		ds.Group[r] = int32(u)
	}
	perm := make([]int32, n)
	for i := range perm {
		perm[i] = int32(i)
	}
	rng.Shuffle(n, func(i, j int) { perm[i], perm[j] = perm[j], perm[i] })
	nTrain, nValid := n*8/10, n/10
	ds.Train = perm[:nTrain]
	ds.Valid = perm[nTrain : nTrain+nValid]
	ds.Test = perm[nTrain+nValid:]
	return ds
}

// noHistory returns a shallow copy of ds without its sequence column.
func noHistory(ds *dataset.Dataset) *dataset.Dataset {
	c := *ds
	c.Schema.Sequences = nil
	c.Seq = nil
	return &c
}

// bayesAUC is the test AUC of the true click probabilities.
func bayesAUC(ds *dataset.Dataset, rows []int32) float64 {
	s := make([]float32, len(rows))
	y := make([]float32, len(rows))
	for i, r := range rows {
		s[i], y[i] = ds.PTrue[r], ds.Label[r]
	}
	return AUC(s, y)
}
