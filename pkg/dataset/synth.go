package dataset

// Synthetic click logs with planted target attention.
//
// The world: synthItems items in synthCats categories. Each category has a
// random unit centroid in R^synthDim; an item's latent vector is
// z_i = normalize(centroid + 0.35·noise), noise ~ N(0, I/synthDim) (about
// unit length); its bias b_i ~ N(0, 0.4²); its price log-normal around a
// per-category level. synthUsers users, each with two interest categories,
// a bias b_u ~ N(0, 0.4²) and an activity level that sets the length of
// their histories (uniform 0..L, a sixth of the users at L).
//
// A row: a user; a history of items, 80% from the user's interests and 20%
// uniform (most recent first); a candidate item, half from the interests and
// half uniform; hour, device and weekday at random. The true logit is
//
//	synthBias + b_u + b_i + 3·max_j(z_cand·z_hist_j) + context + price
//
// (the max term is 0 for an empty history), so the best-matching history
// item carries the signal: attention to the target beats pooling the
// history. p_true = sigmoid(logit), label ~ Bernoulli(p_true). With 100k
// rows and seed 1 the label rate is 0.33 and the Bayes AUC (of p_true)
// 0.777.

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"

	"github.com/parquet-go/parquet-go"
)

// SynthVersion changes whenever Generate's output for a given config changes,
// so that files cached under a name holding it are never stale.
const SynthVersion = 2

// SynthConfig sizes a synthetic data set.
type SynthConfig struct {
	Rows    int
	Seed    uint64
	History int // max history length L; 0 means 20
	// Parts > 1 writes the rows as that many files in a folder (Generate).
	Parts int
	// MemLimit bounds the memory Generate may use and the memory loading
	// its rows will take (their encoded columns), checked before anything
	// is written: 0 means the memory the machine has available
	// (AvailableMemory), a negative value no bound.
	MemLimit int64
}

const (
	synthItems = 100
	synthCats  = 10
	synthUsers = 200
	synthDim   = 8

	synthBias     = -3.0 // sets the label rate (about 0.3)
	synthMatch    = 3.0  // weight of the attention term Σ_j w_j s_j
	synthSharp    = 5.0  // inverse temperature of the planted attention w
	synthDevice3  = 0.3  // device 3 clicks more
	synthEvening  = 0.15 // hours 18–22 click more
	synthPriceEff = -0.2 // per standard deviation of log price
)

// synthRow is one row of the synthetic file, in column order.
type synthRow struct {
	Label    int64   `parquet:"label"`
	UserID   int64   `parquet:"user_id"`
	ItemID   int64   `parquet:"item_id"`
	CateID   int64   `parquet:"cate_id"`
	Hour     int64   `parquet:"hour"`
	Device   int64   `parquet:"device"`
	Weekday  int64   `parquet:"weekday"`
	Price    float64 `parquet:"price"`
	HistItem []int64 `parquet:"hist_item,list"`
	PTrue    float64 `parquet:"p_true"`
}

// synthWorld is the hidden structure rows are drawn from.
type synthWorld struct {
	itemCat   []int
	itemZ     []float64 // [synthItems*synthDim]
	itemBias  []float64
	itemPrice []float64
	catItems  [][]int
	logPriceM float64 // mean and standard deviation of the log item prices
	logPriceS float64

	userCats [][2]int
	userBias []float64
	userLen  []int

	sims []float64 // scratch: the current row's similarities
}

func newSynthWorld(r *rand.Rand, maxLen int) *synthWorld {
	w := &synthWorld{
		itemCat:   make([]int, synthItems),
		itemZ:     make([]float64, synthItems*synthDim),
		itemBias:  make([]float64, synthItems),
		itemPrice: make([]float64, synthItems),
		catItems:  make([][]int, synthCats),
		userCats:  make([][2]int, synthUsers),
		userBias:  make([]float64, synthUsers),
		userLen:   make([]int, synthUsers),
	}
	centroids := make([]float64, synthCats*synthDim)
	catPrice := make([]float64, synthCats)
	for c := range synthCats {
		v := centroids[c*synthDim : (c+1)*synthDim]
		for k := range v {
			v[k] = r.NormFloat64()
		}
		normalize(v)
		catPrice[c] = 3 + 0.3*r.NormFloat64()
	}
	var sum, sum2 float64
	for i := range synthItems {
		c := i % synthCats
		w.itemCat[i] = c
		w.catItems[c] = append(w.catItems[c], i)
		z := w.itemZ[i*synthDim : (i+1)*synthDim]
		for k := range z {
			z[k] = centroids[c*synthDim+k] + 0.35*r.NormFloat64()/math.Sqrt(synthDim)
		}
		normalize(z)
		w.itemBias[i] = 0.4 * r.NormFloat64()
		lp := catPrice[c] + 0.5*r.NormFloat64()
		w.itemPrice[i] = math.Exp(lp)
		sum += lp
		sum2 += lp * lp
	}
	w.logPriceM = sum / synthItems
	w.logPriceS = math.Sqrt(sum2/synthItems - w.logPriceM*w.logPriceM)
	for u := range synthUsers {
		a := r.IntN(synthCats)
		b := (a + 1 + r.IntN(synthCats-1)) % synthCats
		w.userCats[u] = [2]int{a, b}
		w.userBias[u] = 0.4 * r.NormFloat64()
		if r.IntN(6) == 0 {
			w.userLen[u] = maxLen
		} else {
			w.userLen[u] = r.IntN(maxLen + 1)
		}
	}
	return w
}

func normalize(v []float64) {
	var s float64
	for _, x := range v {
		s += x * x
	}
	s = math.Sqrt(s)
	for k := range v {
		v[k] /= s
	}
}

// interestItem draws an item from one of user u's interest categories.
func (w *synthWorld) interestItem(r *rand.Rand, u int) int {
	items := w.catItems[w.userCats[u][r.IntN(2)]]
	return items[r.IntN(len(items))]
}

func (w *synthWorld) sim(i, j int) float64 {
	a := w.itemZ[i*synthDim : (i+1)*synthDim]
	b := w.itemZ[j*synthDim : (j+1)*synthDim]
	var s float64
	for k := range a {
		s += a[k] * b[k]
	}
	return s
}

// row draws one row; hist is reused for its history.
func (w *synthWorld) row(r *rand.Rand, hist []int64) synthRow {
	u := r.IntN(synthUsers)
	n := w.userLen[u]
	if n > 0 {
		n -= r.IntN(n/4 + 1)
	}
	hist = hist[:0]
	cand := r.IntN(synthItems)
	if r.IntN(2) == 0 {
		cand = w.interestItem(r, u)
	}
	sims := w.sims[:0] // the candidate's similarity to each history item
	best := math.Inf(-1)
	for range n {
		it := r.IntN(synthItems)
		if r.Float64() < 0.8 {
			it = w.interestItem(r, u)
		}
		hist = append(hist, int64(it+1))
		sims = append(sims, w.sim(cand, it))
		best = math.Max(best, sims[len(sims)-1])
	}
	w.sims = sims
	// The planted attention: Σ_j softmax(synthSharp·s)_j s_j, shifted by the
	// largest s for a stable exponential.
	match := 0.0
	if n > 0 {
		var z, ws float64
		for _, s := range sims {
			e := math.Exp(synthSharp * (s - best))
			z += e
			ws += e * s
		}
		match = ws / z
	}
	row := synthRow{
		UserID:   int64(u + 1),
		ItemID:   int64(cand + 1),
		CateID:   int64(w.itemCat[cand] + 1),
		Hour:     int64(r.IntN(24)),
		Device:   int64(r.IntN(4)),
		Weekday:  int64(r.IntN(7)),
		Price:    math.Round(w.itemPrice[cand]*math.Exp(0.05*r.NormFloat64())*100) / 100,
		HistItem: hist,
	}
	logit := synthBias + w.userBias[u] + w.itemBias[cand] + synthMatch*match
	if row.Device == 3 {
		logit += synthDevice3
	}
	if row.Hour >= 18 && row.Hour <= 22 {
		logit += synthEvening
	}
	logit += synthPriceEff * (math.Log(row.Price) - w.logPriceM) / w.logPriceS
	row.PTrue = 1 / (1 + math.Exp(-logit))
	if r.Float64() < row.PTrue {
		row.Label = 1
	}
	return row
}

// Generate's buffers: a batch of rows, and the row group the Parquet writer
// holds until it is written.
const (
	synthBatch    = 4096
	synthRowGroup = 128 * 1024
)

// checkMemory refuses a history whose rows Generate cannot hold in
// memory, and more rows than loading them could (their encoded columns:
// label, 6 ids, price, p_true, the split list, the history and its length).
func (cfg SynthConfig) checkMemory(maxLen int) error {
	row := 8*10 + 10*float64(maxLen) // the values of a row, and a history item's levels
	if err := checkMemory(cfg.MemLimit, (synthBatch+synthRowGroup)*row, fmt.Sprintf("synthetic history = %d: writing rows with histories this long", maxLen), "lower history"); err != nil {
		return err
	}
	encoded := 4 * float64(11+maxLen)
	return checkMemory(cfg.MemLimit, float64(cfg.Rows)*encoded, fmt.Sprintf("synthetic rows = %d: loading them (%.0f bytes a row)", cfg.Rows, encoded), "lower rows")
}

// Generate writes cfg.Rows synthetic rows to one Parquet file at path
// (Snappy, row groups of 128k rows), with the columns label, user_id,
// item_id, cate_id, hour, device, weekday (int64), price (double),
// hist_item (list<int64>, most recent first) and p_true (double). The
// same cfg gives the same file. With cfg.Parts > 1, path is a folder
// (created) that gets the same rows in Parts files part-000.parquet,
// part-001.parquet, …, in order, of equal sizes but for one row.
func Generate(cfg SynthConfig, path string) error {
	if cfg.Rows <= 0 {
		return fmt.Errorf("dataset: synthetic rows = %d, want > 0", cfg.Rows)
	}
	maxLen := cfg.History
	if maxLen == 0 {
		maxLen = DefaultMaxLen
	}
	if maxLen < 0 {
		return fmt.Errorf("dataset: synthetic history = %d, want ≥ 0", cfg.History)
	}
	if cfg.Parts < 0 || cfg.Parts > cfg.Rows {
		return fmt.Errorf("dataset: synthetic parts = %d, want 0 to %d (the rows)", cfg.Parts, cfg.Rows)
	}
	if err := cfg.checkMemory(maxLen); err != nil {
		return err
	}
	r := rand.New(rand.NewPCG(cfg.Seed, 0x73796e7468)) // "synth"
	g := &synthWriter{r: r, w: newSynthWorld(r, maxLen), rows: make([]synthRow, synthBatch), hists: make([][]int64, synthBatch)}
	for i := range g.hists {
		g.hists[i] = make([]int64, 0, maxLen)
	}
	if cfg.Parts <= 1 {
		return g.write(path, cfg.Rows)
	}
	if err := os.MkdirAll(path, 0o755); err != nil {
		return fmt.Errorf("dataset: %v", err)
	}
	for k := range cfg.Parts {
		n := cfg.Rows / cfg.Parts
		if k < cfg.Rows%cfg.Parts {
			n++
		}
		if err := g.write(filepath.Join(path, fmt.Sprintf("part-%03d.parquet", k)), n); err != nil {
			return err
		}
	}
	return nil
}

// synthWriter draws rows from one world and random stream, file after file.
type synthWriter struct {
	r     *rand.Rand
	w     *synthWorld
	rows  []synthRow
	hists [][]int64
}

// write writes the next n rows to a new file at path.
func (g *synthWriter) write(path string, n int) (err error) {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("dataset: %v", err)
	}
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("dataset: %s: %v", path, cerr)
		}
		if err != nil {
			os.Remove(path)
		}
	}()
	pw := parquet.NewGenericWriter[synthRow](f,
		parquet.Compression(&parquet.Snappy),
		parquet.MaxRowsPerRowGroup(synthRowGroup),
		parquet.CreatedBy("attnsweep", "", ""),
	)
	for done := 0; done < n; {
		k := min(synthBatch, n-done)
		for i := range k {
			g.rows[i] = g.w.row(g.r, g.hists[i])
		}
		if _, err := pw.Write(g.rows[:k]); err != nil {
			return fmt.Errorf("dataset: %s: write: %v", path, err)
		}
		done += k
	}
	if err := pw.Close(); err != nil {
		return fmt.Errorf("dataset: %s: write: %v", path, err)
	}
	return nil
}
