package dataset

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestZZFlip(t *testing.T) {
	for _, src := range []string{"../../../shared/data/fixtures/fuxictr_tiny_parquet/train.parquet", "../../../shared/data/fixtures/fuxictr_tiny_emb/train.parquet"} {
		whole, _ := os.ReadFile(src)
		bad := filepath.Join(t.TempDir(), "bad.parquet")
		kinds := map[string]int{}
		for at := 4; at < len(whole)-8; at++ {
			for _, x := range []byte{0xff, 0x80, 0x01} {
				b := append([]byte(nil), whole...)
				b[at] ^= x
				os.WriteFile(bad, b, 0o644)
				_, err := Load(Source{Train: []string{bad}}, Columns{})
				if err != nil {
					m := err.Error()
					if strings.Contains(m, "corrupt data") {
						kinds["panic"]++
						if kinds["panic"] < 4 {
							t.Log(m)
						}
					} else {
						kinds["err"]++
					}
				} else {
					kinds["ok"]++
				}
			}
		}
		t.Log(src, kinds)
	}
}
