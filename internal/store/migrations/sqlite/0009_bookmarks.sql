-- Key moments inside recordings (重点摄录, Art. 10; R-ACT-5): metadata
-- beside the original, which stays untouched. Offsets are milliseconds
-- from the start of the media. A removal is a soft delete (removed_by,
-- removed_at): the row stays, so the table and the custody log agree on
-- who marked what and who took it back.
CREATE TABLE bookmarks (
    id           INTEGER PRIMARY KEY,
    recording_id INTEGER NOT NULL REFERENCES recordings(id),
    offset_ms    INTEGER NOT NULL,
    end_ms       INTEGER,
    kind         TEXT    NOT NULL,
    label        TEXT    NOT NULL DEFAULT '',
    created_by   INTEGER NOT NULL REFERENCES users(id),
    created_at   INTEGER NOT NULL,
    removed_by   INTEGER REFERENCES users(id),
    removed_at   INTEGER
);
CREATE INDEX bookmarks_recording ON bookmarks(recording_id, offset_ms) WHERE removed_at IS NULL;
