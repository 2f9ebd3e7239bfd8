package store

import (
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/stdlib"
)

// OpenPostgres opens the PostgreSQL database at url (postgres://…) and
// applies pending migrations (migrations/postgres: a baseline equal to
// SQLite's schema at version 21, then pairs).
//
// It goes through pgx's database/sql driver (stdlib) rather than pgx's own
// pool, so that the store keeps one code path for both databases: the same
// Tx, the same queries (rebound to $n placeholders), the same scans. What
// pgx alone would add (COPY, batches) no query here needs.
func OpenPostgres(ctx context.Context, url string, opt Options) (*DB, error) {
	if opt.Clock == nil {
		opt.Clock = time.Now
	}
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("store: open postgres: %w", err)
	}
	pool := func() *sql.DB {
		return stdlib.OpenDB(*cfg, stdlib.OptionAfterConnect(func(_ context.Context, c *pgx.Conn) error {
			c.TypeMap().RegisterType(&pgtype.Type{Name: "int8", OID: pgtype.Int8OID, Codec: flagCodec{}})
			return nil
		}))
	}
	// Writers run side by side (the custody log orders its appends itself,
	// LogState); both pools stay small, as several servers share the
	// database's connections.
	w, r := pool(), pool()
	w.SetMaxOpenConns(8)
	w.SetMaxIdleConns(4)
	r.SetMaxOpenConns(8)
	r.SetMaxIdleConns(4)
	if err := w.PingContext(ctx); err != nil {
		return nil, errors.Join(fmt.Errorf("store: open postgres: %w", err), w.Close(), r.Close())
	}
	return open(ctx, &DB{w: w, r: r, d: postgres, clock: opt.Clock, log: opt.Log, secrets: opt.Secrets})
}

// flagCodec is pgx's int8 codec that also encodes Go bools, as 1 and 0:
// the schema keeps flags as integers in both dialects (queries compare them
// with 0 and 1), and SQLite's driver stores a bool so. Scanning needs
// nothing: database/sql converts the integer for a *bool.
type flagCodec struct{ pgtype.Int8Codec }

func (c flagCodec) PlanEncode(m *pgtype.Map, oid uint32, format int16, value any) pgtype.EncodePlan {
	if _, ok := value.(bool); ok {
		return flagPlan{format}
	}
	return c.Int8Codec.PlanEncode(m, oid, format, value)
}

type flagPlan struct{ format int16 }

func (p flagPlan) Encode(value any, buf []byte) ([]byte, error) {
	var n int64
	if value.(bool) {
		n = 1
	}
	if p.format == pgtype.BinaryFormatCode {
		return binary.BigEndian.AppendUint64(buf, uint64(n)), nil
	}
	return strconv.AppendInt(buf, n, 10), nil
}
