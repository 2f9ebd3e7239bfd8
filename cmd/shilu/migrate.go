package main

// migrate applies the archive's pending schema migrations and reports the
// schema version: what every command does on opening, as a step of its
// own, so that an operator upgrading several servers on one PostgreSQL
// database migrates once, before they start. --db records the database on
// first use, as serve --db does.
func (e *cmdEnv) migrate(args []string) (err error) {
	fs := e.newFlags("migrate", "migrate --data DIR [--db postgres://USER@HOST:PORT/DATABASE]")
	data := fs.String("data", "", "data directory (keys; DATA/db.url or DATA/shilu.db)")
	dbURL := fs.String("db", "", `the PostgreSQL database to migrate ("" = the archive's: DATA/db.url, else DATA/shilu.db); recorded in DATA/db.url on first use`)
	if err := e.parse(fs, args); err != nil {
		return err
	}
	if err := requireFlags(fs, "data"); err != nil {
		return err
	}
	a, err := e.openArchiveAt(*data, "", *dbURL)
	if err != nil {
		return err
	}
	defer a.closeInto(&err)
	v, err := a.db.SchemaVersion(e.ctx)
	if err != nil {
		return err
	}
	e.printf("schema version %d\n", v)
	return nil
}
