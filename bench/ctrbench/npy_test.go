package main

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"
)

func TestWriteNPY(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name   string
		data   any
		shape  []int
		header string
		bytes  []byte
	}{
		{"vec.npy", []int32{1, -2, 3}, []int{3}, "{'descr': '<i4', 'fortran_order': False, 'shape': (3,), }",
			[]byte{1, 0, 0, 0, 0xfe, 0xff, 0xff, 0xff, 3, 0, 0, 0}},
		{"mat.npy", []float32{1, 2}, []int{2, 1}, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 1), }",
			[]byte{0, 0, 0x80, 0x3f, 0, 0, 0, 0x40}},
		{"empty.npy", []float32{}, []int{5, 0}, "{'descr': '<f4', 'fortran_order': False, 'shape': (5, 0), }", nil},
	} {
		path := filepath.Join(dir, tc.name)
		if err := writeNPY(path, tc.data, tc.shape...); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(b, []byte("\x93NUMPY\x01\x00")) {
			t.Fatalf("%s: bad magic %q", tc.name, b[:8])
		}
		hl := int(binary.LittleEndian.Uint16(b[8:10]))
		if (10+hl)%64 != 0 {
			t.Errorf("%s: data starts at %d, not on a 64-byte boundary", tc.name, 10+hl)
		}
		header := string(bytes.TrimRight(b[10:10+hl], " \n"))
		if header != tc.header {
			t.Errorf("%s: header %q, want %q", tc.name, header, tc.header)
		}
		if got := b[10+hl:]; !bytes.Equal(got, tc.bytes) {
			t.Errorf("%s: data % x, want % x", tc.name, got, tc.bytes)
		}
	}
	if err := writeNPY(filepath.Join(dir, "bad.npy"), []int32{1, 2}, 3); err == nil {
		t.Error("shape mismatch accepted")
	}
}
