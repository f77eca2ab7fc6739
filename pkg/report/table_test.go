package report

import (
	"bytes"
	"testing"

	"github.com/attnsweep/attnsweep/pkg/store"
)

// JSON keeps the columns' order and every repeated column (SELECT b, a, a).
func TestTable_JSONKeepsOrderAndDuplicates(t *testing.T) {
	res := &store.Result{Columns: []string{"b", "a", "a"}, Rows: [][]any{{int64(2), 1.5, "x"}, {nil, 0.25, "y"}}}
	var buf bytes.Buffer
	if err := FromResult(res).Write(&buf, "json"); err != nil {
		t.Fatal(err)
	}
	want := "[\n  {\"b\": 2, \"a\": 1.5, \"a.1\": \"x\"},\n  {\"b\": null, \"a\": 0.25, \"a.1\": \"y\"}\n]\n"
	if buf.String() != want {
		t.Errorf("json:\n%s\nwant:\n%s", buf.String(), want)
	}
	buf.Reset()
	FromResult(&store.Result{Columns: []string{"a"}}).Write(&buf, "json")
	if buf.String() != "[]\n" {
		t.Errorf("no rows: %q", buf.String())
	}
}
