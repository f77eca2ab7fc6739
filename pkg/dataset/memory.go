package dataset

// Memory bounds: a load, or a Generate, that would need more memory than
// the machine has is refused before anything is allocated, with a message
// that names the setting responsible and the bound.

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// meminfo is the file AvailableMemory reads (a variable for tests).
var meminfo = "/proc/meminfo"

// AvailableMemory is the memory the machine can give a new allocation,
// and where the figure comes from: MemAvailable of /proc/meminfo (Linux).
// Where that cannot be read it returns 0: no bound is known, and only an
// explicit limit (Source.MemLimit, SynthConfig.MemLimit) applies.
func AvailableMemory() (int64, string) {
	f, err := os.Open(meminfo)
	if err != nil {
		return 0, ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		v, ok := strings.CutPrefix(sc.Text(), "MemAvailable:")
		if !ok {
			continue
		}
		fields := strings.Fields(v)
		kb, err := strconv.ParseInt(fields[0], 10, 64)
		if err != nil || len(fields) != 2 || fields[1] != "kB" {
			return 0, ""
		}
		return kb << 10, "available (MemAvailable in " + meminfo + ")"
	}
	return 0, ""
}

// memBound is the bound a limit field sets: the limit when > 0, none
// (0) when < 0, else AvailableMemory.
func memBound(limit int64) (int64, string) {
	switch {
	case limit > 0:
		return limit, "allowed (the memory limit set)"
	case limit < 0:
		return 0, ""
	}
	return AvailableMemory()
}

// checkMemory refuses need bytes when they exceed the bound of limit:
// "dataset: <what> would take about <need>, more than the <bound> of
// memory <available>; <fix>".
func checkMemory(limit int64, need float64, what, fix string) error {
	bound, from := memBound(limit)
	if bound <= 0 || need <= float64(bound) {
		return nil
	}
	return fmt.Errorf("dataset: %s would take about %s, more than the %s of memory %s; %s", what, byteSize(need), byteSize(float64(bound)), from, fix)
}

// byteSize writes a size for people: "118.3 MB", "4.0 TB".
func byteSize(b float64) string {
	units := []string{"bytes", "kB", "MB", "GB", "TB", "PB", "EB"}
	u := 0
	for b >= 1000 && u < len(units)-1 {
		b /= 1000
		u++
	}
	if u == 0 {
		return fmt.Sprintf("%.0f bytes", b)
	}
	return fmt.Sprintf("%.1f %s", b, units[u])
}

// checkMemory refuses a load whose encoded columns (Dataset.Bytes) would
// exceed the bound of limit, naming the column that takes most. Vector
// lengths are estimated from the footers.
func (p *plan) checkMemory(t *table, limit int64) error {
	n := float64(t.n)
	perRow := 4 * float64(2+len(nonEmpty(p.ptrue, p.group))+len(p.cat)) // label, split list, p_true, group, ids
	type part struct {
		bytes     float64
		what, fix string
	}
	var parts []part
	for _, s := range p.seqs {
		parts = append(parts, part{4 * n * float64(s.MaxLen+1), fmt.Sprintf("sequence %s with max_len %d", s.Name, s.MaxLen), "lower its max_len"})
	}
	for _, name := range p.pooled {
		L := p.pooledLen
		if L == 0 {
			L = MaxPooledLen
		}
		parts = append(parts, part{4 * n * float64(L+1), fmt.Sprintf("pooled column %s with up to %d items a row", name, L), "set a smaller pooled_max_len"})
	}
	for _, name := range p.dense {
		if c := t.files[0].column(name); c.List && t.n > 0 {
			var vals int64
			for _, f := range t.files {
				vals += f.numValues(f.column(name))
			}
			k := float64(vals) / n
			parts = append(parts, part{4 * n * k, fmt.Sprintf("dense vector %s of about %.0f values a row", name, k), "list fewer dense columns"})
			continue
		}
		perRow += 4
	}
	parts = append(parts, part{perRow * n, "the labels, ids and dense values", "load fewer rows"})
	total, big := 0.0, parts[0]
	for _, pt := range parts {
		total += pt.bytes
		if pt.bytes > big.bytes {
			big = pt
		}
	}
	what := fmt.Sprintf("encoding %d rows (%s of it for %s)", t.n, byteSize(big.bytes), big.what)
	return checkMemory(limit, total, what, big.fix)
}
