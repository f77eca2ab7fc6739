package main

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"strings"
)

// writeNPY writes data as a NumPy .npy file (format version 1.0, little
// endian, C order) of the given shape: numpy.load reads it without any
// other package. data is []float32 or []int32.
//
// Layout: the magic "\x93NUMPY", version 1 0, a uint16 header length, then
// a Python dict literal {'descr': '<f4', 'fortran_order': False, 'shape':
// (N, K), } padded with spaces and a newline so that the data starts on a
// 64-byte boundary, then the values.
func writeNPY(path string, data any, shape ...int) (err error) {
	var descr string
	var n int
	switch d := data.(type) {
	case []float32:
		descr, n = "<f4", len(d)
	case []int32:
		descr, n = "<i4", len(d)
	default:
		return fmt.Errorf("npy: %s: unsupported type %T", path, data)
	}
	want := 1
	for _, s := range shape {
		want *= s
	}
	if want != n {
		return fmt.Errorf("npy: %s: %d values for shape %v", path, n, shape)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	w := bufio.NewWriterSize(f, 1<<20)
	if _, err := w.WriteString(npyHeader(descr, shape)); err != nil {
		return err
	}
	var buf [4]byte
	switch d := data.(type) {
	case []float32:
		for _, v := range d {
			binary.LittleEndian.PutUint32(buf[:], math.Float32bits(v))
			w.Write(buf[:])
		}
	case []int32:
		for _, v := range d {
			binary.LittleEndian.PutUint32(buf[:], uint32(v))
			w.Write(buf[:])
		}
	}
	return w.Flush()
}

// npyHeader returns the magic, version, header length and padded header.
func npyHeader(descr string, shape []int) string {
	dims := make([]string, len(shape))
	for i, s := range shape {
		dims[i] = fmt.Sprint(s)
	}
	tuple := "(" + strings.Join(dims, ", ")
	if len(shape) == 1 {
		tuple += ","
	}
	tuple += ")"
	dict := fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': %s, }", descr, tuple)
	const pre = 10 // magic (6) + version (2) + header length (2)
	total := pre + len(dict) + 1
	pad := (64 - total%64) % 64
	dict += strings.Repeat(" ", pad) + "\n"
	var hl [2]byte
	binary.LittleEndian.PutUint16(hl[:], uint16(len(dict)))
	return "\x93NUMPY\x01\x00" + string(hl[:]) + dict
}
