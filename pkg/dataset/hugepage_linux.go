package dataset

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// hugePage is the size of a transparent huge page on the platforms Go
// runs Linux on (x86-64, arm64 with 4 kB pages).
const hugePage = 2 << 20

// adviseHuge asks the kernel to back the whole huge pages inside the size
// bytes at p with transparent huge pages (madvise MADV_HUGEPAGE; only
// advice: with THP "never", or on failure, nothing changes). Ranges under a
// huge page are left alone.
func adviseHuge(p unsafe.Pointer, size int) {
	addr := uintptr(p)
	start := (addr + hugePage - 1) &^ (hugePage - 1)
	end := (addr + uintptr(size)) &^ (hugePage - 1)
	if end <= start {
		return
	}
	_ = unix.Madvise(unsafe.Slice((*byte)(unsafe.Add(p, start-addr)), end-start), unix.MADV_HUGEPAGE)
}
