package store

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"
)

// Claims let any number of processes (`sweep run` and `sweep resume`, on one
// machine or on several sharing the file) work on one sweep and train each
// trial once. A process claims the next trial in one write transaction:
// the trial's owner, host, pid, claim time and heartbeat are set and its
// status becomes running. While it trains, the process refreshes the
// heartbeat (every AddEpoch and every Heartbeat call). Other processes skip
// a running trial while its heartbeat is fresh; they take it over when the
// heartbeat is older than the lease (its process was killed, or its machine
// lost), or at once when its owner ran on the same host under a pid that no
// longer exists. A process that lost its trial that way learns it at its
// next write (ErrLostClaim) and drops its result.

// DefaultLease is how long a running trial's heartbeat may be silent
// before another process takes the trial over.
const DefaultLease = 2 * time.Minute

// ErrLostClaim is returned by writes for a trial another process took over.
var ErrLostClaim = errors.New("the trial was taken over by another process")

// Owner identifies one process that trains trials.
type Owner struct {
	Token string // unique per process
	Host  string
	PID   int
}

// NewOwner identifies this process.
func NewOwner() Owner {
	b := make([]byte, 8)
	rand.Read(b)
	host, _ := os.Hostname()
	return Owner{Token: hex.EncodeToString(b), Host: host, PID: os.Getpid()}
}

// Claim is a trial a process holds.
type Claim struct {
	ID       int64
	Key      string
	Position int
	Owner    string // the owner's token
	Attempt  int    // 1 for the first claim of the trial
}

// ClaimFilter says which of a sweep's trials a process may claim: plan
// positions in [Lo, Hi) (Hi 0: no bound), and with Shards > 1 those whose
// position/Unit modulo Shards is Shard.
type ClaimFilter struct {
	Lo, Hi        int
	Shards, Shard int
	Unit          int // positions per shard unit (1, or the repeats of a configuration)
}

// where is the filter as SQL over trials aliased t, with its arguments.
func (f ClaimFilter) where() (string, []any) {
	q, args := ` AND t.position >= ?`, []any{f.Lo}
	if f.Hi > 0 {
		q += ` AND t.position < ?`
		args = append(args, f.Hi)
	}
	if f.Shards > 1 {
		q += ` AND (t.position / ?) % ? = ?`
		args = append(args, max(f.Unit, 1), f.Shards, f.Shard)
	}
	return q, args
}

// ClaimNext claims the lowest-position trial of the sweep, within the
// filter, that no live process holds: queued, interrupted, or running with
// a heartbeat older than lease or a dead owner on this host. It clears
// what an earlier attempt recorded. nil means there is nothing to claim now.
func (d *DB) ClaimNext(sweep int64, o Owner, lease time.Duration, f ClaimFilter) (*Claim, error) {
	var c *Claim
	err := d.tx(func(tx *sql.Tx) error {
		cond, args := f.where()
		stale := time.Now().Add(-lease).UTC().Format(timeFormat)
		rows, err := tx.Query(`SELECT t.id, t.key, t.position, t.status, coalesce(t.host, ''), coalesce(t.pid, 0), coalesce(t.heartbeat, ''), t.attempts
			FROM trials t WHERE t.sweep = ? AND t.status IN ('queued', 'interrupted', 'running')`+cond+`
			AND (t.status <> 'running' OR coalesce(t.heartbeat, '') < ? OR t.host = ?)
			ORDER BY t.position LIMIT 64`, append(append([]any{sweep}, args...), stale, o.Host)...)
		if err != nil {
			return fmt.Errorf("store: find a trial to claim: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var cand Claim
			var status, host, beat string
			var pid int
			if err := rows.Scan(&cand.ID, &cand.Key, &cand.Position, &status, &host, &pid, &beat, &cand.Attempt); err != nil {
				return err
			}
			if status == Running && beat >= stale && !(host == o.Host && pid != o.PID && !alive(pid)) {
				continue // held by a live process on this host
			}
			cand.Owner, cand.Attempt = o.Token, cand.Attempt+1
			c = &cand
			break
		}
		if err := rows.Err(); err != nil {
			return err
		}
		rows.Close()
		if c == nil {
			return nil
		}
		return claim(tx, *c, o)
	})
	return c, err
}

// claim marks c running for o and clears what an earlier attempt left.
func claim(tx *sql.Tx, c Claim, o Owner) error {
	for _, q := range resetTrial {
		if _, err := tx.Exec(q, c.ID); err != nil {
			return fmt.Errorf("store: reset trial %s: %w", c.Key, err)
		}
	}
	t := now()
	_, err := tx.Exec(`UPDATE trials SET status = 'running', error = NULL, started_at = ?, finished_at = NULL,
		seconds = NULL, best_epoch = NULL, checkpoint = NULL, owner = ?, host = ?, pid = ?, claimed_at = ?,
		heartbeat = ?, attempts = ? WHERE id = ?`, t, o.Token, o.Host, o.PID, t, t, c.Attempt, c.ID)
	if err != nil {
		return fmt.Errorf("store: claim trial %s: %w", c.Key, err)
	}
	return nil
}

// alive reports whether a process with this pid exists on this host.
func alive(pid int) bool {
	if pid <= 0 {
		return false
	}
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// Heartbeat refreshes the heartbeat of every trial o is training.
func (d *DB) Heartbeat(o Owner) error {
	return d.tx(func(tx *sql.Tx) error {
		_, err := tx.Exec(`UPDATE trials SET heartbeat = ? WHERE owner = ? AND status = 'running'`, now(), o.Token)
		if err != nil {
			return fmt.Errorf("store: heartbeat: %w", err)
		}
		return nil
	})
}

// Unfinished counts the sweep's trials within the filter that are not
// finished (done, pruned or failed): queued, interrupted or running, here or
// in another process.
func (d *DB) Unfinished(sweep int64, f ClaimFilter) (int, error) {
	cond, args := f.where()
	var n int
	err := d.db.QueryRow(`SELECT count(*) FROM trials t WHERE t.sweep = ? AND t.status NOT IN ('done', 'pruned', 'failed')`+cond,
		append([]any{sweep}, args...)...).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: count unfinished trials: %w", err)
	}
	return n, nil
}

// holds checks, inside a write, that the claim is still the trial's owner
// and refreshes its heartbeat.
func holds(tx *sql.Tx, c Claim) error {
	res, err := tx.Exec(`UPDATE trials SET heartbeat = ? WHERE id = ? AND owner = ? AND status = 'running'`, now(), c.ID, c.Owner)
	if err != nil {
		return fmt.Errorf("store: trial %s: %w", c.Key, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("store: trial %s: %w", c.Key, ErrLostClaim)
	}
	return nil
}

// resetTrial clears what a trial's earlier attempt recorded.
var resetTrial = []string{
	`DELETE FROM epochs WHERE trial = ?`, `DELETE FROM metrics WHERE trial = ?`, `DELETE FROM scores WHERE trial = ?`,
	`DELETE FROM group_metrics WHERE trial = ?`, `DELETE FROM calibration WHERE trial = ?`, `DELETE FROM attention WHERE trial = ?`,
}
