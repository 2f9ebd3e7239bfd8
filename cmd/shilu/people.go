package main

import (
	"context"
	"flag"
	"strconv"
	"strings"

	"shilu/internal/evidence"
	"shilu/internal/store"
)

// findDepartment resolves a --dept value: "" is none, a number is an id,
// anything else a name that must be unique across the tree.
func findDepartment(ctx context.Context, tx *store.Tx, ref string) (*int64, error) {
	if ref == "" {
		return nil, nil
	}
	if id, err := strconv.ParseInt(ref, 10, 64); err == nil {
		d, err := tx.Department(ctx, id)
		if err != nil {
			return nil, err
		}
		return &d.ID, nil
	}
	all, err := tx.Departments(ctx)
	if err != nil {
		return nil, err
	}
	var found []int64
	for _, d := range all {
		if d.Name == ref {
			found = append(found, d.ID)
		}
	}
	switch len(found) {
	case 0:
		return nil, evidence.Errorf(evidence.ENotFound, "err.department.not_found_name", ref)
	case 1:
		return &found[0], nil
	}
	return nil, evidence.Errorf(evidence.EInvalid, "err.department.ambiguous", len(found), ref)
}

// deptAdd makes a department, under --parent if given.
func (e *cmdEnv) deptAdd(args []string) (err error) {
	fs := e.newFlags("dept add", "dept add --data DIR --name NAME [--parent ID|NAME]")
	data := fs.String("data", "", "data directory")
	name := fs.String("name", "", "department name, e.g. 交警支队")
	parent := fs.String("parent", "", "the parent department, by id or unique name")
	a, err := e.openWithFlags(fs, args, data, "name")
	if err != nil {
		return err
	}
	defer a.closeInto(&err)
	var parentID *int64
	if err := a.db.View(e.ctx, func(tx *store.Tx) error { parentID, err = findDepartment(e.ctx, tx, *parent); return err }); err != nil {
		return err
	}
	d, err := a.app.CreateDepartment(e.ctx, cliActor(), *name, parentID)
	if err != nil {
		return err
	}
	e.printf("department %d %s created\n", d.ID, d.Name)
	return nil
}

// deptList prints the department tree, one per line, indented by depth.
func (e *cmdEnv) deptList(args []string) (err error) {
	fs := e.newFlags("dept list", "dept list --data DIR")
	data := fs.String("data", "", "data directory")
	a, err := e.openWithFlags(fs, args, data)
	if err != nil {
		return err
	}
	defer a.closeInto(&err)
	var all []store.Department
	if err := a.db.View(e.ctx, func(tx *store.Tx) error { all, err = tx.Departments(e.ctx); return err }); err != nil {
		return err
	}
	children := map[int64][]store.Department{} // parent id (0: none) → children, by id
	for _, d := range all {
		var p int64
		if d.ParentID != nil {
			p = *d.ParentID
		}
		children[p] = append(children[p], d)
	}
	var walk func(parent int64, depth int)
	walk = func(parent int64, depth int) {
		for _, d := range children[parent] {
			e.printf("%s%d %s\n", strings.Repeat("  ", depth), d.ID, d.Name)
			walk(d.ID, depth+1)
		}
	}
	walk(0, 0)
	return nil
}

// userReset gives a person a new initial password (a forgotten one, or a
// locked-out only administrator), clears the lockout and ends their
// sessions; --totp also removes their second factor (a lost phone). This is
// the recovery of last resort, for whoever runs the server.
func (e *cmdEnv) userReset(args []string) (err error) {
	fs := e.newFlags("user reset", "user reset --data DIR --name NAME [--totp]")
	data := fs.String("data", "", "data directory")
	name := fs.String("name", "", "user name")
	totp := fs.Bool("totp", false, "also remove the user's second factor")
	a, err := e.openWithFlags(fs, args, data, "name")
	if err != nil {
		return err
	}
	defer a.closeInto(&err)
	password, err := a.app.ResetUser(e.ctx, cliActor(), *name, *totp)
	if err != nil {
		return err
	}
	e.printf("user %s reset; initial password: %s\n", *name, password)
	return nil
}

// identityFlags adds the officer identity flags of R-ACT-3 to a user
// command: the name the notice of Art. 8 reads out and the officer number
// (执法证号) activities and device file names carry.
func identityFlags(fs *flag.FlagSet) (displayName, officerNo *string) {
	displayName = fs.String("display-name", "", "the person's name as the notice to the party reads it, e.g. 张伟")
	officerNo = fs.String("officer-no", "", "officer number (执法证号): letters, digits and '-', e.g. 000123")
	return displayName, officerNo
}
