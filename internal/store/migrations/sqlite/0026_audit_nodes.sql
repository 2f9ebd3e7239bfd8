-- The custody log's subtree nodes without the leaves: a leaf (level 0) is
-- its entry's leaf_hash, stored there already, and keeping it twice made
-- every append write two node rows and `audit verify` read two. The table
-- is rebuilt WITHOUT ROWID, clustered on (level, idx), so that a range of
-- nodes is one walk of one b-tree instead of an index walk and a table
-- lookup per row.
CREATE TABLE audit_nodes_new (
    level INTEGER NOT NULL,
    idx   INTEGER NOT NULL,
    hash  BLOB    NOT NULL,
    PRIMARY KEY (level, idx)
) WITHOUT ROWID;
INSERT INTO audit_nodes_new (level, idx, hash) SELECT level, idx, hash FROM audit_nodes WHERE level > 0;
DROP TABLE audit_nodes;
ALTER TABLE audit_nodes_new RENAME TO audit_nodes;
