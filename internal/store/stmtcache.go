package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// stmtCache keeps the statements of the queries that every request runs
// (hotQueries: its session and account, the access generation), prepared
// once per connection of the readers' pool: modernc's SQLite spends as long
// parsing such a query as running it (issue 15's profile). database/sql
// prepares a Stmt on each connection the first time a transaction there
// uses it, and keeps it. They are prepared when the store opens: preparing
// one later would wait for a free connection while holding one, which,
// with every connection of the pool doing so, never comes.
type stmtCache struct {
	m map[string]*sql.Stmt // read only after newStmtCache
}

// hotQueries are the queries getPrepared serves from stmtCache.
var hotQueries = []string{sessionByHashQuery, accountByIDQuery, accessGenerationQuery}

func newStmtCache(ctx context.Context, pool *sql.DB, d dialect) (*stmtCache, error) {
	c := &stmtCache{m: map[string]*sql.Stmt{}}
	for _, q := range hotQueries {
		st, err := pool.PrepareContext(ctx, d.rebind(q))
		if err != nil {
			return nil, errors.Join(fmt.Errorf("store: prepare: %w", err), c.close())
		}
		c.m[q] = st
	}
	return c, nil
}

func (c *stmtCache) close() error {
	if c == nil {
		return nil
	}
	var errs []error
	for _, st := range c.m {
		errs = append(errs, st.Close())
	}
	return errors.Join(errs...)
}

// getPrepared is get through a prepared statement, for one of hotQueries
// in a read transaction; elsewhere it is get.
func (tx *Tx) getPrepared(ctx context.Context, dest []any, q string, args ...any) error {
	if tx.stmts == nil || tx.stmts.m[q] == nil {
		return tx.get(ctx, dest, q, args...)
	}
	st := tx.stmts.m[q]
	return tx.tx.StmtContext(ctx, st).QueryRowContext(ctx, args...).Scan(dest...)
}
