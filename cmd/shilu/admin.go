package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"

	"shilu/internal/app"
	"shilu/internal/audit"
	"shilu/internal/blob"
	"shilu/internal/evidence"
	"shilu/internal/store"
)

// userAdd makes an account. The first system administrator comes from
// here: there are no default accounts (X-SEC-2). A person's initial
// password is printed once and must be changed at first sign-in (X-SEC-1);
// a station gets no password, only tokens.
func (e *cmdEnv) userAdd(args []string) (err error) {
	fs := e.newFlags("user add", "user add --data DIR --name NAME --role ROLE [--dept ID|NAME] [--display-name NAME] [--officer-no NO] [--must-change=false]")
	data := fs.String("data", "", "data directory")
	name := fs.String("name", "", "user name (sign-in name)")
	role := fs.String("role", "", fmt.Sprintf("role, one of %v, or none for an account awaiting its role from the security administrator", evidence.Roles))
	dept := fs.String("dept", "", "the user's department, by id or unique name")
	mustChange := fs.Bool("must-change", true, "the initial password must be changed at first sign-in")
	displayName, officerNo := identityFlags(fs)
	a, err := e.openWithFlags(fs, args, data, "name", "role")
	if err != nil {
		return err
	}
	defer a.closeInto(&err)
	r := evidence.Role(*role)
	if !r.Valid() && r != evidence.RoleNone {
		return fmt.Errorf("--role %q: want one of %v or none", *role, evidence.Roles)
	}
	var deptID *int64
	if err := a.db.View(e.ctx, func(tx *store.Tx) error { deptID, err = findDepartment(e.ctx, tx, *dept); return err }); err != nil {
		return err
	}
	_, password, err := a.app.CreateUser(e.ctx, cliActor(), app.NewUser{Name: *name, Role: r, DepartmentID: deptID,
		DisplayName: *displayName, OfficerNo: *officerNo, KeepPassword: !*mustChange})
	if err != nil {
		return err
	}
	if password == "" {
		e.printf("user %s (%s) created; it signs in with API tokens (shilu token create)\n", *name, *role)
		return nil
	}
	e.printf("user %s (%s) created; initial password: %s\n", *name, *role, password)
	return nil
}

func (e *cmdEnv) tokenCreate(args []string) (err error) {
	fs := e.newFlags("token create", "token create --data DIR --user STATION [--name LABEL]")
	data := fs.String("data", "", "data directory")
	userName := fs.String("user", "", "the collection station the token acts as (tokens belong to stations; people sign in)")
	label := fs.String("name", "api", "a label for the token, e.g. the collection station")
	a, err := e.openWithFlags(fs, args, data, "user")
	if err != nil {
		return err
	}
	defer a.closeInto(&err)
	var id int64
	if err := a.db.View(e.ctx, func(tx *store.Tx) error {
		u, _, err := tx.UserByName(e.ctx, *userName)
		id = u.ID
		return err
	}); err != nil {
		return err
	}
	token, err := a.app.CreateToken(e.ctx, cliActor(), id, *label)
	if err != nil {
		return err
	}
	e.printf("%s\n", token)
	return nil
}

// verify re-hashes every catalogued original (R-STORE-2: the hash taken at
// ingest is re-checkable at any time) and names each that is missing or
// corrupt.
func (e *cmdEnv) verify(args []string) (err error) {
	fs := e.newFlags("verify", "verify --data DIR [--jobs N] [--quiet]")
	data := fs.String("data", "", "data directory")
	quiet := fs.Bool("quiet", false, "no progress bar")
	jobs := fs.Int("jobs", runtime.NumCPU(), "recordings hashed at once")
	a, err := e.openWithFlags(fs, args, data)
	if err != nil {
		return err
	}
	defer a.closeInto(&err)
	type item struct {
		id   int64
		d    blob.Digest
		size int64
	}
	var items []item
	var total int64
	var disposed map[blob.Digest]bool
	err = a.db.View(e.ctx, func(tx *store.Tx) error {
		var err error
		if disposed, err = tx.DisposedDigests(e.ctx); err != nil {
			return err
		}
		return tx.AllDigests(e.ctx, func(id int64, d blob.Digest, size int64) error {
			if _, ok := disposed[d]; ok {
				return nil // R-RET-3: disposed of, its tombstone stays; reported below
			}
			items = append(items, item{id, d, size})
			total += size
			return nil
		})
	})
	if err != nil {
		return err
	}
	// A disposed recording's blob is gone by design: it is reported as
	// disposed, never as missing. One whose removal is still pending (the
	// server was killed between the tombstone and the removal) is said so;
	// the server's next disposal run removes it.
	pending := 0
	for d, erased := range disposed {
		if !erased {
			if _, err := a.blobs.Stat(e.ctx, d); err == nil {
				pending++
			}
		}
	}
	var bar *progressbar.ProgressBar
	if !*quiet && total > 0 { // the bar refuses a total of 0
		bar = progressbar.DefaultBytes(total, "verifying")
		bar.ChangeMax64(total)
	}
	// Blobs are hashed in parallel, one per core (issue 17: one at a time
	// left a core idle); this goroutine reports each result as it comes.
	type result struct {
		i   int
		err error
	}
	ctx, cancel := context.WithCancel(e.ctx)
	defer cancel()
	next, results := make(chan int), make(chan result)
	var wg sync.WaitGroup
	for range max(*jobs, 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				results <- result{i, a.blobs.Verify(ctx, items[i].d)}
			}
		}()
	}
	go func() {
		defer close(next)
		for i := range items {
			select {
			case next <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() { wg.Wait(); close(results) }()
	bad := 0
	var failed error
	for r := range results {
		it := items[r.i]
		if bar != nil {
			e.keep(bar.Add64(it.size))
		}
		switch {
		case r.err == nil:
		case errors.Is(r.err, blob.ErrCorrupt):
			bad++
			e.printf("CORRUPT recording %d %s %s\n", it.id, it.d, a.blobAt(it.d))
		case errors.Is(r.err, blob.ErrNotFound):
			bad++
			e.printf("MISSING recording %d %s %s\n", it.id, it.d, a.blobAt(it.d))
		case failed == nil:
			failed = r.err
			cancel()
		}
	}
	if failed != nil {
		return failed
	}
	if bar != nil {
		e.keep(bar.Finish())
		e.eprintf("\n")
	}
	if bad > 0 {
		e.printf("%d of %d recordings failed verification (%d disposed of, not counted)\n", bad, len(items), len(disposed))
		return exitError(1)
	}
	e.printf("%d recordings verified, %s\n", len(items), strconv.FormatInt(total, 10)+" bytes")
	if len(disposed) > 0 {
		e.printf("%d recordings disposed of (tombstones kept)", len(disposed))
		if pending > 0 {
			e.printf(", %d of them with their file still to be removed by the server", pending)
		}
		e.printf("\n")
	}
	return nil
}

// auditVerify recomputes the custody log from its entries and checks every
// signed checkpoint (R-AUD-1, X-AUD-1), with every core checking
// signatures. A million entries take some seconds (audit.BenchmarkVerify),
// so it shows a progress bar on stderr unless --quiet. Entries not yet
// under a signed checkpoint (the log signs per batch) are a warning line.
//
// With --checkpoint it also checks that the log extends a signed checkpoint
// kept outside the database (serve --witness, audit checkpoint, an
// export's): a log rolled back to an older copy verifies on its own, but
// not against a checkpoint it no longer reaches (issue 9 point 7).
func (e *cmdEnv) auditVerify(args []string) (err error) {
	fs := e.newFlags("audit verify", "audit verify --data DIR [--checkpoint FILE] [--quiet]")
	data := fs.String("data", "", "data directory")
	quiet := fs.Bool("quiet", false, "no progress bar")
	heldFile := fs.String("checkpoint", "", "a signed checkpoint kept outside the data directory, which the log must extend")
	a, err := e.openWithFlags(fs, args, data)
	if err != nil {
		return err
	}
	defer a.closeInto(&err)
	var held *audit.Checkpoint
	if *heldFile != "" {
		b, err := os.ReadFile(*heldFile)
		if err != nil {
			return fmt.Errorf("--checkpoint: %w", err)
		}
		cp, err := audit.ParseCheckpoint(string(b), a.verifier, a.log.Origin)
		if err != nil {
			return fmt.Errorf("--checkpoint %s: %w", *heldFile, err)
		}
		held = &cp
	}
	var bar *progressbar.ProgressBar
	var progress func(done, total uint64)
	if !*quiet {
		progress = func(done, total uint64) {
			if total == 0 {
				return // an empty log: nothing to show
			}
			if bar == nil {
				bar = progressbar.NewOptions64(int64(total), progressbar.OptionSetDescription("verifying custody log"),
					progressbar.OptionSetWriter(e.stderr), progressbar.OptionSetWidth(30), progressbar.OptionThrottle(100*time.Millisecond),
					progressbar.OptionShowCount(), progressbar.OptionShowIts(), progressbar.OptionSetItsString("entries"),
					progressbar.OptionOnCompletion(func() { e.eprintf("\n") }), progressbar.OptionClearOnFinish())
			}
			if int64(total) != bar.GetMax64() {
				bar.ChangeMax64(int64(total)) // more entries stored than the log state counts
			}
			e.keep(bar.Set64(int64(done)))
		}
	}
	var rep audit.Report
	err = a.db.View(e.ctx, func(tx *store.Tx) error {
		// A second read transaction, begun after tx's, for the stored
		// nodes: Verify reads them beside the entries (VerifyOptions.Nodes).
		err := a.db.View(e.ctx, func(nodes *store.Tx) error {
			var err error
			rep, err = audit.VerifyWith(e.ctx, tx, a.verifier, a.log.Origin, audit.VerifyOptions{Progress: progress, Nodes: nodes})
			return err
		})
		if err != nil || held == nil {
			return err
		}
		if err := audit.Extends(e.ctx, tx, rep.Entries, rep.Root, *held); err != nil {
			rep.Problems = append(rep.Problems, audit.Problem{Kind: "checkpoint", Index: held.Size, Message: err.Error()})
			return fmt.Errorf("%w: %v", audit.ErrTampered, err)
		}
		return nil
	})
	if bar != nil && !bar.IsFinished() {
		e.keep(bar.Exit()) // stopped short: leave the bar where it stopped
	}
	for _, p := range rep.Problems {
		e.printf("PROBLEM %v\n", p)
	}
	if rep.Omitted > 0 {
		e.printf("... and %d more problems\n", rep.Omitted)
	}
	if err != nil {
		if errors.Is(err, audit.ErrTampered) {
			e.printf("custody log does NOT verify: %d entries, %d problems\n", rep.Entries, len(rep.Problems)+rep.Omitted)
			return exitError(1)
		}
		return err
	}
	e.printf("custody log verifies: %d entries, %d signed checkpoints, root %x\nkey: %s\n",
		rep.Entries, rep.Checkpoints, rep.Root, a.verifier.Name())
	if rep.Unsigned > 0 {
		// Not a failure: the log signs per batch, and the server signs
		// its head within about a minute, and when it starts or stops.
		e.printf("WARNING the newest %d entries (from %d) are not yet under a signed checkpoint: only the recomputed root covers them\n",
			rep.Unsigned, rep.Entries-rep.Unsigned)
	}
	if held != nil {
		e.printf("extends the held checkpoint of %d entries (%s)\n", held.Size, *heldFile)
	}
	// The log is the source of truth: the tables must be what it says.
	problems, err := a.app.CheckState(e.ctx)
	if err != nil {
		return err
	}
	tampered := 0
	for _, p := range problems {
		if !p.Tampering() {
			// Rows of an archive older than the entries' details: said,
			// not failed, or an old archive could never verify again.
			e.printf("NOTE state %v\n", p)
			continue
		}
		tampered++
		e.printf("PROBLEM state %v\n", p)
	}
	if tampered > 0 {
		e.printf("the archive's state does NOT match its custody log: %d problems\n", tampered)
		return exitError(1)
	}
	e.printf("recordings, accounts, access requests, grants, viewings, activities, exemptions and findings match the custody log\n")
	return nil
}

// auditCheckpoint prints the custody log's latest signed checkpoint, for
// keeping apart from the data (a ticket, a printout, another machine):
// audit verify --checkpoint proves later that the log still reaches it.
func (e *cmdEnv) auditCheckpoint(args []string) (err error) {
	fs := e.newFlags("audit checkpoint", "audit checkpoint --data DIR")
	data := fs.String("data", "", "data directory")
	a, err := e.openWithFlags(fs, args, data)
	if err != nil {
		return err
	}
	defer a.closeInto(&err)
	cp, err := latestCheckpoint(e.ctx, a.db)
	if err != nil {
		return err
	}
	e.printf("%s", cp.Note)
	return nil
}

// latestCheckpoint signs the custody log's head if it is not yet signed
// (the log signs per batch) and returns the newest signed checkpoint: one
// that covers every entry there is.
func latestCheckpoint(ctx context.Context, db *store.DB) (audit.Checkpoint, error) {
	cp, err := db.SignHead(ctx)
	if err == nil && cp.Size == 0 {
		err = errors.New("the custody log is empty")
	}
	return cp, err
}
