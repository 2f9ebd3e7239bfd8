-- An index on each custody entry's action, picked out of its canonical
-- encoding by the same expression as store.actionExpr (activity_stats.go;
-- the two must stay identical, TestActionIndexUsed checks that SQLite uses
-- this index): the dashboard counts exports by action (R-RPT-1) without
-- reading the whole log.
CREATE INDEX audit_entries_action ON audit_entries(substr(substr(data, instr(data, X'22616374696f6e223a22') + 10, 64), 1,
	instr(substr(data, instr(data, X'22616374696f6e223a22') + 10, 64), X'22') - 1));
