package report

import (
	"fmt"
	"os"
	"path/filepath"
)

// Page is a rendered report: report.md and the files it links to.
type Page struct {
	Markdown []byte
	Files    []File // plots, named relative to report.md
}

// File is one file beside report.md.
type File struct {
	Name string
	Data []byte
}

// databaseFiles are the files of a SQLite database at path.
func databaseFiles(path string) []string {
	return []string{path, path + "-wal", path + "-shm", path + "-journal"}
}

// writePage renders a page and writes it into dir.
func writePage(render func() (*Page, error), dir string, inputs []string) (string, error) {
	page, err := render()
	if err != nil {
		return "", err
	}
	return page.write(dir, inputs)
}

// write writes the page into dir: every file goes whole to a temporary
// file in dir and is renamed over its name, so a reader never sees half a
// report. No file is written when one of them would replace an input.
func (p *Page) write(dir string, inputs []string) (string, error) {
	files := append([]File{{Name: "report.md", Data: p.Markdown}}, p.Files...)
	for _, f := range files {
		if in := sameAsAny(filepath.Join(dir, f.Name), inputs); in != "" {
			return "", fmt.Errorf("report: %s would overwrite %s, which the report reads: choose another output folder",
				filepath.Join(dir, f.Name), in)
		}
	}
	if in := sameAsAny(dir, inputs); in != "" {
		return "", fmt.Errorf("report: output folder %s is the database %s: choose another output folder", dir, in)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("report: %w", err)
	}
	for _, f := range files {
		if err := writeAtomic(filepath.Join(dir, f.Name), f.Data); err != nil {
			return "", err
		}
	}
	return filepath.Join(dir, "report.md"), nil
}

// sameAsAny returns the input that path names (the same absolute path, or
// the same file through a link), or "".
func sameAsAny(path string, inputs []string) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		return ""
	}
	st, statErr := os.Stat(path)
	for _, in := range inputs {
		if inAbs, err := filepath.Abs(in); err == nil && inAbs == abs {
			return in
		}
		if statErr != nil {
			continue
		}
		if ist, err := os.Stat(in); err == nil && os.SameFile(st, ist) {
			return in
		}
	}
	return ""
}

// writeAtomic writes data to a temporary file beside path and renames it
// over path.
func writeAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	_, err = tmp.Write(data)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("report: write %s: %w", path, err)
	}
	return nil
}
