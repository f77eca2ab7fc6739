//go:build !linux

package dataset

import "unsafe"

// adviseHuge does nothing where transparent huge pages are not known.
func adviseHuge(unsafe.Pointer, int) {}
