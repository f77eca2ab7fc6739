package main

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// uiSpec trains long enough to watch a running trial's curve gain points:
// 12 epochs of 0.4-0.8 s (300k rows, one worker), so that a trial runs
// through several of the page's draws (at most one a second), which a trial
// of 0.2-s epochs did not (it could start and end between two draws).
const uiSpec = `name: uiwatch
data: {synthetic: {rows: 300000, seed: 6, history: 12}}
columns:
  sequences: [{column: hist_item, target: item_id, max_len: 12}]
  group: user_id
models: [dot, logreg]
search: {seed: 3}
space:
  lr: [3.0e-3, 1.0e-2]
  embed_dim: 8
  batch_size: 256
  hidden: [32]
train: {epochs: 12, patience: 12}
`

// uiTinySpec is a second, finished sweep to compare with.
const uiTinySpec = `name: uitiny
data: {synthetic: {rows: 3000, seed: 6, history: 12}}
columns:
  sequences: [{column: hist_item, target: item_id, max_len: 12}]
models: [dot, logreg]
space: {lr: 1.0e-2, embed_dim: 4, batch_size: 256, hidden: [8]}
train: {epochs: 2}
`

// findChromium returns Debian's chromium (or another Chrome) or skips.
func findChromium(t *testing.T) string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("no headless Chromium on this machine (apt-get install chromium; CI installs it as root): the sweep ui page test is skipped")
	return ""
}

// runningTrial reads the first running trial of a database and how many
// epochs it has recorded (id 0 when none runs).
func runningTrial(t *testing.T, path string) (id int64, epochs int) {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro&_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.QueryRow(`SELECT t.id, (SELECT count(DISTINCT epoch) FROM epochs e WHERE e.trial = t.id) FROM trials t
		WHERE t.status = 'running' ORDER BY t.position LIMIT 1`).Scan(&id, &epochs)
	return id, epochs
}

// startUI starts `sweep ui` on a free loopback port and returns its URL.
func startUI(t *testing.T, db string) string {
	t.Helper()
	cmd := sweepProcess("ui", "--db", db, "--addr", "127.0.0.1:0")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
	})
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("sweep ui printed no address: %v", err)
	}
	url := regexp.MustCompile(`http://\S+/`).FindString(line)
	if url == "" {
		t.Fatalf("sweep ui: no URL in %q", line)
	}
	return url
}

// newBrowser starts headless Chromium with the flags that work here.
func newBrowser(t *testing.T, browser string) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(browser), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1300, 1000),
	}
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancelCtx := chromedp.NewContext(actx)
	t.Cleanup(cancelCtx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 4*time.Minute)
	t.Cleanup(cancelTimeout)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// screenshot writes the whole page to the test's artifact folder (kept with
// go test -artifacts -outputdir DIR).
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	// The page skips laying out sections off screen (content-visibility:
	// auto); a whole-page picture needs them drawn.
	show := `document.querySelectorAll('*').forEach(e => {
		if (getComputedStyle(e).contentVisibility === 'auto') e.style.contentVisibility = 'visible' }); true`
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](show)); err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // quality 100: PNG
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	writeArtifact(t, name, png)
}

// screenshotView writes what the window shows (the README's picture of the
// sweep page, docs/ui-sweep.png, is one).
func screenshotView(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	writeArtifact(t, name, png)
}

func writeArtifact(t *testing.T, name string, data []byte) {
	t.Helper()
	path := filepath.Join(t.ArtifactDir(), name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
}

// text reads the text of the first element sel matches.
func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(sel))
	if err != nil {
		t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

// curvePoints reads how many points the sweep page draws for a trial's
// curve of the objective (-1 when it draws none).
func curvePoints(ctx context.Context, id int64) (int, error) {
	js := fmt.Sprintf(`(() => { const p = document.querySelector('#curves path.curve[data-trial="%d"]'); return p ? +p.dataset.points : -1 })()`, id)
	return chromedp.Run(ctx, chromedp.Evaluate[int](js))
}

// `sweep ui` over a database a sweep is writing to: the sweep is listed, a
// running trial's curve gains its new epoch within 2 seconds of its being
// written, and clicking a trial opens it with its parameters. Screenshots of
// every page go to the test's artifact folder.
func TestUI_WatchesARunningSweep(t *testing.T) {
	if testing.Short() {
		t.Skip("trains a sweep and drives a browser")
	}
	browser := findChromium(t)
	dir := t.TempDir()
	db := filepath.Join(dir, "sweeps.db")
	for name, text := range map[string]string{"tiny.yaml": uiTinySpec, "watch.yaml": uiSpec} {
		os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644)
	}
	if code, _, stderr := sweepCmd(t, "run", filepath.Join(dir, "tiny.yaml"), "--db", db, "--workers", "1"); code != 0 {
		t.Fatalf("tiny sweep: %s", stderr)
	}
	run := sweepProcess("run", filepath.Join(dir, "watch.yaml"), "--db", db, "--workers", "1")
	if err := run.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		run.Process.Kill()
		run.Wait()
	})
	url := startUI(t, db)
	ctx := newBrowser(t, browser)

	if err := chromedp.Do(ctx, chromedp.Navigate(url+"#/"), chromedp.WaitVisible(`a.sweep-link`)); err != nil {
		t.Fatalf("sweeps page: %v", err)
	}
	listed := text(t, ctx, `#sweeps`)
	if !strings.Contains(listed, "uiwatch") || !strings.Contains(listed, "uitiny") {
		t.Fatalf("the sweeps page does not list both sweeps: %q", listed)
	}
	screenshot(t, ctx, "sweeps.png")

	if err := chromedp.Do(ctx, chromedp.Navigate(url+"#/sweep/uiwatch"), chromedp.WaitVisible(`#trials-table tbody tr`)); err != nil {
		t.Fatalf("sweep page: %v", err)
	}
	watchNewEpoch(t, ctx, db)
	checkThrottle(t, ctx)
	watchWhileHidden(t, ctx, db)
	screenshotView(t, ctx, "sweep-view.png")
	screenshot(t, ctx, "sweep.png")

	if err := chromedp.Do(ctx, chromedp.Click(`#trials-table tbody tr[data-trial]`), chromedp.WaitVisible(`#params`)); err != nil {
		t.Fatalf("trial page: %v", err)
	}
	params := text(t, ctx, `#params`)
	hash, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.hash`))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"lr", "embed_dim", "batch_size"} {
		if !strings.Contains(params, want) {
			t.Errorf("the trial page's parameters lack %s: %q", want, params)
		}
	}
	if !strings.HasPrefix(hash, "#/trial/") {
		t.Errorf("clicking a trial row went to %q", hash)
	}
	screenshot(t, ctx, "trial.png")

	if err := chromedp.Do(ctx, chromedp.Navigate(url+"#/compare/uitiny/uiwatch"), chromedp.WaitVisible(`#comparison`)); err != nil {
		t.Fatalf("compare page: %v", err)
	}
	rows := text(t, ctx, `#comparison`)
	if !strings.Contains(rows, "logreg") {
		t.Errorf("the comparison has no logreg row: %q", rows)
	}
	screenshot(t, ctx, "compare.png")
}

// watchNewEpoch waits for a running trial whose curve the page draws, then
// for its next epoch in the database, and checks that the page draws that
// epoch within 2 seconds of its being written.
func watchNewEpoch(t *testing.T, ctx context.Context, db string) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Minute)
	for time.Now().Before(deadline) {
		id, n := runningTrial(t, db)
		if id == 0 || n < 1 || n > 6 { // wait for a trial with an epoch, and epochs left to come after the next
			time.Sleep(50 * time.Millisecond)
			continue
		}
		var written time.Time
		for time.Now().Before(deadline) {
			if cur, m := runningTrial(t, db); cur != id || m > n {
				if cur == id {
					written = time.Now()
				}
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		if written.IsZero() {
			continue // the trial ended meanwhile: wait for the next
		}
		for {
			points, err := curvePoints(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if points > n {
				t.Logf("trial %d: epoch %d was drawn %v after it was written", id, n+1, time.Since(written).Round(time.Millisecond))
				return
			}
			if time.Since(written) > 2*time.Second {
				t.Fatalf("trial %d: epoch %d was written %v ago and the page still draws %d points", id, n+1, time.Since(written), points)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	t.Fatal("no running trial gained an epoch within 3 minutes")
}

// setHidden makes the page believe it is hidden or shown (a headless tab is
// always visible) and tells it, as a browser does when its tab is switched.
func setHidden(t *testing.T, ctx context.Context, hidden bool) {
	t.Helper()
	js := `delete document.hidden; document.dispatchEvent(new Event("visibilitychange")); true`
	if hidden {
		js = `Object.defineProperty(document, "hidden", {configurable: true, get: () => true}); document.dispatchEvent(new Event("visibilitychange")); true`
	}
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js)); err != nil {
		t.Fatal(err)
	}
}

// checkThrottle drives the page's redraw throttle (sweep.js, throttled) with
// a 400 ms interval: a first change is drawn at once, two more within the
// interval are drawn together at its end (the last change is not lost), a
// change while the page is hidden is drawn when it is shown again.
func checkThrottle(t *testing.T, ctx context.Context) {
	t.Helper()
	js := `(async () => {
		const sleep = ms => new Promise(r => setTimeout(r, ms));
		const t0 = performance.now(), calls = [];
		const log = parts => calls.push({At: performance.now() - t0, Parts: parts});
		const mark = throttled({alive: () => true}, 400, parts => log([...parts].sort().join(",")), () => log("shown"));
		mark("a"); await sleep(50);
		mark("b"); await sleep(50); mark("c"); await sleep(700);
		Object.defineProperty(document, "hidden", {configurable: true, get: () => true});
		mark("d"); await sleep(600);
		const shownAt = performance.now() - t0;
		delete document.hidden; document.dispatchEvent(new Event("visibilitychange"));
		await sleep(100);
		return JSON.stringify({ShownAt: shownAt, Calls: calls});
	})()`
	out, err := chromedp.Run(ctx, chromedp.Evaluate[string](js, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		ShownAt float64
		Calls   []struct {
			At    float64
			Parts string
		}
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	var parts []string
	for _, c := range got.Calls {
		parts = append(parts, c.Parts)
	}
	if strings.Join(parts, " ") != "a b,c shown d" {
		t.Fatalf("throttle: drew %q, want a, then b,c together, then d once shown (%s)", parts, out)
	}
	if c := got.Calls[1]; c.At < 400 || c.At > 1000 {
		t.Errorf("throttle: b,c drawn at %.0f ms, want at the end of the 400-ms interval (%s)", c.At, out)
	}
	if d := got.Calls[3].At; d < got.ShownAt {
		t.Errorf("throttle: d drawn at %.0f ms while hidden (shown at %.0f ms)", d, got.ShownAt)
	}
}

// watchWhileHidden hides the sweep page while a trial gains epochs: the page
// draws nothing meanwhile, and catches up at once when shown.
func watchWhileHidden(t *testing.T, ctx context.Context, db string) {
	t.Helper()
	id, n := runningTrial(t, db)
	if id == 0 || n > 8 {
		t.Logf("no running trial with epochs to come: the hidden page is not checked")
		return
	}
	setHidden(t, ctx, true)
	time.Sleep(1500 * time.Millisecond) // a draw scheduled before is skipped
	before, err := curvePoints(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(time.Minute)
	for cur, m := runningTrial(t, db); cur == id && m <= max(before, n); cur, m = runningTrial(t, db) {
		if time.Now().After(deadline) {
			t.Fatalf("trial %d gained no epoch in a minute", id)
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(1500 * time.Millisecond) // a shown page would have drawn it by now
	if hidden, _ := curvePoints(ctx, id); hidden != before {
		t.Fatalf("trial %d: the hidden page drew %d points, then %d", id, before, hidden)
	}
	setHidden(t, ctx, false)
	time.Sleep(300 * time.Millisecond)
	if shown, _ := curvePoints(ctx, id); shown == before {
		t.Fatalf("trial %d: the page shown again still draws %d points 0.3 s later", id, shown)
	}
}
