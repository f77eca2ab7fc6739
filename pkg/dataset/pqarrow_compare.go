package dataset

// MEASUREMENT ONLY (removed in the next commit): with
// ATTNSWEEP_READER=pqarrow, colReader.each reads a column with
// github.com/apache/arrow/go/v17/parquet/pqarrow's batched column reader
// instead of the hand-written page decoder, so that Load and loadmem can
// compare the two on the same file. Only files whose columns pqarrow reads
// as int64, float64, string, bool or lists of them (the synthetic data) work.

import (
	"context"
	"os"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/apache/arrow/go/v17/parquet/file"
	"github.com/apache/arrow/go/v17/parquet/pqarrow"
)

var usePqarrow = os.Getenv("ATTNSWEEP_READER") == "pqarrow"

func (r *colReader) eachPqarrow(fn func(a arrow.Array, start int) error) error {
	type piece struct {
		a     arrow.Array
		start int
		err   error
	}
	pieces := make(chan piece, 1) // one piece read ahead, as each does
	done := make(chan struct{})
	go func() {
		defer close(pieces)
		send := func(p piece) bool {
			select {
			case pieces <- p:
				return true
			case <-done:
				if p.a != nil {
					p.a.Release()
				}
				return false
			}
		}
		row := 0
		for _, f := range r.t.files {
			rdr, err := file.OpenParquetFile(f.path, false)
			if err != nil {
				send(piece{err: err})
				return
			}
			fr, err := pqarrow.NewFileReader(rdr, pqarrow.ArrowReadProperties{BatchSize: int64(r.want)}, memory.DefaultAllocator)
			if err != nil {
				rdr.Close()
				send(piece{err: err})
				return
			}
			sc, _ := fr.Schema()
			idx := sc.FieldIndices(r.name)[0]
			cr, err := fr.GetColumn(context.Background(), idx)
			if err != nil {
				rdr.Close()
				send(piece{err: err})
				return
			}
			for {
				ch, err := cr.NextBatch(int64(r.want))
				if err != nil {
					cr.Release()
					rdr.Close()
					send(piece{err: err})
					return
				}
				if ch.Len() == 0 {
					ch.Release()
					break
				}
				for _, a := range ch.Chunks() {
					a.Retain()
					if !send(piece{a, row, nil}) {
						ch.Release()
						cr.Release()
						rdr.Close()
						return
					}
					row += a.Len()
				}
				ch.Release()
			}
			cr.Release()
			rdr.Close()
		}
	}()
	defer func() {
		close(done)
		for p := range pieces {
			if p.a != nil {
				p.a.Release()
			}
		}
	}()
	for p := range pieces {
		if p.err != nil {
			return colErr(r.t.files[0].path, r.name, "pqarrow: %v", p.err)
		}
		err := fn(p.a, p.start)
		p.a.Release()
		if err != nil {
			return err
		}
	}
	return nil
}
