package report

import (
	"bufio"
	"fmt"
	"html"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// toHTML renders the markdown subset reports use (headings, paragraphs,
// lists, tables, images, fenced code) as a page, with a script that counts
// the images that failed to load into #status.
func toHTML(md string) string {
	var b strings.Builder
	b.WriteString("<!doctype html><html><head><meta charset=utf-8><style>body{font-family:sans-serif;max-width:1100px;margin:auto}" +
		"table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px;font-size:12px}img{max-width:100%}</style></head><body>\n")
	img := regexp.MustCompile(`!\[([^\]]*)\]\(([^)]+)\)`)
	code := regexp.MustCompile("`([^`]+)`")
	inline := func(s string) string {
		s = html.EscapeString(s)
		s = img.ReplaceAllString(s, `<img alt="$1" src="$2">`)
		return code.ReplaceAllString(s, "<code>$1</code>")
	}
	sc := bufio.NewScanner(strings.NewReader(md))
	inTable, inCode := false, false
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "```"):
			if inCode {
				b.WriteString("</pre>\n")
			} else {
				b.WriteString("<pre>")
			}
			inCode = !inCode
		case inCode:
			b.WriteString(html.EscapeString(line) + "\n")
		case strings.HasPrefix(line, "|"):
			cells := strings.Split(strings.Trim(line, "|"), " | ")
			if strings.HasPrefix(line, "|---") {
				continue
			}
			tag := "td"
			if !inTable {
				b.WriteString("<table>")
				inTable, tag = true, "th"
			}
			b.WriteString("<tr>")
			for _, c := range cells {
				fmt.Fprintf(&b, "<%s>%s</%s>", tag, inline(strings.TrimSpace(c)), tag)
			}
			b.WriteString("</tr>\n")
			continue
		case strings.HasPrefix(line, "#"):
			level := len(line) - len(strings.TrimLeft(line, "#"))
			fmt.Fprintf(&b, "<h%d>%s</h%d>\n", level, inline(strings.TrimSpace(line[level:])), level)
		case strings.HasPrefix(line, "- "):
			fmt.Fprintf(&b, "<li>%s</li>\n", inline(line[2:]))
		case line != "":
			fmt.Fprintf(&b, "<p>%s</p>\n", inline(line))
		}
		if inTable {
			b.WriteString("</table>\n")
			inTable = false
		}
	}
	b.WriteString(`<div id="status">pending</div><script>
window.addEventListener("load", () => {
  const imgs = [...document.images];
  const broken = imgs.filter(i => !i.complete || i.naturalWidth === 0).length;
  const shown = imgs.filter(i => i.complete && i.naturalWidth > 0).map(i => i.getAttribute("src"));
  document.getElementById("status").textContent = "images=" + imgs.length + " broken=" + broken +
    " tables=" + document.querySelectorAll("table").length + " shown=" + shown.join(",");
});
</script></body></html>`)
	return b.String()
}

func chromium(t *testing.T) string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("no headless Chromium on this machine (apt-get install chromium): the report page is not rendered")
	return ""
}

func chromiumArgs(dir string) []string {
	return []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir=" + dir, "--virtual-time-budget=10000"}
}

// The report opened as a page shows its tables and plots, and no image is
// broken. REPORT_SCREENSHOT=FILE.png keeps a screenshot to look at.
func TestReportPage(t *testing.T) {
	browser := chromium(t)
	db, dir := smallSweep(t)
	out := filepath.Join(dir, "report")
	path, err := Write(db, "rep", out)
	if err != nil {
		t.Fatal(err)
	}
	md, _ := os.ReadFile(path)
	page := filepath.Join(out, "report.html")
	if err := os.WriteFile(page, []byte(toHTML(string(md))), 0o644); err != nil {
		t.Fatal(err)
	}
	dom, err := exec.Command(browser, append(chromiumArgs(t.TempDir()), "--dump-dom", "file://"+page)...).Output()
	if err != nil {
		t.Fatalf("chromium: %v", err)
	}
	m := regexp.MustCompile(`images=(\d+) broken=(\d+) tables=(\d+) shown=(\S*)`).FindStringSubmatch(string(dom))
	if m == nil {
		t.Fatalf("the page's status script did not run:\n%.2000s", dom)
	}
	if m[1] == "0" || m[2] != "0" || m[3] == "0" {
		t.Fatalf("page: %s images, %s broken, %s tables", m[1], m[2], m[3])
	}
	for _, plot := range []string{"parallel.svg", "progress.svg"} {
		if !strings.Contains(","+m[4]+",", ","+plot+",") {
			t.Errorf("%s is not shown on the page (shown: %s)", plot, m[4])
		}
	}
	t.Logf("page: %s images, none broken, %s tables", m[1], m[3])
	if shot := os.Getenv("REPORT_SCREENSHOT"); shot != "" {
		abs, _ := filepath.Abs(shot)
		args := append(chromiumArgs(t.TempDir()), "--window-size=1200,5000", "--screenshot="+abs, "file://"+page)
		if b, err := exec.Command(browser, args...).CombinedOutput(); err != nil {
			t.Fatalf("screenshot: %v\n%s", err, b)
		}
	}
}
