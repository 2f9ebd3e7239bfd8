-- PostgreSQL twin of sqlite/0026_audit_nodes.sql: a leaf (level 0) is its
-- entry's leaf_hash, stored there already; the nodes above the leaves stay.
-- (PostgreSQL's primary key is an index the table is read through either
-- way; there is no rowid to remove.)
DELETE FROM audit_nodes WHERE level = 0;
