package dataset

import (
	"math"
	"strings"
	"testing"
)

func TestInspect_Synthetic(t *testing.T) {
	path := synthFile(t, 5000, 2, 15)
	rep, err := Inspect([]string{path, path}, Columns{Group: "user_id"})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Rows != 10_000 || rep.Label != "label" || rep.Problem != "" || len(rep.Columns) != 10 {
		t.Fatalf("report %+v", rep)
	}
	if rep.LabelRate < 0.2 || rep.LabelRate > 0.5 {
		t.Errorf("label rate %v", rep.LabelRate)
	}
	byName := map[string]ColumnReport{}
	for _, c := range rep.Columns {
		byName[c.Name] = c
	}
	for name, role := range map[string]string{
		"label": "label", "user_id": "categorical+group", "item_id": "categorical", "price": "dense",
		"hist_item": "sequence", "p_true": "p_true",
	} {
		if got := byName[name].Role; got != role {
			t.Errorf("%s: role %q (%s), want %q", name, got, byName[name].Why, role)
		}
	}
	hour := byName["hour"]
	if hour.Distinct != 24 || hour.Min != 0 || hour.Max != 23 || hour.Physical != "INT64" || hour.Type != "int64" {
		t.Errorf("hour %+v", hour)
	}
	h := byName["hist_item"]
	if h.MinLen != 0 || h.MaxLen != 15 || h.MeanLen <= 0 || h.Distinct > synthItems || h.Logical != "LIST" {
		t.Errorf("hist_item %+v", h)
	}
	if !strings.Contains(h.Why, "target item_id") {
		t.Errorf("hist_item why %q", h.Why)
	}
	price := byName["price"]
	if !(price.Min > 0) || !(price.Max > price.Mean) || price.MaxLen != -1 {
		t.Errorf("price %+v", price)
	}
	out := rep.String()
	for _, want := range []string{"rows: 10000", "label: label (rate ", "column  ", "hist_item  list<int64>  INT64 LIST"} {
		if !strings.Contains(out, want) {
			t.Errorf("rendering lacks %q:\n%s", want, out)
		}
	}
	t.Logf("\n%s", out)
}

// A file Load would refuse is still described, with the reason.
func TestInspect_Problem(t *testing.T) {
	type row struct {
		A int64   `parquet:"a"`
		B float64 `parquet:"b"`
	}
	path := writeRows(t, "x.parquet", []row{{1, 0.5}, {2, math.NaN()}})
	rep, err := Inspect([]string{path}, Columns{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(rep.Problem, "no label column") || rep.Rows != 2 || rep.Columns[1].Mean != 0.5 {
		t.Errorf("report %+v", rep)
	}
	if _, err := Inspect([]string{path + ".missing"}, Columns{}); err == nil {
		t.Error("missing file: no error")
	}
}

func TestInspect_Fixtures(t *testing.T) {
	dir := sharedData(t, "fixtures/fuxictr_tiny_emb")
	rep, err := Inspect([]string{dir + "/train.parquet"}, Columns{})
	if err != nil {
		t.Fatal(err)
	}
	var feat3 ColumnReport
	for _, c := range rep.Columns {
		if c.Name == "feat3" {
			feat3 = c
		}
	}
	if feat3.Role != "dense" || feat3.Type != "list<double>" || feat3.MaxLen != 96 || !strings.Contains(feat3.Why, "dense vector") {
		t.Errorf("feat3 %+v", feat3)
	}
	t.Logf("\n%s", rep)
}
