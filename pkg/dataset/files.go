package dataset

// Data identity: what each data file was when it was read.

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"time"

	"github.com/zeebo/xxh3"
)

// FileInfo identifies a data file as Load (or Encode) read it, so that a
// later run can tell whether the data changed since (CheckFiles).
type FileInfo struct {
	Path    string // as Load listed it: an entry of Source, or a file of its folder or glob
	Size    int64  // bytes
	ModTime time.Time
	// Hash is "xxh3:" and the 64-bit XXH3 hash of the file's bytes in 16
	// hex digits. XXH3 reads at memory speed: hashing adds about 1% to a
	// load (BENCHMARKS.md); it tells changed data from unchanged, it is
	// not a defence against someone forging a file.
	Hash string
}

// fingerprint reads the file at path whole for its FileInfo.
func fingerprint(path string) (FileInfo, error) {
	f, err := os.Open(path)
	if err != nil {
		return FileInfo{}, fileErr(path, "open: %v", pathErr(err))
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return FileInfo{}, fileErr(path, "stat: %v", pathErr(err))
	}
	h := xxh3.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return FileInfo{}, fileErr(path, "read: %v", pathErr(err))
	}
	return FileInfo{Path: path, Size: n, ModTime: st.ModTime(), Hash: fmt.Sprintf("xxh3:%016x", h.Sum64())}, nil
}

// fingerprints are the FileInfo of each file, in order, hashed on up to
// readers goroutines.
func fingerprints(pfs []*pqFile, readers int) ([]FileInfo, error) {
	out := make([]FileInfo, len(pfs))
	err := eachFile(len(pfs), readers, func(i, _ int) error {
		var err error
		out[i], err = fingerprint(pfs[i].path)
		return err
	})
	return out, err
}

// CheckFiles reads the files again and returns an error naming the first
// one that is gone or differs from its FileInfo (Dataset.Files): another
// size or other contents. A file that was only touched (a new modification
// time, the same bytes) has not changed.
func CheckFiles(files []FileInfo) error {
	for _, want := range files {
		got, err := fingerprint(want.Path)
		switch {
		case err != nil:
			return err
		case got.Size != want.Size:
			return fileErr(want.Path, "changed since it was read: %d bytes, then %d (modified %s)", want.Size, got.Size, got.ModTime.UTC().Format(time.RFC3339))
		case got.Hash != want.Hash:
			return fileErr(want.Path, "changed since it was read: its contents differ (hash %s, then %s; modified %s)", want.Hash, got.Hash, got.ModTime.UTC().Format(time.RFC3339))
		}
	}
	return nil
}

// pathErr is the reason of a *fs.PathError without the path (an Error
// names the file already).
func pathErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		if errors.Is(pe.Err, fs.ErrNotExist) {
			return errors.New("no such file")
		}
		return pe.Err
	}
	return err
}
