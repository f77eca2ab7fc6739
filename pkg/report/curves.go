package report

import "math"

// curveConfigs is how many of the best configurations have their learning
// curves drawn.
const curveConfigs = 5

// Curve is one trial's learning curve.
type Curve struct {
	Rank int // its configuration's rank in the leaderboard
	TrialRef
	Valid     []XY // the objective's metric on valid after each epoch
	TrainLoss []XY // the training loss of each epoch
}

// XY is one point of a line.
type XY struct{ X, Y float64 }

// curves reads the curves of the best configurations' first repeats.
func (b *builder) curves() error {
	for i, c := range b.configs {
		if i == curveConfigs {
			break
		}
		t := c.trials[0]
		points, err := b.db.Curve(t.ID)
		if err != nil {
			return err
		}
		cv := Curve{Rank: i + 1, TrialRef: refOf(t)}
		valid := map[int]map[string]float64{} // epoch → "valid/metric" → value
		var epochs []int
		for _, p := range points {
			switch {
			case p.Split == "valid":
				if valid[p.Epoch] == nil {
					valid[p.Epoch] = map[string]float64{}
					epochs = append(epochs, p.Epoch)
				}
				valid[p.Epoch]["valid/"+p.Metric] = p.Value
			case p.Split == "train" && p.Metric == "loss":
				cv.TrainLoss = append(cv.TrainLoss, XY{float64(p.Epoch), p.Value})
			}
		}
		for _, e := range epochs {
			if v := metricOf(valid[e], "valid", b.obj.Metric); !math.IsNaN(v) {
				cv.Valid = append(cv.Valid, XY{float64(e), v})
			}
		}
		b.r.Curves = append(b.r.Curves, cv)
	}
	return nil
}
