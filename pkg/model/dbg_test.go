package model

import (
	"context"
	"testing"
)

func TestDbg(t *testing.T) {
	ds := testData()
	t.Logf("bayes %.4f", bayesAUC(ds, ds.Test))
	for _, m := range []string{"dot", "logreg"} {
		for _, lr := range []float64{1e-3, 3e-3, 1e-2, 3e-2} {
			p := smallParams(m)
			p.LR = lr
			p.Epochs = 10
			res, err := Train(context.Background(), ds, p, nil)
			if err != nil {
				t.Fatal(err)
			}
			var c []float64
			for _, e := range res.Epochs {
				c = append(c, float64(int(e.Valid.AUC*1000))/1000)
			}
			t.Logf("%s lr %g test %.4f curve %v", m, lr, res.Final["test"].AUC, c)
		}
	}
}
